"""Wallets: re-issue a diploma to the wallet's DID, and the VC-API exchange that asks for it.

The exchange follows the VC-API "Exchanges" section as the DCC Learner Credential Wallet and
LearnCard use it: the holder's page starts an exchange (a secret id in its URL, a challenge, a
deadline); the wallet POSTs ``{}`` and is asked for DID authentication (a
``verifiablePresentationRequest``); it POSTs a presentation signed by its did:key with that
challenge and domain; the issuer checks it and answers with the diploma re-issued to that DID as
``credentialSubject.id``: the same credential id, diploma number and status entries, a new proof.
An exchange completes once; every re-issue is written to the audit log ("credential.reissue").
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from issuer.errors import ConflictError, NotFoundError
from issuer.service.base import IssuerContext
from issuer.service.issuing import IssuingService
from issuer.store import Credential
from issuer.store.interfaces import Credentials, Sharing
from issuer.store.tokens import new_token
from issuer.store.wallets import Outcome, WalletRepository
from vc import proofs, strictjson
from vc.contexts import VC_V1, VC_V2
from vc.dids import DidResolver
from vc.errors import CryptographicSecurityError, MalformedValueError
from vc.jose import sign_vc_jwt
from vc.purposes import Authentication, holder_id

EXCHANGE_TTL = timedelta(minutes=30)
EXCHANGE_PATH = "/exchanges/"
INTERACTION_PATH = "/interactions/"


class ExchangeGoneError(ConflictError):
    """A VC-API exchange that has completed or expired (410: start a new one)."""

    problem_type = "https://diplomat.example/problems/exchange-gone"
    status = 410
    title = "This wallet exchange is no longer open"


@dataclass(frozen=True)
class WalletLinks:
    """Everything the holder's page shows for one VC-API exchange (each also as a QR code)."""

    exchange_url: str
    interaction_url: str
    challenge: str
    lcw_deep_link: str
    lcw_universal_link: str
    learncard_link: str


class WalletService:
    """reissue (Data Integrity or vc+jwt, to a holder DID), start_exchange, exchange_step."""

    def __init__(
        self,
        ctx: IssuerContext,
        issuing: IssuingService,
        credentials: Credentials,
        sharing: Sharing,
        wallets: WalletRepository,
    ) -> None:
        self._ctx = ctx
        self._issuing = issuing
        self._credentials = credentials
        self._sharing = sharing
        self._wallets = wallets

    # ------------------------------------------------------------------ re-issue

    def holder_credential(self, credential_id: str, management_token: str) -> Credential:
        """The credential, if ``management_token`` is its holder's. Raises InvalidTokenError,
        NotFoundError, ConflictError (a revoked diploma goes into no wallet)."""
        credential = self._credentials.get_credential(credential_id)
        if credential.issuer_id != self._ctx.issuer().id:
            raise NotFoundError(f"no credential {credential_id}")
        self._sharing.check_holder_secret(credential_id, management_token)
        if credential.revoked:
            raise ConflictError("this diploma was revoked: it cannot be added to a wallet")
        return credential

    def _bound(self, credential_id: str, holder: str) -> dict[str, Any]:
        credential = self._credentials.get_credential(credential_id)
        if credential.revoked:
            raise ConflictError("this diploma was revoked: it cannot be added to a wallet")
        doc = strictjson.loads_object(credential.credential_json)
        doc.pop("proof", None)
        subject = doc.get("credentialSubject")
        if not isinstance(subject, dict):
            raise MalformedValueError("only a credential with one subject can be re-issued")
        doc["credentialSubject"] = {"id": holder, **{k: v for k, v in subject.items() if k != "id"}}
        return doc

    def reissue(self, credential_id: str, holder: str, *, protocol: str) -> dict[str, Any]:
        """The stored diploma re-signed (Data Integrity) with ``holder`` as its subject's id."""
        doc = self._bound(credential_id, holder)
        signer = self._issuing.signer()
        signed = proofs.sign(
            doc,
            signer.key,
            verification_method=signer.key_record.key_id,
            created=self._ctx.now(),
            suite=signer.suite,
            loader=self._ctx.loader,
        )
        self._audit(credential_id, holder, protocol, "ldp_vc", signer.key_record.key_id)
        return signed

    def reissue_jwt(self, credential_id: str, holder: str, *, protocol: str) -> str:
        """The stored diploma as a vc+jwt (VC-JOSE-COSE §3.1.1) with ``holder`` as subject id.

        Raises MalformedValueError for a VC 1.1 credential (a vc+jwt secures VC 2.0 only).
        """
        doc = self._bound(credential_id, holder)
        contexts = doc.get("@context")
        if not isinstance(contexts, list) or not contexts or contexts[0] != VC_V2:
            raise MalformedValueError("only a VC 2.0 credential can be secured as a vc+jwt")
        signer = self._issuing.signer()
        token = sign_vc_jwt(doc, signer.key, signer.key_record.key_id)
        self._audit(credential_id, holder, protocol, "jwt_vc_json", signer.key_record.key_id)
        return token

    def _audit(self, credential_id: str, holder: str, protocol: str, fmt: str, key: str) -> None:
        diploma = self._credentials.get_credential(credential_id).diploma_number
        self._ctx.audit(
            "holder",
            "credential.reissue",
            credential_id,
            {
                "protocol": protocol,
                "format": fmt,
                "holder": holder[:512],
                "diploma_number": diploma,
                "key_id": key,
            },
        )

    # ------------------------------------------------------------------ VC-API exchange

    def domain(self) -> str:
        """The domain a wallet's presentation must name: our public origin."""
        return self._ctx.base_url.split("://", 1)[-1].split("/", 1)[0]

    def start_exchange(self, credential_id: str, management_token: str) -> WalletLinks:
        """Open an exchange for the holder (shown once: its id is a bearer secret)."""
        self.holder_credential(credential_id, management_token)
        exchange_id = new_token()
        challenge = secrets.token_urlsafe(24)
        self._wallets.create_grant(
            credential_id,
            "vc-api",
            exchange_id,
            expires_at=self._ctx.now() + EXCHANGE_TTL,
            challenge=challenge,
        )
        self._ctx.audit("holder", "wallet.exchange.start", credential_id, {"protocol": "vc-api"})
        return self.links(exchange_id, challenge)

    def links(self, exchange_id: str, challenge: str) -> WalletLinks:
        exchange_url = self._ctx.url(EXCHANGE_PATH + exchange_id)
        request = urlencode(
            {
                "issuer": self._ctx.issuer().did,
                "vc_request_url": exchange_url,
                "challenge": challenge,
                "auth_type": "bearer",
            },
            quote_via=quote,
        )
        return WalletLinks(
            exchange_url=exchange_url,
            interaction_url=self._ctx.url(INTERACTION_PATH + exchange_id) + "?iuv=1",
            challenge=challenge,
            lcw_deep_link="dccrequest://request?" + request,
            lcw_universal_link="https://lcw.app/request?" + request,
            learncard_link="https://learncard.app/request?"
            + urlencode({"vc_request_url": exchange_url}, quote_via=quote),
        )

    def interaction(self, exchange_id: str) -> dict[str, Any]:
        """The interaction URL's answer (VC-API "Interaction URL"): the protocols it offers."""
        self._open(exchange_id)
        return {"protocols": {"vcapi": self._ctx.url(EXCHANGE_PATH + exchange_id)}}

    def _open(self, exchange_id: str) -> tuple[str, str]:
        grant = self._wallets.get_grant(exchange_id)
        if grant.protocol != "vc-api" or grant.challenge is None:
            raise NotFoundError("no such wallet exchange")
        if grant.completed_at is not None:
            raise ExchangeGoneError("this exchange has completed: start a new one")
        if grant.expires_at <= self._ctx.now():
            raise ExchangeGoneError("this exchange has expired: start a new one")
        return grant.credential_id, grant.challenge

    def exchange_step(self, exchange_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """One POST to the exchange: ``{}`` -> the request; ``{verifiablePresentation}`` -> the
        credential in a presentation; a bare presentation (the DCC deep-link flow, challenge from
        the link) -> the credential itself.

        Raises NotFoundError, ExchangeGoneError (410), MalformedValueError (no presentation),
        CryptographicSecurityError (a presentation that does not authenticate its holder).
        """
        credential_id, challenge = self._open(exchange_id)
        if _is_presentation(body):
            # The DCC deep-link flow: the wallet POSTs its DID Auth presentation itself, signed
            # with the link's challenge (it has seen no request, so no domain is required), and
            # expects the credential itself back.
            holder = self._authenticate(body, challenge, domain=None)
            return self._complete(exchange_id, credential_id, holder)
        presentation = body.get("verifiablePresentation")
        if presentation is None:
            if body:
                raise MalformedValueError(
                    "POST {} to start, then {verifiablePresentation: ...}",
                    pointer="/verifiablePresentation",
                )
            return {"verifiablePresentationRequest": self._request(exchange_id, challenge)}
        holder = self._authenticate(presentation, challenge, domain=self.domain())
        credential = self._complete(exchange_id, credential_id, holder)
        return {
            "verifiablePresentation": {
                "@context": [VC_V2],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [credential],
            }
        }

    def _complete(self, exchange_id: str, credential_id: str, holder: str) -> dict[str, Any]:
        spent = self._wallets.complete_grant(exchange_id)
        if spent.outcome is not Outcome.OK:
            raise ExchangeGoneError(f"this exchange is {spent.outcome.value}: start a new one")
        return self.reissue(credential_id, holder, protocol="vc-api")

    def _request(self, exchange_id: str, challenge: str) -> dict[str, Any]:
        return {
            "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}],
            "challenge": challenge,
            "domain": self.domain(),
            "interact": {
                "service": [
                    {
                        "type": "UnmediatedHttpPresentationService2021",
                        "serviceEndpoint": self._ctx.url(EXCHANGE_PATH + exchange_id),
                    }
                ]
            },
        }

    def _authenticate(self, presentation: object, challenge: str, *, domain: str | None) -> str:
        """The holder DID of a presentation signed (authentication) with our challenge (and
        ``domain`` when given) by that holder's did:key. Raises MalformedValueError /
        CryptographicSecurityError.
        """
        if not isinstance(presentation, dict):
            raise MalformedValueError(
                "verifiablePresentation must be an object", pointer="/verifiablePresentation"
            )
        contexts = presentation.get("@context")
        first = contexts[0] if isinstance(contexts, list) and contexts else contexts
        types = presentation.get("type")
        types = types if isinstance(types, list) else [types]
        if first not in (VC_V1, VC_V2) or "VerifiablePresentation" not in types:
            raise MalformedValueError(
                "verifiablePresentation must be a VerifiablePresentation (VC context, type)",
                pointer="/verifiablePresentation",
            )
        holder = holder_id(presentation)
        if holder is None or not holder.startswith("did:key:"):
            raise MalformedValueError(
                "the presentation's holder must be the wallet's did:key",
                pointer="/verifiablePresentation/holder",
            )
        result = proofs.verify(
            presentation,
            resolver=DidResolver(),  # did:key only: resolved offline
            now=self._ctx.now(),
            purpose=Authentication(challenge=challenge, domain=domain),
            loader=self._ctx.loader,
        )
        if not result.verified:
            reason = result.errors[0].detail if result.errors else "no proof"
            raise CryptographicSecurityError(f"the presentation does not authenticate: {reason}")
        signers = {r.controller for r in result.results}
        if signers != {holder}:
            raise CryptographicSecurityError("the presentation is not signed by its holder")
        return holder


def _is_presentation(body: Mapping[str, Any]) -> bool:
    types = body.get("type")
    return "VerifiablePresentation" in (types if isinstance(types, list) else [types])
