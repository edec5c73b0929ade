"""Tests for vc.statusmessages and the multi-bit rules of vc.status: statusSize, statusMessage,
statusReference, the message entry builder; each refusal names Bitstring Status List §2.1."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from vc.errors import DiplomatError, MalformedValueError, RangeValueError
from vc.status import Bitstring, check_status, message_entry, parse_entry, status_list_credential
from vc.statusmessages import (
    MAX_STATUS_SIZE,
    StatusMessage,
    message_for,
    message_rows,
    parse_messages,
    parse_references,
    parse_status_size,
)

LIST_URL = "https://university.example/status/message/0"
ISSUER = "did:key:z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd"
FOUR = [(0, "active"), (1, "suspended"), (2, "revoked"), (3, "undefined")]


def message_dict(**overrides: Any) -> dict[str, Any]:
    """A well-formed 2-bit message entry; ``None`` removes a key."""
    entry: dict[str, Any] = {
        "id": f"{LIST_URL}#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": "7",
        "statusListCredential": LIST_URL,
        "statusSize": 2,
        "statusMessage": [{"status": f"{v:#x}", "message": m} for v, m in FOUR],
        "statusReference": "https://university.example/status/message",
    }
    for key, value in overrides.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return entry


def test_a_message_entry_parses_with_its_references() -> None:
    entry = parse_entry(message_dict(statusReference=["https://a.example/x", "urn:example:y"]))
    assert (entry.size, entry.references) == (2, ("https://a.example/x", "urn:example:y"))
    assert entry.messages[2] == StatusMessage(2, "revoked")


def test_a_message_entry_without_reference_is_fine() -> None:
    assert parse_entry(message_dict(statusReference=None)).references == ()


@pytest.mark.parametrize(
    ("overrides", "error", "says"),
    [
        # §2.1 statusSize > 1 needs statusMessage
        ({"statusMessage": None}, MalformedValueError, "statusMessage MUST be present"),
        # §2.1 the number of messages is the number of possible values, 2^statusSize
        (
            {
                "statusMessage": [
                    {"status": "0x0", "message": "a"},
                    {"status": "0x1", "message": "b"},
                ]
            },
            MalformedValueError,
            "needs exactly that many",
        ),
        ({"statusSize": 3}, MalformedValueError, "statusSize 3 has 8 possible values"),
        ({"statusMessage": {"status": "0x0"}}, MalformedValueError, "must be an array"),
        (
            {"statusMessage": [{"status": "0x0", "message": "a"}] * 4},
            MalformedValueError,
            "exactly once",
        ),
        (
            {"statusMessage": [{"status": "1", "message": m} for _, m in FOUR]},
            MalformedValueError,
            "0x followed by hexadecimal",
        ),
        (
            {"statusMessage": [{"status": f"{v:#x}", "message": 1} for v, _ in FOUR]},
            MalformedValueError,
            "message must be a string",
        ),
        ({"statusMessage": ["0x0", "0x1", "0x2", "0x3"]}, MalformedValueError, "must be an object"),
        ({"statusSize": 0}, RangeValueError, "greater than zero"),
        ({"statusSize": 2.0}, MalformedValueError, "must be an integer"),
        ({"statusSize": True}, MalformedValueError, "must be an integer"),
        ({"statusSize": MAX_STATUS_SIZE + 1}, RangeValueError, "exceeds"),
        # statusReference: a URL or an array of URLs
        ({"statusReference": "status-dictionary/"}, MalformedValueError, "statusReference"),
        ({"statusReference": []}, MalformedValueError, "non-empty array"),
        (
            {"statusReference": ["https://a.example/", 5]},
            MalformedValueError,
            r"statusReference\[1\]",
        ),
        ({"statusReference": {"id": "https://a.example/"}}, MalformedValueError, "statusReference"),
        ({"statusReference": "https://a.example/ x"}, MalformedValueError, "whitespace"),
    ],
)
def test_malformed_multi_bit_entries_are_refused_naming_the_section(
    overrides: dict[str, Any], error: type[DiplomatError], says: str
) -> None:
    with pytest.raises(error, match=says) as caught:
        parse_entry(message_dict(**overrides))
    assert "§2.1" in caught.value.detail


def test_an_explicit_null_status_size_is_not_absent() -> None:
    """§2.1: an absent statusSize is processed as 1; null is a value, and not an integer."""
    raw = message_dict()
    raw["statusSize"] = None
    with pytest.raises(MalformedValueError, match="statusSize must be an integer"):
        parse_entry(raw)


def test_a_revocation_entry_stays_one_bit() -> None:
    raw = message_dict(statusPurpose="revocation")
    with pytest.raises(MalformedValueError, match="only 'message' entries"):
        parse_entry(raw)


def test_out_of_range_multi_bit_entry_is_a_range_error_naming_the_algorithm() -> None:
    """§3.2: index * size at or beyond the list length is a RANGE_ERROR (a 2-bit entry reaches
    twice as far as a 1-bit one with the same index)."""
    bits = Bitstring.new()  # 131,072 bits = 65,536 two-bit entries
    credential = status_list_credential(
        list_id=LIST_URL,
        issuer=ISSUER,
        purpose="message",
        bitstring=bits,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    inside = parse_entry(message_dict(statusListIndex="65535", id=None))
    assert check_status(inside, credential, expected_issuer=ISSUER).value == 0
    outside = parse_entry(message_dict(statusListIndex="65536", id=None))
    with pytest.raises(RangeValueError, match=r"§3\.2 RANGE_ERROR"):
        check_status(outside, credential, expected_issuer=ISSUER)


def test_the_value_selects_its_message() -> None:
    bits = Bitstring.new()
    bits.set_value(7, 2, 1)
    bits.set_value(8, 2, 3)
    credential = status_list_credential(
        list_id=LIST_URL,
        issuer=ISSUER,
        purpose="message",
        bitstring=bits,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    result = check_status(parse_entry(message_dict()), credential, expected_issuer=ISSUER)
    assert (result.value, result.message, result.set) == (1, "suspended", True)
    eight = parse_entry(message_dict(statusListIndex="8", id=f"{LIST_URL}#8"))
    assert check_status(eight, credential, expected_issuer=ISSUER).message == "undefined"


def test_message_entry_builds_what_parse_entry_reads() -> None:
    built = message_entry(
        list_id=LIST_URL,
        index=7,
        messages=FOUR,
        size=2,
        reference="https://university.example/status/message",
    )
    assert built == message_dict()
    assert parse_entry(built).messages == tuple(StatusMessage(v, m) for v, m in FOUR)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"messages": FOUR[:3]}, MalformedValueError),  # one value has no message
        ({"size": 3}, MalformedValueError),  # 4 messages cannot fill 3 bits
        ({"size": 0}, RangeValueError),
        ({"reference": "relative/path"}, MalformedValueError),
        ({"list_id": "/status/message/0"}, MalformedValueError),
        ({"index": -1}, RangeValueError),
    ],
)
def test_message_entry_refuses_what_a_verifier_would_refuse(
    kwargs: dict[str, Any], error: type[DiplomatError]
) -> None:
    arguments: dict[str, Any] = {
        "list_id": LIST_URL,
        "index": 7,
        "messages": FOUR,
        "size": 2,
        "reference": "https://university.example/status/message",
        **kwargs,
    }
    with pytest.raises(error):
        message_entry(**arguments)


def test_helpers() -> None:
    assert parse_status_size(1) == 1
    assert parse_references("urn:x:y") == ("urn:x:y",)
    rows = message_rows([(1, "b"), (0, "a")], 1)
    assert rows == [{"status": "0x1", "message": "b"}, {"status": "0x0", "message": "a"}]
    messages = parse_messages(rows, 1)
    assert (message_for(messages, 0), message_for(messages, 1), message_for((), 1)) == (
        "a",
        "b",
        None,
    )
    # upper-case hex digits and a leading zero name the same values
    sixteen = [{"status": f"0x{v:02X}", "message": str(v)} for v in range(16)]
    assert [row.status for row in parse_messages(sixteen, 4)] == list(range(16))
