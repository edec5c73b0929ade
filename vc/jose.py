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

from vc import strictjson
from vc.dates import CLOCK_SKEW
from vc.dids import DidResolver
from vc.errors import (
    CryptographicSecurityError,
    MalformedValueError,
    ParsingError,
    ProofVerificationError,
    SignatureMismatchError,
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
    from jwcrypto import jwk, jws  # imported when a JWT is made or checked, not by every worker

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


# RFC 7515 §4.1.9: "application/" may be omitted from typ, and media types are compared
# case-insensitively. VC-JOSE-COSE §3.1.1 uses vc+jwt; vc-ld+jwt is its earlier draft name.
_VC2_TYPS = frozenset({"vc+jwt", "application/vc+jwt", "vc-ld+jwt", "application/vc-ld+jwt"})
# VC-DM 1.1 §6.3.1 predates explicit typing: typ is absent or the generic "JWT".
_VC11_TYPS = frozenset({"jwt", "application/jwt"})
# VC-JOSE-COSE §3.2 (enveloped credentials): the data: URL names the securing media type.
ENVELOPED_MEDIA_TYPES = frozenset({"application/vc+jwt", "application/vc-ld+jwt"})


def enveloped_token(data_url: object, pointer: str = "/id") -> str:
    """The compact JWT of an EnvelopedVerifiableCredential's ``id``: a ``data:`` URL whose media
    type is application/vc+jwt (VC-JOSE-COSE §3.2), not base64-encoded. Raises
    MalformedValueError for anything else (a data:text/html URL is not a credential)."""
    if not isinstance(data_url, str) or not data_url.startswith("data:") or "," not in data_url:
        raise MalformedValueError(
            "an EnvelopedVerifiableCredential needs a data: URL id carrying a VC-JWT",
            pointer=pointer,
        )
    media, token = data_url[len("data:") :].split(",", 1)
    if media.strip().lower() not in ENVELOPED_MEDIA_TYPES:
        raise MalformedValueError(
            f"an enveloped credential must be a data:application/vc+jwt URL, not data:{media[:40]}",
            pointer=pointer,
        )
    if not looks_like_jwt(token):
        raise MalformedValueError(
            "the enveloped credential's data: URL does not carry a compact JWT", pointer=pointer
        )
    return token.strip()


def _numeric_date(payload: Mapping[str, Any], claim: str) -> datetime | None:
    """A registered time claim as a whole number of seconds (RFC 7519 §2 NumericDate; what every
    issuer writes: fractions, booleans and strings are refused). None when absent. Raises
    MalformedValueError."""
    if claim not in payload:
        return None
    value = payload[claim]
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedValueError(f"JWT {claim} must be a NumericDate (whole seconds)")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedValueError(f"JWT {claim} {value!r} is not a representable time") from exc


def _string_claims(payload: Mapping[str, Any]) -> None:
    for claim in ("iss", "sub", "jti"):
        if claim in payload and not isinstance(payload[claim], str):
            raise MalformedValueError(f"JWT {claim} must be a string")


def _check_times(payload: Mapping[str, Any], now: datetime) -> None:
    """exp and nbf, on every path (RFC 7519 §4.1.4, §4.1.5: the JWT MUST NOT be accepted after
    exp nor before nbf); CLOCK_SKEW of leeway for nbf only (an issuer whose clock runs ahead),
    as for validFrom and validUntil. iat must be a NumericDate too."""
    expires = _numeric_date(payload, "exp")
    not_before = _numeric_date(payload, "nbf")
    _numeric_date(payload, "iat")
    if expires is not None and expires <= now:
        raise ProofVerificationError(f"the JWT has expired (exp {expires:%Y-%m-%dT%H:%M:%SZ})")
    if not_before is not None and not_before > now + CLOCK_SKEW:
        raise ProofVerificationError(
            f"the JWT is not valid yet (nbf {not_before:%Y-%m-%dT%H:%M:%SZ})"
        )


def _check_subject(payload: Mapping[str, Any], credential: Mapping[str, Any]) -> None:
    """``sub`` names the subject: it must be the id of a credentialSubject that has one
    (VC-JOSE-COSE §3.1.2, VC-DM 1.1 §6.3.1). A silent disagreement would let the JWT say one
    holder and the credential another."""
    if "sub" not in payload:
        return
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    ids = [s.get("id") for s in subjects if isinstance(s, Mapping) and "id" in s]
    if ids and payload["sub"] not in ids:
        raise CryptographicSecurityError(
            f"JWT sub {payload['sub']!r} is not the credentialSubject id {ids[0]!r}"
        )


def verify_vc_jwt(token: str, *, resolver: DidResolver, now: datetime) -> JwtResult:
    """Verify a VC-JWT and return the credential it secures.

    Raises ParsingError (not a JWS), MalformedValueError (wrong typ, claim types),
    CryptographicSecurityError (alg/key mismatch, iss/sub/jti disagreeing with the credential,
    issuer does not control the key), SignatureMismatchError (bad signature),
    ProofVerificationError (exp passed, nbf not reached), ResolutionError.
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
    if not isinstance(alg, str) or alg not in _ACCEPTED_ALGS:
        raise CryptographicSecurityError(f"JWT alg {alg!r} is not accepted (EdDSA, ES256, ES384)")
    if "crit" in header:
        raise CryptographicSecurityError("JWT has critical header parameters we do not support")
    typ = header.get("typ")
    if typ is not None and not isinstance(typ, str):
        raise MalformedValueError("JWT typ must be a string")
    _string_claims(payload)

    if "vc" in payload and isinstance(payload["vc"], dict):
        if typ is not None and typ.lower() not in _VC11_TYPS:
            raise MalformedValueError(f"JWT typ {typ!r} is not JWT (a VC 1.1 JWT)")
        credential, version = _from_vc11_claims(payload), "1.1"
    else:
        credential, version = payload, "2.0"
        if typ is None or typ.lower() not in _VC2_TYPS:
            raise MalformedValueError(f"JWT typ {typ!r} is not vc+jwt")
    _check_times(payload, now)
    _check_subject(payload, credential)

    issuer = credential.get("issuer")
    issuer_did = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_did, str):
        raise MalformedValueError("the credential has no issuer")
    if "iss" in payload and payload["iss"] != issuer_did:
        raise CryptographicSecurityError("JWT iss does not match the credential issuer")
    if "jti" in payload and "id" in credential and payload["jti"] != credential["id"]:
        raise CryptographicSecurityError("JWT jti does not match the credential id")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise MalformedValueError("JWT kid must be a string")
    if kid is None:
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
    from jwcrypto import jwk, jws
    from jwcrypto.common import JWException

    checker = jws.JWS()
    try:
        checker.deserialize(token)
        checker.allowed_algs = [expected]
        checker.verify(jwk.JWK(**method.public_key.to_jwk()), alg=expected)
    except (JWException, ValueError, TypeError) as exc:
        raise SignatureMismatchError(f"JWT signature does not verify: {exc}") from exc
    AssertionMethod().validate(credential, {}, method, controller)
    return JwtResult(credential, header, kid, controller.id, version)


def _from_vc11_claims(payload: Mapping[str, Any]) -> dict[str, Any]:
    """VC-DM 1.1 §6.3.1: map the registered claims back into the credential. A claim that
    disagrees with the property it stands for is refused, not silently preferred."""
    credential = dict(payload["vc"])
    if "iss" in payload:
        issuer = credential.get("issuer")
        stated = issuer.get("id") if isinstance(issuer, dict) else issuer
        if stated is not None and stated != payload["iss"]:
            raise CryptographicSecurityError("JWT iss does not match the credential issuer")
        credential["issuer"] = (
            {**issuer, "id": payload["iss"]} if isinstance(issuer, dict) else payload["iss"]
        )
    if "jti" in payload:
        if "id" in credential and credential["id"] != payload["jti"]:
            raise CryptographicSecurityError("JWT jti does not match the credential id")
        credential["id"] = payload["jti"]
    for claim, field in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
        moment = _numeric_date(payload, claim)
        if moment is not None:
            credential[field] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    subject = credential.get("credentialSubject")
    if "sub" in payload and isinstance(subject, dict):
        if "id" in subject and subject["id"] != payload["sub"]:
            raise CryptographicSecurityError(
                f"JWT sub {payload['sub']!r} is not the credentialSubject id {subject['id']!r}"
            )
        credential["credentialSubject"] = {**subject, "id": payload["sub"]}
    return credential
