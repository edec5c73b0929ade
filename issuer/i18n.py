"""The issuer's texts in the reader's language, without Flask: its catalogues
(``issuer/translations``: the public pages, the messages to graduates, the diploma PDF) read with
Babel, one ``Texts`` per language per process.

The web pages get theirs from Flask-Babel over the same folder (issuer.web.i18n); what is made
outside a page's request for a given graduate (a message, a batch's PDFs) asks ``texts`` for the
language ``graduate_language`` chose: the first tag given (the degree's language of instruction,
then the issuer's ``mail_language``) that has a catalogue, else English. Source texts are marked
with ``_`` (extracted by ``make translations``; issuer/babel.cfg).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.support import NullTranslations, Translations

from vc.languages import catalogue_of, cldr_locale

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DEFAULT_LANGUAGE = "en"


def _(message: str) -> str:
    """Marks a source text for the catalogues; ``Texts.text`` translates it where it is used."""
    return message


def graduate_language(*tags: str | None) -> str:
    """The catalogue of the first tag that has one (``kk-KZ`` -> ``kk``), else English."""
    for tag in tags:
        found = catalogue_of(tag)
        if found is not None:
            return found
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Texts:
    """One catalogue: its texts, its BCP 47 tag and its CLDR locale."""

    catalogue: str
    tag: str  # BCP 47, for Content-Language and HTML lang
    translations: NullTranslations
    locale: Locale

    def text(self, message: str, **params: str) -> str:
        translated = str(self.translations.gettext(message))
        return translated % params if params else translated

    def markup(self, message: str, **params: str) -> str:
        """The translated text as HTML: the text escaped, then the parameters (already HTML)."""
        translated = html.escape(str(self.translations.gettext(message)), quote=False)
        return translated % params if params else translated

    def long_date(self, value: date) -> str:
        """A day as CLDR writes it in this language (``27 июня 2025 г.``)."""
        return str(format_date(value, "long", locale=self.locale))


@cache
def texts(catalogue: str | None) -> Texts:
    """The texts of a shipped catalogue (or of the one a BCP 47 tag names; English when none),
    read once per process."""
    chosen = catalogue_of(catalogue) or DEFAULT_LANGUAGE
    translations = Translations.load(str(TRANSLATIONS), [chosen])
    return Texts(chosen, chosen.replace("_", "-"), translations, Locale.parse(cldr_locale(chosen)))
