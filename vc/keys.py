"""Keys: Ed25519, P-256 and P-384; Multikey and JWK encodings; deterministic generation; PKCS#8."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from vc import multibase
from vc.errors import (
    CryptographicSecurityError,
    MalformedValueError,
    SignatureMismatchError,
    WeakKeyError,
)
from vc.message import Message


class KeyType(StrEnum):
    ED25519 = "Ed25519"
    P256 = "P-256"
    P384 = "P-384"


_CURVES: dict[KeyType, ec.EllipticCurve] = {
    KeyType.P256: ec.SECP256R1(),
    KeyType.P384: ec.SECP384R1(),
}
_HASHES: dict[KeyType, type[hashes.HashAlgorithm]] = {
    KeyType.P256: hashes.SHA256,
    KeyType.P384: hashes.SHA384,
}
_SIZES = {KeyType.P256: 32, KeyType.P384: 48}
_PUB_PREFIX = {
    KeyType.ED25519: multibase.ED25519_PUB,
    KeyType.P256: multibase.P256_PUB,
    KeyType.P384: multibase.P384_PUB,
}
_PRIV_PREFIX = {
    KeyType.ED25519: multibase.ED25519_PRIV,
    KeyType.P256: multibase.P256_PRIV,
    KeyType.P384: multibase.P384_PRIV,
}
JWS_ALG = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256", KeyType.P384: "ES384"}

# --- Ed25519 small-order check (RFC 8032 §5.1.3 point decoding, then [8]P == identity) ---------
_P = 2**255 - 19
_D = -121665 * pow(121666, -1, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _ed_decode(raw: bytes) -> tuple[int, int, int, int]:
    y = int.from_bytes(raw, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= _P:
        raise WeakKeyError("Ed25519 public key has a non-canonical encoding")
    x2 = (y * y - 1) * pow(_D * y * y + 1, -1, _P) % _P
    if x2 == 0:
        if sign:
            raise WeakKeyError("Ed25519 public key is not a valid point")
        x = 0
    else:
        x = pow(x2, (_P + 3) // 8, _P)
        if (x * x - x2) % _P != 0:
            x = x * _SQRT_M1 % _P
        if (x * x - x2) % _P != 0:
            raise MalformedValueError("Ed25519 public key is not a point on the curve")
        if (x & 1) != sign:
            x = _P - x
    return (x, y, 1, x * y % _P)


def _ed_add(
    p: tuple[int, int, int, int], q: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def check_ed25519_public_key(raw: bytes) -> None:
    """Reject small-order and non-canonical Ed25519 keys (a signature from one verifies anything).

    Raises WeakKeyError or MalformedValueError.
    """
    if len(raw) != 32:
        raise MalformedValueError("Ed25519 public key must be 32 bytes")
    point = _ed_decode(raw)
    for _ in range(3):  # [8]P
        point = _ed_add(point, point)
    if point[0] % _P == 0 and (point[1] - point[2]) % _P == 0:
        raise WeakKeyError("Ed25519 public key has small order")


# --- public keys ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicKey:
    """A public key: its type and raw bytes (32-byte Ed25519, or compressed SEC1 point)."""

    key_type: KeyType
    raw: bytes

    def __post_init__(self) -> None:
        if self.key_type is KeyType.ED25519:
            check_ed25519_public_key(self.raw)
        else:
            self._ec()  # validates the point

    def _ec(self) -> ec.EllipticCurvePublicKey:
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[self.key_type], self.raw)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise MalformedValueError(f"{self.key_type} public key is not a valid point") from exc

    @property
    def multikey(self) -> str:
        """publicKeyMultibase: 'z' + base58btc(multicodec prefix + raw key)."""
        return multibase.encode_base58btc(_PUB_PREFIX[self.key_type] + self.raw)

    @property
    def did_key(self) -> str:
        return "did:key:" + self.multikey

    @property
    def jws_alg(self) -> str:
        return JWS_ALG[self.key_type]

    def to_jwk(self) -> dict[str, str]:
        """Public JWK (RFC 8037 OKP for Ed25519, RFC 7518 EC otherwise)."""
        if self.key_type is KeyType.ED25519:
            return {"kty": "OKP", "crv": "Ed25519", "x": _b64(self.raw)}
        numbers = self._ec().public_numbers()
        size = _SIZES[self.key_type]
        return {
            "kty": "EC",
            "crv": str(self.key_type),
            "x": _b64(numbers.x.to_bytes(size, "big")),
            "y": _b64(numbers.y.to_bytes(size, "big")),
        }

    def verify(self, signature: bytes, data: bytes) -> None:
        """Verify a raw signature (Ed25519, or r||s for ECDSA). Raises SignatureMismatchError."""
        try:
            if self.key_type is KeyType.ED25519:
                ed25519.Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
                return
            size = _SIZES[self.key_type]
            if len(signature) != 2 * size:
                raise SignatureMismatchError(
                    f"{self.key_type} signature must be {2 * size} bytes (r||s), got {len(signature)}"
                )
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            self._ec().verify(encode_dss_signature(r, s), data, ec.ECDSA(_HASHES[self.key_type]()))
        except InvalidSignature as exc:
            raise SignatureMismatchError(Message("signature does not verify")) from exc

    @classmethod
    def from_multikey(cls, value: object, field: str = "publicKeyMultibase") -> PublicKey:
        data = multibase.decode_base58btc(value, field)
        codec, raw = multibase.split_multicodec(
            data, {v: k.value for k, v in _PUB_PREFIX.items()}, field
        )
        return cls(KeyType(codec), raw)

    @classmethod
    def from_jwk(cls, jwk: object) -> PublicKey:
        if not isinstance(jwk, dict):
            raise MalformedValueError("publicKeyJwk must be an object")
        if "d" in jwk:
            raise MalformedValueError("publicKeyJwk must not contain a private key")
        kty, crv = jwk.get("kty"), jwk.get("crv")
        if kty == "OKP" and crv == "Ed25519":
            return cls(KeyType.ED25519, multibase.b64url_decode(str(jwk.get("x", "")), "x"))
        if kty == "EC" and crv in ("P-256", "P-384"):
            key_type = KeyType(crv)
            size = _SIZES[key_type]
            x = multibase.b64url_decode(str(jwk.get("x", "")), "x")
            y = multibase.b64url_decode(str(jwk.get("y", "")), "y")
            if len(x) != size or len(y) != size:
                raise MalformedValueError(f"{crv} JWK coordinates must be {size} bytes")
            try:
                pub = ec.EllipticCurvePublicNumbers(
                    int.from_bytes(x, "big"), int.from_bytes(y, "big"), _CURVES[key_type]
                ).public_key()
            except ValueError as exc:
                raise MalformedValueError(f"{crv} JWK is not a point on the curve") from exc
            return cls(
                key_type,
                pub.public_bytes(
                    serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
                ),
            )
        raise MalformedValueError(f"unsupported JWK kty={kty!r} crv={crv!r}")


def _b64(data: bytes) -> str:
    return multibase.encode_base64url(data)[1:]


# --- key pairs --------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class KeyPair:
    """A private key with its public key. repr never shows the private key."""

    key_type: KeyType
    _private: Any
    public: PublicKey

    def __repr__(self) -> str:
        return f"KeyPair({self.key_type}, {self.public.multikey})"

    def sign(self, data: bytes) -> bytes:
        """Raw signature: 64-byte Ed25519, or r||s for ECDSA (P-256 SHA-256, P-384 SHA-384)."""
        if self.key_type is KeyType.ED25519:
            return bytes(self._private.sign(data))
        der = self._private.sign(data, ec.ECDSA(_HASHES[self.key_type]()))
        r, s = decode_dss_signature(der)
        size = _SIZES[self.key_type]
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    @property
    def secret_multikey(self) -> str:
        """secretKeyMultibase (multicodec-prefixed). Handle as a secret."""
        return multibase.encode_base58btc(_PRIV_PREFIX[self.key_type] + self._secret_bytes())

    def _secret_bytes(self) -> bytes:
        if self.key_type is KeyType.ED25519:
            return bytes(
                self._private.private_bytes(
                    serialization.Encoding.Raw,
                    serialization.PrivateFormat.Raw,
                    serialization.NoEncryption(),
                )
            )
        value: int = self._private.private_numbers().private_value
        return value.to_bytes(_SIZES[self.key_type], "big")

    def to_pkcs8_pem(self, passphrase: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted (best available) when a passphrase is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase)
            if passphrase
            else serialization.NoEncryption()
        )
        return bytes(
            self._private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
            )
        )

    def private_jwk(self) -> dict[str, str]:
        jwk = self.public.to_jwk()
        jwk["d"] = _b64(self._secret_bytes())
        return jwk

    @classmethod
    def from_private(cls, private: Any) -> KeyPair:
        if isinstance(private, ed25519.Ed25519PrivateKey):
            raw = private.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            return cls(KeyType.ED25519, private, PublicKey(KeyType.ED25519, raw))
        if isinstance(private, ec.EllipticCurvePrivateKey):
            names = {"secp256r1": KeyType.P256, "secp384r1": KeyType.P384}
            if private.curve.name not in names:
                raise MalformedValueError(f"unsupported curve {private.curve.name}")
            key_type = names[private.curve.name]
            raw = private.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
            return cls(key_type, private, PublicKey(key_type, raw))
        raise MalformedValueError(f"unsupported private key {type(private).__name__}")

    @classmethod
    def from_pkcs8_pem(cls, data: bytes, passphrase: bytes | None = None) -> KeyPair:
        try:
            private = serialization.load_pem_private_key(data, password=passphrase or None)
        except TypeError as exc:
            raise CryptographicSecurityError(
                "the key file is encrypted: a passphrase is needed"
                if passphrase is None
                else "the key file is not encrypted but a passphrase was given"
            ) from exc
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise CryptographicSecurityError(
                "cannot read the private key (wrong passphrase or not PKCS#8 PEM)"
            ) from exc
        return cls.from_private(private)

    @classmethod
    def from_secret_multikey(cls, value: str) -> KeyPair:
        data = multibase.decode_base58btc(value, "secretKeyMultibase")
        codec, raw = multibase.split_multicodec(
            data, {v: k.value for k, v in _PRIV_PREFIX.items()}, "secretKeyMultibase"
        )
        return from_secret_bytes(KeyType(codec), raw)


def from_secret_bytes(key_type: KeyType, secret: bytes) -> KeyPair:
    """Build a key pair from raw secret bytes (Ed25519 seed, or an EC private scalar)."""
    if key_type is KeyType.ED25519:
        if len(secret) != 32:
            raise MalformedValueError("Ed25519 secret must be 32 bytes")
        return KeyPair.from_private(ed25519.Ed25519PrivateKey.from_private_bytes(secret))
    if len(secret) != _SIZES[key_type]:
        raise MalformedValueError(f"{key_type} secret must be {_SIZES[key_type]} bytes")
    try:
        private = ec.derive_private_key(int.from_bytes(secret, "big"), _CURVES[key_type])
    except ValueError as exc:
        raise MalformedValueError(f"{key_type} secret is out of range") from exc
    return KeyPair.from_private(private)


def generate(key_type: KeyType = KeyType.ED25519, seed: bytes | None = None) -> KeyPair:
    """A new key pair; deterministic from a 32-byte seed (tests and vectors only).

    Ed25519: the seed is the RFC 8032 secret key. EC: d = SHA-2(label || seed) as in the
    reference harness (keys.json "vc-interop-harness:P-256:"), so P-256 keys match it.
    """
    if seed is None:
        seed = secrets.token_bytes(32)
    if len(seed) != 32:
        raise MalformedValueError("seed must be 32 bytes (64 hex digits)")
    if key_type is KeyType.ED25519:
        return from_secret_bytes(key_type, seed)
    digest = hashlib.sha256 if key_type is KeyType.P256 else hashlib.sha384
    label = f"vc-interop-harness:{key_type}:".encode()
    return from_secret_bytes(key_type, digest(label + seed).digest())
