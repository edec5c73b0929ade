"""The displayed-text check: what the report shows from the credential carries no hidden or
direction-changing characters and no look-alike words (verifier.display)."""

from __future__ import annotations

from collections.abc import Mapping

from vc.message import English, Message
from verifier.checks.facts import Facts, text_of
from verifier.checks.model import NOT_A_CREDENTIAL, CheckOutcome, DeceptiveTextError
from verifier.display import safe_text


def displayed_fields(facts: Facts) -> dict[str, str | None]:
    """The credential's strings the report shows, by what they are."""
    document = facts.document or {}
    issuer = document.get("issuer")
    degree = facts.degree
    return {
        Message("holder name"): degree.holder_name,
        Message("degree title"): degree.title,
        Message("field of study"): degree.field_of_study,
        Message("issuer name"): text_of(issuer.get("name"))
        if isinstance(issuer, Mapping)
        else None,
    }


def check_displayed_text(facts: Facts) -> CheckOutcome:
    """A warning when a displayed string had invisible or bidi characters (removed from what the
    report shows) or mixes scripts within a word."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    findings: list[str] = []
    for label, value in displayed_fields(facts).items():
        safe = safe_text(value)
        if safe is not None and safe.problems:
            findings.append(
                Message(
                    "the %(label)s %(text)s contains %(problems)s",
                    label=label,
                    text=repr(safe.text),
                    problems=English("; ".join(safe.problems)),
                )
            )
    if findings:
        detail = findings[0]
        for finding in findings[1:]:
            detail = Message("%(first)s; %(then)s", first=detail, then=finding)
        return CheckOutcome.failed(
            Message(
                "Text in this credential is made to deceive the eye: %(detail)s. Invisible and "
                "direction-changing characters are removed from what this report shows; compare "
                "look-alike names letter by letter.",
                detail=detail,
            ),
            DeceptiveTextError(detail),
        )
    return CheckOutcome.passed(
        Message("The names and titles shown contain no hidden or look-alike characters.")
    )
