"""Consult every configured registry about one issuer and combine their answers, with evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from vc.message import English, Message
from verifier.registry.dcc import KnownIssuerMatch, KnownIssuers, known_issuer_matches
from verifier.registry.evaluate import AccreditationOutcome, DateFinding, RegistryFinding, evaluate
from verifier.registry.model import Institution
from verifier.registry.signed import FRESHNESS_WORDS, Freshness, LoadedRegistry, RegistryEvidence

# When registries disagree: a pass wins; "cannot tell" beats a negative (the degree may be
# covered); among negatives the most specific reason is shown.
_PRIORITY = (
    AccreditationOutcome.ACCREDITED,
    AccreditationOutcome.UNKNOWN,
    AccreditationOutcome.WITHDRAWN,
    AccreditationOutcome.SUSPENDED,
    AccreditationOutcome.OUT_OF_SCOPE,
    AccreditationOutcome.NOT_ACCREDITED,
)


@dataclass(frozen=True)
class ConsultedRegistry:
    evidence: RegistryEvidence
    finding: RegistryFinding

    def to_dict(self) -> dict[str, Any]:
        return {"registry": self.evidence.to_dict(), "finding": self.finding.to_dict()}


@dataclass(frozen=True)
class UncheckedRegistry:
    """A registry that was loaded but not relied on (outside its validity period)."""

    evidence: RegistryEvidence
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"registry": self.evidence.to_dict(), "reason": self.reason}


@dataclass(frozen=True)
class RegistryAssessment:
    """Every registry's answer about one issuer, and the combined answer per date."""

    issuer_did: str
    consulted: tuple[ConsultedRegistry, ...]
    unchecked: tuple[UncheckedRegistry, ...]
    at_award: DateFinding
    today: DateFinding
    known_issuer: tuple[KnownIssuerMatch, ...] = ()

    @property
    def matched(self) -> tuple[RegistryEvidence, ...]:
        """The registries that list the issuer."""
        return tuple(c.evidence for c in self.consulted if c.finding.issuer_known)

    @property
    def issuer_known(self) -> bool:
        """Listed in at least one registry that was relied on (known-issuer lists do not count)."""
        return bool(self.matched)

    @property
    def institution(self) -> Institution | None:
        """The institution as the first (most authoritative) registry listing it describes it."""
        for consulted in self.consulted:
            if consulted.finding.institution is not None:
                return consulted.finding.institution
        return None

    @property
    def country(self) -> str | None:
        return self.institution.country if self.institution else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "issuer_did": self.issuer_did,
            "issuer_known": self.issuer_known,
            "institution": self.institution.to_dict() if self.institution else None,
            "country": self.country,
            "at_award": self.at_award.to_dict(),
            "today": self.today.to_dict(),
            "matched": [e.to_dict() for e in self.matched],
            "consulted": [c.to_dict() for c in self.consulted],
            "unchecked": [u.to_dict() for u in self.unchecked],
            "known_issuer": [m.to_dict() for m in self.known_issuer],
        }


def evaluate_all(
    registries: Sequence[LoadedRegistry],
    issuer_did: str,
    *,
    level: str | None,
    field: str | None,
    award_date: date | None,
    today: date,
    known_issuers: Sequence[KnownIssuers] = (),
) -> RegistryAssessment:
    """Ask every current registry (in the order given: most authoritative first) about the issuer.

    Registries outside their validity period are listed as unchecked and not relied on. With no
    current registry listing the issuer the answer is `not_accredited`, or `unknown` when some
    registry could not be checked. Raises MalformedValueError for a malformed level or field.
    """
    consulted = []
    unchecked = []
    for loaded in registries:
        if not loaded.current:
            unchecked.append(UncheckedRegistry(loaded.evidence, _stale_reason(loaded)))
            continue
        finding = evaluate(
            loaded.registry,
            issuer_did,
            level=level,
            field=field,
            award_date=award_date,
            today=today,
        )
        consulted.append(ConsultedRegistry(loaded.evidence, finding))
    listing = [c.finding for c in consulted if c.finding.issuer_known]
    at_award = _combine([f.at_award for f in listing], award_date, issuer_did, consulted, unchecked)
    now = _combine([f.today for f in listing], today, issuer_did, consulted, unchecked)
    return RegistryAssessment(
        issuer_did=issuer_did,
        consulted=tuple(consulted),
        unchecked=tuple(unchecked),
        at_award=at_award,
        today=now,
        known_issuer=known_issuer_matches(known_issuers, issuer_did),
    )


def _stale_reason(loaded: LoadedRegistry) -> str:
    if loaded.freshness is Freshness.EXPIRED and loaded.valid_until is not None:
        return Message("the registry expired on %(end)s", end=loaded.valid_until)
    if loaded.freshness is Freshness.NOT_YET_VALID and loaded.valid_from is not None:
        return Message("the registry is valid only from %(start)s", start=loaded.valid_from)
    return Message("the registry is %(freshness)s", freshness=FRESHNESS_WORDS[loaded.freshness])


def _combine(
    findings: list[DateFinding],
    day: date | None,
    issuer_did: str,
    consulted: list[ConsultedRegistry],
    unchecked: list[UncheckedRegistry],
) -> DateFinding:
    if findings:
        return min(findings, key=lambda f: _PRIORITY.index(f.outcome))
    names = ", ".join(c.evidence.name for c in consulted) or Message("no registry")
    if unchecked:
        stale = ", ".join(f"{u.evidence.name} ({u.reason})" for u in unchecked)
        return DateFinding(
            day,
            AccreditationOutcome.UNKNOWN,
            Message(
                "%(issuer)s is not listed in %(registries)s, and %(stale)s could not be relied on",
                issuer=issuer_did,
                registries=names,
                stale=English(stale),
            ),
        )
    if not consulted:
        return DateFinding(
            day,
            AccreditationOutcome.UNKNOWN,
            Message("no accreditation registry is configured: nothing was checked"),
        )
    return DateFinding(
        day,
        AccreditationOutcome.NOT_ACCREDITED,
        Message("%(issuer)s is not listed in %(registries)s", issuer=issuer_did, registries=names),
    )
