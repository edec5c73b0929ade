"""Texts on the verifier's pages: gettext in the reader's language, text tagged with its ``lang``,
and the verifier's own file paths kept out of what a reader sees."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import get_translations, gettext, lazy_gettext
from markupsafe import Markup, escape

from vc.message import English, Message, render
from verifier.web.i18n import (
    current_language,
    message_value,
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


def _value(item: object) -> str:
    """A parameter of a core sentence in the reader's format (never translated: a name, a URL,
    an identifier is the same in every language), with this server's file paths left out."""
    return without_paths(message_value(item))


def _translated(template: str) -> str:
    return str(gettext(template))


def plain(text: str | None) -> str:
    """A core sentence as plain text in the reader's language (a PDF, a CSV); English when it
    is not a catalogued ``Message``."""
    if not text:
        return ""
    return render(text, _translated, _value) if isinstance(text, Message) else without_paths(text)


def _catalogued(template: str) -> bool:
    """Whether the reader's catalogue has this template (a translation may equal the English)."""
    catalogue = getattr(get_translations(), "_catalog", None)
    return isinstance(catalogue, dict) and bool(catalogue.get(template))


def _markup(message: Message, page_english: bool) -> Markup:
    """A ``Message`` as HTML: the translated template escaped, each parameter escaped, text that
    exists only in English (or has no translation) inside ``<span lang="en">``."""
    template = _translated(message.template)
    if not page_english and not _catalogued(message.template):
        # No translation yet: the whole sentence in English, said so.
        return Markup('<span lang="en">%s</span>') % without_paths(str(message))
    params: dict[str, object] = {}
    for name, item in message.params.items():
        if isinstance(item, Message):
            params[name] = _markup(item, page_english)
        elif isinstance(item, English) and not page_english:
            params[name] = Markup('<span lang="en">%s</span>') % without_paths(item)
        else:
            params[name] = _value(item)
    if not params:
        return escape(template)
    try:
        return escape(template) % params
    except (KeyError, ValueError, TypeError):
        return Markup('<span lang="en">%s</span>') % (escape(message.template) % params)


def say(text: str | None) -> Text | None:
    """A sentence from the core for a page: a ``Message`` in the reader's language (as HTML that
    tags any English part), other text as English (``english``)."""
    if not text:
        return None
    if not isinstance(text, Message):
        return english(text)
    page_english = current_language() == "en"
    return Text(_markup(text, page_english), None)


def is_link(value: str | None) -> bool:
    return bool(value and value.startswith(("https://", "http://")))


def public_source(source: str | None) -> str | None:
    """A source worth showing: a URL or an identifier; a path on this server is not one."""
    if not source:
        return None
    if source.startswith(("https://", "http://", "did:", "urn:")):
        return source
    return _("a file configured on this verifier")
