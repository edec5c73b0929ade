"""vc.oid4vci: the OpenID4VCI 1.0 JWT key proof (Appendix F.1) and the OAuth error shapes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jwcrypto import jwk, jws

from vc.dids import DidResolver
from vc.keys import KeyPair, KeyType, generate
from vc.oid4vci import (
    PROOF_TYP,
    InvalidGrantError,
    InvalidProofError,
    check_jwt_proof,
    did_jwk,
)

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
AUD = "https://diplomas.university.example"


def kid_of(key: KeyPair) -> str:
    did = key.public.did_key
    return f"{did}#{did.removeprefix('did:key:')}"


def proof(key: KeyPair, header: dict[str, Any] | None = None, **claims: Any) -> str:
    payload = {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1", **claims}
    protected = header or {"alg": key.public.jws_alg, "typ": PROOF_TYP, "kid": kid_of(key)}
    token = jws.JWS(json.dumps(payload).encode())
    token.add_signature(jwk.JWK(**key.private_jwk()), alg=None, protected=json.dumps(protected))
    return str(token.serialize(compact=True))


def check(token: object) -> Any:
    return check_jwt_proof(token, audience=AUD, now=NOW, resolver=DidResolver())


@pytest.mark.parametrize("key_type", [KeyType.ED25519, KeyType.P256, KeyType.P384])
def test_a_did_key_proof_binds_to_its_did(key_type: KeyType) -> None:
    key = generate(key_type)
    result = check(proof(key))
    assert result.holder == key.public.did_key
    assert result.nonce == "n-1"


def test_a_jwk_proof_binds_to_a_did_jwk() -> None:
    key = generate()
    public = key.public.to_jwk()
    header = {"alg": "EdDSA", "typ": PROOF_TYP, "jwk": public}
    result = check(proof(key, header))
    assert result.holder == did_jwk(public)
    encoded = result.holder.removeprefix("did:jwk:")
    decoded = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert decoded == {k: public[k] for k in ("crv", "kty", "x")}


def test_aud_may_be_a_list_and_nonce_may_be_absent() -> None:
    key = generate()
    token = proof(key, aud=["https://other.example", AUD])
    assert check(token).holder == key.public.did_key
    payload = {"aud": AUD, "iat": int(NOW.timestamp())}
    bare = jws.JWS(json.dumps(payload).encode())
    bare.add_signature(
        jwk.JWK(**key.private_jwk()),
        alg=None,
        protected=json.dumps({"alg": "EdDSA", "typ": PROOF_TYP, "kid": kid_of(key)}),
    )
    assert check(bare.serialize(compact=True)).nonce is None


@pytest.mark.parametrize(
    ("header", "claims", "says"),
    [
        ({"typ": "JWT"}, {}, "typ"),
        ({"alg": "ES256"}, {}, "does not match"),
        ({"alg": "HS256"}, {}, "alg"),
        ({"kid": None, "x5c": ["MII"]}, {}, "x5c"),
        ({"kid": "did:key:z6Mkwhatever"}, {}, "fragment"),
        ({"kid": "did:web:example.com#key-1"}, {}, "does not resolve"),
        ({"crit": ["b64"]}, {}, "critical"),
        ({}, {"aud": "https://evil.example"}, "aud"),
        ({}, {"iat": "yesterday"}, "iat"),
        ({}, {"iat": int((NOW - timedelta(minutes=6)).timestamp())}, "stale"),
        ({}, {"iat": int((NOW + timedelta(minutes=6)).timestamp())}, "future"),
        ({}, {"nonce": 7}, "nonce"),
    ],
)
def test_flawed_proofs_are_invalid_proof(
    header: dict[str, Any], claims: dict[str, Any], says: str
) -> None:
    key = generate()
    base = {"alg": "EdDSA", "typ": PROOF_TYP, "kid": kid_of(key)}
    merged = {k: v for k, v in {**base, **header}.items() if v is not None}
    if merged["alg"] != "EdDSA" or "crit" in merged:
        # A header jwcrypto will not sign with this key: spliced onto a signed token (the
        # header must be refused before any signature check).
        head = base64.urlsafe_b64encode(json.dumps(merged).encode()).rstrip(b"=").decode()
        token = ".".join((head, *proof(key).split(".")[1:]))
    else:
        token = proof(key, merged, **claims)
    with pytest.raises(InvalidProofError, match=says):
        check(token)


def test_a_signature_by_another_key_and_garbage_are_refused() -> None:
    key, other = generate(), generate()
    head, payload, _ = proof(key).split(".")
    forged = ".".join((head, payload, proof(other).split(".")[2]))
    with pytest.raises(InvalidProofError, match="signature"):
        check(forged)
    for garbage in (None, "", "a.b", "a.b.c", "x" * 30_000):
        with pytest.raises(InvalidProofError):
            check(garbage)


def test_a_jwk_with_a_private_key_is_refused() -> None:
    key = generate()
    header = {"alg": "EdDSA", "typ": PROOF_TYP, "jwk": key.private_jwk()}
    with pytest.raises(InvalidProofError, match="jwk"):
        check(proof(key, header))


def test_oauth_errors_render_as_rfc6749_json() -> None:
    error = InvalidGrantError("the pre-authorised code was already used")
    assert error.to_oauth() == {
        "error": "invalid_grant",
        "error_description": "the pre-authorised code was already used",
    }
    assert error.status == 400
