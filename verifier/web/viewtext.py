"""Texts on the verifier's pages: gettext in the reader's language, text tagged with its ``lang``,
and the verifier's own file paths kept out of what a reader sees."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext

from verifier.web.i18n import (
    current_language,
)

_l = lazy_gettext


def _(message: str) -> str:
    """gettext in the request's language (typed: flask_babel ships no annotations)."""
    return str(gettext(message))


@dataclass(frozen=True)
class Text:
    """Text from the credential or the core, with the ``lang`` it needs on this page (or None)."""

    value: str
    lang: str | None = None


# An absolute file path (two segments or more) not inside a URL: the verifier's own files.
SERVER_PATH = re.compile(r"(?<![\w:/.~-])(?:/[\w.~-]+){2,}/?")


def without_paths(text: str) -> str:
    return SERVER_PATH.sub(_("a file configured on this verifier"), text)


def english(value: str | None) -> Text | None:
    """A sentence from the core (English), tagged when the page is in another language, with
    any file path of this server replaced (the reader has no use for it; an attacker might)."""
    if not value:
        return None
    return Text(without_paths(value), None if current_language() == "en" else "en")


def is_link(value: str | None) -> bool:
    return bool(value and value.startswith(("https://", "http://")))


def public_source(source: str | None) -> str | None:
    """A source worth showing: a URL or an identifier; a path on this server is not one."""
    if not source:
        return None
    if source.startswith(("https://", "http://", "did:", "urn:")):
        return source
    return _("a file configured on this verifier")
