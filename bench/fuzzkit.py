"""Request mutation for fuzzing both services: take a valid request and change one thing (a
type, a size, a number, a string's Unicode, the nesting, a header, the body's bytes).

Shared by the property-based tests (hypothesis hands a seeded ``random.Random``) and by
``make fuzz`` (its own seeded Random, many more requests against real servers). Pure: no I/O.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

JSON = Any

# Values that broke parsers and databases before: huge integers (CPython's int-string limit),
# 2^63 (SQLite's OverflowError), floats at the edges, strings with bidi controls, zero-width
# characters, look-alikes, nulls, very long strings, and nested containers.
_NUMBERS: tuple[JSON, ...] = (
    0,
    -1,
    1.5,
    -0.0,
    2**31,
    2**53,
    2**63,
    -(2**63) - 1,
    10**20,
    1e308,
    5e-324,
    True,
    False,
)
_STRINGS: tuple[str, ...] = (
    "",
    " ",
    "revocation",
    "suspension",
    "VerifiableCredential",
    "BitstringStatusListEntry",
    "did:web:127.0.0.1",
    "did:key:z6Mk",
    "did:example:123#key-1",
    "#key-1",
    "http://[::1",
    "https://[::1/x",
    "https://10.0.0.1/status/1",
    "data:text/html,<b>x</b>",
    "2099-01-01T00:00:00Z",
    "2024-02-30T00:00:00Z",
    "1970-01-01",
    "٤٢",
    "²",
    "Harvard\u202eytisrevinU",
    "A\u200bB",
    "Tеst",
    "\u0000",
    "\ufeff{}",
    "../../etc/passwd",
    "%00",
    "<script>alert(1)</script>",
    "x" * 5000,
    "9" * 5000,
)
_DIGITS = "9" * 4400  # beyond CPython's 4,300-digit int-string limit


def scalar(rng: random.Random) -> JSON:
    """One hostile JSON scalar."""
    pick = rng.random()
    if pick < 0.35:
        return rng.choice(_NUMBERS)
    if pick < 0.8:
        return rng.choice(_STRINGS)
    if pick < 0.9:
        return None
    return "".join(
        chr(rng.choice((rng.randint(0x20, 0x2FF), rng.randint(0x400, 0xD7FF), 0xFFFD)))
        for _ in range(rng.randint(1, 12))
    )


def value(rng: random.Random, depth: int = 0) -> JSON:
    """A hostile JSON value: a scalar, or (rarely, and bounded) a list or object of them."""
    roll = rng.random()
    if depth >= 3 or roll < 0.7:
        text = scalar(rng)
        if isinstance(text, str):
            text = "".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF)
        return text
    if roll < 0.85:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(_KEYS): value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


_KEYS: tuple[str, ...] = (
    "id",
    "type",
    "@context",
    "@vocab",
    "issuer",
    "credentialSubject",
    "credentialStatus",
    "statusPurpose",
    "statusListIndex",
    "proof",
    "verificationMethod",
    "created",
    "validFrom",
    "validUntil",
    "name",
    "options",
    "limit",
    "status",
    "x",
)


def _paths(document: JSON, prefix: tuple[Any, ...] = (), depth: int = 0) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = [prefix]
    if depth > 8:
        return found
    if isinstance(document, Mapping):
        for key, item in document.items():
            found.extend(_paths(item, (*prefix, key), depth + 1))
    elif isinstance(document, list):
        for index, item in enumerate(document):
            found.extend(_paths(item, (*prefix, index), depth + 1))
    return found


def _get(document: JSON, path: Sequence[Any]) -> JSON:
    for part in path:
        document = document[part]
    return document


def _set(document: JSON, path: Sequence[Any], new: JSON) -> JSON:
    if not path:
        return new
    parent = _get(document, path[:-1])
    parent[path[-1]] = new
    return document


def mutate_json(rng: random.Random, document: JSON, rounds: int | None = None) -> JSON:
    """``document`` with one to three random changes: a value replaced (type, size, number,
    Unicode), a key deleted or added, a value wrapped in a list or nested deeper."""
    result = copy.deepcopy(document)
    for _ in range(rounds if rounds is not None else rng.choice((1, 1, 1, 2, 3))):
        paths = _paths(result)
        path = rng.choice(paths)
        target = _get(result, path)
        action = rng.random()
        if action < 0.5:
            result = _set(result, path, value(rng))
        elif action < 0.6 and path:
            parent = _get(result, path[:-1])
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif isinstance(parent, list) and parent:
                parent.pop(path[-1])
        elif action < 0.75 and isinstance(target, dict):
            target[rng.choice(_KEYS)] = value(rng)
        elif action < 0.85:
            result = _set(result, path, [target])
        elif action < 0.92:
            result = _set(result, path, {rng.choice(_KEYS): target})
        else:
            nested: JSON = target
            for _ in range(rng.randint(10, 80)):
                nested = [nested]
            result = _set(result, path, nested)
    return result


def raw_body(rng: random.Random, valid: bytes) -> bytes:
    """Bytes a JSON parser must refuse politely: truncated, invalid UTF-8, a huge number,
    duplicated keys, NaN, deep nesting, an empty body."""
    choices: list[Callable[[], bytes]] = [
        lambda: valid[: rng.randint(0, max(0, len(valid) - 1))],
        lambda: valid + b"\xff\xfe",
        lambda: b'{"verifiableCredential": ' + _DIGITS.encode() + b"}",
        lambda: b'{"a": -' + _DIGITS.encode() + b".5e10}",
        lambda: b'{"a": 1, "a": 2}',
        lambda: b'{"a": NaN}',
        lambda: b"[" * 5000 + b"]" * 5000,
        lambda: b"",
        lambda: b"null",
        lambda: b'"\\ud800"',
        lambda: valid.replace(b":", b": " + _DIGITS.encode() + b",", 1),
    ]
    return rng.choice(choices)()


_CONTENT_TYPES = (
    "application/json",
    "application/ld+json",
    "application/vc",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin-1",
    "",
)


def headers(rng: random.Random, base: Mapping[str, str]) -> dict[str, str]:
    """``base`` with perhaps another Content-Type, Accept, or a garbage header."""
    result = dict(base)
    roll = rng.random()
    if roll < 0.15:
        result["Content-Type"] = rng.choice(_CONTENT_TYPES)
    elif roll < 0.25:
        result["Accept"] = rng.choice(
            ("text/html", "application/json", "*/*", "application/vc+ld+json;q=0", "x/y;q=abc")
        )
    elif roll < 0.3:
        result["Authorization"] = rng.choice(
            ("Bearer", "Bearer x", "Basic Zm9vOmJhcg==", "Bearer " + "a" * 3000)
        )
    return result


def query_value(rng: random.Random) -> str:
    """A hostile query-string value (already decoded)."""
    return str(
        rng.choice(
            (
                _DIGITS,
                str(2**63),
                "-1",
                "0",
                "²",
                "٤٢",
                "1e3",
                "",
                "http://[::1",
                "https://[::1/x",
                "JP",
                "xx",
                "\u202e",
                "x" * 3000,
            )
        )
    )


@dataclass(frozen=True)
class Request:
    """One HTTP request to send: method, path (with query), headers and body."""

    endpoint: str  # the endpoint group it exercises, e.g. "POST /credentials/verify"
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    form: Mapping[str, str] | None = None
    # Multipart file fields: name -> (file name, bytes); sent with ``form`` as its other fields.
    files: Mapping[str, tuple[str, bytes]] | None = None


def json_request(
    rng: random.Random,
    endpoint: str,
    path: str,
    valid: JSON,
    base_headers: Mapping[str, str] | None = None,
) -> Request:
    """A mutation of a valid JSON request: usually the JSON changed, sometimes raw bytes."""
    method = endpoint.split(" ", 1)[0]
    chosen_headers = headers(rng, {"Content-Type": "application/json", **(base_headers or {})})
    if rng.random() < 0.2:
        body = raw_body(rng, json.dumps(valid).encode())
    else:
        body = json.dumps(mutate_json(rng, valid), ensure_ascii=rng.random() < 0.5).encode()
    return Request(endpoint, method, path, chosen_headers, body)


__all__ = [
    "Request",
    "headers",
    "json_request",
    "mutate_json",
    "query_value",
    "raw_body",
    "scalar",
    "value",
]
