"""OpenID for Verifiable Credential Issuance 1.0: its OAuth errors and the JWT key proof.

    OAuthError (vc.errors.DiplomatError)   error code        HTTP  where (OID4VCI 1.0 section)
    ├── InvalidRequestError                invalid_request   400   token endpoint (§6.3)
    ├── InvalidGrantError                  invalid_grant     400   token endpoint (§6.3)
    ├── UnsupportedGrantTypeError          unsupported_grant_type 400  token endpoint (§6.3)
    ├── InvalidAccessTokenError            invalid_token     401   credential endpoint (RFC 6750)
    ├── InvalidCredentialRequestError      invalid_credential_request 400  credential endpoint (§8.3.1.2)
    ├── UnknownCredentialConfigurationError unknown_credential_configuration 400  (§8.3.1.2)
    ├── InvalidProofError                  invalid_proof     400   credential endpoint (§8.3.1.2)
    └── InvalidNonceError                  invalid_nonce     400   credential endpoint (§8.3.1.2)

These are answered as ``{"error": ..., "error_description": ...}`` (RFC 6749 §5.2), not as
problem details: that is what the wallets' OAuth clients read.

``check_jwt_proof`` verifies a key proof (OID4VCI 1.0 Appendix F.1, typ
``openid4vci-proof+jwt``): the signature with the key its header names (a did:key URL in ``kid``,
or a public ``jwk``), ``aud`` the Credential Issuer Identifier, ``iat`` recent and not in the
future. It returns the nonce for the caller to spend (one nonce, one credential), and the holder
identifier to bind the credential to: the DID of a ``kid``, or a ``did:jwk`` made from a ``jwk``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from vc import multibase, strictjson
from vc.dates import CLOCK_SKEW
from vc.dids import DidResolver, split_did_url
from vc.errors import DiplomatError
from vc.keys import PublicKey

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
OFFER_SCHEME = "openid-credential-offer://"
PROOF_ALGS = ("EdDSA", "ES256", "ES384")
# How old a key proof may be (iat): a wallet signs it just before the request.
PROOF_MAX_AGE = timedelta(minutes=5)
MAX_PROOF_LENGTH = 20_000


class OAuthError(DiplomatError):
    """An error the OAuth endpoints answer with its ``error`` code (RFC 6749 §5.2)."""

    error: ClassVar[str] = "invalid_request"
    problem_type: ClassVar[str] = "https://diplomat.example/problems/oauth"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "OAuth error"

    def to_oauth(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.detail}


class InvalidRequestError(OAuthError):
    error = "invalid_request"


class InvalidGrantError(OAuthError):
    error = "invalid_grant"


class UnsupportedGrantTypeError(OAuthError):
    error = "unsupported_grant_type"


class InvalidAccessTokenError(OAuthError):
    error = "invalid_token"
    status = 401


class InvalidCredentialRequestError(OAuthError):
    error = "invalid_credential_request"


class UnknownCredentialConfigurationError(OAuthError):
    error = "unknown_credential_configuration"


class InvalidProofError(OAuthError):
    error = "invalid_proof"


class InvalidNonceError(OAuthError):
    error = "invalid_nonce"


@dataclass(frozen=True)
class KeyProof:
    """A verified key proof: whom to bind the credential to, and the nonce it answered."""

    holder: str
    nonce: str | None
    public_key: PublicKey


def did_jwk(public_jwk: dict[str, Any]) -> str:
    """The did:jwk of a public JWK (its members without ``kid``/``use``/``alg``, no padding)."""
    kept = {k: public_jwk[k] for k in ("crv", "kty", "x", "y") if k in public_jwk}
    text = json.dumps(kept, separators=(",", ":"), sort_keys=True).encode()
    return "did:jwk:" + multibase.encode_base64url(text)[1:]


def _segment(text: str, what: str) -> dict[str, Any]:
    try:
        return strictjson.loads_object(multibase.b64url_decode(text, what), what)
    except DiplomatError as exc:
        raise InvalidProofError(f"the key proof's {what} is not base64url JSON") from exc


def _iat(payload: dict[str, Any], now: datetime) -> None:
    iat = payload.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int):
        raise InvalidProofError("the key proof needs iat (a NumericDate)")
    try:
        issued = datetime.fromtimestamp(iat, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidProofError("the key proof's iat is not a representable time") from None
    if issued > now + CLOCK_SKEW:
        raise InvalidProofError("the key proof's iat is in the future")
    if issued < now - PROOF_MAX_AGE:
        raise InvalidProofError(
            f"the key proof is stale: iat is more than {PROOF_MAX_AGE} before now"
        )


def _key(header: dict[str, Any], resolver: DidResolver) -> tuple[PublicKey, str]:
    """The proof key and the holder identifier it stands for."""
    named = [k for k in ("kid", "jwk", "x5c") if k in header]
    if len(named) != 1:
        raise InvalidProofError("the key proof header needs exactly one of kid, jwk (x5c)")
    if named[0] == "x5c":
        raise InvalidProofError("x5c key proofs are not supported: use a did:key kid or a jwk")
    if named[0] == "jwk":
        value = header["jwk"]
        try:
            key = PublicKey.from_jwk(value)
        except DiplomatError as exc:
            raise InvalidProofError(f"the key proof's jwk is unusable: {exc.detail}") from exc
        return key, did_jwk(value)
    kid = header["kid"]
    if not isinstance(kid, str):
        raise InvalidProofError("the key proof's kid must be a string")
    try:
        did, fragment = split_did_url(kid)
        if not fragment:
            raise InvalidProofError("the key proof's kid must be a DID URL with a fragment")
        method, controller = resolver.resolve_method(kid)
    except InvalidProofError:
        raise
    except DiplomatError as exc:
        raise InvalidProofError(f"the key proof's kid does not resolve: {exc.detail}") from exc
    return method.public_key, controller.id if controller.id == did else did


def check_jwt_proof(
    token: object, *, audience: str, now: datetime, resolver: DidResolver
) -> KeyProof:
    """Verify a JWT key proof (OID4VCI 1.0 Appendix F.1). Raises InvalidProofError."""
    if not isinstance(token, str) or len(token) > MAX_PROOF_LENGTH:
        raise InvalidProofError("the key proof must be a compact JWT")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise InvalidProofError("the key proof is not a compact JWS")
    header = _segment(parts[0], "header")
    payload = _segment(parts[1], "payload")
    if header.get("typ") != PROOF_TYP:
        raise InvalidProofError(f"the key proof's typ must be {PROOF_TYP}")
    alg = header.get("alg")
    if alg not in PROOF_ALGS:
        raise InvalidProofError(f"the key proof's alg must be one of {', '.join(PROOF_ALGS)}")
    if "crit" in header:
        raise InvalidProofError("the key proof has critical header parameters")
    key, holder = _key(header, resolver)
    if alg != key.jws_alg:
        raise InvalidProofError(f"alg {alg} does not match the proof's {key.jws_alg} key")
    checker = jws.JWS()
    try:
        checker.deserialize(token)
        checker.allowed_algs = [key.jws_alg]
        checker.verify(jwk.JWK(**key.to_jwk()), alg=key.jws_alg)
    except (JWException, ValueError, TypeError) as exc:
        raise InvalidProofError("the key proof's signature does not verify") from exc
    aud = payload.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise InvalidProofError(f"the key proof's aud must be the credential issuer {audience}")
    _iat(payload, now)
    nonce = payload.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise InvalidProofError("the key proof's nonce must be a string")
    return KeyProof(holder, nonce, key)
