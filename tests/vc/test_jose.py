"""vc.jose: VC 2.0 vc+jwt sign/verify, VC 1.1 JWT claims, and the classic JWT attacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vc import jose
from vc.dids import DidResolver
from vc.errors import (
    CryptographicSecurityError,
    DiplomatError,
    MalformedValueError,
    ParsingError,
    ProofVerificationError,
    ResolutionError,
)
from vc.keys import KeyPair, KeyType, generate

NOW = datetime(2025, 6, 1, tzinfo=UTC)
KEYS = {t: generate(t, bytes(range(32))) for t in KeyType}
OTHER = generate(KeyType.ED25519, bytes(32))


def kid_of(key: KeyPair) -> str:
    return f"{key.public.did_key}#{key.public.multikey}"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def credential(issuer: str, **overrides: Any) -> dict[str, Any]:
    """Factory: a VC 2.0 credential issued by `issuer`."""
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:11111111-2222-4333-8444-555555555555",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:student", "name": "Ақжан Серікқызы"},
    }
    document.update(overrides)
    return document


def compact(header: dict[str, Any], payload: dict[str, Any], key: KeyPair | None) -> str:
    """Build a compact JWS by hand (the raw Ed25519 / r||s signatures are JWS's format)."""
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    signature = key.sign(signing_input.encode("ascii")) if key is not None else b""
    return signing_input + "." + b64(signature)


def verify(token: str) -> jose.JwtResult:
    return jose.verify_vc_jwt(token, resolver=DidResolver(), now=NOW)


# --- VC 2.0 vc+jwt ---------------------------------------------------------------------------------
@pytest.mark.parametrize("key_type", list(KeyType))
def test_sign_and_verify(key_type: KeyType) -> None:
    key = KEYS[key_type]
    document = credential(key.public.did_key)
    token = jose.sign_vc_jwt(document, key, kid_of(key))
    assert jose.looks_like_jwt(token)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": key.public.jws_alg, "kid": kid_of(key), "typ": "vc+jwt", "cty": "vc"}
    result = verify(token)
    assert result.credential == document
    assert result.vc_version == "2.0"
    assert result.controller == key.public.did_key
    assert result.verification_method == kid_of(key)


def test_hand_built_token_verifies() -> None:
    """The hand-built tokens of the attack tests are valid when nothing is wrong with them."""
    key = KEYS[KeyType.P256]
    header = {"alg": "ES256", "kid": kid_of(key), "typ": "vc+jwt"}
    assert verify(compact(header, credential(key.public.did_key), key)).vc_version == "2.0"


def test_kid_may_be_relative_or_absent() -> None:
    key = KEYS[KeyType.ED25519]
    payload = credential(key.public.did_key)
    relative = {"alg": "EdDSA", "kid": "#" + key.public.multikey, "typ": "vc+jwt"}
    assert verify(compact(relative, payload, key)).verification_method == kid_of(key)
    absent = {"alg": "EdDSA", "typ": "vc+jwt"}
    assert verify(compact(absent, payload, key)).verification_method == kid_of(key)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
def test_alg_none_refused(alg: str) -> None:
    key = KEYS[KeyType.ED25519]
    token = compact(
        {"alg": alg, "kid": kid_of(key), "typ": "vc+jwt"}, credential(key.public.did_key), None
    )
    with pytest.raises(CryptographicSecurityError, match="not accepted"):
        verify(token)


def test_hs256_with_the_public_key_as_secret_refused() -> None:
    """The classic key-confusion attack: HMAC keyed with the (public) verification key."""
    key = KEYS[KeyType.ED25519]
    header = {"alg": "HS256", "kid": kid_of(key), "typ": "vc+jwt"}
    signing_input = (
        b64(json.dumps(header).encode())
        + "."
        + b64(json.dumps(credential(key.public.did_key)).encode())
    )
    mac = hmac.new(key.public.raw, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(CryptographicSecurityError):
        verify(signing_input + "." + b64(mac))


@pytest.mark.parametrize(
    ("signer", "claimed_alg", "kid_key"),
    [
        (KeyType.P256, "ES256", KeyType.ED25519),  # ES256 header, Ed25519 key behind the kid
        (KeyType.ED25519, "EdDSA", KeyType.P256),
        (KeyType.P384, "ES256", KeyType.P384),  # header alg does not match the key's curve
        (KeyType.P256, "ES384", KeyType.P256),
    ],
)
def test_alg_key_mismatch_refused(signer: KeyType, claimed_alg: str, kid_key: KeyType) -> None:
    target = KEYS[kid_key]
    token = compact(
        {"alg": claimed_alg, "kid": kid_of(target), "typ": "vc+jwt"},
        credential(target.public.did_key),
        KEYS[signer],
    )
    with pytest.raises(CryptographicSecurityError, match="does not match"):
        verify(token)


@pytest.mark.parametrize("key_type", list(KeyType))
def test_tampered_payload_refused(key_type: KeyType) -> None:
    key = KEYS[key_type]
    header, _, signature = jose.sign_vc_jwt(credential(key.public.did_key), key, kid_of(key)).split(
        "."
    )
    forged = credential(key.public.did_key, credentialSubject={"id": "did:example:mallory"})
    with pytest.raises(ProofVerificationError):
        verify(f"{header}.{b64(json.dumps(forged).encode())}.{signature}")


def test_tampered_signature_refused() -> None:
    key = KEYS[KeyType.ED25519]
    header, payload, signature = jose.sign_vc_jwt(
        credential(key.public.did_key), key, kid_of(key)
    ).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[0] ^= 1
    with pytest.raises(ProofVerificationError):
        verify(f"{header}.{payload}.{b64(bytes(raw))}")


def test_wrong_kid_refused() -> None:
    key = KEYS[KeyType.ED25519]
    issuer = key.public.did_key
    # kid names another key, the token is signed by the issuer's key: the signature fails
    with pytest.raises(ProofVerificationError):
        verify(jose.sign_vc_jwt(credential(issuer), key, kid_of(OTHER)))
    # kid names another key that really signed it: that key is not the issuer's
    with pytest.raises(CryptographicSecurityError, match="not by the issuer"):
        verify(jose.sign_vc_jwt(credential(issuer), OTHER, kid_of(OTHER)))
    # kid with a fragment the DID document does not have
    with pytest.raises(ResolutionError):
        verify(jose.sign_vc_jwt(credential(issuer), key, issuer + "#key-9"))


@pytest.mark.parametrize(
    ("header_extra", "error"),
    [
        ({"crit": ["exp"]}, CryptographicSecurityError),
        ({"typ": "JWT"}, MalformedValueError),
        ({"typ": None}, MalformedValueError),
    ],
)
def test_header_checks(header_extra: dict[str, Any], error: type[DiplomatError]) -> None:
    key = KEYS[KeyType.ED25519]
    header = {"alg": "EdDSA", "kid": kid_of(key), "typ": "vc+jwt", **header_extra}
    with pytest.raises(error):
        verify(compact(header, credential(key.public.did_key), key))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.e30.",
        b64(b"not json") + ".e30.",
        b64(b"[]") + ".e30.",
        b64(b'{"alg":"EdDSA","alg":"none"}') + ".e30.",
        "e30." + b64(b"not json") + ".",
        "x" * (jose.MAX_TOKEN_LENGTH + 1),
    ],
)
def test_malformed_tokens_are_typed(token: str) -> None:
    with pytest.raises((ParsingError, MalformedValueError)):
        verify(token)


def test_credential_without_issuer_refused() -> None:
    key = KEYS[KeyType.ED25519]
    payload = credential(key.public.did_key)
    del payload["issuer"]
    with pytest.raises(MalformedValueError):
        verify(compact({"alg": "EdDSA", "kid": kid_of(key), "typ": "vc+jwt"}, payload, key))


def test_looks_like_jwt() -> None:
    key = KEYS[KeyType.ED25519]
    assert jose.looks_like_jwt(jose.sign_vc_jwt(credential(key.public.did_key), key, kid_of(key)))
    assert not jose.looks_like_jwt('{"@context": []}')
    assert not jose.looks_like_jwt("a.b.c")


# --- VC 1.1 JWT (a `vc` claim) ----------------------------------------------------------------------
def vc11_payload(key: KeyPair, **claims: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "iss": key.public.did_key,
        "nbf": int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()),
        "exp": int(datetime(2030, 1, 1, tzinfo=UTC).timestamp()),
        "jti": "urn:uuid:99999999-8888-4777-8666-555555555555",
        "sub": "did:example:student",
        "vc": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"degree": {"type": "BachelorDegree"}},
        },
    }
    payload.update(claims)
    return payload


@pytest.mark.parametrize("key_type", [KeyType.ED25519, KeyType.P256])
def test_vc11_jwt_verifies_and_maps_claims(key_type: KeyType) -> None:
    key = KEYS[key_type]
    token = compact(
        {"alg": key.public.jws_alg, "kid": kid_of(key), "typ": "JWT"}, vc11_payload(key), key
    )
    result = verify(token)
    assert result.vc_version == "1.1"
    # VC-DM 1.1 §6.3.1: registered claims map back into the credential
    assert result.credential["issuer"] == key.public.did_key
    assert result.credential["id"] == "urn:uuid:99999999-8888-4777-8666-555555555555"
    assert result.credential["issuanceDate"] == "2025-01-01T00:00:00Z"
    assert result.credential["expirationDate"] == "2030-01-01T00:00:00Z"
    assert result.credential["credentialSubject"] == {
        "id": "did:example:student",
        "degree": {"type": "BachelorDegree"},
    }


def test_vc11_issuer_object_keeps_its_fields() -> None:
    key = KEYS[KeyType.ED25519]
    payload = vc11_payload(key)
    payload["vc"]["issuer"] = {"name": "Example University"}
    result = verify(compact({"alg": "EdDSA", "kid": kid_of(key)}, payload, key))
    assert result.credential["issuer"] == {"name": "Example University", "id": key.public.did_key}


def test_vc11_expired_refused() -> None:
    key = KEYS[KeyType.ED25519]
    payload = vc11_payload(key, exp=int((NOW - timedelta(seconds=1)).timestamp()))
    with pytest.raises(ProofVerificationError, match="expired"):
        verify(compact({"alg": "EdDSA", "kid": kid_of(key)}, payload, key))


def test_vc11_not_yet_valid_refused() -> None:
    key = KEYS[KeyType.ED25519]
    payload = vc11_payload(key, nbf=int((NOW + timedelta(days=1)).timestamp()))
    with pytest.raises(DiplomatError):
        verify(compact({"alg": "EdDSA", "kid": kid_of(key)}, payload, key))


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"iss": "did:example:someone-else"}, CryptographicSecurityError),
        ({"nbf": "2025-01-01"}, MalformedValueError),
        ({"exp": 1.5}, MalformedValueError),
    ],
)
def test_vc11_bad_claims(claims: dict[str, Any], error: type[DiplomatError]) -> None:
    key = KEYS[KeyType.ED25519]
    token = compact({"alg": "EdDSA", "kid": kid_of(key)}, vc11_payload(key, **claims), key)
    with pytest.raises(error):
        verify(token)
