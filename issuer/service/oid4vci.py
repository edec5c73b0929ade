"""OpenID for Verifiable Credential Issuance 1.0, pre-authorised code flow, for one diploma.

    holder page  -> create_offer        an offer by reference (openid-credential-offer://?...)
    wallet       -> credential_offer    GET the offer: issuer, configuration ids, the code
                 -> issuer_metadata     /.well-known/openid-credential-issuer
                 -> authorization_server_metadata   /.well-known/oauth-authorization-server
                 -> token               pre-authorised code (+ tx_code) -> access token
                 -> nonce               a fresh c_nonce
                 -> credential          access token + key proof -> the diploma bound to the key

The offer id and the pre-authorised code are secrets of their own (only hashes are stored; the
code is derived from the offer id with the app's secret key, so the offer can be fetched again).
Codes, access tokens and nonces are single-use and expire. A transaction code (tx_code) is used
only when a ``TxCodeNotifier`` is given: it is sent to the graduate out of band (e-mail), never
shown on the page that shows the offer. Errors are vc.oid4vci.OAuthError with the names of the
specification (invalid_grant, invalid_proof, invalid_nonce, ...).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import quote

from issuer.errors import NotFoundError
from issuer.service.base import IssuerContext
from issuer.service.identity import SUITE_FOR_KEY
from issuer.service.wallets import WalletService
from issuer.store import Credential
from issuer.store.tokens import new_token
from issuer.store.wallets import Outcome, WalletRepository
from vc.contexts import OB_V3P0, VC_V2
from vc.dids import DidResolver
from vc.errors import DiplomatError
from vc.oid4vci import (
    OFFER_SCHEME,
    PRE_AUTHORIZED_GRANT,
    PROOF_ALGS,
    InvalidAccessTokenError,
    InvalidCredentialRequestError,
    InvalidGrantError,
    InvalidNonceError,
    InvalidProofError,
    InvalidRequestError,
    UnknownCredentialConfigurationError,
    UnsupportedGrantTypeError,
    check_jwt_proof,
)

OFFER_TTL = timedelta(days=7)
TOKEN_TTL = timedelta(minutes=10)
NONCE_TTL = timedelta(minutes=5)
TX_CODE_DIGITS = 6
MAX_TX_CODE_FAILURES = 5
OFFER_PATH = "/oid4vci/offers/"
TOKEN_PATH = "/oid4vci/token"  # noqa: S105  # a URL path, not a secret
NONCE_PATH = "/oid4vci/nonce"
CREDENTIAL_PATH = "/oid4vci/credential"
DEGREE_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
# credential_configuration_id -> format (OID4VCI 1.0 Appendix A.1.1 and A.1.3).
CONFIGURATIONS = {
    "DiplomaCredential_ldp_vc": "ldp_vc",
    "DiplomaCredential_jwt_vc_json": "jwt_vc_json",
}


class TxCodeNotifier(Protocol):
    """Sends a transaction code to the graduate (the mail sender implements it). Raises a
    DiplomatError when it cannot: the offer is then not made."""

    def reaches(self, credential: Credential) -> bool:
        """Whether a code can be sent to this graduate (else the offer has none)."""
        ...

    def send_tx_code(self, credential: Credential, tx_code: str) -> None: ...


@dataclass(frozen=True)
class Offer:
    """A credential offer by reference, for the holder's page (a QR code and a link)."""

    offer_uri: str
    link: str
    tx_code_sent: bool


class Oid4vciService:
    """create_offer, credential_offer, issuer_metadata, authorization_server_metadata, token,
    nonce, credential."""

    def __init__(
        self,
        ctx: IssuerContext,
        wallets: WalletService,
        repository: WalletRepository,
        *,
        secret_key: Callable[[], str],
        notifier: TxCodeNotifier | None = None,
    ) -> None:
        self._ctx = ctx
        self._wallets = wallets
        self._repo = repository
        self._secret = secret_key
        self.notifier = notifier

    # ------------------------------------------------------------------ offers

    def _code_for(self, offer_id: str) -> str:
        # A key of its own, derived from the app's secret key (read when first needed).
        key = hashlib.sha256(b"diplomat-oid4vci-pre-auth:" + self._secret().encode()).digest()
        digest = hmac.new(key, offer_id.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()

    def create_offer(self, credential_id: str, management_token: str) -> Offer:
        """A new offer for the holder's diploma. Raises InvalidTokenError, NotFoundError,
        ConflictError (revoked), or what the notifier raises."""
        credential = self._wallets.holder_credential(credential_id, management_token)
        offer_id = new_token()
        code = self._code_for(offer_id)
        tx_code = None
        if self.notifier is not None and self.notifier.reaches(credential):
            tx_code = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_DIGITS))
        if self.notifier is not None and tx_code is not None:
            # Sent first: when it cannot be sent, no offer exists that would wait for it.
            self.notifier.send_tx_code(credential, tx_code)
        self._repo.create_grant(
            credential_id,
            "oid4vci",
            offer_id,
            expires_at=self._ctx.now() + OFFER_TTL,
            code=code,
            tx_code=tx_code,
        )
        self._ctx.audit(
            "holder",
            "wallet.offer.create",
            credential_id,
            {"protocol": "oid4vci", "tx_code": tx_code is not None},
        )
        offer_uri = self._ctx.url(OFFER_PATH + offer_id)
        link = OFFER_SCHEME + "?credential_offer_uri=" + quote(offer_uri, safe="")
        return Offer(offer_uri=offer_uri, link=link, tx_code_sent=tx_code is not None)

    def credential_offer(self, offer_id: str) -> dict[str, Any]:
        """The offer object (OID4VCI 1.0 §4.1.1). Raises NotFoundError for an unknown, used or
        expired offer (a wallet cannot use it any more)."""
        grant = self._repo.get_grant(offer_id)
        if grant.protocol != "oid4vci":
            raise NotFoundError("no such credential offer")
        if grant.redeemed_at is not None or grant.expires_at <= self._ctx.now():
            raise NotFoundError("this credential offer was used or has expired")
        pre_authorized: dict[str, Any] = {"pre-authorized_code": self._code_for(offer_id)}
        if grant.has_tx_code:
            pre_authorized["tx_code"] = {
                "input_mode": "numeric",
                "length": TX_CODE_DIGITS,
                "description": "The code we sent to your e-mail address",
            }
        return {
            "credential_issuer": self.issuer_identifier(),
            "credential_configuration_ids": list(CONFIGURATIONS),
            "grants": {PRE_AUTHORIZED_GRANT: pre_authorized},
        }

    # ------------------------------------------------------------------ metadata

    def issuer_identifier(self) -> str:
        """The Credential Issuer Identifier: the public base URL."""
        return self._ctx.base_url.rstrip("/")

    def issuer_metadata(self) -> dict[str, Any]:
        """/.well-known/openid-credential-issuer (OID4VCI 1.0 §12.2)."""
        signer = self._wallets_signer()
        binding = {
            "cryptographic_binding_methods_supported": ["did:key", "jwk"],
            "proof_types_supported": {
                "jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGS)}
            },
        }
        name = self._ctx.issuer().name
        display = [{"name": "Diploma", "locale": "en", "description": f"A degree from {name}"}]
        return {
            "credential_issuer": self.issuer_identifier(),
            "credential_endpoint": self._ctx.url(CREDENTIAL_PATH),
            "nonce_endpoint": self._ctx.url(NONCE_PATH),
            "display": [{"name": name, "locale": "en"}],
            "credential_configurations_supported": {
                "DiplomaCredential_ldp_vc": {
                    "format": "ldp_vc",
                    "credential_definition": {"@context": [VC_V2, OB_V3P0], "type": DEGREE_TYPES},
                    "credential_signing_alg_values_supported": [signer[0]],
                    **binding,
                    "credential_metadata": {"display": display},
                },
                "DiplomaCredential_jwt_vc_json": {
                    "format": "jwt_vc_json",
                    "credential_definition": {"type": DEGREE_TYPES},
                    "credential_signing_alg_values_supported": [signer[1]],
                    **binding,
                    "credential_metadata": {"display": display},
                },
            },
        }

    def _wallets_signer(self) -> tuple[str, str]:
        """(the Data Integrity cryptosuite, the JWS alg) of the active key."""
        record, key = self._ctx.active_key()
        return SUITE_FOR_KEY[record.key_type], key.public.jws_alg

    def authorization_server_metadata(self) -> dict[str, Any]:
        """/.well-known/oauth-authorization-server (RFC 8414; the issuer is its own AS)."""
        return {
            "issuer": self.issuer_identifier(),
            "token_endpoint": self._ctx.url(TOKEN_PATH),
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": ["none"],
            "pre-authorized_grant_anonymous_access_supported": True,
        }

    # ------------------------------------------------------------------ token and nonce

    def token(self, form: Mapping[str, str]) -> dict[str, Any]:
        """The token endpoint (OID4VCI 1.0 §6): pre-authorised code (+ tx_code) -> a bearer
        access token for one credential. Raises UnsupportedGrantTypeError, InvalidRequestError,
        InvalidGrantError."""
        grant_type = form.get("grant_type")
        if grant_type != PRE_AUTHORIZED_GRANT:
            raise UnsupportedGrantTypeError(f"only the grant type {PRE_AUTHORIZED_GRANT}")
        code = form.get("pre-authorized_code")
        if not code:
            raise InvalidRequestError("pre-authorized_code is missing")
        access_token = new_token()
        spent = self._repo.redeem_code(
            code,
            form.get("tx_code") or None,
            access_token=access_token,
            token_expires_at=self._ctx.now() + TOKEN_TTL,
            max_tx_failures=MAX_TX_CODE_FAILURES,
        )
        if spent.outcome is Outcome.TX_CODE_MISSING:
            raise InvalidRequestError("this offer needs its transaction code (tx_code)")
        if spent.outcome is not Outcome.OK:
            raise InvalidGrantError(_GRANT_REASONS[spent.outcome])
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(TOKEN_TTL.total_seconds()),
        }

    def nonce(self) -> dict[str, Any]:
        """The nonce endpoint (OID4VCI 1.0 §7): a fresh single-use c_nonce."""
        value = new_token()
        self._repo.issue_nonce(value, expires_at=self._ctx.now() + NONCE_TTL)
        return {"c_nonce": value}

    # ------------------------------------------------------------------ credential

    def credential(self, access_token: str | None, body: Mapping[str, Any]) -> dict[str, Any]:
        """The credential endpoint (OID4VCI 1.0 §8): the diploma bound to the proof's key.

        Raises InvalidAccessTokenError (401), InvalidCredentialRequestError,
        UnknownCredentialConfigurationError, InvalidProofError, InvalidNonceError.
        """
        if not access_token:
            raise InvalidAccessTokenError("a bearer access token is required")
        peek = self._repo.peek_access_token(access_token)
        if peek.outcome is not Outcome.OK or peek.grant is None:
            raise InvalidAccessTokenError(f"the access token is {peek.outcome.value}")
        fmt = self._format(body)
        proof = check_jwt_proof(
            _proof_jwt(body),
            audience=self.issuer_identifier(),
            now=self._ctx.now(),
            resolver=DidResolver(),  # did:key only, offline
        )
        if proof.nonce is None:
            raise InvalidNonceError("the key proof must carry a c_nonce from the nonce endpoint")
        nonce = self._repo.spend_nonce(proof.nonce)
        if nonce is not Outcome.OK:
            raise InvalidNonceError(f"the key proof's nonce is {nonce.value}: get a new one")
        spent = self._repo.spend_access_token(access_token)
        if spent.outcome is not Outcome.OK or spent.grant is None:
            raise InvalidAccessTokenError(f"the access token is {spent.outcome.value}")
        credential_id = spent.grant.credential_id
        try:
            issued: Any
            if fmt == "jwt_vc_json":
                issued = self._wallets.reissue_jwt(credential_id, proof.holder, protocol="oid4vci")
            else:
                issued = self._wallets.reissue(credential_id, proof.holder, protocol="oid4vci")
        except DiplomatError as exc:
            raise InvalidCredentialRequestError(exc.detail) from exc
        return {"credentials": [{"credential": issued}]}

    def _format(self, body: Mapping[str, Any]) -> str:
        configuration = body.get("credential_configuration_id")
        if configuration is not None:
            if configuration not in CONFIGURATIONS:
                raise UnknownCredentialConfigurationError(
                    f"no credential configuration {str(configuration)[:80]!r}"
                )
            return CONFIGURATIONS[str(configuration)]
        if "credential_identifier" in body:
            raise InvalidCredentialRequestError(
                "credential_identifier is not used here: send credential_configuration_id"
            )
        fmt = body.get("format")  # drafts 13-14 named the format instead
        if fmt in CONFIGURATIONS.values():
            return str(fmt)
        raise InvalidCredentialRequestError("credential_configuration_id is missing")


_GRANT_REASONS = {
    Outcome.UNKNOWN: "the pre-authorised code is not known",
    Outcome.USED: "the pre-authorised code was already used",
    Outcome.EXPIRED: "the pre-authorised code has expired",
    Outcome.TX_CODE_WRONG: "the transaction code is wrong",
}


def _proof_jwt(body: Mapping[str, Any]) -> object:
    """The one JWT key proof of a request: ``proofs.jwt[0]`` (1.0) or ``proof.jwt`` (drafts)."""
    proofs = body.get("proofs")
    if isinstance(proofs, dict):
        jwts = proofs.get("jwt")
        if set(proofs) != {"jwt"} or not isinstance(jwts, list) or len(jwts) != 1:
            raise InvalidProofError("proofs must hold exactly one jwt key proof")
        return jwts[0]
    proof = body.get("proof")
    if isinstance(proof, dict) and proof.get("proof_type") == "jwt":
        return proof.get("jwt")
    raise InvalidProofError("a jwt key proof is required (proofs.jwt)")
