"""The reader's language on both services' pages: which catalogue a request gets, Flask-Babel set
up over a service's catalogues, and the values every page's language switcher reads.

The choice, first match wins: ``?lang=`` (a form field on POSTed pages), then the
``Accept-Language`` header, then English (``requested_language``). A JSON API answers in English
unless ``Accept-Language`` names a shipped language (``accepted_language``). The languages and
the tag rule are vc.languages'; each service keeps its own texts (verifier.web.i18n,
issuer.web.i18n) and chooses which paths are API, page, or English only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response, request
from flask_babel import Babel, get_locale
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader
from werkzeug.exceptions import HTTPException

from vc.languages import LANGUAGES, catalogue_of

DEFAULT = "en"
# Templates both services' pages include (the language switcher, _languages.html), found after
# each app's own.
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _lang_field() -> str | None:
    """``lang`` from the query, else from a form body; a body that cannot be read (too large,
    malformed) names no language, and its own error is reported by the view."""
    value = request.args.get("lang")
    if value or request.method != "POST":
        return value
    try:
        return request.form.get("lang")
    except HTTPException:
        return None


def requested_language() -> str:
    """The catalogue a page request asked for: ``?lang=``, then Accept-Language, then English."""
    chosen = catalogue_of(_lang_field())
    return chosen or accepted_language()


def accepted_language() -> str:
    """The first shipped language Accept-Language names (in its order), else English."""
    for tag, _quality in request.accept_languages:
        chosen = catalogue_of(tag)
        if chosen:
            return chosen
    return DEFAULT


def current_language() -> str:
    """The catalogue this request is rendered in."""
    locale = get_locale()
    if locale is None:
        return DEFAULT
    return "zh_Hans" if locale.language == "zh" else locale.language


def html_lang(catalogue: str | None = None) -> str:
    """The BCP 47 tag of a catalogue (``zh_Hans`` -> ``zh-Hans``)."""
    return (catalogue or current_language()).replace("_", "-")


def switch_url(catalogue: str) -> str:
    """This GET page in another language (the other query parameters kept)."""
    values = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    values.append(("lang", catalogue))
    return request.path + "?" + urlencode(values)


def install(
    app: Flask,
    translations: Path,
    locale_selector: Callable[[], str],
    varies: Callable[[], bool] = lambda: True,
) -> None:
    """Flask-Babel over the catalogues in ``translations``, ``Vary: Accept-Language`` on the
    responses that depend on it (``varies``: all, unless told), and the switcher's values in
    every template (html_lang, languages, current_language, switch_url), with the shared
    switcher template (``{% include "_languages.html" %}``)."""
    own: list[BaseLoader] = [app.jinja_loader] if app.jinja_loader is not None else []
    app.jinja_loader = ChoiceLoader([*own, FileSystemLoader(str(TEMPLATES))])
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    Babel(app, locale_selector=locale_selector, default_translation_directories=str(translations))

    @app.after_request
    def _vary(response: Response) -> Response:
        # The same URL answers in the language the header asks for: caches must know.
        # (The header text itself: response.vary parses and rewrites a HeaderSet each time.)
        if not varies():
            return response
        vary = response.headers.get("Vary")
        if not vary:
            response.headers["Vary"] = "Accept-Language"
        elif "accept-language" not in {item.strip().lower() for item in vary.split(",")}:
            response.headers["Vary"] = f"{vary}, Accept-Language"
        return response

    @app.context_processor
    def _language_values() -> dict[str, object]:
        return {
            "html_lang": html_lang(),
            "languages": LANGUAGES,
            "current_language": current_language(),
            "switch_url": switch_url,
        }
