"""Adapts the accreditation registries (``verifier.registry``) to the checks' ``RegistryLookup``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from vc.message import Message
from verifier.checks.model import Evidence, Status
from verifier.context import AccreditationFinding, IssuerStanding
from verifier.registry import (
    AccreditationOutcome,
    DateFinding,
    KnownIssuers,
    LoadedRegistry,
    RegistryAssessment,
    RegistryEvidence,
    evaluate_all,
)
from verifier.registry.model import STATUS_WORDS
from verifier.registry.signed import FRESHNESS_WORDS

_STATUS = {
    AccreditationOutcome.ACCREDITED: Status.PASS,
    AccreditationOutcome.UNKNOWN: Status.INDETERMINATE,
    AccreditationOutcome.NOT_ACCREDITED: Status.FAIL,
    AccreditationOutcome.SUSPENDED: Status.FAIL,
    AccreditationOutcome.WITHDRAWN: Status.FAIL,
    AccreditationOutcome.OUT_OF_SCOPE: Status.FAIL,
}


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(0), tzinfo=UTC)


def _registry_evidence(evidence: RegistryEvidence) -> Evidence:
    return Evidence(
        kind="accreditation-registry",
        source=evidence.source or evidence.registry_id,
        signed_by=evidence.signed_by,
        signature_verified=evidence.signature_verified,
        fetched_at=evidence.loaded_at,
        valid_from=evidence.valid_from,
        valid_until=evidence.valid_until,
        detail=_registry_detail(evidence),
    )


def _registry_detail(evidence: RegistryEvidence) -> str:
    values = {
        "name": evidence.name,
        "operator": evidence.operator_name,
        "as_of": evidence.as_of,
        "freshness": FRESHNESS_WORDS[evidence.freshness],
    }
    if evidence.signed:
        return Message("%(name)s (operator %(operator)s, as of %(as_of)s, %(freshness)s)", **values)
    return Message(
        "%(name)s (operator %(operator)s, as of %(as_of)s, %(freshness)s, UNSIGNED: development "
        "only)",
        **values,
    )


def _finding(finding: DateFinding) -> AccreditationFinding:
    evidence: tuple[Evidence, ...] = ()
    record = finding.accreditation
    if record is not None:
        evidence = (
            Evidence(
                kind="accreditation",
                source=record.source.url,
                signed_by=None,
                valid_from=_midnight(record.valid_from),
                valid_until=_midnight(record.valid_until),
                detail=Message(
                    "%(body)s: %(status)s, %(scope)s (%(title)s, retrieved %(retrieved)s)",
                    body=record.accrediting_body.name,
                    status=STATUS_WORDS[record.status],
                    scope=record.scope.describe(),
                    title=record.source.title,
                    retrieved=record.source.retrieved,
                ),
            ),
        )
    return AccreditationFinding(
        on=finding.on,
        status=_STATUS[finding.outcome],
        message=finding.message,
        evidence=evidence,
    )


def standing_of(assessment: RegistryAssessment) -> IssuerStanding:
    """The registries' combined answer as the checks read it.

    ``known`` is True when a relied-on registry lists the issuer; False when every configured
    registry was consulted and none does; None when nothing could be consulted or a registry
    that might list it could not be relied on (never a false "unknown issuer").
    """
    known: bool | None
    if assessment.issuer_known:
        known = True
    elif assessment.consulted and not assessment.unchecked:
        known = False
    else:
        known = None
    institution = assessment.institution
    evidence = tuple(_registry_evidence(c.evidence) for c in assessment.consulted) + tuple(
        _registry_evidence(u.evidence) for u in assessment.unchecked
    )
    listed = ", ".join(e.name for e in assessment.matched)
    if known:
        message: str = Message("Listed by %(registries)s.", registries=listed)
    elif known is False:
        message = assessment.at_award.message
    else:
        message = assessment.at_award.message
    return IssuerStanding(
        known=known,
        message=message,
        at_award_date=_finding(assessment.at_award),
        today=_finding(assessment.today),
        institution_name=institution.name() if institution is not None else None,
        country=assessment.country,
        evidence=evidence,
        unchecked_registries=tuple(f"{u.evidence.name} ({u.reason})" for u in assessment.unchecked),
        details=assessment.to_dict(),
    )


_ANSWERS_KEPT = 1024


class RegistriesLookup:
    """A ``verifier.context.RegistryLookup`` over loaded registries (most authoritative first)."""

    def __init__(
        self,
        registries: Sequence[LoadedRegistry],
        *,
        known_issuers: Sequence[KnownIssuers] = (),
    ) -> None:
        self._registries = tuple(registries)
        self._known_issuers = tuple(known_issuers)
        # The registries are loaded once and immutable: the same question has the same answer
        # (a verifier asks about the same few issuers on the same day). Bounded.
        self._answers: dict[tuple[Any, ...], IssuerStanding] = {}

    def __call__(
        self,
        issuer_did: str,
        *,
        level: str | None,
        field: str | None,
        award_date: date | None,
        today: date,
    ) -> IssuerStanding:
        """Raises MalformedValueError for a level or field that is not an ISCED code."""
        key = (issuer_did, level, field, award_date, today)
        found = self._answers.get(key)
        if found is not None:
            return found
        answer = standing_of(
            evaluate_all(
                self._registries,
                issuer_did,
                level=level,
                field=field,
                award_date=award_date,
                today=today,
                known_issuers=self._known_issuers,
            )
        )
        if len(self._answers) >= _ANSWERS_KEPT:
            self._answers.clear()
        self._answers[key] = answer
        return answer
