"""The recipient check (OB 3.0 §9 step 5 "Recipient"): was this credential
issued to the person whose e-mail address, student number or DID the verifier already knows?

The matching is the core's (``vc.ob3.match_recipient``). Messages and evidence show the identity
type and a masked form of the value given ("a***@example.org"), never the value itself, the
credential's hash or its salt.
"""

from __future__ import annotations

from vc.errors import MalformedValueError
from vc.ob3 import SUBJECT_ID, MatchOutcome, RecipientIdentity, RecipientMatch, match_recipient
from verifier.checks.facts import Facts
from verifier.checks.model import CheckOutcome, Evidence, RecipientMismatchError

NOT_GIVEN = (
    "Not checked: no e-mail address or student number of the candidate was given. To check that "
    "this credential was issued to your candidate, give the one they gave you (it is not stored): "
    'the "Candidate\'s e-mail or student number" field on this page, --recipient-email or '
    '--student-number with diplomat verify, or "recipient" in an API request.'
)
PRESENTATION_ADVICE = "ask for a presentation signed by the holder"


def _how(match: RecipientMatch) -> str:
    if match.identity_type == SUBJECT_ID:
        return "the credential's subject (credentialSubject.id)"
    if match.algorithm is None:
        return f"the credential's {match.identity_type} identifier (plain text)"
    salt = "with salt" if match.salted else "without salt"
    return f"the credential's {match.identity_type} identifier, hashed {salt} ({match.algorithm})"


def _evidence(known: RecipientIdentity, match: RecipientMatch) -> Evidence:
    plural = "s" if match.compared != 1 else ""
    if match.identity_type == SUBJECT_ID:
        compared = f"compared with {match.compared} subject id{plural} (credentialSubject.id)"
    else:
        compared = f"compared with {match.compared} {match.identity_type} identifier{plural}"
    parts = [f"{known.identity_type}: {known.masked}", compared]
    if match.unreadable:
        parts.append(f"{match.unreadable} more could not be read")
    if match.matched:
        parts.append("matched " + _how(match).removeprefix("the credential's "))
        if match.algorithm == "md5":
            parts.append("md5 is the older hash OB 3.0 allows; the match is still exact")
    return Evidence(kind="recipient", detail="; ".join(parts))


def _advice(known: RecipientIdentity) -> str:
    if known.identity_type == SUBJECT_ID:
        return "Ask the candidate for a presentation signed by the holder."
    return (
        f"Ask the candidate which {known.noun} they gave the university, or {PRESENTATION_ADVICE}."
    )


def check_recipient(facts: Facts) -> CheckOutcome:
    """The known identity matches one of the credential's identifiers of that type."""
    document, known = facts.document, facts.recipient
    if document is None or facts.version is None:
        return CheckOutcome.skipped("Not checked: the input is not a credential.")
    if known is None:
        return CheckOutcome.skipped(NOT_GIVEN)
    match = match_recipient(document.get("credentialSubject"), known)
    evidence = _evidence(known, match)
    given = f"the {known.noun} {known.masked}"
    if match.outcome is MatchOutcome.MATCH:
        return CheckOutcome.passed(
            f"Issued to {given}: it matches {_how(match)}.",
            evidence,
        )
    if match.outcome is MatchOutcome.NO_MATCH:
        error = RecipientMismatchError(
            f"the credential was not issued to {given} (no {known.identity_type} identifier "
            "matches)",
            pointer="/credentialSubject/id"
            if known.identity_type == SUBJECT_ID
            else "/credentialSubject/identifier",
        )
        if known.identity_type == SUBJECT_ID:
            against = "the credential's subject"
        else:
            plural = "s" if match.compared > 1 else ""
            against = f"the credential's {known.identity_type} identifier{plural}"
        return CheckOutcome.failed(
            f"This credential was not issued to {given}: it does not match {against}. "
            + _advice(known),
            error,
            evidence,
        )
    if match.outcome is MatchOutcome.UNREADABLE:
        problem = MalformedValueError(
            f"the credential's {known.identity_type} identifier could not be read: its "
            "identityHash is not 'sha256$<hex>' or 'md5$<hex>', or 'hashed' or 'salt' is malformed",
            pointer="/credentialSubject/identifier",
        )
        return CheckOutcome.unknown(
            f"Could not check {given}: the credential's {known.identity_type} identifier could "
            f"not be read. {_advice(known)}",
            problem,
            evidence,
        )
    if known.identity_type == SUBJECT_ID:
        missing = "names no subject (credentialSubject.id)"
    else:
        missing = f"carries no {known.identity_type} identifier"
    carried = (
        f" (it carries: {', '.join(match.carried)})"
        if match.carried
        else " (it carries no identifiers)"
    )
    return CheckOutcome.unknown(
        f"Could not check {given}: the credential {missing} to compare it with{carried}. "
        f"Try another identifier it carries, or {PRESENTATION_ADVICE}.",
        None,
        evidence,
    )
