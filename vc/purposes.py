"""Proof purposes: is the verification method authorised for what the proof claims to do?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from vc.dids import DidDocument, VerificationMethod
from vc.errors import CryptographicSecurityError, MalformedValueError


def issuer_id(document: Mapping[str, Any]) -> str:
    """The issuer's identifier (VC-DM §4.7: a URL, or an object with an id)."""
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not issuer:
        raise MalformedValueError("issuer must be a URL or an object with an id")
    return issuer


def holder_id(document: Mapping[str, Any]) -> str | None:
    holder = document.get("holder")
    if isinstance(holder, dict):
        holder = holder.get("id")
    return holder if isinstance(holder, str) else None


class ProofPurpose(Protocol):
    @property
    def term(self) -> str: ...

    def validate(
        self,
        document: Mapping[str, Any],
        proof: Mapping[str, Any],
        method: VerificationMethod,
        controller: DidDocument,
    ) -> None:
        """Raise CryptographicSecurityError when the purpose is not met."""


def _require_relationship(method: VerificationMethod, controller: DidDocument, term: str) -> None:
    if not controller.authorizes(method.id, term):
        raise CryptographicSecurityError(
            f"verification method {method.id} is not authorised for {term} by {controller.id}"
        )


@dataclass(frozen=True)
class AssertionMethod:
    """assertionMethod: the issuer's DID document lists the key, and the issuer controls it.

    `bind_issuer=False` is the proof-only mode used for W3C vectors whose issuer is not the signer.
    """

    bind_issuer: bool = True
    term: str = "assertionMethod"

    def validate(
        self,
        document: Mapping[str, Any],
        proof: Mapping[str, Any],
        method: VerificationMethod,
        controller: DidDocument,
    ) -> None:
        _require_relationship(method, controller, self.term)
        if self.bind_issuer:
            issuer = issuer_id(document)
            if controller.id != issuer:
                raise CryptographicSecurityError(
                    f"the key is controlled by {controller.id}, not by the issuer {issuer}"
                )


@dataclass(frozen=True)
class Authentication:
    """authentication (presentations): the verifier's challenge and domain, and holder binding."""

    challenge: str | None
    domain: str | None = None
    term: str = "authentication"

    def validate(
        self,
        document: Mapping[str, Any],
        proof: Mapping[str, Any],
        method: VerificationMethod,
        controller: DidDocument,
    ) -> None:
        _require_relationship(method, controller, self.term)
        if self.challenge is None:
            raise CryptographicSecurityError("a presentation must be verified against a challenge")
        if proof.get("challenge") != self.challenge:
            raise CryptographicSecurityError("the presentation's challenge does not match")
        if self.domain is not None:
            domain = proof.get("domain")
            domains = domain if isinstance(domain, list) else [domain]
            if self.domain not in domains:
                raise CryptographicSecurityError("the presentation's domain does not match")
        holder = holder_id(document)
        if holder is not None and holder != controller.id:
            raise CryptographicSecurityError(
                f"the presentation is signed by {controller.id}, not by its holder {holder}"
            )
