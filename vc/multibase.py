"""Multibase (base58btc 'z', base64url 'u') and multicodec prefixes used by Multikey and did:key."""

from __future__ import annotations

import base64
import binascii
import re

import base58

from vc.errors import MalformedValueError

# multicodec table entries (https://github.com/multiformats/multicodec), as unsigned varints.
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
P256_PUB = b"\x80\x24"
P256_PRIV = b"\x86\x26"
P384_PUB = b"\x81\x24"
P384_PRIV = b"\x87\x26"

_B58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]+\Z")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*\Z")


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: 'z' + base58 (Bitcoin alphabet)."""
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: object, field: str = "value") -> bytes:
    """Decode a multibase base58btc string. Raises MalformedValueError."""
    if not isinstance(value, str) or not value.startswith("z") or not _B58.match(value[1:]):
        raise MalformedValueError(f"{field} is not multibase base58btc ('z' + base58btc)")
    return bytes(base58.b58decode(value[1:]))


def encode_base64url(data: bytes) -> str:
    """Multibase base64url without padding: 'u' + base64url."""
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, field: str = "value") -> bytes:
    """Strict unpadded base64url. Raises MalformedValueError."""
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise MalformedValueError(f"{field} is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedValueError(f"{field} is not base64url: {exc}") from exc


def decode_base64url(value: object, field: str = "value") -> bytes:
    """Decode a multibase base64url string ('u' prefix). Raises MalformedValueError."""
    if not isinstance(value, str) or not value.startswith("u"):
        raise MalformedValueError(f"{field} is not multibase base64url ('u' + base64url)")
    return b64url_decode(value[1:], field)


def split_multicodec(data: bytes, allowed: dict[bytes, str], field: str) -> tuple[str, bytes]:
    """Split a multicodec-prefixed byte string; return (codec name, payload)."""
    for prefix, name in allowed.items():
        if data.startswith(prefix):
            return name, data[len(prefix) :]
    raise MalformedValueError(f"{field} has an unsupported multicodec prefix {data[:2].hex()}")
