"""Sentences a shell can say in its reader's language: an English template and its parameters.

The core speaks English and holds no language state. A ``Message`` *is* its English sentence (a
``str``: JSON, logs and ``+`` see plain English) and keeps the gettext template (python-format,
``%(name)s``) and the parameters apart, so a shell with catalogues renders it in another
language (``render``): the template is looked up, each parameter rendered on its own (a nested
``Message`` is translated too, a moment is written in the reader's format). Text that exists only
in English (a library's error detail, a registry's note) is an ``English`` parameter: a page
shows it as it is and says so with ``lang="en"``. Extraction: ``pybabel extract -k Message``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from vc.dates import format_datetime


class Message(str):
    """An English sentence that remembers its template and parameters."""

    template: str
    params: Mapping[str, object]

    def __new__(cls, template: str, /, **params: object) -> Message:
        # render_with(template, params, _same, english_value), without rendering a nested
        # Message again: it already is its English sentence. Text (a Message, English or
        # str) goes to % as it is ("%s" writes a str subclass as its text); only other values
        # are written out. ``params`` is this call's own dict (**): kept without a copy.
        english = (
            template
            % {
                name: item if isinstance(item, str) else english_value(item)
                for name, item in params.items()
            }
            if params
            else template
        )
        self = super().__new__(cls, english)
        self.template = template
        self.params = MappingProxyType(params)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.template, dict(self.params)))


def _rebuild(template: str, params: dict[str, object]) -> Message:
    return Message(template, **params)


class English(str):
    """Text that exists only in English, shown as it is (never looked up in a catalogue)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (English, (str(self),))


def english(text: str) -> str:
    """``text`` as a parameter: a ``Message`` stays translatable, any other text is English."""
    return text if isinstance(text, Message | English) else English(text)


def sentences(parts: Sequence[str]) -> str:
    """Sentences one after another (a ``Message`` when there are several, so each part is
    still translated); "" for none."""
    present = [part for part in parts if part]
    if not present:
        return ""
    text = present[0]
    for part in present[1:]:
        text = Message("%(first)s %(then)s", first=text, then=part)
    return text


def clauses(parts: Sequence[str]) -> str:
    """Clauses separated by semicolons (a ``Message`` when there are several); "" for none."""
    present = [part for part in parts if part]
    if not present:
        return ""
    text = present[0]
    for part in present[1:]:
        text = Message("%(first)s; %(then)s", first=text, then=part)
    return text


def _same(template: str) -> str:
    return template


def english_value(value: object) -> str:
    """A parameter in the core's English: moments as xsd:dateTime, days as ISO 8601."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def render_with(
    template: str,
    params: Mapping[str, object],
    translate: Callable[[str], str],
    value: Callable[[object], str],
) -> str:
    """``translate(template)`` with each parameter rendered by ``value`` (a nested ``Message``
    rendered the same way). A translation whose placeholders do not fit falls back to English."""
    if not params:
        return translate(template)
    rendered = {
        name: render(item, translate, value) if isinstance(item, Message) else value(item)
        for name, item in params.items()
    }
    try:
        return translate(template) % rendered
    except (KeyError, ValueError, TypeError):
        return template % rendered


def render(text: str, translate: Callable[[str], str], value: Callable[[object], str]) -> str:
    """A ``Message`` in the language of ``translate``; any other text unchanged."""
    if not isinstance(text, Message):
        return str(text)
    return render_with(text.template, text.params, translate, value)


__all__ = [
    "English",
    "Message",
    "clauses",
    "english",
    "english_value",
    "render",
    "render_with",
    "sentences",
]
