"""Recognition check (the rule in verifier/recognition/rule.py): does a recognition convention
cover a degree from the issuer's country (as the registry states it, never as the credential
claims) in the destination country?"""

from __future__ import annotations

import functools
from datetime import date

from vc.errors import DiplomatError
from vc.message import Message, english
from verifier import recognition
from verifier.checks.facts import Facts
from verifier.checks.legitimacy import not_a_degree
from verifier.checks.model import NOT_A_CREDENTIAL, CheckOutcome, Evidence, NotCoveredError
from verifier.recognition import Coverage, RecognitionAssessment
from verifier.recognition.model import CHECK_NIC, ConventionsDataset


@functools.cache
def _dataset_evidence(as_of: str, version: str) -> Evidence:
    return Evidence(
        kind="conventions-dataset",
        source="verifier/data/conventions.json",
        detail=Message("dataset %(version)s, facts as of %(as_of)s", version=version, as_of=as_of),
    )


# recognition.assess is pure and its answer frozen: a verifier asks the same few questions
# (issuer country, destination, today) again and again. Keyed by the dataset's identity (hashing
# the whole dataset would cost more than the answer); bounded.
_ASSESSED: dict[tuple[int, str, str, date], tuple[ConventionsDataset, RecognitionAssessment]] = {}
_ASSESSED_MAX = 512


def _assess(
    dataset: ConventionsDataset, country: str, destination: str, on: date
) -> RecognitionAssessment:
    key = (id(dataset), country, destination, on)
    found = _ASSESSED.get(key)
    if found is not None and found[0] is dataset:
        return found[1]
    result = recognition.assess(dataset, country, destination, on)  # raises: nothing kept
    if len(_ASSESSED) >= _ASSESSED_MAX:
        _ASSESSED.clear()
    _ASSESSED[key] = (dataset, result)
    return result


def assessment(facts: Facts) -> RecognitionAssessment | None:
    """The recognition assessment, when it can be made (dataset, destination and issuer country
    are all known); None otherwise."""
    dataset = facts.ctx.conventions
    standing = facts.standing
    if dataset is None or facts.destination is None or standing is None or not standing.country:
        return None
    try:
        return _assess(dataset, standing.country, facts.destination, facts.now.date())
    except DiplomatError:
        return None


def check_recognition(facts: Facts) -> CheckOutcome:
    """covered → pass; unconfirmed → indeterminate; not covered → fail (a warning: no convention
    does not make a degree fake); domestic use → not applicable."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    dataset = facts.ctx.conventions
    if facts.destination is None:
        return CheckOutcome.skipped(
            Message("No destination country was given, so recognition was not assessed.")
        )
    gate = not_a_degree(facts)
    if gate is not None:
        return gate
    if dataset is None:
        return CheckOutcome.unknown(
            Message(
                "No recognition-conventions dataset is configured, so recognition could not be "
                "assessed; %(advice)s.",
                advice=english(CHECK_NIC),
            )
        )
    evidence = _dataset_evidence(dataset.as_of.isoformat(), dataset.version)
    standing = facts.standing
    if standing is None or not standing.country:
        return CheckOutcome.unknown(
            Message(
                "The issuer's country is not known from an accreditation registry (the country "
                "a credential claims for itself is not used), so recognition in %(destination)s "
                "could not be assessed; %(advice)s.",
                destination=facts.destination,
                advice=english(CHECK_NIC),
            ),
            None,
            evidence,
        )
    try:
        result = _assess(dataset, standing.country, facts.destination, facts.now.date())
    except DiplomatError as exc:
        return CheckOutcome.unknown(
            Message("Recognition could not be assessed: %(detail)s.", detail=english(exc.detail)),
            exc,
            evidence,
        )
    # Only the reservations of the conventions the answer rests on (a Tokyo reservation says
    # nothing about a degree that Lisbon covers).
    reservations = " ".join(note.text for note in result.reservations)
    tail = f" {reservations}" if reservations and reservations not in result.summary else ""
    outcome = result.outcome
    if outcome is Coverage.COVERED:
        return CheckOutcome.passed(result.summary + tail, evidence)
    if outcome is Coverage.NOT_APPLICABLE:
        return CheckOutcome.skipped(result.summary, evidence)
    if outcome is Coverage.UNCONFIRMED:
        return CheckOutcome.unknown(result.summary + tail, None, evidence)
    error = NotCoveredError(
        f"no convention in the dataset covers {standing.country} → {facts.destination}"
    )
    return CheckOutcome.failed(
        result.summary
        + tail
        + " This says nothing about whether the degree is genuine; the destination may still "
        "recognise it under its own rules.",
        error,
        evidence,
    )
