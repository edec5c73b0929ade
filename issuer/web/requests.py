"""Reading request bodies strictly: JSON objects and arrays via vc.strictjson, media types checked."""

from __future__ import annotations

import re
from typing import Any

from flask import request
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.routing import IntegerConverter, Map

from vc import strictjson
from vc.errors import ParsingError, RangeValueError

JSON_TYPES = ("application/json", "application/ld+json", "application/vc")


def require_media_type(*allowed: str) -> str:
    """The request's media type if it is one of ``allowed``; else 415 (UnsupportedMediaType)."""
    media = (request.mimetype or "").lower()
    if media not in allowed:
        shown = media or "none"
        raise UnsupportedMediaType(f"send the body as {' or '.join(allowed)} (got {shown})")
    return media


def json_body() -> Any:
    """The body parsed strictly as JSON (duplicate keys, NaN, huge numbers refused)."""
    require_media_type(*JSON_TYPES)
    data = request.get_data(cache=True)
    if not data.strip():
        raise ParsingError("the request body is empty")
    return strictjson.loads(data)


def json_object(what: str = "request body") -> dict[str, Any]:
    """The body as a JSON object; an array or a scalar is a ParsingError (400)."""
    value = json_body()
    if not isinstance(value, dict):
        raise ParsingError(f"the {what} must be a JSON object, not {_kind(value)}")
    return value


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    return "a number"


MAX_ROW_ID = (
    2**63 - 1
)  # SQLite and PostgreSQL BIGINT: a larger id raises OverflowError in the driver


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every issuer route: at most 19 ASCII digits and at most 2^63 - 1, so an
    id no row can have is a 404 (the route does not match), never an OverflowError from the
    database driver nor CPython's int-string ValueError."""

    regex = r"\d{1,19}"

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=MAX_ROW_ID)


_WHOLE_NUMBER = re.compile(r"[0-9]{1,19}\Z", re.ASCII)


def whole_number(raw: str, name: str, low: int, high: int) -> int:
    """A query-string number from ``low`` to ``high``: ASCII digits only and at most 19 of them,
    checked before int() (str.isdigit() admits '²', which int() refuses, and a number of
    thousands of digits hits CPython's int-string limit). Raises RangeValueError (400)."""
    if not _WHOLE_NUMBER.match(raw) or not low <= int(raw) <= high:
        raise RangeValueError(
            f"{name} must be a whole number from {low} to {high}", pointer=f"/{name}"
        )
    return int(raw)
