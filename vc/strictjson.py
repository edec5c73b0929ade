"""Strict JSON parsing: what a verifier must refuse that Python's json module accepts."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from vc.errors import ParsingError

MAX_DEPTH = 64
MAX_SAFE_INTEGER = (
    2**53 - 1
)  # beyond this an integer is not exact in JavaScript (RFC 8785 §3.2.2.3)
_MAX_INT_DIGITS = len(str(MAX_SAFE_INTEGER))
_MAX_NUMBER_CHARS = 400  # a float literal longer than this is no measurement a credential holds
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ParsingError(f"duplicate key {key!r} in JSON object")
        obj[key] = value
    return obj


def _no_constant(name: str) -> Any:
    raise ParsingError(f"{name} is not valid JSON")


def _parse_int(text: str) -> int:
    # Refuse by length before int(): beyond CPython's int-string limit (4,300 digits) int() raises
    # ValueError, and below it a long literal is quadratic work for nothing we would accept.
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ParsingError(f"integer {text[:30]}... is beyond exact precision (2^53)")
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise ParsingError(f"integer {text[:30]} is beyond exact precision (2^53)")
    return value


def _parse_float(text: str) -> float:
    if len(text) > _MAX_NUMBER_CHARS:
        raise ParsingError(f"number {text[:30]}... is too long ({len(text)} characters)")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ParsingError(f"number {text[:30]} overflows")
    return value


def _check(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ParsingError(f"JSON nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            if _LONE_SURROGATE.search(key):
                raise ParsingError("lone surrogate in JSON object key")
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)
    elif isinstance(value, str) and _LONE_SURROGATE.search(value):
        raise ParsingError("lone surrogate in JSON string")


def _quick_depth_check(text: str) -> None:
    """Refuse deep nesting before json recursion does (a 1 MB '[[[[...' would hit RecursionError)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return  # not that many openings at all
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ParsingError(f"JSON nested deeper than {MAX_DEPTH} levels")
        elif char in "]}":
            depth -= 1


def loads(data: str | bytes) -> Any:
    """Parse JSON strictly.

    Raises ParsingError on: invalid UTF-8, duplicate keys, NaN/Infinity, integers beyond 2^53
    (however many digits: never CPython's int-string ValueError), lone surrogates, nesting deeper
    than MAX_DEPTH.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParsingError(f"not UTF-8: {exc.reason} at byte {exc.start}") from exc
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    _quick_depth_check(text)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except json.JSONDecodeError as exc:
        raise ParsingError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except ValueError as exc:  # a number json hands to int()/float() that they refuse
        raise ParsingError(f"not JSON: {exc}") from exc
    except RecursionError as exc:  # pragma: no cover - _quick_depth_check stops this first
        raise ParsingError("JSON nested too deeply") from exc
    # Parsed strings hold a lone surrogate only if the text has one or escapes one (\\uD800-
    # \\uDFFF); nesting was bounded above: otherwise the walk over the value finds nothing.
    if _LONE_SURROGATE.search(text) or _SURROGATE_ESCAPE.search(text):
        _check(value, 0)
    return value


def loads_object(data: str | bytes, what: str = "document") -> dict[str, Any]:
    """Parse strictly and require a JSON object."""
    value = loads(data)
    if not isinstance(value, dict):
        raise ParsingError(f"{what} must be a JSON object, not {type(value).__name__}")
    return value


def dumps(value: Any) -> str:
    """Serialise for output: UTF-8, no ASCII escaping, two-space indent; exactly the text of
    ``json.dumps(value, ensure_ascii=False, indent=2)``.

    orjson writes it (json's indenting encoder is pure Python: a tenth of signing a credential)
    when the two texts are certainly the same: every float in [1e-4, 1e16) or zero (outside it
    they spell exponents differently: 1e-05 / 0.00001, 1e+16 / 1e16), every key a str, nothing
    orjson refuses (integers beyond 64 bits, NaN written as null); otherwise json writes it.
    """
    if _orjson_writes_alike(value, 0):
        try:
            return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
        except TypeError:
            pass
    return json.dumps(value, ensure_ascii=False, indent=2)


def _orjson_writes_alike(value: Any, depth: int) -> bool:
    """The test of ``dumps``, over the value's containers with a stack: the exact scalar types
    (str, int, bool, None: most of a credential) are passed over in place; a float is checked
    against the range; anything else goes to ``_alike_other``. (A call per item cost a signed
    degree 42 µs; this 15.)"""
    stack = [(value, depth)]
    pop, push = stack.pop, stack.append
    while stack:
        item, level = pop()
        kind = type(item)
        if kind is dict or kind is list or isinstance(item, dict | list):
            if level > _ALIKE_DEPTH:
                return False
            if isinstance(item, dict):
                for key, member in item.items():
                    if type(key) is not str:
                        return False
                    if type(member) not in _PLAIN:
                        push((member, level + 1))
            else:
                for member in item:
                    if type(member) not in _PLAIN:
                        push((member, level + 1))
        elif not _alike_other(item):
            return False
    return True


_PLAIN = frozenset({str, int, bool, type(None)})
_ALIKE_DEPTH = MAX_DEPTH * 4  # json.dumps says what it says about a structure deeper than this


def _alike_other(value: Any) -> bool:
    """A float, a subclass of str or int, or another object: can orjson write it as json does?"""
    if isinstance(value, str) or value is None or isinstance(value, bool | int):
        return True
    if isinstance(value, float):
        return value == 0 or 1e-4 <= abs(value) < 1e16  # NaN and infinities fail both tests
    return False  # tuples, other mappings, objects: json.dumps decides
