"""Issuer legitimacy checks: is the issuer a known institution (per a signed accreditation
registry, never per the credential), and was it accredited for this degree's level and field when
it was awarded, and today? A field code that is not in ISCED-F 2013 (vc/isced.py) leaves the
accreditation scope undecided."""

from __future__ import annotations

from vc.errors import MalformedValueError
from vc.isced import ISCED_F_FIELDS
from verifier.checks.facts import Facts
from verifier.checks.model import (
    CheckOutcome,
    Evidence,
    NotAccreditedError,
    NotADegreeError,
    Status,
    UnknownIssuerError,
)
from verifier.context import AccreditationFinding, IssuerStanding

NO_REGISTRY = (
    "No accreditation registry is configured, so whether the issuer is a recognised "
    "institution could not be checked."
)


def _standing(facts: Facts) -> CheckOutcome | IssuerStanding:
    """The registries' answer, or the outcome to report when there is none."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped("Not checked: the input is not a credential.")
    if facts.issuer is None:
        return CheckOutcome.unknown("Could not be checked: the credential names no issuer.")
    if facts.ctx.registries is None:
        return CheckOutcome.unknown(NO_REGISTRY)
    if facts.standing_error is not None:
        error = facts.standing_error
        return CheckOutcome.unknown(
            f"The accreditation registries could not be read: {error.detail}.", error
        )
    if facts.standing is None:
        return CheckOutcome.unknown(NO_REGISTRY)
    return facts.standing


def check_registered(facts: Facts) -> CheckOutcome:
    """The issuer DID is listed by at least one accreditation registry."""
    standing = _standing(facts)
    if isinstance(standing, CheckOutcome):
        return standing
    evidence = standing.evidence
    unchecked = (
        f" (could not read: {', '.join(standing.unchecked_registries)})"
        if standing.unchecked_registries
        else ""
    )
    if standing.known is None:
        return CheckOutcome.unknown(
            f"No registry could be consulted about {facts.issuer}{unchecked}: {standing.message}",
            None,
            *evidence,
        )
    if not standing.known:
        error = UnknownIssuerError(f"{facts.issuer} is not in any configured registry{unchecked}")
        return CheckOutcome.failed(
            f"The issuer {facts.issuer} is not listed in any accreditation registry we "
            f"consulted{unchecked}. The signature proves who signed it, not that they are a "
            "recognised institution.",
            error,
            *evidence,
        )
    name = standing.institution_name or facts.issuer
    country = f" ({standing.country})" if standing.country else ""
    return CheckOutcome.passed(
        f"The issuer is a registered institution: {name}{country}. {standing.message}".strip(),
        *evidence,
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _accreditation(facts: Facts, finding: AccreditationFinding, when: str) -> CheckOutcome:
    degree = facts.degree
    scope = ", ".join(
        part
        for part in (
            f"ISCED level {degree.isced_level}" if degree.isced_level else "level unknown",
            f"field {degree.isced_field}" if degree.isced_field else None,
        )
        if part
    )
    evidence = finding.evidence
    on = finding.on.isoformat() if finding.on is not None else "date unknown"
    if finding.status is Status.PASS:
        return CheckOutcome.passed(
            f"Accredited {when} ({on}) for {scope}: {_sentence(finding.message)}", *evidence
        )
    if finding.status is Status.FAIL:
        error = NotAccreditedError(f"{when} ({on}): {_sentence(finding.message)}")
        return CheckOutcome.failed(
            f"Not accredited {when} ({on}) for this degree ({scope}): {_sentence(finding.message)}",
            error,
            *evidence,
        )
    if finding.status is Status.NOT_APPLICABLE:
        return CheckOutcome.skipped(finding.message, *evidence)
    return CheckOutcome.unknown(
        f"Accreditation {when} ({on}) could not be established: {_sentence(finding.message)}",
        None,
        *evidence,
    )


def not_a_degree(facts: Facts) -> CheckOutcome | None:
    """The outcome of a degree-only check when the credential is not a degree by the profile
    (``Facts.not_a_degree``): could not be assessed, with the reason; None when it is one."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped("Not checked: the input is not a credential.")
    reason = facts.not_a_degree
    if reason is None:
        return None
    return CheckOutcome.unknown(
        f"Not assessed: this is not a degree by the degree profile ({reason}). A signature "
        "proves who signed a credential, not that it is an accredited degree.",
        NotADegreeError(f"not a degree: {reason}"),
    )


def check_accreditation_at_award(facts: Facts) -> CheckOutcome:
    """Accredited for the degree's level and field on the award date (ENIC-KZ's question)."""
    gate = not_a_degree(facts)
    if gate is not None:
        return gate
    standing = _standing(facts)
    if isinstance(standing, CheckOutcome):
        return standing
    outcome = _accreditation(facts, standing.at_award_date, "at the award date")
    outcome = _known_field(facts, outcome)
    if facts.degree.award_date is None:
        return CheckOutcome(
            outcome.status if outcome.status is not Status.PASS else Status.INDETERMINATE,
            "The credential states no award date; " + outcome.message,
            outcome.error,
            (*outcome.evidence, Evidence(kind="note", detail="no award date in the credential")),
        )
    return outcome


def _known_field(facts: Facts, outcome: CheckOutcome) -> CheckOutcome:
    """A pass that rests on a field code ISCED-F 2013 does not list becomes "could not check":
    a registry scope of broad field 06 would otherwise cover a made-up 0699. A failure stays a
    failure (it is already the worse answer)."""
    field = facts.degree.isced_field
    if field is None or field in ISCED_F_FIELDS or outcome.status is not Status.PASS:
        return outcome
    return CheckOutcome.unknown(
        f"The degree's field code {field!r} is not an ISCED-F 2013 code, so whether the "
        "accreditation covers its field could not be established.",
        MalformedValueError(f"field {field!r} is not in ISCED-F 2013"),
        *outcome.evidence,
        Evidence(kind="note", detail=f"ISCED-F 2013 has no field {field}"),
    )


def check_accreditation_today(facts: Facts) -> CheckOutcome:
    """Accredited today for the same scope (a note: a degree stays valid if accreditation lapsed
    after it was awarded)."""
    gate = not_a_degree(facts)
    if gate is not None:
        return gate
    standing = _standing(facts)
    if isinstance(standing, CheckOutcome):
        return standing
    return _accreditation(facts, standing.today, "today")
