"""vc.keys and diplomat.keyfile: generation, encodings, PKCS#8, weak keys, key files."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from diplomat.keyfile import load_key, save_key, write_secret
from vc import multibase
from vc.dids import DidResolver
from vc.errors import (
    CryptographicSecurityError,
    DiplomatError,
    MalformedValueError,
    ProofVerificationError,
    ResolutionError,
    WeakKeyError,
)
from vc.keys import KeyPair, KeyType, PublicKey, from_secret_bytes, generate

SEED = bytes(range(32))
ALL_TYPES = [KeyType.ED25519, KeyType.P256, KeyType.P384]
MULTIKEY_PREFIX = {KeyType.ED25519: "z6Mk", KeyType.P256: "zDn", KeyType.P384: "z82L"}
SIZES = {KeyType.P256: 32, KeyType.P384: 48}

# RFC 8032 §7.1 TEST 1 (empty message).
RFC8032_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
RFC8032_SIGNATURE = (
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
    "6bd25bf5f0595bbe24655141438e7a100b"
)

# The eight encodings of the points of the Ed25519 8-torsion subgroup (libsodium's blocklist,
# canonical forms): identity, order 2, the two of order 4, the four of order 8.
_ORDER8_A = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"
_ORDER8_B = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"


def _with_sign(hex_value: str) -> str:
    raw = bytearray(bytes.fromhex(hex_value))
    raw[31] |= 0x80
    return raw.hex()


SMALL_ORDER = [
    "01" + "00" * 31,  # identity (0, 1), order 1
    "ec" + "ff" * 30 + "7f",  # (0, -1), order 2
    "00" * 32,  # (sqrt(-1), 0), order 4
    _with_sign("00" * 32),  # (-sqrt(-1), 0), order 4
    _ORDER8_A,
    _with_sign(_ORDER8_A),
    _ORDER8_B,
    _with_sign(_ORDER8_B),
]
NON_CANONICAL = [
    "ed" + "ff" * 30 + "7f",  # y = p (≡ 0)
    "ee" + "ff" * 30 + "7f",  # y = p + 1 (≡ 1)
    "ff" * 32,  # y = 2^255 - 1 with the sign bit
    "ef" + "ff" * 30 + "7f",  # y = p + 2
    _with_sign("01" + "00" * 31),  # x = 0 with the sign bit set: -0
]


def _did_key(raw: bytes) -> str:
    return "did:key:" + multibase.encode_base58btc(multibase.ED25519_PUB + raw)


# --- generation ------------------------------------------------------------------------------
@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_seeded_generation_is_deterministic(key_type: KeyType) -> None:
    first, second = generate(key_type, SEED), generate(key_type, SEED)
    assert first.public == second.public
    assert first.secret_multikey == second.secret_multikey
    assert generate(key_type, bytes(32)).public != first.public


@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_unseeded_generation_is_random(key_type: KeyType) -> None:
    assert generate(key_type).public != generate(key_type).public


def test_ed25519_seed_is_the_rfc8032_secret() -> None:
    key = generate(KeyType.ED25519, bytes.fromhex(RFC8032_SECRET))
    assert key.public.raw.hex() == RFC8032_PUBLIC
    assert key.sign(b"").hex() == RFC8032_SIGNATURE


@pytest.mark.parametrize(
    ("key_type", "digest"), [(KeyType.P256, "sha256"), (KeyType.P384, "sha384")]
)
def test_ec_seed_derivation_matches_the_harness(key_type: KeyType, digest: str) -> None:
    """d = SHA-2("vc-interop-harness:<curve>:" || seed), big-endian (reference keys.json)."""
    label = f"vc-interop-harness:{key_type.value}:".encode()
    expected = hashlib.new(digest, label + SEED).digest()
    key = generate(key_type, SEED)
    assert key.private_jwk()["d"] == multibase.encode_base64url(expected)[1:]


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33)])
def test_seed_must_be_32_bytes(seed: bytes) -> None:
    with pytest.raises(MalformedValueError):
        generate(KeyType.ED25519, seed)


# --- Multikey and JWK ---------------------------------------------------------------------------
@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_multikey_round_trip(key_type: KeyType) -> None:
    key = generate(key_type, SEED)
    assert key.public.multikey.startswith(MULTIKEY_PREFIX[key_type])
    assert PublicKey.from_multikey(key.public.multikey) == key.public
    assert key.public.did_key == "did:key:" + key.public.multikey
    again = KeyPair.from_secret_multikey(key.secret_multikey)
    assert again.public == key.public
    assert again.secret_multikey == key.secret_multikey


@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_jwk_round_trip(key_type: KeyType) -> None:
    key = generate(key_type, SEED)
    jwk = key.public.to_jwk()
    assert "d" not in jwk
    assert PublicKey.from_jwk(jwk) == key.public
    if key_type is KeyType.ED25519:
        assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")
    else:
        assert (jwk["kty"], jwk["crv"]) == ("EC", key_type.value)
        assert len(multibase.b64url_decode(jwk["x"])) == SIZES[key_type]
    private = key.private_jwk()
    assert {k: v for k, v in private.items() if k != "d"} == jwk


def test_jwk_with_private_part_refused() -> None:
    with pytest.raises(MalformedValueError):
        PublicKey.from_jwk(generate(KeyType.P256, SEED).private_jwk())


@pytest.mark.parametrize(
    "jwk",
    [
        "not an object",
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "OKP", "crv": "X25519", "x": "AAAA"},
        {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},  # wrong size
        {"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "A" * 43},  # not on the curve
        {"kty": "OKP", "crv": "Ed25519", "x": "!!!"},
        {"kty": "EC", "crv": "P-521", "x": "AAAA", "y": "AAAA"},
    ],
)
def test_bad_jwk_is_a_typed_error(jwk: object) -> None:
    with pytest.raises(MalformedValueError):
        PublicKey.from_jwk(jwk)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "z",
        "6Mk",  # no multibase prefix
        "u7QE",  # base64url, not base58btc
        "z0OIl",  # not in the base58 alphabet
        multibase.encode_base58btc(b"\x12\x05" + bytes(32)),  # unknown multicodec
        multibase.encode_base58btc(multibase.P256_PUB + bytes(33)),  # not a point
        multibase.encode_base58btc(multibase.ED25519_PUB + bytes(31)),  # wrong length
        None,
        42,
    ],
)
def test_bad_multikey_is_a_typed_error(value: object) -> None:
    with pytest.raises(MalformedValueError):
        PublicKey.from_multikey(value)


def test_secret_multikey_checks_its_length() -> None:
    with pytest.raises(MalformedValueError):
        KeyPair.from_secret_multikey(multibase.encode_base58btc(multibase.ED25519_PRIV + bytes(31)))
    with pytest.raises(MalformedValueError):
        from_secret_bytes(KeyType.P256, bytes(32))  # d = 0 is out of range


# --- signing ------------------------------------------------------------------------------------
@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_sign_verify(key_type: KeyType) -> None:
    key = generate(key_type, SEED)
    signature = key.sign(b"degree")
    expected_length = 64 if key_type is KeyType.ED25519 else 2 * SIZES[key_type]
    assert len(signature) == expected_length  # raw r||s for ECDSA, never DER
    key.public.verify(signature, b"degree")
    with pytest.raises(ProofVerificationError):
        key.public.verify(signature, b"degreE")
    with pytest.raises(ProofVerificationError):
        key.public.verify(bytes(len(signature)), b"degree")
    with pytest.raises(ProofVerificationError):
        generate(key_type, bytes(32)).public.verify(signature, b"degree")


@pytest.mark.parametrize("key_type", [KeyType.P256, KeyType.P384])
def test_ecdsa_signature_of_wrong_length_refused(key_type: KeyType) -> None:
    key = generate(key_type, SEED)
    signature = key.sign(b"x")
    for bad in (signature[:-1], signature + b"\x00", b""):
        with pytest.raises(ProofVerificationError):
            key.public.verify(bad, b"x")


# --- PKCS#8 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_pkcs8_round_trip(key_type: KeyType) -> None:
    key = generate(key_type, SEED)
    plain = key.to_pkcs8_pem()
    assert plain.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert KeyPair.from_pkcs8_pem(plain).public == key.public
    encrypted = key.to_pkcs8_pem(b"correct horse")
    assert encrypted.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    again = KeyPair.from_pkcs8_pem(encrypted, b"correct horse")
    assert again.public == key.public
    key.public.verify(again.sign(b"m"), b"m")  # the same private key


@pytest.mark.parametrize(
    ("passphrase", "data_passphrase"),
    [(b"wrong", b"right"), (None, b"right"), (b"given", None)],
)
def test_pkcs8_passphrase_mismatch(passphrase: bytes | None, data_passphrase: bytes | None) -> None:
    pem = generate(KeyType.ED25519, SEED).to_pkcs8_pem(data_passphrase)
    with pytest.raises(CryptographicSecurityError):
        KeyPair.from_pkcs8_pem(pem, passphrase)


@pytest.mark.parametrize(
    "data", [b"", b"not a key", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END"]
)
def test_pkcs8_garbage(data: bytes) -> None:
    with pytest.raises(CryptographicSecurityError):
        KeyPair.from_pkcs8_pem(data)


def test_pkcs8_unsupported_curve_is_typed() -> None:
    from cryptography.hazmat.primitives import serialization

    pem = ec.generate_private_key(ec.SECP256K1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(DiplomatError):
        KeyPair.from_pkcs8_pem(pem)


@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_repr_never_shows_the_secret(key_type: KeyType) -> None:
    key = generate(key_type, SEED)
    secret_d = key.private_jwk()["d"]
    for text in (repr(key), str(key), f"{key}", repr([key]), repr({"k": key})):
        assert key.secret_multikey not in text
        assert secret_d not in text
        assert SEED.hex() not in text
    assert key.public.multikey in repr(key)


# --- weak Ed25519 keys ---------------------------------------------------------------------------
def test_small_order_list_is_eight_distinct_points() -> None:
    assert len(set(SMALL_ORDER)) == 8


def test_small_order_key_would_accept_a_forgery() -> None:
    """Why the check matters: OpenSSL accepts (R=identity, S=0) for the identity key, any message."""
    identity = bytes.fromhex(SMALL_ORDER[0])
    ed25519.Ed25519PublicKey.from_public_bytes(identity).verify(
        identity + bytes(32), b"any message at all"
    )


@pytest.mark.parametrize("hex_key", SMALL_ORDER)
def test_small_order_public_key_refused(hex_key: str) -> None:
    raw = bytes.fromhex(hex_key)
    with pytest.raises(WeakKeyError):
        PublicKey(KeyType.ED25519, raw)
    with pytest.raises(WeakKeyError):
        PublicKey.from_multikey(multibase.encode_base58btc(multibase.ED25519_PUB + raw))
    with pytest.raises(WeakKeyError):
        PublicKey.from_jwk(
            {"kty": "OKP", "crv": "Ed25519", "x": multibase.encode_base64url(raw)[1:]}
        )


@pytest.mark.parametrize("hex_key", SMALL_ORDER + NON_CANONICAL)
def test_did_key_of_weak_key_does_not_resolve(hex_key: str) -> None:
    with pytest.raises(ResolutionError) as caught:
        DidResolver().resolve(_did_key(bytes.fromhex(hex_key)))
    assert isinstance(caught.value.__cause__, WeakKeyError)


@pytest.mark.parametrize("hex_key", NON_CANONICAL)
def test_non_canonical_encoding_refused(hex_key: str) -> None:
    with pytest.raises(WeakKeyError):
        PublicKey(KeyType.ED25519, bytes.fromhex(hex_key))


def test_point_not_on_curve_refused() -> None:
    # y = 2 has no x on edwards25519 (x^2 is not a square mod p).
    with pytest.raises(MalformedValueError):
        PublicKey(KeyType.ED25519, (2).to_bytes(32, "little"))


@pytest.mark.parametrize("length", [0, 31, 33])
def test_ed25519_key_of_wrong_length_refused(length: int) -> None:
    with pytest.raises(MalformedValueError):
        PublicKey(KeyType.ED25519, bytes(length))


def test_real_keys_pass_the_weak_key_check() -> None:
    for index in range(20):
        generate(KeyType.ED25519, bytes([index]) * 32)  # __post_init__ checks; must not raise


# --- key files (diplomat.keyfile) ----------------------------------------------------------------
def test_write_secret_mode_0600_and_no_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "issuer.pem"
    old = os.umask(0)  # even with a permissive umask the file is 0600
    try:
        write_secret(path, b"secret")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(MalformedValueError, match="refusing to overwrite"):
        write_secret(path, b"other")
    assert path.read_bytes() == b"secret"


@pytest.mark.parametrize("passphrase", [None, b"s3cret"])
def test_save_and_load_key(tmp_path: Path, passphrase: bytes | None) -> None:
    path = tmp_path / "key.pem"
    key = generate(KeyType.P256, SEED)
    save_key(path, key, passphrase)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(path, passphrase).public == key.public
    with pytest.raises(MalformedValueError):
        save_key(path, generate(KeyType.ED25519), passphrase)
    assert load_key(path, passphrase).public == key.public  # untouched


def test_load_missing_key_is_typed(tmp_path: Path) -> None:
    with pytest.raises(MalformedValueError):
        load_key(tmp_path / "absent.pem", None)
