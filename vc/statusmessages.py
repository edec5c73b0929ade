"""Bitstring Status List v1.0 multi-bit entries: statusMessage rows and statusReference; no I/O.

§2.1 ``statusSize``: "If present, statusSize MUST be an integer greater than zero. If statusSize
is provided and is greater than 1, then the property credentialStatus.statusMessage MUST be
present, and the number of status messages MUST equal the number of possible values."
§2.1 ``statusMessage``: an array of 2^statusSize objects, each with ``status`` ("a string
representing the hexadecimal value of the status prefixed with 0x") and ``message`` (a string).
§2.1 ``statusReference``: "a URL or an array of URLs which dereference to material related to
the status".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from vc.errors import MalformedValueError, RangeValueError

# Bitstring Status List §2.1: statusSize is not bounded by the spec; 8 bits (256 messages) is far
# beyond any real use and keeps statusMessage tables small.
MAX_STATUS_SIZE: Final = 8

_SECTION: Final = "Bitstring Status List §2.1"
_URL_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:", re.ASCII)
# "0x" and hexadecimal digits; no sign, no whitespace. Upper- and lower-case digits are the same
# value; a leading zero ("0x01") is accepted, the value decides (each value listed once).
_HEX_STATUS: Final = re.compile(r"0x[0-9a-fA-F]{1,2}", re.ASCII)
# Whitespace (str.isspace: re's \s without re.ASCII is the same test) or a C0 control or DEL.
_SPACE_OR_CONTROL: Final = re.compile(r"[\s\x00-\x1f\x7f]")


@dataclass(frozen=True)
class StatusMessage:
    """One statusMessage row: the numeric status and its message."""

    status: int
    message: str


def absolute_url(value: object, where: str) -> str:
    """``value`` when it is an absolute URL without whitespace or control characters (an http(s)
    URL with a host); raises MalformedValueError naming ``where`` otherwise."""
    if not isinstance(value, str) or not _URL_SCHEME.match(value):
        raise MalformedValueError(f"{where} must be an absolute URL")
    if _SPACE_OR_CONTROL.search(value):
        raise MalformedValueError(f"{where} must not contain whitespace or control characters")
    scheme = value.split(":", 1)[0].lower()
    if scheme in {"http", "https"} and not value[len(scheme) + 1 :].startswith("//"):
        raise MalformedValueError(f"{where} must be an absolute URL")
    if scheme in {"http", "https"} and len(value) <= len(scheme) + 3:
        raise MalformedValueError(f"{where} has no host")
    return value


def parse_status_size(value: object) -> int:
    """A present statusSize (the caller reads an absent one as 1). Raises MalformedValueError
    for a non-integer (null, a bool, a string, 2.0) and RangeValueError outside
    1..MAX_STATUS_SIZE."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedValueError(f"{_SECTION}: statusSize must be an integer")
    if value < 1:
        raise RangeValueError(f"{_SECTION}: statusSize must be an integer greater than zero")
    if value > MAX_STATUS_SIZE:
        raise RangeValueError(
            f"{_SECTION}: statusSize {value} exceeds {MAX_STATUS_SIZE} (at most "
            f"{1 << MAX_STATUS_SIZE} status messages are accepted)"
        )
    return value


def parse_messages(value: object, size: int) -> tuple[StatusMessage, ...]:
    """The statusMessage rows for an entry of ``size`` bits, in the given order.

    Raises MalformedValueError unless ``value`` is an array of exactly 2^size objects, each
    with a "0x…" ``status`` and a string ``message``, listing every value 0 .. 2^size-1 once.
    """
    if not isinstance(value, list):
        raise MalformedValueError(f"{_SECTION}: statusMessage must be an array")
    possible = 1 << size
    if len(value) != possible:
        raise MalformedValueError(
            f"{_SECTION}: statusMessage has {len(value)} element(s); statusSize {size} has "
            f"{possible} possible values and needs exactly that many messages"
        )
    rows: list[StatusMessage] = []
    for number, row in enumerate(value):
        if not isinstance(row, Mapping):
            raise MalformedValueError(f"{_SECTION}: statusMessage[{number}] must be an object")
        status, message = row.get("status"), row.get("message")
        if not isinstance(status, str) or not _HEX_STATUS.fullmatch(status):
            raise MalformedValueError(
                f"{_SECTION}: statusMessage[{number}].status must be a string 0x followed by "
                "hexadecimal digits"
            )
        if not isinstance(message, str):
            raise MalformedValueError(
                f"{_SECTION}: statusMessage[{number}].message must be a string"
            )
        rows.append(StatusMessage(int(status, 16), message))
    if sorted(row.status for row in rows) != list(range(possible)):
        raise MalformedValueError(
            f"{_SECTION}: statusMessage must list each status 0x0..{possible - 1:#x} exactly once"
        )
    return tuple(rows)


def parse_references(value: object) -> tuple[str, ...]:
    """statusReference: one absolute URL or a non-empty array of them. Raises
    MalformedValueError."""
    if isinstance(value, str):
        return (absolute_url(value, f"{_SECTION}: statusReference"),)
    if isinstance(value, list) and value:
        return tuple(
            absolute_url(item, f"{_SECTION}: statusReference[{number}]")
            for number, item in enumerate(value)
        )
    raise MalformedValueError(
        f"{_SECTION}: statusReference must be a URL or a non-empty array of URLs"
    )


def message_for(messages: Sequence[StatusMessage], value: int) -> str | None:
    """The message of ``value``, or None when the entry has no statusMessage (§2.1: then 1 is
    "set" and 0 "unset")."""
    return next((row.message for row in messages if row.status == value), None)


def message_rows(messages: Sequence[tuple[int, str]], size: int) -> list[dict[str, str]]:
    """statusMessage as JSON (``[{"status": "0x0", "message": ...}, ...]``) for ``size`` bits.

    Raises MalformedValueError when ``messages`` does not list each value 0..2^size-1 once.
    """
    rows = [{"status": f"{status:#x}", "message": message} for status, message in messages]
    parse_messages(rows, parse_status_size(size))
    return rows
