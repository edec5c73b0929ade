"""`diplomat verify --lang xx`: the human lines in the reader's language, from the verifier's
gettext catalogues (verifier/web/translations), read with Babel and no Flask. The core's
sentences (vc.message.Message) are rendered from their templates; dates through CLDR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.support import NullTranslations, Translations

import verifier
from vc import languages
from vc.errors import MalformedValueError
from vc.languages import LANGUAGES, cldr_locale
from vc.message import render

CATALOGUES = Path(verifier.__file__).parent / "web" / "translations"


def catalogue_of(tag: str) -> str:
    """The shipped catalogue for a BCP 47 tag (``ja-JP`` -> ``ja``, ``zh-CN`` -> ``zh_Hans``).
    Raises MalformedValueError for a language that does not ship (Traditional Chinese too)."""
    found = languages.catalogue_of(tag)
    if found is None:
        raise MalformedValueError(
            f"--lang {tag!r}: no such language; choose one of {', '.join(LANGUAGES)}"
        )
    return found


@dataclass(frozen=True)
class Language:
    """One catalogue and its CLDR locale."""

    catalogue: str
    translations: NullTranslations
    locale: Locale

    def __call__(self, message: str) -> str:
        """A catalogued text (a page label, a core sentence) in this language; other text as it
        is."""
        return render(message, self._gettext, self._value)

    def _gettext(self, message: str) -> str:
        return str(self.translations.gettext(message))

    def _value(self, item: object) -> str:
        if isinstance(item, datetime):
            return format_datetime(item, "medium", tzinfo=None, locale=self.locale) + " UTC"
        if isinstance(item, date):
            return format_date(item, "long", locale=self.locale)
        return str(item)

    def day(self, value: date) -> str:
        """A day as CLDR writes it in this language."""
        return self._value(value)

    def label(self, message: str) -> str:
        """A fixed label from the catalogue (a plain msgid, not a Message)."""
        return self._gettext(message)


def load_language(tag: str | None) -> Language:
    """The language asked for (English when none). Raises MalformedValueError."""
    catalogue = catalogue_of(tag) if tag else "en"
    translations = Translations.load(str(CATALOGUES), [catalogue])
    locale = Locale.parse(cldr_locale(catalogue))
    return Language(catalogue, translations, locale)


__all__ = ["LANGUAGES", "Language", "catalogue_of", "load_language"]
