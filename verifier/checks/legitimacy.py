"""Issuer legitimacy checks: is the issuer a known institution (per a signed accreditation
registry, never per the credential), and was it accredited for this degree's level and field when
it was awarded, and today? A field code that is not in ISCED-F 2013 (vc/isced.py) leaves the
accreditation scope undecided."""

from __future__ import annotations

from vc.errors import MalformedValueError
from vc.isced import ISCED_F_FIELDS
from vc.message import Message, english
from verifier.checks.facts import Facts
from verifier.checks.model import (
    NOT_A_CREDENTIAL,
    CheckOutcome,
    Evidence,
    NotAccreditedError,
    NotADegreeError,
    Status,
    UnknownIssuerError,
)
from verifier.context import AccreditationFinding, IssuerStanding

NO_REGISTRY = Message(
    "No accreditation registry is configured, so whether the issuer is a recognised "
    "institution could not be checked."
)


def _standing(facts: Facts) -> CheckOutcome | IssuerStanding:
    """The registries' answer, or the outcome to report when there is none."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    if facts.issuer is None:
        return CheckOutcome.unknown(
            Message("Could not be checked: the credential names no issuer.")
        )
    if facts.ctx.registries is None:
        return CheckOutcome.unknown(NO_REGISTRY)
    if facts.standing_error is not None:
        error = facts.standing_error
        return CheckOutcome.unknown(
            Message(
                "The accreditation registries could not be read: %(detail)s.",
                detail=english(error.detail),
            ),
            error,
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
    unread = ", ".join(standing.unchecked_registries)
    unchecked = f" (could not read: {unread})" if unread else ""
    if standing.known is None:
        return CheckOutcome.unknown(
            Message(
                "No registry could be consulted about %(issuer)s: %(reason)s",
                issuer=facts.issuer,
                reason=english(standing.message),
            )
            if not unread
            else Message(
                "No registry could be consulted about %(issuer)s (could not read: %(unread)s): "
                "%(reason)s",
                issuer=facts.issuer,
                unread=unread,
                reason=english(standing.message),
            ),
            None,
            *evidence,
        )
    if not standing.known:
        error = UnknownIssuerError(f"{facts.issuer} is not in any configured registry{unchecked}")
        return CheckOutcome.failed(
            Message(
                "The issuer %(issuer)s is not listed in any accreditation registry we "
                "consulted. The signature proves who signed it, not that they are a recognised "
                "institution.",
                issuer=facts.issuer,
            )
            if not unread
            else Message(
                "The issuer %(issuer)s is not listed in any accreditation registry we "
                "consulted (could not read: %(unread)s). The signature proves who signed it, "
                "not that they are a recognised institution.",
                issuer=facts.issuer,
                unread=unread,
            ),
            error,
            *evidence,
        )
    name = standing.institution_name or facts.issuer
    registered = (
        Message(
            "The issuer is a registered institution: %(name)s (%(country)s).",
            name=name,
            country=standing.country,
        )
        if standing.country
        else Message("The issuer is a registered institution: %(name)s.", name=name)
    )
    if not standing.message.strip():
        return CheckOutcome.passed(registered, *evidence)
    return CheckOutcome.passed(
        Message("%(registered)s %(note)s", registered=registered, note=english(standing.message)),
        *evidence,
    )


def _sentence(text: str) -> str:
    """The text ending as a sentence (a ``Message`` stays one, so it is still translated)."""
    if isinstance(text, Message):
        return text if text.endswith((".", "!", "?")) else Message("%(text)s.", text=text)
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _scope(facts: Facts) -> str:
    """The degree's level and field, as the accreditation scope is asked about."""
    degree = facts.degree
    level = (
        Message("ISCED level %(level)s", level=degree.isced_level)
        if degree.isced_level
        else Message("level unknown")
    )
    if not degree.isced_field:
        return level
    return Message("%(level)s, field %(field)s", level=level, field=degree.isced_field)


def _accreditation(facts: Facts, finding: AccreditationFinding, today: bool) -> CheckOutcome:
    scope = _scope(facts)
    evidence = finding.evidence
    on = finding.on if finding.on is not None else Message("date unknown")
    when = Message("today") if today else Message("at the award date")
    reason = english(_sentence(finding.message))
    if finding.status is Status.PASS:
        return CheckOutcome.passed(
            Message(
                "Accredited %(when)s (%(on)s) for %(scope)s: %(reason)s",
                when=when,
                on=on,
                scope=scope,
                reason=reason,
            ),
            *evidence,
        )
    if finding.status is Status.FAIL:
        error = NotAccreditedError(f"{when} ({on}): {_sentence(finding.message)}")
        return CheckOutcome.failed(
            Message(
                "Not accredited %(when)s (%(on)s) for this degree (%(scope)s): %(reason)s",
                when=when,
                on=on,
                scope=scope,
                reason=reason,
            ),
            error,
            *evidence,
        )
    if finding.status is Status.NOT_APPLICABLE:
        return CheckOutcome.skipped(english(finding.message), *evidence)
    return CheckOutcome.unknown(
        Message(
            "Accreditation %(when)s (%(on)s) could not be established: %(reason)s",
            when=when,
            on=on,
            reason=reason,
        ),
        None,
        *evidence,
    )


def not_a_degree(facts: Facts) -> CheckOutcome | None:
    """The outcome of a degree-only check when the credential is not a degree by the profile
    (``Facts.not_a_degree``): could not be assessed, with the reason; None when it is one."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    reason = facts.not_a_degree
    if reason is None:
        return None
    return CheckOutcome.unknown(
        Message(
            "Not assessed: this is not a degree by the degree profile (%(reason)s). A signature "
            "proves who signed a credential, not that it is an accredited degree.",
            reason=english(reason),
        ),
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
    outcome = _accreditation(facts, standing.at_award_date, today=False)
    outcome = _known_field(facts, outcome)
    if facts.degree.award_date is None:
        return CheckOutcome(
            outcome.status if outcome.status is not Status.PASS else Status.INDETERMINATE,
            Message("The credential states no award date; %(finding)s", finding=outcome.message),
            outcome.error,
            (
                *outcome.evidence,
                Evidence(kind="note", detail=Message("no award date in the credential")),
            ),
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
        Message(
            "The degree's field code %(field)s is not an ISCED-F 2013 code, so whether the "
            "accreditation covers its field could not be established.",
            field=repr(field),
        ),
        MalformedValueError(f"field {field!r} is not in ISCED-F 2013"),
        *outcome.evidence,
        Evidence(kind="note", detail=Message("ISCED-F 2013 has no field %(field)s", field=field)),
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
    return _accreditation(facts, standing.today, today=True)
