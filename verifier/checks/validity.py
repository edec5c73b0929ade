"""Validity checks: validity period (VC-DM 2.0 §4.9) and credential status (Bitstring Status List v1.0 §3.2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from vc import status as bitstring
from vc.dates import CLOCK_SKEW, format_datetime, parse_datetime
from vc.errors import DiplomatError, MalformedValueError, StatusListError
from vc.message import English, Message, english, sentences
from verifier.checks.authenticity import could_not_fetch
from verifier.checks.facts import Facts, types_of
from verifier.checks.model import (
    NOT_A_CREDENTIAL,
    CheckOutcome,
    Evidence,
    ExpiredError,
    NotYetValidError,
    RevokedError,
    Status,
    SuspendedError,
)

# Status entry types of older specifications we recognise but do not check (never passed
# silently: they are reported as could not check). The purpose they imply when they carry none.
_LEGACY_TYPES: Mapping[str, str] = {
    "StatusList2021Entry": "revocation",
    "1EdTechRevocationList": "revocation",
    "RevocationList2020Status": "revocation",
}


def _date(facts: Facts, names: tuple[str, str]) -> tuple[str, datetime | None]:
    """(the property name used, its value) for the version's property."""
    document = facts.document or {}
    name = names[0] if facts.version == "2.0" else names[1]
    if name not in document:
        return name, None
    return name, parse_datetime(document[name], name)


def check_valid_from(facts: Facts) -> CheckOutcome:
    """The validity period has started (validFrom, or issuanceDate for VC 1.1)."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    try:
        name, start = _date(facts, ("validFrom", "issuanceDate"))
    except DiplomatError as exc:
        return CheckOutcome.failed(
            Message(
                "The start of the validity period cannot be read: %(detail)s.",
                detail=english(exc.detail),
            ),
            exc,
        )
    if start is None:
        return CheckOutcome.passed(Message("No start date is set: valid from issuance."))
    if facts.now + CLOCK_SKEW < start:
        error = NotYetValidError(
            f"{name} {format_datetime(start)} is after now ({format_datetime(facts.now)})"
        )
        return CheckOutcome.failed(
            Message("Not yet valid: it is valid only from %(start)s.", start=start), error
        )
    return CheckOutcome.passed(Message("Valid since %(start)s.", start=start))


def check_valid_until(facts: Facts) -> CheckOutcome:
    """The validity period has not ended (validUntil, or expirationDate for VC 1.1)."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    try:
        name, end = _date(facts, ("validUntil", "expirationDate"))
    except DiplomatError as exc:
        return CheckOutcome.failed(
            Message(
                "The end of the validity period cannot be read: %(detail)s.",
                detail=english(exc.detail),
            ),
            exc,
        )
    if end is None:
        return CheckOutcome.passed(Message("No expiry date is set: it does not expire."))
    if facts.now > end:
        error = ExpiredError(
            f"{name} {format_datetime(end)} is before now ({format_datetime(facts.now)})"
        )
        return CheckOutcome.failed(Message("Expired on %(end)s.", end=end), error)
    return CheckOutcome.passed(Message("Not expired: valid until %(end)s.", end=end))


# --- status ------------------------------------------------------------------------------------


def _raw_entries(document: Mapping[str, Any]) -> list[object]:
    status = document.get("credentialStatus")
    if status is None:
        return []
    return list(status) if isinstance(status, list) else [status]


def _entry_purpose(entry: object) -> str | None:
    if not isinstance(entry, Mapping):
        return None
    purpose = entry.get("statusPurpose")
    if isinstance(purpose, str):
        return purpose
    for kind in types_of(entry.get("type")):
        if kind in _LEGACY_TYPES:
            return _LEGACY_TYPES[kind]
    return None


def _check_one(facts: Facts, raw: object, purpose: str) -> CheckOutcome:
    """Read one status entry of ``purpose``."""
    kinds = types_of(raw.get("type")) if isinstance(raw, Mapping) else []
    name = purpose_name(purpose)
    if isinstance(raw, Mapping) and bitstring.ENTRY_TYPE not in kinds:
        return CheckOutcome.unknown(
            Message(
                "The %(purpose)s status uses %(kind)s, which this verifier does not support, so "
                "it could not be checked.",
                purpose=name,
                kind=", ".join(kinds) or Message("an unnamed type"),
            )
        )
    try:
        entry = bitstring.parse_entry(raw)
    except DiplomatError as exc:
        return CheckOutcome.failed(
            Message(
                "The %(purpose)s status entry is malformed: %(detail)s.",
                purpose=name,
                detail=english(exc.detail),
            ),
            exc,
        )
    lists = facts.ctx.status_lists
    if lists is None:
        return CheckOutcome.unknown(
            Message(
                "The %(purpose)s status could not be checked: no status list source is "
                "configured (offline).",
                purpose=name,
            ),
            None,
            Evidence(kind="status-list", source=entry.list_credential),
        )
    issuer = facts.issuer
    try:
        fetched = lists.get(entry.list_credential, now=facts.now)
    except DiplomatError as exc:
        where = Evidence(kind="status-list", source=entry.list_credential, detail=exc.detail)
        if could_not_fetch(exc):  # refused (UnsafeUrlError) or unavailable: not a verdict
            return CheckOutcome.unknown(
                Message(
                    "The %(purpose)s status could not be checked: the status list %(list)s "
                    "could not be fetched (%(detail)s). This is not a sign that the credential "
                    "is valid.",
                    purpose=name,
                    list=entry.list_credential,
                    detail=english(exc.detail),
                ),
                exc,
                where,
            )
        return CheckOutcome.failed(
            Message(
                "The %(purpose)s status list %(list)s cannot be trusted: %(detail)s.",
                purpose=name,
                list=entry.list_credential,
                detail=english(exc.detail),
            ),
            exc,
            where,
        )
    if issuer is None or fetched.issuer != issuer or fetched.signed_by != issuer:
        error: DiplomatError = StatusListError(
            f"the status list is issued by {fetched.issuer} and signed by {fetched.signed_by}, "
            f"not by the credential's issuer {issuer}"
        )
        return CheckOutcome.failed(
            Message(
                "The %(purpose)s status list was signed by %(signer)s, not by the issuer "
                "%(issuer)s: only the issuer may say whether its credential is %(word)s.",
                purpose=name,
                signer=fetched.signed_by,
                issuer=issuer,
                word=purpose_word(purpose),
            ),
            error,
            fetched.evidence(Message("signer is not the credential's issuer")),
        )
    if fetched.valid_until is not None and facts.now > fetched.valid_until:
        return CheckOutcome.unknown(
            Message(
                "The %(purpose)s status list expired on %(end)s and no fresher one was "
                "available, so the status could not be checked.",
                purpose=name,
                end=fetched.valid_until,
            ),
            None,
            fetched.evidence(Message("status list expired")),
        )
    if fetched.valid_from is not None and facts.now + CLOCK_SKEW < fetched.valid_from:
        return CheckOutcome.unknown(
            Message(
                "The %(purpose)s status list is not valid before %(start)s.",
                purpose=name,
                start=fetched.valid_from,
            ),
            None,
            fetched.evidence(Message("status list not yet valid")),
        )
    try:
        result = bitstring.check_status(entry, fetched.credential, expected_issuer=issuer)
    except DiplomatError as exc:
        return CheckOutcome.failed(
            Message(
                "The %(purpose)s status could not be read from its list: %(detail)s.",
                purpose=name,
                detail=english(exc.detail),
            ),
            exc,
            fetched.evidence(),
        )
    evidence = fetched.evidence(
        Message("index %(index)s, value %(value)s", index=entry.index, value=result.value)
    )
    if purpose == "message":
        return _message_outcome(entry, result, fetched.evidence)
    if result.set:
        note = f" ({result.message})" if result.message else ""
        error_type = SuspendedError if purpose == "suspension" else RevokedError
        error = error_type(f"status list {entry.list_credential} index {entry.index} is set{note}")
        if result.message:
            return CheckOutcome.failed(
                Message(
                    "The issuer has %(word)s this credential (%(note)s).",
                    word=purpose_word(purpose),
                    note=english(result.message),
                ),
                error,
                evidence,
            )
        return CheckOutcome.failed(
            Message("The issuer has %(word)s this credential.", word=purpose_word(purpose)),
            error,
            evidence,
        )
    return CheckOutcome.passed(
        Message("Not %(word)s (the issuer's signed status list).", word=purpose_word(purpose)),
        evidence,
    )


def _message_outcome(
    entry: bitstring.StatusEntry,
    result: bitstring.StatusResult,
    evidence_for: Callable[[str], Evidence],
) -> CheckOutcome:
    """A readable message entry: what the issuer says, never a verdict of ours.

    Bitstring Status List §2.1: "Rules for how to handle various status messages are outside
    the scope of normative requirements"; the message is the issuer's, and revocation and
    suspension have their own entries and checks.
    """
    # §2.1: without statusMessage, 1 is "set" and 0 "unset"
    unnamed = Message("set") if result.set else Message("unset")
    said = English(repr(result.message[:200])) if result.message is not None else unnamed
    where = (
        Message(" (explained at %(references)s)", references=English(", ".join(entry.references)))
        if entry.references
        else English("")
    )
    return CheckOutcome.passed(
        Message(
            "The issuer's status message for this credential is %(said)s (value %(value)s of "
            "%(size)s bit(s))%(where)s. Its meaning is the issuer's: it does not change the verdict.",
            said=said,
            value=f"{result.value:#x}",
            size=entry.size,
            where=where,
        ),
        evidence_for(
            Message(
                "index %(index)s, value %(value)s, message %(said)s",
                index=entry.index,
                value=f"{result.value:#x}",
                said=said,
            )
        ),
    )


def purpose_name(purpose: str) -> str:
    """The status purpose as a noun of the sentence ("the revocation status")."""
    if purpose == "revocation":
        return Message("revocation")
    if purpose == "suspension":
        return Message("suspension")
    if purpose == "message":
        return Message("status message")
    return English(purpose)


def purpose_word(purpose: str) -> str:
    """What a set bit of the purpose makes the credential ("revoked")."""
    if purpose == "revocation":
        return Message("revoked")
    if purpose == "suspension":
        return Message("suspended")
    if purpose == "message":
        return Message("given a status message")
    return English(purpose)


def check_status(facts: Facts, purpose: str) -> CheckOutcome:
    """Every credentialStatus entry of ``purpose``: a set bit fails, an unreadable list is
    indeterminate, a list signed by anyone but the issuer fails."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    if purpose == "revocation":
        # Fail closed: an entry whose purpose cannot be read might be the revocation entry; were
        # it skipped, a credential could drop out of revocation by losing one property.
        for index, raw in enumerate(_raw_entries(facts.document)):
            named = _entry_purpose(raw)
            if named is None or named not in bitstring.PURPOSES | set(_LEGACY_TYPES.values()):
                stated = raw.get("statusPurpose") if isinstance(raw, Mapping) else None
                error: DiplomatError = MalformedValueError(
                    f"credentialStatus entry {index} has no usable statusPurpose "
                    f"({'missing' if stated is None else repr(stated)[:60]}): it may be the "
                    "revocation entry, so the credential cannot be shown as not revoked",
                    pointer=f"/credentialStatus/{index}/statusPurpose",
                )
                return CheckOutcome.failed(
                    Message(
                        "A status entry of this credential does not say what it is for (no "
                        "usable statusPurpose), so whether the credential is revoked cannot be "
                        "established."
                    ),
                    error,
                )
    entries = [raw for raw in _raw_entries(facts.document) if _entry_purpose(raw) == purpose]
    if not entries:
        if not _raw_entries(facts.document):
            return CheckOutcome.skipped(
                Message(
                    "The issuer gave this credential no status entry, so it cannot be "
                    "%(word)s; there is nothing to check.",
                    word=purpose_word(purpose),
                )
            )
        return CheckOutcome.skipped(
            Message(
                "The credential has no %(purpose)s status entry.", purpose=purpose_name(purpose)
            )
        )
    outcomes = [_check_one(facts, raw, purpose) for raw in entries]
    evidence = tuple(item for outcome in outcomes for item in outcome.evidence)
    for wanted in (Status.FAIL, Status.INDETERMINATE):
        for outcome in outcomes:
            if outcome.status is wanted:
                return CheckOutcome(outcome.status, outcome.message, outcome.error, evidence)
    if len(outcomes) == 1:
        return outcomes[0]
    if purpose == "message":  # each entry's own message, none of them a verdict
        return CheckOutcome.passed(sentences([o.message for o in outcomes]), *evidence)
    return CheckOutcome.passed(
        Message(
            "Not %(word)s (checked %(count)s entries).",
            word=purpose_word(purpose),
            count=len(outcomes),
        ),
        *evidence,
    )


def check_revocation(facts: Facts) -> CheckOutcome:
    return check_status(facts, "revocation")


def check_suspension(facts: Facts) -> CheckOutcome:
    return check_status(facts, "suspension")


def check_message(facts: Facts) -> CheckOutcome:
    """The issuer's ``message`` entries (Bitstring Status List §2.1, statusSize and
    statusMessage): read and reported; a malformed entry fails, an unreadable list is
    indeterminate, like any status entry."""
    return check_status(facts, "message")
