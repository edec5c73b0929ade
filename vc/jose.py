"""VC-JOSE: VC 2.0 `application/vc+jwt` sign and verify, and VC 1.1 JWT (`vc` claim) verify.

The algorithm is taken from the resolved key, never from the header alone: `none`, HS*, and a
header alg that does not match the key are rejected before any signature check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from vc import strictjson
from vc.dids import DidResolver
from vc.errors import (
    CryptographicSecurityError,
    MalformedValueError,
    ParsingError,
    ProofVerificationError,
)
from vc.keys import KeyPair
from vc.multibase import b64url_decode
from vc.purposes import AssertionMethod

MEDIA_TYPE = "application/vc+jwt"
_ACCEPTED_ALGS = frozenset({"EdDSA", "ES256", "ES384"})
MAX_TOKEN_LENGTH = 1_000_000


def looks_like_jwt(text: str) -> bool:
    parts = text.strip().split(".")
    return len(parts) == 3 and all(parts[:2]) and text.strip()[:2] == "ey"


def sign_vc_jwt(credential: Mapping[str, Any], key: KeyPair, kid: str) -> str:
    """Secure a VC 2.0 credential as a compact JWS (VC-JOSE-COSE §3.1.1): typ vc+jwt, kid."""
    header = {"alg": key.public.jws_alg, "kid": kid, "typ": "vc+jwt", "cty": "vc"}
    token = jws.JWS(json.dumps(dict(credential), ensure_ascii=False).encode())
    token.add_signature(jwk.JWK(**key.private_jwk()), alg=None, protected=json.dumps(header))
    return str(token.serialize(compact=True))


@dataclass(frozen=True)
class JwtResult:
    credential: dict[str, Any]
    header: Mapping[str, Any]
    verification_method: str
    controller: str
    vc_version: str  # "2.0" (vc+jwt) or "1.1" (JWT with a vc claim)


def _decode_segment(segment: str, what: str) -> dict[str, Any]:
    return strictjson.loads_object(b64url_decode(segment, what), what)


def verify_vc_jwt(token: str, *, resolver: DidResolver, now: datetime) -> JwtResult:
    """Verify a VC-JWT and return the credential it secures.

    Raises ParsingError (not a JWS), MalformedValueError, CryptographicSecurityError
    (alg/key mismatch, bad signature, issuer does not control the key), ResolutionError.
    """
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise ParsingError("JWT is too large")
    parts = token.split(".")
    if len(parts) != 3:
        raise ParsingError("not a compact JWS (three dot-separated parts)")
    header = _decode_segment(parts[0], "JWT header")
    payload = _decode_segment(parts[1], "JWT payload")
    alg = header.get("alg")
    if alg not in _ACCEPTED_ALGS:
        raise CryptographicSecurityError(f"JWT alg {alg!r} is not accepted (EdDSA, ES256, ES384)")
    if "crit" in header:
        raise CryptographicSecurityError("JWT has critical header parameters we do not support")

    if "vc" in payload and isinstance(payload["vc"], dict):
        credential, version = _from_vc11_claims(payload, now), "1.1"
    else:
        credential, version = payload, "2.0"
        if header.get("typ") not in ("vc+jwt", "vc-ld+jwt"):
            raise MalformedValueError(f"JWT typ {header.get('typ')!r} is not vc+jwt")

    issuer = credential.get("issuer")
    issuer_did = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_did, str):
        raise MalformedValueError("the credential has no issuer")
    if "iss" in payload and payload["iss"] != issuer_did:
        raise CryptographicSecurityError("JWT iss does not match the credential issuer")
    kid = header.get("kid")
    if not isinstance(kid, str):
        document = resolver.resolve(issuer_did)
        if len(document.assertion_method) != 1:
            raise MalformedValueError("JWT has no kid and the issuer has several keys")
        kid = document.assertion_method[0]
    elif kid.startswith("#"):
        kid = issuer_did + kid
    method, controller = resolver.resolve_method(kid)
    expected = method.public_key.jws_alg
    if alg != expected:
        raise CryptographicSecurityError(f"JWT alg {alg} does not match the {expected} key {kid}")
    checker = jws.JWS()
    try:
        checker.deserialize(token)
        checker.allowed_algs = [expected]
        checker.verify(jwk.JWK(**method.public_key.to_jwk()), alg=expected)
    except (JWException, ValueError, TypeError) as exc:
        raise ProofVerificationError(f"JWT signature does not verify: {exc}") from exc
    AssertionMethod().validate(credential, {}, method, controller)
    return JwtResult(credential, header, kid, controller.id, version)


def _from_vc11_claims(payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """VC-DM 1.1 §6.3.1: map the registered claims back into the credential, then check times."""
    credential = dict(payload["vc"])
    if "iss" in payload:
        issuer = credential.get("issuer")
        credential["issuer"] = (
            {**issuer, "id": payload["iss"]} if isinstance(issuer, dict) else payload["iss"]
        )
    if "jti" in payload:
        credential["id"] = payload["jti"]
    for claim, field in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
        if claim in payload:
            if not isinstance(payload[claim], int):
                raise MalformedValueError(f"JWT {claim} must be a NumericDate")
            moment = datetime.fromtimestamp(payload[claim], UTC)
            credential[field] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if "sub" in payload and isinstance(credential.get("credentialSubject"), dict):
        credential["credentialSubject"] = {**credential["credentialSubject"], "id": payload["sub"]}
    if isinstance(payload.get("exp"), int) and payload["exp"] <= now.timestamp():
        raise ProofVerificationError("the JWT has expired (exp)")
    if isinstance(payload.get("nbf"), int) and payload["nbf"] > now.timestamp():
        # RFC 7519 §4.1.5: the JWT MUST NOT be accepted before nbf.
        raise ProofVerificationError("the JWT is not valid yet (nbf)")
    return credential
