"""The recipient check (OB 3.0 §9 step 5 "Recipient"): was this credential
issued to the person whose e-mail address, student number or DID the verifier already knows?

The matching is the core's (``vc.ob3.match_recipient``). Messages and evidence show the identity
type and a masked form of the value given ("a***@example.org"), never the value itself, the
credential's hash or its salt.
"""

from __future__ import annotations

from vc.errors import MalformedValueError
from vc.message import Message
from vc.ob3 import SUBJECT_ID, MatchOutcome, RecipientIdentity, RecipientMatch, match_recipient
from verifier.checks.facts import Facts
from verifier.checks.model import (
    NOT_A_CREDENTIAL,
    CheckOutcome,
    Evidence,
    RecipientMismatchError,
)

NOT_GIVEN = Message(
    "Not checked: no e-mail address or student number of the candidate was given. To check that "
    "this credential was issued to your candidate, give the one they gave you (it is not stored): "
    'the "Candidate\'s e-mail or student number" field on this page, --recipient-email or '
    '--student-number with diplomat verify, or "recipient" in an API request.'
)


def _how(match: RecipientMatch) -> str:
    """Which of the credential's identifiers matched, and how it was compared."""
    if match.identity_type == SUBJECT_ID:
        return Message("the credential's subject (credentialSubject.id)")
    if match.algorithm is None:
        return Message(
            "the credential's %(type)s identifier (plain text)", type=match.identity_type
        )
    if match.salted:
        return Message(
            "the credential's %(type)s identifier, hashed with salt (%(algorithm)s)",
            type=match.identity_type,
            algorithm=match.algorithm,
        )
    return Message(
        "the credential's %(type)s identifier, hashed without salt (%(algorithm)s)",
        type=match.identity_type,
        algorithm=match.algorithm,
    )


def _evidence(known: RecipientIdentity, match: RecipientMatch) -> Evidence:
    count, kind = match.compared, match.identity_type
    if kind == SUBJECT_ID and count == 1:
        compared = Message("compared with %(count)s subject id (credentialSubject.id)", count=count)
    elif kind == SUBJECT_ID:
        compared = Message(
            "compared with %(count)s subject ids (credentialSubject.id)", count=count
        )
    elif count == 1:
        compared = Message("compared with %(count)s %(type)s identifier", count=count, type=kind)
    else:
        compared = Message("compared with %(count)s %(type)s identifiers", count=count, type=kind)
    parts: list[str] = [
        Message("%(type)s: %(masked)s", type=known.identity_type, masked=known.masked),
        compared,
    ]
    if match.unreadable:
        parts.append(Message("%(count)s more could not be read", count=match.unreadable))
    if match.matched:
        parts.append(Message("matched %(how)s", how=_how(match)))
        if match.algorithm == "md5":
            parts.append(Message("md5 is the older hash OB 3.0 allows; the match is still exact"))
    detail = parts[0]
    for part in parts[1:]:
        detail = Message("%(first)s; %(then)s", first=detail, then=part)
    return Evidence(kind="recipient", detail=detail)


def _advice(known: RecipientIdentity) -> str:
    if known.identity_type == SUBJECT_ID:
        return Message("Ask the candidate for a presentation signed by the holder.")
    return Message(
        "Ask the candidate which %(noun)s they gave the university, or ask for a presentation "
        "signed by the holder.",
        noun=known.noun,
    )


def check_recipient(facts: Facts) -> CheckOutcome:
    """The known identity matches one of the credential's identifiers of that type."""
    document, known = facts.document, facts.recipient
    if document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    if known is None:
        return CheckOutcome.skipped(NOT_GIVEN)
    match = match_recipient(document.get("credentialSubject"), known)
    evidence = _evidence(known, match)
    given = Message("the %(noun)s %(masked)s", noun=known.noun, masked=known.masked)
    if match.outcome is MatchOutcome.MATCH:
        return CheckOutcome.passed(
            Message("Issued to %(given)s: it matches %(how)s.", given=given, how=_how(match)),
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
            against = Message("the credential's subject")
        elif match.compared > 1:
            against = Message("the credential's %(type)s identifiers", type=known.identity_type)
        else:
            against = Message("the credential's %(type)s identifier", type=known.identity_type)
        return CheckOutcome.failed(
            Message(
                "This credential was not issued to %(given)s: it does not match %(against)s. "
                "%(advice)s",
                given=given,
                against=against,
                advice=_advice(known),
            ),
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
            Message(
                "Could not check %(given)s: the credential's %(type)s identifier could not be "
                "read. %(advice)s",
                given=given,
                type=known.identity_type,
                advice=_advice(known),
            ),
            problem,
            evidence,
        )
    if known.identity_type == SUBJECT_ID:
        missing = Message("names no subject (credentialSubject.id)")
    else:
        missing = Message("carries no %(type)s identifier", type=known.identity_type)
    carried = (
        Message("it carries: %(types)s", types=", ".join(match.carried))
        if match.carried
        else Message("it carries no identifiers")
    )
    return CheckOutcome.unknown(
        Message(
            "Could not check %(given)s: the credential %(missing)s to compare it with "
            "(%(carried)s). Try another identifier it carries, or ask for a presentation "
            "signed by the holder.",
            given=given,
            missing=missing,
            carried=carried,
        ),
        None,
        evidence,
    )
