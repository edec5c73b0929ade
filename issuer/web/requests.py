"""Reading request bodies strictly: JSON objects and arrays via vc.strictjson, media types checked."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import UnsupportedMediaType

from vc import strictjson
from vc.errors import ParsingError

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
