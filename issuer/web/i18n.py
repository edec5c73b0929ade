"""The reader's language on the issuer's public pages: the shared diploma (``/share/…``, read by
employers and admissions offices abroad) and the graduate's own pages (``/claim/…``,
``/manage/…``: the diploma, share links, wallets).

The same seven languages and the same choice as the verifier's pages (diplomat_ops.i18n:
``?lang=``, a ``lang`` form field on the graduate's forms, Accept-Language, then English). The
texts are the issuer's catalogues in ``issuer/translations`` (shared with the messages to
graduates, issuer.mail). Everything else the issuer serves stays English: the registrar's
console, the APIs and the wallet protocols.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext

from diplomat_ops import i18n
from diplomat_ops.i18n import DEFAULT
from issuer.i18n import TRANSLATIONS
from issuer.web import diploma

# The pages written for graduates and their readers (templates marked for translation).
PUBLIC_PAGES = ("/share/", "/claim/", "/manage/")


def is_public_page() -> bool:
    """Whether this request is for a page written for graduates and their readers."""
    return request.path.startswith(PUBLIC_PAGES)


def _locale_selector() -> str:
    return i18n.requested_language() if is_public_page() else DEFAULT


def install(app: Flask) -> None:
    """Flask-Babel over the issuer's catalogues, for the public pages (which alone vary by
    Accept-Language); ``degree_kind(view)`` for the templates (a plain string: escaped)."""
    i18n.install(app, TRANSLATIONS, _locale_selector, varies=is_public_page)
    app.jinja_env.globals["degree_kind"] = lambda view: diploma.degree_kind(view, _gettext)


def _gettext(message: str) -> str:
    return str(gettext(message))
