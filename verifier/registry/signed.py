"""Signed registries: the registry as a VC 2.0 credential of its operator, and loading it safely.

The registry travels as the JSON literal ``credentialSubject.registry`` (JSON-LD ``@type: @json``,
so RDFC-1.0 canonicalizes it with JCS and every byte of it is signed), under an inline context
that defines our two terms explicitly; nothing is fetched to process it.

Choices, so the report can rely on them:
- An operator that is not in the verifier's `trusted_operators`, a proof that does not verify,
  or a registry whose `operator.id` is not the credential's issuer raises RegistryError (a
  CryptographicSecurityError). The trust check comes first, so no DID of an untrusted party is
  ever resolved (no fetch to a host it chose).
- A registry credential outside its validity period is still loaded, with `freshness` EXPIRED
  or NOT_YET_VALID; evaluate_all does not rely on it and lists it as unchecked ("could not
  check"), never as a pass and never silently dropped.
- Plain JSON is loaded only with `allow_unsigned=True` (development), marked `signed=False`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from vc import jsonld, proofs
from vc.contexts import VC_V2
from vc.dates import format_datetime, parse_datetime
from vc.dids import DidResolver
from vc.errors import CryptographicSecurityError, MalformedValueError
from vc.message import Message
from vc.purposes import AssertionMethod, issuer_id
from verifier.registry.model import Registry, parse_registry

VOCAB = "https://diplomat.example/vocab#"
CREDENTIAL_TYPE = "DiplomatAccreditationRegistry"
REGISTRY_CONTEXT: dict[str, Any] = {
    CREDENTIAL_TYPE: VOCAB + CREDENTIAL_TYPE,
    "registry": {"@id": VOCAB + "registry", "@type": "@json"},
}


class RegistryError(CryptographicSecurityError):
    """A registry that must not be trusted: unknown operator, bad signature, operator mismatch."""

    title = "Registry not trusted"


class Freshness(StrEnum):
    CURRENT = "current"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


# A registry's freshness in words a report can translate (vc.message.Message).
FRESHNESS_WORDS = {
    Freshness.CURRENT: Message("current"),
    Freshness.EXPIRED: Message("expired"),
    Freshness.NOT_YET_VALID: Message("not yet valid"),
}


@dataclass(frozen=True)
class RegistryEvidence:
    """What the report shows about a registry it consulted: its source, signer and freshness."""

    registry_id: str
    name: str
    source: str | None
    operator_did: str
    operator_name: str
    signed: bool
    signature_verified: bool
    signed_by: str | None
    verification_methods: tuple[str, ...]
    valid_from: datetime | None
    valid_until: datetime | None
    as_of: date
    loaded_at: datetime
    freshness: Freshness

    def to_dict(self) -> dict[str, Any]:
        return {
            "registry_id": self.registry_id,
            "name": self.name,
            "source": self.source,
            "operator_did": self.operator_did,
            "operator_name": self.operator_name,
            "signed": self.signed,
            "signature_verified": self.signature_verified,
            "signed_by": self.signed_by,
            "verification_methods": list(self.verification_methods),
            "valid_from": format_datetime(self.valid_from) if self.valid_from else None,
            "valid_until": format_datetime(self.valid_until) if self.valid_until else None,
            "as_of": self.as_of.isoformat(),
            "loaded_at": format_datetime(self.loaded_at),
            "freshness": self.freshness.value,
        }


@dataclass(frozen=True)
class LoadedRegistry:
    """A parsed registry and how it was obtained."""

    registry: Registry
    source: str | None
    signed: bool
    signature_verified: bool
    signed_by: str | None
    verification_methods: tuple[str, ...]
    valid_from: datetime | None
    valid_until: datetime | None
    loaded_at: datetime
    freshness: Freshness

    @property
    def current(self) -> bool:
        return self.freshness is Freshness.CURRENT

    @property
    def operator_did(self) -> str:
        return self.registry.operator.id

    @property
    def operator_name(self) -> str:
        return self.registry.operator.name

    @property
    def as_of(self) -> date:
        return self.registry.as_of

    @property
    def evidence(self) -> RegistryEvidence:
        return RegistryEvidence(
            registry_id=self.registry.id,
            name=self.registry.name,
            source=self.source,
            operator_did=self.operator_did,
            operator_name=self.operator_name,
            signed=self.signed,
            signature_verified=self.signature_verified,
            signed_by=self.signed_by,
            verification_methods=self.verification_methods,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            as_of=self.as_of,
            loaded_at=self.loaded_at,
            freshness=self.freshness,
        )


def registry_credential(
    doc: Mapping[str, Any],
    *,
    operator_did: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    credential_id: str | None = None,
) -> dict[str, Any]:
    """An unsigned VC 2.0 credential of the operator carrying the registry `doc` (sign it next).

    Raises MalformedValueError if `doc` is not a valid registry, if its operator is not
    `operator_did`, or if the validity period is empty.
    """
    registry = parse_registry(doc)
    if registry.operator.id != operator_did:
        raise MalformedValueError(
            f"the registry names {registry.operator.id} as its operator, not {operator_did}"
        )
    if valid_until is not None and valid_until <= valid_from:
        raise MalformedValueError("validUntil must be after validFrom")
    credential: dict[str, Any] = {"@context": [VC_V2, dict(REGISTRY_CONTEXT)]}
    if credential_id is not None:
        credential["id"] = credential_id
    credential.update(
        {
            "type": ["VerifiableCredential", CREDENTIAL_TYPE],
            "name": registry.name,
            "description": registry.description,
            "issuer": {"id": operator_did, "name": registry.operator.name},
            "validFrom": format_datetime(valid_from),
        }
    )
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = {"id": registry.id, "registry": dict(doc)}
    return credential


def is_registry_credential(doc: Mapping[str, Any]) -> bool:
    types = doc.get("type")
    return "@context" in doc and isinstance(types, list) and CREDENTIAL_TYPE in types


def load_registry(
    credential_or_plain: Mapping[str, Any],
    *,
    resolver: DidResolver,
    now: datetime,
    trusted_operators: Collection[str],
    allow_unsigned: bool = False,
    source: str | None = None,
    loader: jsonld.DocumentLoader | None = None,
) -> LoadedRegistry:
    """Load a registry: a signed registry credential, or (development only) a plain document.

    `source` is where it was read from (URL or file), recorded as evidence.
    Raises RegistryError (untrusted operator, bad or missing proof, operator mismatch, or an
    unsigned registry without `allow_unsigned`), MalformedValueError (bad shape or registry).
    """
    if not isinstance(credential_or_plain, Mapping):
        raise MalformedValueError("a registry must be a JSON object")
    if not is_registry_credential(credential_or_plain):
        if "@context" in credential_or_plain or "proof" in credential_or_plain:
            raise MalformedValueError(
                f"a credential that is not a {CREDENTIAL_TYPE} cannot be used as a registry"
            )
        if not allow_unsigned:
            raise RegistryError(
                "the registry is not signed; unsigned registries are accepted only in "
                "development mode (allow_unsigned)"
            )
        return LoadedRegistry(
            registry=parse_registry(credential_or_plain),
            source=source,
            signed=False,
            signature_verified=False,
            signed_by=None,
            verification_methods=(),
            valid_from=None,
            valid_until=None,
            loaded_at=now,
            freshness=Freshness.CURRENT,
        )
    return _load_signed(
        credential_or_plain,
        resolver=resolver,
        now=now,
        trusted_operators=trusted_operators,
        source=source,
        loader=loader,
    )


def _load_signed(
    credential: Mapping[str, Any],
    *,
    resolver: DidResolver,
    now: datetime,
    trusted_operators: Collection[str],
    source: str | None,
    loader: jsonld.DocumentLoader | None,
) -> LoadedRegistry:
    operator = issuer_id(credential)
    if operator not in trusted_operators:
        raise RegistryError(
            f"the registry is signed by {operator}, which is not a trusted registry operator"
        )
    if "proof" not in credential:
        raise RegistryError(f"the registry credential of {operator} has no proof")
    # A registry published ahead of its validFrom is loaded (and not relied on until then): its
    # proof is verified as of validFrom, so "created in the future" is judged against the date
    # the registry takes effect, not against a verifier that loaded it early.
    try:
        effective = max(now, parse_datetime(credential.get("validFrom"), "validFrom"))
    except MalformedValueError:
        effective = now  # an unreadable validFrom is refused below, after the proof
    result = proofs.verify(
        credential,
        resolver=resolver,
        now=effective,
        purpose=AssertionMethod(),
        loader=loader,
    )
    if not result.verified:
        reasons = "; ".join(str(e) for e in result.errors)
        raise RegistryError(f"the registry credential of {operator} does not verify: {reasons}")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping) or not isinstance(subject.get("registry"), Mapping):
        raise MalformedValueError("credentialSubject.registry must be the registry object")
    registry = parse_registry(subject["registry"])
    if registry.operator.id != operator:
        raise RegistryError(
            f"the registry names {registry.operator.id} as its operator but is signed by {operator}"
        )
    if subject.get("id") != registry.id:
        raise MalformedValueError("credentialSubject.id must be the registry's id")
    valid_from = parse_datetime(credential.get("validFrom"), "validFrom")
    valid_until = (
        parse_datetime(credential["validUntil"], "validUntil")
        if "validUntil" in credential
        else None
    )
    if now < valid_from:
        freshness = Freshness.NOT_YET_VALID
    elif valid_until is not None and now >= valid_until:
        freshness = Freshness.EXPIRED
    else:
        freshness = Freshness.CURRENT
    return LoadedRegistry(
        registry=registry,
        source=source,
        signed=True,
        signature_verified=True,
        signed_by=operator,
        verification_methods=tuple(
            r.verification_method for r in result.results if r.verification_method
        ),
        valid_from=valid_from,
        valid_until=valid_until,
        loaded_at=now,
        freshness=freshness,
    )
