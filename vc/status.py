"""W3C Bitstring Status List v1.0: bitstring, encodedList, entries and the status check; no I/O."""

from __future__ import annotations

import base64
import copy
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from vc import jsonld
from vc.contexts import VC_V2
from vc.dates import format_datetime
from vc.errors import MalformedValueError, RangeValueError, StatusListError
from vc.statusmessages import (
    MAX_STATUS_SIZE,
    StatusMessage,
    absolute_url,
    message_for,
    message_rows,
    parse_messages,
    parse_references,
    parse_status_size,
)

ENTRY_TYPE: Final = "BitstringStatusListEntry"
LIST_TYPE: Final = "BitstringStatusList"
LIST_CREDENTIAL_TYPE: Final = "BitstringStatusListCredential"
PURPOSES: Final = frozenset({"revocation", "suspension", "refresh", "message"})

# Bitstring Status List §2.1 / §3.1: "The uncompressed bitstring MUST be at least 16KB in size"
# (131,072 entries of one bit).
MIN_LENGTH: Final = 16 * 1024 * 8
# Our own hard cap on the *decompressed* list: 2 MiB = 16,777,216 one-bit entries, 128 times the
# minimum. Anything larger is refused before it is allocated (a GZIP bomb stops here).
MAX_DECODED_BYTES: Final = 2 * 1024 * 1024

_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*", re.ASCII)
# VC Bitstring Status List §2.1: statusListIndex is "an arbitrary size integer greater than or
# equal to 0, expressed as a string in base 10". We accept only the canonical spelling: ASCII
# digits, no sign, no whitespace and no leading zeros ("0" itself is fine), so that one index has
# exactly one spelling. Unicode digits such as "٤٢" are refused.
_INDEX: Final = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_MAX_INDEX_DIGITS: Final = 12


def _encoded_limit(max_bytes: int) -> int:
    """The longest encodedList that can still decompress to at most ``max_bytes``.

    Deflate never expands data by more than 5 bytes per 16 KiB stored block; GZIP adds 18 bytes of
    framing; base64 turns 3 bytes into 4 characters. The slack is generous on purpose.
    """
    compressed = max_bytes + max_bytes // 1000 + 1024
    return 1 + (compressed * 4 + 2) // 3


def _check_index(index: object, what: str = "index") -> int:
    if isinstance(index, bool) or not isinstance(index, int):
        raise MalformedValueError(f"{what} must be an integer, not {type(index).__name__}")
    if index < 0:
        raise RangeValueError(f"{what} {index} is negative")
    return index


class Bitstring:
    """A mutable status bitstring. Index 0 is the left-most (most significant) bit of byte 0.

    Bitstring Status List §3.1: "the first index, with a value of zero (0), is located at the
    left-most bit in the bitstring".
    """

    __slots__ = ("_data",)

    def __init__(self, data: bytes | bytearray) -> None:
        """Wrap raw (uncompressed) list bytes; raises RangeValueError below 16 KiB."""
        if len(data) * 8 < MIN_LENGTH:
            raise RangeValueError(
                f"a status list needs at least {MIN_LENGTH} entries, got {len(data) * 8}"
            )
        self._data = bytearray(data)

    @classmethod
    def new(cls, length: int = MIN_LENGTH) -> Bitstring:
        """A list of ``length`` bits, all 0. Raises RangeValueError unless length is a multiple
        of 8 and at least 131,072."""
        _check_index(length, "length")
        if length < MIN_LENGTH or length % 8:
            raise RangeValueError(
                f"status list length must be a multiple of 8 and >= {MIN_LENGTH}, got {length}"
            )
        if length > MAX_DECODED_BYTES * 8:
            raise RangeValueError(f"status list length {length} exceeds {MAX_DECODED_BYTES * 8}")
        return cls(bytes(length // 8))

    @property
    def length(self) -> int:
        """The number of bits."""
        return len(self._data) * 8

    def __len__(self) -> int:
        return self.length

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Bitstring):
            return NotImplemented
        return self._data == other._data

    __hash__ = None  # type: ignore[assignment]  # mutable, so not hashable

    def __repr__(self) -> str:
        return f"Bitstring(length={self.length}, set={self.count()})"

    def to_bytes(self) -> bytes:
        """The uncompressed list bytes."""
        return bytes(self._data)

    def count(self) -> int:
        """How many bits are set."""
        return sum(byte.bit_count() for byte in self._data)

    def set_indexes(self) -> list[int]:
        """The indexes of all set bits, ascending."""
        found: list[int] = []
        for byte_index, byte in enumerate(self._data):
            if byte:
                found.extend(byte_index * 8 + bit for bit in range(8) if byte & (0x80 >> bit))
        return found

    def _check_bit(self, index: object) -> int:
        position = _check_index(index)
        if position >= self.length:
            raise RangeValueError(f"index {position} is outside the list of {self.length} bits")
        return position

    def get(self, index: int) -> bool:
        """The bit at ``index``; raises RangeValueError when it is outside the list."""
        position = self._check_bit(index)
        return bool(self._data[position >> 3] & (0x80 >> (position & 7)))

    def set(self, index: int, value: bool) -> None:
        """Set or clear the bit at ``index``; raises RangeValueError when outside the list."""
        position = self._check_bit(index)
        if not isinstance(value, bool):
            raise MalformedValueError(f"a status bit must be a bool, not {type(value).__name__}")
        mask = 0x80 >> (position & 7)
        if value:
            self._data[position >> 3] |= mask
        else:
            self._data[position >> 3] &= ~mask & 0xFF

    def _check_entry(self, index: object, size: object) -> tuple[int, int]:
        position = _check_index(index)
        width = _check_index(size, "statusSize")
        if not 1 <= width <= MAX_STATUS_SIZE:
            raise RangeValueError(f"statusSize must be 1..{MAX_STATUS_SIZE}, got {width}")
        # Bitstring Status List §3.2 step 9: "If the credentialIndex multiplied by the size is
        # greater than or equal to the length of the bitstring, a RANGE_ERROR MUST be raised."
        if (position + 1) * width > self.length:
            raise RangeValueError(
                f"Bitstring Status List §3.2 RANGE_ERROR: entry {position} of {width} bit(s) is "
                f"outside the list of {self.length} bits"
            )
        return position * width, width

    def get_value(self, index: int, size: int = 1) -> int:
        """The ``size``-bit value of entry ``index`` (bits index*size .. index*size+size-1,
        most significant first)."""
        start, width = self._check_entry(index, size)
        value = 0
        for bit in range(start, start + width):
            value = (value << 1) | ((self._data[bit >> 3] >> (7 - (bit & 7))) & 1)
        return value

    def set_value(self, index: int, size: int, value: int) -> None:
        """Store ``value`` in the ``size``-bit entry ``index``."""
        start, width = self._check_entry(index, size)
        _check_index(value, "value")
        if value >= 1 << width:
            raise RangeValueError(f"value {value} does not fit in {width} bits")
        for offset in range(width):
            bit = start + offset
            mask = 0x80 >> (bit & 7)
            if (value >> (width - 1 - offset)) & 1:
                self._data[bit >> 3] |= mask
            else:
                self._data[bit >> 3] &= ~mask & 0xFF

    def encode(self) -> str:
        """encodedList: "u" + base64url without padding of the GZIP-compressed bitstring.

        zlib's own GZIP framing at level 6 (header with mtime 0, no file name) is deterministic
        and byte-identical to what pako, and so the reference JavaScript library, produces.
        """
        compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        compressed = compressor.compress(bytes(self._data)) + compressor.flush()
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: object, *, max_bytes: int = MAX_DECODED_BYTES) -> Bitstring:
        """Decode an encodedList. Raises StatusListError when it is not multibase base64url
        ("u" prefix, no padding), not a single GZIP member, longer than ``max_bytes`` once
        decompressed (checked while decompressing, so a GZIP bomb is stopped at the cap) or
        shorter than 131,072 bits (STATUS_LIST_LENGTH_ERROR)."""
        if not isinstance(encoded, str):
            raise StatusListError(f"encodedList must be a string, not {type(encoded).__name__}")
        data = _decoded.get(encoded, max_bytes)
        if data is None:
            data = _decode(encoded, max_bytes)
            _decoded.put(encoded, max_bytes, data)
        return cls(data)


class _DecodedLists:
    """The last lists decoded, by their encodedList text (bounded in bytes): a verifier reads
    the same cached list for every credential of a university, and inflating 16 KiB each time
    was a tenth of a report. The key is the text itself, so an edited list is decoded again."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._held = 0
        self._entries: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, encoded: str, max_bytes: int) -> bytes | None:
        with self._lock:
            found = self._entries.get((encoded, max_bytes))
            if found is not None:
                self._entries.move_to_end((encoded, max_bytes))
            return found

    def put(self, encoded: str, max_bytes: int, data: bytes) -> None:
        if len(data) + len(encoded) > self._max_bytes // 4:
            return  # a list this large would push out every other one
        with self._lock:
            if (encoded, max_bytes) in self._entries:
                return
            self._entries[(encoded, max_bytes)] = data
            self._held += len(data) + len(encoded)
            while self._held > self._max_bytes:
                (old, _), dropped = self._entries.popitem(last=False)
                self._held -= len(dropped) + len(old)


_decoded: Final = _DecodedLists(max_bytes=1024 * 1024)


def _decode(encoded: str, max_bytes: int) -> bytes:
    """Decode the text of an encodedList (a str); see ``Bitstring.decode``."""
    # §2.1: "a Multibase-encoded base64url (with no padding) [RFC4648] representation".
    # The older StatusList2021 had no prefix; we do not accept that form.
    if not encoded.startswith("u"):
        raise StatusListError("encodedList must be multibase base64url (prefix 'u')")
    if len(encoded) > _encoded_limit(max_bytes):
        raise StatusListError(f"encodedList is longer than any list of {max_bytes} bytes")
    body = encoded[1:]
    if not _B64URL.fullmatch(body) or len(body) % 4 == 1:
        raise StatusListError("encodedList is not base64url without padding")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as exc:  # binascii.Error is a ValueError
        raise StatusListError(f"encodedList is not base64url: {exc}") from exc
    data = _gunzip(compressed, max_bytes)
    if len(data) * 8 < MIN_LENGTH:
        raise StatusListError(
            f"STATUS_LIST_LENGTH_ERROR: the list has {len(data) * 8} entries, "
            f"fewer than the minimum {MIN_LENGTH}"
        )
    return data


def _gunzip(compressed: bytes, max_bytes: int) -> bytes:
    """Decompress exactly one GZIP member, never producing more than ``max_bytes``."""
    # wbits 16 + 15: GZIP framing only (no raw deflate, no zlib); zlib checks CRC-32 and ISIZE.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = compressed
    try:
        while not inflater.eof:
            # max_length bounds this call's output; one byte over the cap is enough to know.
            chunk = inflater.decompress(pending, max_bytes + 1 - len(out))
            out += chunk
            if len(out) > max_bytes:
                raise StatusListError(
                    f"encodedList decompresses to more than {max_bytes} bytes; refused"
                )
            rest = inflater.unconsumed_tail
            if not chunk and len(rest) == len(pending):
                break  # no progress: the input is exhausted
            pending = rest
    except zlib.error as exc:
        raise StatusListError(f"encodedList is not valid GZIP: {exc}") from exc
    if not inflater.eof:
        raise StatusListError("encodedList is truncated GZIP")
    if inflater.unused_data:
        raise StatusListError("encodedList has data after the GZIP member")
    return bytes(out)


@dataclass(frozen=True)
class StatusEntry:
    """A parsed BitstringStatusListEntry."""

    purpose: str
    index: int
    list_credential: str
    size: int = 1
    id: str | None = None
    messages: tuple[StatusMessage, ...] = ()
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatusResult:
    """The outcome of reading one entry: ``set`` is True when the value is non-zero (revoked,
    suspended, ...); ``value`` is the raw entry value, ``message`` its statusMessage if any."""

    purpose: str
    index: int
    set: bool
    list_id: str
    value: int = 0
    message: str | None = None


def _types(value: object, where: str, error: type[Exception]) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return list(value)
    raise error(f"{where} must be a string or a non-empty list of strings")


def _parse_index(value: object) -> int:
    # Bitstring Status List §2.1: statusListIndex is a string, so the JSON number 42 is refused.
    if not isinstance(value, str):
        raise MalformedValueError(
            f"statusListIndex must be a string of decimal digits, not {type(value).__name__}"
        )
    if not _INDEX.fullmatch(value):
        raise MalformedValueError(
            f"statusListIndex {value!r} is not a canonical non-negative decimal integer"
        )
    if len(value) > _MAX_INDEX_DIGITS:
        raise RangeValueError(f"statusListIndex {value!r} is too large")
    return int(value)


def parse_entry(entry: object, *, max_bytes: int = MAX_DECODED_BYTES) -> StatusEntry:
    """Parse and validate one BitstringStatusListEntry (a credentialStatus object).

    Raises MalformedValueError for a wrong shape (type, purpose, a non-string or non-canonical
    statusListIndex, a relative statusListCredential, bad statusSize/statusMessage) and
    RangeValueError for an index that cannot be inside any list we would accept (the actual list
    length is checked by ``check_status``). Multi-bit entries (statusSize, statusMessage,
    statusReference) are checked by vc.statusmessages, each error naming Bitstring Status List
    §2.1.
    """
    if not isinstance(entry, Mapping):
        raise MalformedValueError("credentialStatus entry must be an object")
    if ENTRY_TYPE not in _types(entry.get("type"), "credentialStatus.type", MalformedValueError):
        raise MalformedValueError(f"credentialStatus.type must be {ENTRY_TYPE}")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str):
        raise MalformedValueError("statusPurpose must be a string")
    if purpose not in PURPOSES:
        raise MalformedValueError(
            f"statusPurpose {purpose!r} is not one of {', '.join(sorted(PURPOSES))}"
        )
    index = _parse_index(entry.get("statusListIndex"))
    list_credential = absolute_url(entry.get("statusListCredential"), "statusListCredential")

    entry_id = entry.get("id")
    if entry_id is not None:
        entry_id = absolute_url(entry_id, "credentialStatus.id")
        # §2.1: the entry id "MUST NOT be the URL for the status list".
        if entry_id == list_credential:
            raise MalformedValueError("credentialStatus.id must not be the status list URL")

    # §2.1: "If statusSize is not present ... then statusSize MUST be processed as 1"; an
    # explicit null is not "not present" and is refused.
    size_value = parse_status_size(entry["statusSize"]) if "statusSize" in entry else 1
    if purpose != "message" and size_value != 1:
        # Diplomat's rule, not the spec's: revocation and suspension are read as one bit (set or
        # unset, §3.2); a wider entry would leave "which values revoke?" to guesswork.
        raise MalformedValueError(
            f"statusSize must be 1 for statusPurpose {purpose!r}: only 'message' entries are "
            "read as multi-bit values"
        )

    messages: tuple[StatusMessage, ...] = ()
    if "statusMessage" in entry:
        messages = parse_messages(entry["statusMessage"], size_value)
    elif size_value > 1:
        raise MalformedValueError(
            "Bitstring Status List §2.1: statusMessage MUST be present when statusSize is "
            "greater than 1"
        )
    references = parse_references(entry["statusReference"]) if "statusReference" in entry else ()

    if (index + 1) * size_value > max_bytes * 8:
        raise RangeValueError(f"statusListIndex {index} is beyond any acceptable list")
    return StatusEntry(
        purpose=purpose,
        index=index,
        list_credential=list_credential,
        size=size_value,
        id=entry_id,
        messages=messages,
        references=references,
    )


def parse_entries(credential_status: object) -> tuple[StatusEntry, ...]:
    """Parse a credential's ``credentialStatus`` (one entry or an array of entries)."""
    items: Sequence[object]
    if isinstance(credential_status, Mapping):
        items = [credential_status]
    elif isinstance(credential_status, list) and credential_status:
        items = credential_status
    else:
        raise MalformedValueError("credentialStatus must be an object or a non-empty array")
    return tuple(parse_entry(item) for item in items)


def _issuer_id(issuer: object) -> str:
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, Mapping) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    raise StatusListError("the status list credential has no issuer id")


def check_status(
    entry: StatusEntry,
    list_credential: Mapping[str, Any],
    *,
    expected_issuer: str | None,
    max_bytes: int = MAX_DECODED_BYTES,
) -> StatusResult:
    """Read ``entry`` in an (already verified) BitstringStatusListCredential.

    Checks the credential type, that its id (when present) is the entry's statusListCredential,
    the issuer when ``expected_issuer`` is given, and that the list's statusPurpose covers the
    entry's (§3.2 step 6, STATUS_VERIFICATION_ERROR). The proof and validFrom/validUntil are the
    caller's business. Raises StatusListError for a list that does not fit, RangeValueError when
    the entry is outside the list.
    """
    if not isinstance(list_credential, Mapping):
        raise StatusListError("the status list credential must be an object")
    types = _types(list_credential.get("type"), "status list credential type", StatusListError)
    if LIST_CREDENTIAL_TYPE not in types:
        raise StatusListError(f"the status list credential is not a {LIST_CREDENTIAL_TYPE}")
    list_id = list_credential.get("id")
    if list_id is not None and list_id != entry.list_credential:
        raise StatusListError(
            f"the status list credential id {list_id!r} is not {entry.list_credential!r}"
        )
    if expected_issuer is not None:
        issuer = _issuer_id(list_credential.get("issuer"))
        if issuer != expected_issuer:
            raise StatusListError(
                f"the status list is issued by {issuer!r}, not by {expected_issuer!r}"
            )
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise StatusListError("the status list credentialSubject must be one object")
    if LIST_TYPE not in _types(subject.get("type"), "credentialSubject.type", StatusListError):
        raise StatusListError(f"the status list credentialSubject is not a {LIST_TYPE}")
    purposes = _types(subject.get("statusPurpose"), "statusPurpose", StatusListError)
    if entry.purpose not in purposes:
        raise StatusListError(
            f"STATUS_VERIFICATION_ERROR: the entry's statusPurpose {entry.purpose!r} is not the "
            f"list's ({', '.join(purposes)})"
        )
    bits = Bitstring.decode(subject.get("encodedList"), max_bytes=max_bytes)
    value = bits.get_value(entry.index, entry.size)
    message = message_for(entry.messages, value)
    return StatusResult(
        purpose=entry.purpose,
        index=entry.index,
        set=value != 0,
        list_id=entry.list_credential,
        value=value,
        message=message,
    )


def vc1_status_context() -> dict[str, Any]:
    """An inline @context that lets a VC 1.1 credential carry BitstringStatusListEntry.

    The VC 1.1 context does not define the entry's terms, and no context URL for them has been
    assigned for VC 1.x (w3c/vc-bitstring-status-list issue 182: the terms live in the VC 2.0
    context). An inline context is read by every JSON-LD processor, so this one carries the
    VC 2.0 context's own definition of the term, copied from the vendored document: a VC 1.1
    processor maps the entry to exactly the IRIs a VC 2.0 processor does.
    """
    definition = jsonld.vendored_contexts()[VC_V2]["@context"][ENTRY_TYPE]
    return {ENTRY_TYPE: copy.deepcopy(dict(definition))}


def status_entry(*, list_id: str, index: int, purpose: str) -> dict[str, Any]:
    """A BitstringStatusListEntry for a credential (statusSize 1)."""
    position = _check_index(index)
    if purpose not in PURPOSES - {"message"}:
        raise MalformedValueError(
            "status_entry makes one-bit entries (revocation, suspension or refresh), "
            f"not {purpose!r}"
        )
    absolute_url(list_id, "list_id")
    if position >= MAX_DECODED_BYTES * 8:
        raise RangeValueError(f"index {position} is beyond any acceptable list")
    return {
        "id": f"{list_id}#{position}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(position),
        "statusListCredential": list_id,
    }


def message_entry(
    *,
    list_id: str,
    index: int,
    messages: Sequence[tuple[int, str]],
    size: int,
    reference: str | None = None,
) -> dict[str, Any]:
    """A ``message`` BitstringStatusListEntry of ``size`` bits (Bitstring Status List §2.1).

    ``messages`` are (value, message) pairs, one for each of the 2^size values, committed to at
    issuance; ``reference`` is the statusReference URL that explains them. Raises
    MalformedValueError / RangeValueError for anything ``parse_entry`` would refuse.
    """
    position = _check_index(index)
    entry: dict[str, Any] = {
        "id": f"{absolute_url(list_id, 'list_id')}#{position}",
        "type": ENTRY_TYPE,
        "statusPurpose": "message",
        "statusListIndex": str(position),
        "statusListCredential": list_id,
        "statusSize": parse_status_size(size),
        "statusMessage": message_rows(messages, size),
    }
    if reference is not None:
        entry["statusReference"] = reference
    parse_entry(entry)
    return entry


def status_list_credential(
    *,
    list_id: str,
    issuer: str,
    purpose: str,
    bitstring: Bitstring,
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential for ``bitstring`` (VC-DM 2.0 context only).

    Raises MalformedValueError for an unknown purpose, a relative list_id or naive datetimes.
    """
    if purpose not in PURPOSES:
        raise MalformedValueError(f"statusPurpose {purpose!r} is not one of {sorted(PURPOSES)}")
    absolute_url(list_id, "list_id")
    if not isinstance(bitstring, Bitstring):
        raise MalformedValueError("bitstring must be a Bitstring")
    subject: dict[str, Any] = {
        "id": f"{list_id}#list",
        "type": LIST_TYPE,
        "encodedList": bitstring.encode(),
        "statusPurpose": purpose,
    }
    if ttl_ms is not None:
        # §2.2: ttl, "the time to live in milliseconds"
        if isinstance(ttl_ms, bool) or not isinstance(ttl_ms, int) or ttl_ms <= 0:
            raise RangeValueError("ttl_ms must be a positive integer")
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "id": list_id,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "credentialSubject": subject,
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
        if valid_until <= valid_from:
            raise RangeValueError("valid_until must be after valid_from")
    return credential
