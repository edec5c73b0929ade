"""Mutated bulk uploads for fuzzing the verifier's bulk endpoints: CSVs of share links and ZIPs of
credential files, each a valid upload changed in one or more ways (cells, delimiters, encodings,
member names, compression methods, flags, damaged bytes). Pure: no I/O (archives are built in
memory)."""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Mapping
from typing import Any

from bench.fuzzkit import mutate_json, query_value, raw_body

# Cells a CSV of share links may hold besides the good link.
_CELLS: tuple[str, ...] = (
    "",
    "see attached diploma",
    "http://[::1",
    "https://[::1/x",
    "https://10.0.0.1/share/x",
    "http://127.0.0.1:0/share/x",
    "http://127.0.0.1:99999/share/x",
    "file:///etc/passwd",
    "ftp://uni.example/share/x",
    "data:application/json,{}",
    "https://user:pw@uni.example/share/x",
    "javascript:alert(1)",
    '"unbalanced',
    "a\x00b",
    '=HYPERLINK("https://evil.example")',
    "Harvard\u202eytisrevinU",
    "x" * 5000,
)
_HEADERS: tuple[str, ...] = ("", "url", "reference,url", "url;reference", "link,reference", "a,b")


def bulk_csv(rng: random.Random, share_url: str, verify_url: str) -> bytes:
    """A CSV of share links with one to three rows, often mutated; sometimes raw bytes."""
    cells = [share_url, verify_url + "?url=" + share_url, *_CELLS]
    header = rng.choice(_HEADERS)
    delimiter = ";" if ";" in header or rng.random() < 0.1 else ","
    lines = [header] if header else []
    for number in range(rng.randint(1, 3)):
        cell = share_url if rng.random() < 0.4 else rng.choice(cells)
        if rng.random() < 0.1:
            cell = query_value(rng)
        if "," in header or ";" in header:
            reference = rng.choice((f"APP-{number}", "", query_value(rng)))
            first, second = (
                (reference, cell) if header.startswith("reference") else (cell, reference)
            )
            lines.append(f"{first}{delimiter}{second}")
        else:
            lines.append(cell)
    text = rng.choice(("\n", "\r\n", "\r")).join(lines)
    data = text.encode("utf-8", "surrogatepass")
    roll = rng.random()
    if roll < 0.05:
        return b"\xef\xbb\xbf" + data  # a byte-order mark
    if roll < 0.1:
        return data + b"\xff\xfe"  # not UTF-8
    if roll < 0.15:
        return data[: rng.randint(0, len(data))]
    if roll < 0.18:
        return (data + b"\n") * rng.choice((2, 50, 1100))  # up to past the row limit
    return data


# Member names: a good one, then the kinds the parser must refuse or skip.
_NAMES: tuple[str, ...] = (
    "degree.json",
    "ступень.json",
    "../evil.json",
    "/abs.json",
    "C:\\x\\evil.json",
    "dir/",
    "__MACOSX/._degree.json",
    ".DS_Store",
    "nested.zip",
    "qr.png",
    "jwt.txt",
    "a" * 300 + ".json",
)


def _member(rng: random.Random, name: str, credential: Mapping[str, Any], jwt: str) -> bytes:
    if name == "jwt.txt":
        return jwt.encode()[: rng.randint(0, len(jwt))] if rng.random() < 0.3 else jwt.encode()
    if name == "nested.zip":
        return _zip({"inner.json": json.dumps(credential).encode()}, zipfile.ZIP_DEFLATED)
    if name == "qr.png":
        return rng.choice(
            (b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(64)), b"")
        )
    valid = json.dumps(credential).encode()
    roll = rng.random()
    if roll < 0.4:
        return valid
    if roll < 0.8:
        return json.dumps(mutate_json(rng, dict(credential))).encode()
    return raw_body(rng, valid)


def _zip(members: Mapping[str, bytes], method: int) -> bytes:
    """The archive, byte for byte the same for the same members (a fixed date: a seed must
    reproduce its request)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 6, 30, 12, 0, 0))
            info.compress_type = method
            archive.writestr(info, data)
    return buffer.getvalue()


def _patch_methods(data: bytearray, method: int) -> None:
    """Every member's compression method, in its local header and its central record."""
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature)
        while at != -1:
            data[at + offset : at + offset + 2] = method.to_bytes(2, "little")
            at = data.find(signature, at + 4)


def _patch_flags(data: bytearray, bits: int) -> None:
    """Set general-purpose flag bits (1: encrypted, 8: data descriptor, 0x800: UTF-8 names)."""
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            flags = int.from_bytes(data[at + offset : at + offset + 2], "little") | bits
            data[at + offset : at + offset + 2] = flags.to_bytes(2, "little")
            at = data.find(signature, at + 4)


def _damage(rng: random.Random, data: bytearray) -> None:
    """Perhaps one change to the archive's bytes: methods, flags, overwritten or cut bytes."""
    roll = rng.random()
    if roll < 0.3:
        return
    if roll < 0.45:
        _patch_methods(data, rng.choice((9, 12, 14, 99, 0xFFFF)))
    elif roll < 0.6:
        _patch_flags(data, rng.choice((0x1, 0x8, 0x800, 0x40)))
    elif roll < 0.85:
        at = rng.randrange(len(data))
        data[at : at + 8] = bytes(rng.randrange(256) for _ in range(8))
    else:
        del data[rng.randrange(len(data)) :]


def bulk_zip(rng: random.Random, credential: Mapping[str, Any], jwt: str) -> bytes:
    """A ZIP of one to three credential files, often with hostile names, methods, flags or
    damaged bytes."""
    names = ["degree.json"] + [rng.choice(_NAMES) for _ in range(rng.randint(0, 2))]
    members = {name: _member(rng, name, credential, jwt) for name in names}
    method = rng.choice(
        (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
    )
    data = bytearray(_zip(members, method))
    _damage(rng, data)
    return bytes(data)


def bulk_upload(
    rng: random.Random, share_url: str, verify_url: str, credential: Mapping[str, Any], jwt: str
) -> tuple[bytes, str]:
    """(body, content type) of one mutated bulk upload: a CSV or a ZIP, the type sometimes
    wrong for the bytes."""
    if rng.random() < 0.5:
        body, kind = bulk_csv(rng, share_url, verify_url), "text/csv"
    else:
        body, kind = bulk_zip(rng, credential, jwt), "application/zip"
    if rng.random() < 0.1:
        kind = rng.choice(("application/x-zip-compressed", "text/plain", "application/json", ""))
    return body, kind


__all__ = ["bulk_csv", "bulk_upload", "bulk_zip"]
