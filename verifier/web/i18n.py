"""The reader's language: which one a request gets, and CLDR names and dates in it (Babel).

Seven languages ship (``LANGUAGES``), each a gettext catalogue under ``web/translations``
(``.po`` edited, ``.mo`` compiled and committed so a clean clone and a wheel both work; a test
checks that they agree). The choice (diplomat_ops.i18n), first match wins: ``?lang=`` (a form
field on POSTed pages), then the ``Accept-Language`` header, then English. The JSON API stays
English unless ``Accept-Language`` asks for one of these languages: then a problem's title and a
catalogued ``detail`` (marked with ``N_``) come back translated, its ``type`` unchanged.

Country names, dates and numbers come from CLDR through Babel, never from a table of ours.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from flask import Flask, request
from flask_babel import get_locale, gettext

from diplomat_ops import i18n
from diplomat_ops.i18n import (
    DEFAULT,
    accepted_language,
    current_language,
    html_lang,
    requested_language,
    switch_url,
)
from vc.languages import LANGUAGES, catalogue_of
from vc.message import Message, render


def api_language() -> str:
    """The JSON API's language: English unless Accept-Language names a shipped one."""
    return accepted_language()


def _locale_selector() -> str:
    if request.path.startswith(("/api/", "/credentials/", "/presentations/", "/challenges")):
        return api_language()
    return requested_language()


def install(app: Flask) -> None:
    """Flask-Babel with the shipped catalogues, and the helpers the templates use."""
    i18n.install(app, Path(__file__).resolve().parent / "translations", _locale_selector)


def N_(message: str) -> str:
    """Mark a fixed message for the catalogues without translating it here: a problem's English
    ``detail`` stays as it is for machines, and a page looks it up with ``localised``."""
    return message


def _translated(template: str) -> str:
    return str(gettext(template))


def message_value(item: object) -> str:
    """A parameter of a core sentence (``vc.message.Message``) in the reader's format: moments
    and days through CLDR, numbers as they are (they are codes and counts, not amounts)."""
    if isinstance(item, datetime):
        return moment(item) or ""
    if isinstance(item, date):
        return long_date(item) or ""
    return str(item)


def localised(text: str) -> str:
    """The reader's translation: of a core sentence (``vc.message.Message``), rendered from its
    template and parameters; of a message catalogued with ``N_``; any other text unchanged
    (English)."""
    if isinstance(text, Message):
        return render(text, _translated, message_value)
    return str(gettext(text)) if text else text


def _locale() -> Locale:
    locale: Locale | None = get_locale()
    return locale or Locale.parse(DEFAULT)


def country_name(code: str | None) -> str | None:
    """The CLDR name of an ISO 3166-1 alpha-2 code in the reader's language (the code itself
    when CLDR has none)."""
    if not code:
        return None
    return str(_locale().territories.get(code.upper(), code))


def long_date(value: date | None) -> str | None:
    return None if value is None else format_date(value, "long", locale=_locale())


def moment(value: datetime | None) -> str | None:
    """A moment in the reader's format, in UTC (said so: the reader's zone is not known)."""
    if value is None:
        return None
    return format_datetime(value, "medium", tzinfo=None, locale=_locale()) + " UTC"


_SCRIPT_TAGS: Mapping[str, str] = {
    "CYRILLIC": "Cyrl",
    "LATIN": "Latn",
    "CJK": "Hani",
    "HIRAGANA": "Jpan",
    "KATAKANA": "Jpan",
    "HANGUL": "Kore",
    "ARABIC": "Arab",
    "GREEK": "Grek",
    "HEBREW": "Hebr",
}
_PAGE_SCRIPTS: Mapping[str, frozenset[str]] = {
    "en": frozenset({"Latn"}),
    "fr": frozenset({"Latn"}),
    "ru": frozenset({"Cyrl"}),
    "kk": frozenset({"Cyrl"}),
    "ja": frozenset({"Jpan", "Hani"}),
    "zh_Hans": frozenset({"Hani"}),
    "ko": frozenset({"Kore", "Hani"}),
}


def script_of(text: str) -> str | None:
    """The ISO 15924 code of the first letter's script (enough for a name or a title)."""
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            for word, script in _SCRIPT_TAGS.items():
                if name.startswith(word):
                    return script
            return None
    return None


def lang_of(text: str | None, declared: str | None = None) -> str | None:
    """The ``lang`` attribute for credential text shown on this page: the language the
    credential declares for it (a JSON-LD language value), else ``und-<Script>`` when its script
    is not the page's; None when it reads in the page's own language and script."""
    if declared:
        return None if catalogue_of(declared) == current_language() else declared
    if not text:
        return None
    script = script_of(text)
    if script is None or script in _PAGE_SCRIPTS.get(current_language(), frozenset()):
        return None
    return f"und-{script}"


__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "N_",
    "api_language",
    "catalogue_of",
    "country_name",
    "current_language",
    "html_lang",
    "install",
    "lang_of",
    "localised",
    "long_date",
    "message_value",
    "moment",
    "requested_language",
    "script_of",
    "switch_url",
]
