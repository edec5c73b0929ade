"""Tests for vc.status: the W3C Bitstring Status List examples, the reference list, bad input."""

from __future__ import annotations

import base64
import copy
import gzip
import json
import time
import tracemalloc
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vc.errors import DiplomatError, MalformedValueError, RangeValueError, StatusListError
from vc.status import (
    MAX_DECODED_BYTES,
    MIN_LENGTH,
    Bitstring,
    StatusEntry,
    check_status,
    parse_entries,
    parse_entry,
    status_entry,
    status_list_credential,
)

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
BSL = VECTORS / "vc-bitstring-status-list"
REF = VECTORS / "reference-outputs"
needs_bsl = pytest.mark.skipif(not BSL.is_dir(), reason=f"W3C status list examples absent: {BSL}")
needs_ref = pytest.mark.skipif(not REF.is_dir(), reason=f"reference outputs absent: {REF}")

ISSUER = "did:key:z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd"
LIST_URL = "https://university.example/status/revocation/1"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def list_credential(
    bits: Bitstring | None = None, *, purpose: str = "revocation", **overrides: Any
) -> dict[str, Any]:
    """Factory: an unsigned status list credential at LIST_URL, fields replaceable."""
    credential = status_list_credential(
        list_id=LIST_URL,
        issuer=ISSUER,
        purpose=purpose,
        bitstring=bits if bits is not None else Bitstring.new(),
        valid_from=datetime(2025, 1, 1, tzinfo=UTC),
    )
    credential.update(overrides)
    return credential


def entry_dict(**overrides: Any) -> dict[str, Any]:
    """Factory: a valid revocation entry at index 42 of LIST_URL, fields replaceable/removable."""
    entry: dict[str, Any] = {
        "id": f"{LIST_URL}#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": LIST_URL,
    }
    for key, value in overrides.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return entry


# --- the W3C examples -------------------------------------------------------------------------


@needs_bsl
@pytest.mark.parametrize(
    "name",
    ["example-bitstring-status-list-credential.json", "example-status-list-credential.json"],
)
def test_w3c_example_lists_decode_to_131072_entries_none_set(name: str) -> None:
    credential = load(BSL / name)
    bits = Bitstring.decode(credential["credentialSubject"]["encodedList"])
    assert bits.length == 131_072
    assert bits.count() == 0
    assert bits.to_bytes() == bytes(16_384)
    # re-encoding need not be byte-identical, but must round-trip
    assert Bitstring.decode(bits.encode()) == bits


@needs_bsl
def test_w3c_revocable_credential_entry_is_not_set() -> None:
    credential = load(BSL / "example-revocable-credential.json")
    entry = parse_entry(credential["credentialStatus"])
    assert entry == StatusEntry(
        purpose="revocation",
        index=94567,
        list_credential="https://example.com/credentials/status/3",
        id="https://example.com/credentials/status/3#94567",
    )
    status_list = load(BSL / "example-status-list-credential.json")
    result = check_status(entry, status_list, expected_issuer="did:example:12345")
    assert (result.purpose, result.index, result.set, result.value) == (
        "revocation",
        94567,
        False,
        0,
    )
    assert result.list_id == "https://example.com/credentials/status/3"


@needs_bsl
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "example-credential-revocation-and-suspension-entries.json",
            [("revocation", 94567, "/3"), ("suspension", 23452, "/4")],
        ),
        (
            "example-multiple-status-lists.json",
            [("revocation", 94567, "/3"), ("suspension", 12345, "/4")],
        ),
        (
            "example-multiple-entries-single-list.json",
            [("revocation", 94567, "/5"), ("suspension", 12345, "/5")],
        ),
    ],
)
def test_w3c_entry_arrays_parse(name: str, expected: list[tuple[str, int, str]]) -> None:
    entries = parse_entries(load(BSL / name)["credentialStatus"])
    got = [(e.purpose, e.index, e.list_credential) for e in entries]
    want = [(p, i, "https://example.com/credentials/status" + s) for p, i, s in expected]
    assert got == want


@needs_bsl
def test_w3c_revocation_entries_checked_against_the_example_list() -> None:
    """The reference library "finds the revocation entry in every example credential"."""
    status_list = load(BSL / "example-status-list-credential.json")
    for path in sorted(BSL.glob("*.json")):
        document = load(path)
        if "credentialStatus" not in document:
            continue
        for entry in parse_entries(document["credentialStatus"]):
            if entry.purpose != "revocation":
                continue
            # the example list is list 3; lists 5 are another URL and must be refused as such
            if entry.list_credential == status_list["id"]:
                result = check_status(entry, status_list, expected_issuer=None)
                assert result.set is False
            else:
                with pytest.raises(StatusListError, match="is not"):
                    check_status(entry, status_list, expected_issuer=None)


@needs_bsl
def test_w3c_message_entry_example_shape() -> None:
    """The message example is not JSON (it has '...' elisions); its entry, completed to the four
    rows that statusSize 2 requires, parses and reads a 2-bit value."""
    text = (BSL / "example-credential-message-entry.txt").read_text(encoding="utf-8")
    assert '"statusSize": 2' in text
    entry = parse_entry(
        {
            "id": "https://example.com/credentials/status/8#492847",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "message",
            "statusListIndex": "492847",
            "statusSize": 2,
            "statusListCredential": "https://example.com/credentials/status/8",
            "statusMessage": [
                {"status": "0x0", "message": "pending_review"},
                {"status": "0x1", "message": "accepted"},
                {"status": "0x2", "message": "rejected"},
                {"status": "0x3", "message": "undefined"},
            ],
            "statusReference": "https://example.org/status-dictionary/",
        }
    )
    assert (entry.purpose, entry.index, entry.size, len(entry.messages)) == (
        "message",
        492847,
        2,
        4,
    )
    # 492847 entries of 2 bits need a list of at least 985,696 bits
    bits = Bitstring.new(1_048_576)
    bits.set_value(492847, 2, 2)
    credential = status_list_credential(
        list_id="https://example.com/credentials/status/8",
        issuer="did:example:12345",
        purpose="message",
        bitstring=bits,
        valid_from=datetime(2024, 4, 5, 3, 52, 31, tzinfo=UTC),
    )
    result = check_status(entry, credential, expected_issuer="did:example:12345")
    assert (result.value, result.message, result.set) == (2, "rejected", True)
    # the list entry just before is untouched
    assert bits.get_value(492846, 2) == 0


# --- the reference outputs --------------------------------------------------------------------


@needs_ref
def test_reference_list_has_only_index_42_set() -> None:
    credential = load(REF / "status-list-revocation.json")
    bits = Bitstring.decode(credential["credentialSubject"]["encodedList"])
    assert bits.length == 131_072
    assert bits.set_indexes() == [42]
    assert bits.to_bytes()[5] == 0x20  # index 0 is the most significant bit of byte 0
    assert bits.get(42) and not bits.get(41) and not bits.get(43)


@needs_ref
def test_reference_unsigned_list_is_reproduced_byte_for_byte() -> None:
    reference = load(REF / "unsigned" / "status-list-revocation.json")
    bits = Bitstring.new()
    bits.set(42, True)
    built = status_list_credential(
        list_id=reference["id"],
        issuer=reference["issuer"],
        purpose="revocation",
        bitstring=bits,
        valid_from=datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert built == reference
    # same key order too, so the JSON text matches
    assert json.dumps(built, indent=2) == json.dumps(reference, indent=2)


@needs_ref
@pytest.mark.parametrize(
    ("name", "index", "revoked"),
    [
        ("degree-vc2-ob3-eddsa-rdfc-2022-status-revoked.json", 42, True),
        ("degree-vc2-ob3-eddsa-rdfc-2022-status-active.json", 7, False),
    ],
)
def test_reference_degree_status(name: str, index: int, revoked: bool) -> None:
    credential = load(REF / name)
    status_list = load(REF / "status-list-revocation.json")
    (entry,) = parse_entries(credential["credentialStatus"])
    assert entry.index == index
    result = check_status(entry, status_list, expected_issuer=credential["issuer"]["id"])
    assert result.set is revoked
    assert result.list_id == status_list["id"]
    # and the wrong issuer is refused
    with pytest.raises(StatusListError, match="issued by"):
        check_status(entry, status_list, expected_issuer="did:example:someone-else")


# --- building ---------------------------------------------------------------------------------


def test_status_entry_shape_and_round_trip() -> None:
    made = status_entry(list_id=LIST_URL, index=7, purpose="suspension")
    assert made == {
        "id": f"{LIST_URL}#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "7",
        "statusListCredential": LIST_URL,
    }
    assert parse_entry(made).index == 7


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"index": -1}, RangeValueError),
        ({"index": True}, MalformedValueError),
        ({"index": "7"}, MalformedValueError),
        ({"purpose": "message"}, MalformedValueError),
        ({"purpose": "expiry"}, MalformedValueError),
        ({"list_id": "status/1"}, MalformedValueError),
        ({"index": MAX_DECODED_BYTES * 8}, RangeValueError),
    ],
)
def test_status_entry_refuses(kwargs: dict[str, Any], error: type[DiplomatError]) -> None:
    arguments: dict[str, Any] = {"list_id": LIST_URL, "index": 7, "purpose": "revocation"}
    arguments.update(kwargs)
    with pytest.raises(error):
        status_entry(**arguments)


def test_status_list_credential_options() -> None:
    credential = status_list_credential(
        list_id=LIST_URL,
        issuer=ISSUER,
        purpose="suspension",
        bitstring=Bitstring.new(),
        valid_from=datetime(2025, 1, 1, 12, 30, tzinfo=UTC),
        valid_until=datetime(2025, 2, 1, tzinfo=UTC),
        ttl_ms=300_000,
    )
    assert credential["validFrom"] == "2025-01-01T12:30:00Z"
    assert credential["validUntil"] == "2025-02-01T00:00:00Z"
    assert credential["credentialSubject"]["ttl"] == 300_000
    assert credential["credentialSubject"]["statusPurpose"] == "suspension"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"purpose": "expiry"}, MalformedValueError),
        ({"valid_from": datetime(2025, 1, 1)}, MalformedValueError),  # naive
        ({"valid_until": datetime(2024, 1, 1, tzinfo=UTC)}, RangeValueError),
        ({"ttl_ms": 0}, RangeValueError),
        ({"list_id": "relative/list"}, MalformedValueError),
        ({"bitstring": b"\x00" * 16384}, MalformedValueError),
    ],
)
def test_status_list_credential_refuses(kwargs: dict[str, Any], error: type[DiplomatError]) -> None:
    arguments: dict[str, Any] = {
        "list_id": LIST_URL,
        "issuer": ISSUER,
        "purpose": "revocation",
        "bitstring": Bitstring.new(),
        "valid_from": datetime(2025, 1, 1, tzinfo=UTC),
    }
    arguments.update(kwargs)
    with pytest.raises(error):
        status_list_credential(**arguments)


# --- the bitstring ----------------------------------------------------------------------------


def test_bit_order_is_most_significant_first() -> None:
    bits = Bitstring.new()
    bits.set(0, True)
    bits.set(15, True)
    raw = bits.to_bytes()
    assert raw[0] == 0x80 and raw[1] == 0x01
    bits.set(0, False)
    assert bits.to_bytes()[0] == 0
    assert bits.set_indexes() == [15]


def test_multi_bit_values() -> None:
    bits = Bitstring.new()
    bits.set_value(3, 4, 0b1010)  # bits 12..15
    assert bits.to_bytes()[1] == 0b0000_1010
    assert bits.get_value(3, 4) == 10
    assert [bits.get(i) for i in range(12, 16)] == [True, False, True, False]
    with pytest.raises(RangeValueError):
        bits.set_value(3, 4, 16)
    with pytest.raises(RangeValueError):
        bits.get_value(0, 9)
    with pytest.raises(RangeValueError):
        bits.get_value(MIN_LENGTH // 4, 4)  # one entry past the end


@pytest.mark.parametrize("length", [0, 8, MIN_LENGTH - 8, MIN_LENGTH + 1, -8])
def test_new_refuses_bad_lengths(length: int) -> None:
    with pytest.raises(RangeValueError):
        Bitstring.new(length)


def test_new_and_index_bounds() -> None:
    bits = Bitstring.new(MIN_LENGTH + 8)
    assert bits.length == len(bits) == MIN_LENGTH + 8
    bits.set(MIN_LENGTH + 7, True)
    for bad in (MIN_LENGTH + 8, -1):
        with pytest.raises(RangeValueError):
            bits.get(bad)
    with pytest.raises(MalformedValueError):
        bits.get("3")  # type: ignore[arg-type]
    with pytest.raises(MalformedValueError):
        bits.set(3, 1)  # type: ignore[arg-type]
    with pytest.raises(RangeValueError):
        Bitstring(bytes(100))


def test_encode_is_deterministic_gzip() -> None:
    bits = Bitstring.new()
    bits.set(1000, True)
    encoded = bits.encode()
    assert encoded == bits.encode()
    assert encoded.startswith("uH4sI")  # "u" + base64url of the GZIP magic 1f 8b 08
    assert "=" not in encoded
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert gzip.decompress(raw) == bits.to_bytes()


@settings(max_examples=40, deadline=None)
@given(
    indexes=st.sets(st.integers(min_value=0, max_value=MIN_LENGTH * 2 - 1), max_size=200),
    double=st.booleans(),
)
def test_round_trip(indexes: set[int], double: bool) -> None:
    length = MIN_LENGTH * 2 if double else MIN_LENGTH
    indexes = {i for i in indexes if i < length}
    bits = Bitstring.new(length)
    for index in indexes:
        bits.set(index, True)
    decoded = Bitstring.decode(bits.encode())
    assert decoded == bits
    assert decoded.length == length
    assert decoded.set_indexes() == sorted(indexes)


# --- bad encodedList --------------------------------------------------------------------------


def gzipped(data: bytes) -> str:
    return "u" + b64u(gzip.compress(data, mtime=0))


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        (b64u(gzip.compress(bytes(16384))), "multibase"),  # no 'u' prefix
        ("z" + b64u(gzip.compress(bytes(16384))), "multibase"),
        ("", "multibase"),
        (42, "string"),
        ("u" + b64u(gzip.compress(bytes(16384))) + "==", "base64url"),  # padding
        ("u" + "H4sI+AAA/", "base64url"),  # base64 (not url) alphabet
        ("uH4sI AAA", "base64url"),
        ("uABCDE", "base64url"),  # length % 4 == 1 cannot be base64
        ("u" + b64u(zlib.compress(bytes(16384))), "GZIP"),  # zlib, not gzip
        ("u" + b64u(bytes(16384)), "GZIP"),  # not compressed at all
        ("u" + b64u(gzip.compress(bytes(16384))[:-6]), "truncated"),
        ("u" + b64u(gzip.compress(bytes(16384)) + gzip.compress(b"x")), "after"),
        ("u" + b64u(gzip.compress(bytes(16384))[:-8] + b"\0" * 8), "GZIP"),  # bad CRC
        (gzipped(bytes(16383)), "STATUS_LIST_LENGTH_ERROR"),  # 131,064 bits
        (gzipped(b""), "STATUS_LIST_LENGTH_ERROR"),
        ("u", "STATUS_LIST_LENGTH_ERROR|GZIP|truncated"),
    ],
)
def test_decode_refuses(encoded: object, message: str) -> None:
    with pytest.raises(StatusListError, match=message):
        Bitstring.decode(encoded)


def test_decode_refuses_more_than_the_cap() -> None:
    with pytest.raises(StatusListError, match="more than"):
        Bitstring.decode(gzipped(bytes(MAX_DECODED_BYTES + 1)))
    # exactly the cap is fine
    assert Bitstring.decode(gzipped(bytes(MAX_DECODED_BYTES))).length == MAX_DECODED_BYTES * 8
    # and the cap is adjustable
    with pytest.raises(StatusListError, match="more than"):
        Bitstring.decode(gzipped(bytes(32768)), max_bytes=16384)


def test_decode_refuses_over_long_encoded_text_before_decoding() -> None:
    with pytest.raises(StatusListError, match="longer"):
        Bitstring.decode("u" + "A" * 40_000, max_bytes=16384)


def test_zip_bomb_stops_at_the_cap_fast() -> None:
    # 50 MB of zeros, compressed in pieces so the test itself never holds 50 MB.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    bomb = b"".join(compressor.compress(block) for _ in range(50)) + compressor.flush()
    assert len(bomb) < 100_000
    encoded = "u" + b64u(bomb)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(StatusListError, match="more than"):
            Bitstring.decode(encoded)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5
    assert peak < 12 * 1024 * 1024, f"peak {peak} bytes: the bomb was not stopped at the cap"


# --- bad entries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"statusListIndex": "-1"}, MalformedValueError),
        ({"statusListIndex": "4 2"}, MalformedValueError),
        ({"statusListIndex": " 42"}, MalformedValueError),
        ({"statusListIndex": "42\n"}, MalformedValueError),
        ({"statusListIndex": "١٢"}, MalformedValueError),  # Arabic-Indic digits
        ({"statusListIndex": "٤٢"}, MalformedValueError),
        ({"statusListIndex": "４２"}, MalformedValueError),  # fullwidth
        ({"statusListIndex": ""}, MalformedValueError),
        ({"statusListIndex": "+42"}, MalformedValueError),
        ({"statusListIndex": "042"}, MalformedValueError),  # non-canonical, see module docs
        ({"statusListIndex": "4_2"}, MalformedValueError),
        ({"statusListIndex": "0x2a"}, MalformedValueError),
        ({"statusListIndex": "42.0"}, MalformedValueError),
        ({"statusListIndex": 42}, MalformedValueError),  # a number, not a string
        ({"statusListIndex": True}, MalformedValueError),
        ({"statusListIndex": ["42"]}, MalformedValueError),
        ({"statusListIndex": "9" * 5000}, RangeValueError),
        ({"statusListIndex": str(MAX_DECODED_BYTES * 8)}, RangeValueError),
        ({"type": "StatusList2021Entry"}, MalformedValueError),
        ({"type": None}, MalformedValueError),
        ({"type": []}, MalformedValueError),
        ({"statusPurpose": "expiry"}, MalformedValueError),
        ({"statusPurpose": ["revocation"]}, MalformedValueError),
        ({"statusPurpose": None}, MalformedValueError),
        ({"statusListCredential": "/status/1"}, MalformedValueError),
        ({"statusListCredential": "https:status"}, MalformedValueError),
        ({"statusListCredential": "https://"}, MalformedValueError),
        ({"statusListCredential": "https://a.example/ x"}, MalformedValueError),
        ({"statusListCredential": None}, MalformedValueError),
        ({"id": LIST_URL}, MalformedValueError),  # id must not be the list URL
        ({"id": 5}, MalformedValueError),
        ({"statusSize": 2}, MalformedValueError),  # revocation entries are one bit
        ({"statusSize": 0}, RangeValueError),
        ({"statusSize": "1"}, MalformedValueError),
        ({"statusPurpose": "message", "statusSize": 9}, RangeValueError),
        ({"statusPurpose": "message", "statusSize": 2}, MalformedValueError),  # no messages
        (
            {
                "statusPurpose": "message",
                "statusSize": 2,
                "statusMessage": [{"status": "0x0", "message": "ok"}],
            },
            MalformedValueError,
        ),
        (
            {
                "statusPurpose": "message",
                "statusSize": 1,
                "statusMessage": [
                    {"status": "0x0", "message": "ok"},
                    {"status": "0x0", "message": "again"},
                ],
            },
            MalformedValueError,
        ),
        (
            {
                "statusPurpose": "message",
                "statusSize": 1,
                "statusMessage": [{"status": 0, "message": "ok"}, {"status": "0x1"}],
            },
            MalformedValueError,
        ),
    ],
)
def test_parse_entry_refuses(overrides: dict[str, Any], error: type[DiplomatError]) -> None:
    with pytest.raises(error):
        parse_entry(entry_dict(**overrides))


@pytest.mark.parametrize("bad", [None, "entry", ["x"], 42])
def test_parse_entry_refuses_non_objects(bad: object) -> None:
    with pytest.raises(MalformedValueError):
        parse_entry(bad)


@pytest.mark.parametrize("bad", [None, [], "x", [{"type": "x"}]])
def test_parse_entries_refuses(bad: object) -> None:
    with pytest.raises(MalformedValueError):
        parse_entries(bad)


def test_parse_entry_accepts_zero_and_no_id() -> None:
    entry = parse_entry(entry_dict(statusListIndex="0", id=None))
    assert (entry.index, entry.id, entry.size) == (0, None, 1)


# --- check_status -----------------------------------------------------------------------------


def test_check_status_reads_the_bit() -> None:
    bits = Bitstring.new()
    bits.set(42, True)
    status_list = list_credential(bits)
    assert check_status(parse_entry(entry_dict()), status_list, expected_issuer=ISSUER).set
    seven = parse_entry(entry_dict(statusListIndex="7", id=None))
    assert not check_status(seven, status_list, expected_issuer=ISSUER).set


def test_check_status_accepts_issuer_object_and_purpose_array() -> None:
    status_list = list_credential(issuer={"id": ISSUER, "name": "Uni"})
    status_list["credentialSubject"]["statusPurpose"] = ["suspension", "revocation"]
    result = check_status(parse_entry(entry_dict()), status_list, expected_issuer=ISSUER)
    assert result.set is False


def test_check_status_index_outside_the_list() -> None:
    entry = parse_entry(entry_dict(statusListIndex=str(MIN_LENGTH), id=None))
    with pytest.raises(RangeValueError):
        check_status(entry, list_credential(), expected_issuer=None)
    # but fine in a longer list
    assert not check_status(
        entry, list_credential(Bitstring.new(MIN_LENGTH * 2)), expected_issuer=None
    ).set


def mutate(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    credential = copy.deepcopy(list_credential())
    target = credential
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return credential


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("credentialSubject", "statusPurpose"), "suspension", "STATUS_VERIFICATION_ERROR"),
        (("credentialSubject", "statusPurpose"), None, "statusPurpose"),
        (("type",), ["VerifiableCredential"], "BitstringStatusListCredential"),
        (("type",), ["VerifiableCredential", "StatusList2021Credential"], "Bitstring"),
        (("type",), None, "type"),
        (("id",), "https://university.example/status/revocation/2", "is not"),
        (("issuer",), "did:example:other", "issued by"),
        (("issuer",), None, "issuer"),
        (("credentialSubject",), [{"type": "BitstringStatusList"}], "credentialSubject"),
        (("credentialSubject", "type"), "StatusList2021", "BitstringStatusList"),
        (("credentialSubject", "encodedList"), None, "string"),
        (("credentialSubject", "encodedList"), "H4sIAAAA", "multibase"),
        (("credentialSubject", "encodedList"), gzipped(bytes(100)), "STATUS_LIST_LENGTH"),
    ],
)
def test_check_status_refuses(path: tuple[str, ...], value: Any, message: str) -> None:
    with pytest.raises(StatusListError, match=message):
        check_status(parse_entry(entry_dict()), mutate(path, value), expected_issuer=ISSUER)


def test_check_status_refuses_non_object() -> None:
    with pytest.raises(StatusListError):
        check_status(parse_entry(entry_dict()), [], expected_issuer=None)  # type: ignore[arg-type]


def test_a_decoded_list_is_remembered_by_its_text_and_each_caller_gets_its_own_copy() -> None:
    bits = Bitstring.new()
    bits.set(7, True)
    encoded = bits.encode()
    first = Bitstring.decode(encoded)
    first.set(8, True)  # a caller changing its copy changes nothing for the next one
    again = Bitstring.decode(encoded)
    assert (again.get(7), again.get(8)) == (True, False)
    bits.set(9, True)  # another text: decoded afresh
    assert Bitstring.decode(bits.encode()).get(9) is True
    # A list remembered under the default cap is still refused under a smaller one.
    large = gzipped(bytes(32768))
    assert Bitstring.decode(large).length == 32768 * 8
    with pytest.raises(StatusListError, match="more than"):
        Bitstring.decode(large, max_bytes=16384)
