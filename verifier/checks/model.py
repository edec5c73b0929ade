"""The values a check produces: status, severity, section, evidence and the frozen check result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from vc.dates import format_datetime
from vc.errors import DiplomatError
from vc.message import Message


class Status(StrEnum):
    """Three states and a fourth for "does not apply" (how they combine: verifier/report.py)."""

    PASS = "pass"  # noqa: S105  # a verdict, not a password
    FAIL = "fail"
    INDETERMINATE = "indeterminate"
    NOT_APPLICABLE = "not_applicable"


class Severity(StrEnum):
    """What a failure of the check means, fixed per check in verifier/checks/pipeline.py.

    ``error``: cryptography, data model, proof (the VC API's errors: ``verified`` becomes false).
    ``warning``: validity period, status, registry, accreditation, recognition (the application
    decides). ``info``: a note that never changes a section verdict.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Section(StrEnum):
    """The four questions an employer asks, each with its own verdict."""

    AUTHENTICITY = "authenticity"
    VALIDITY = "validity"
    ISSUER_LEGITIMACY = "issuer_legitimacy"
    RECOGNITION = "recognition"


# Check messages are ``vc.message.Message``: English here, in the reader's language on a page.
NOT_A_CREDENTIAL = Message("Not checked: the input is not a credential.")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else format_datetime(moment)


@dataclass(frozen=True)
class Evidence:
    """Where a trust decision came from: the source, who signed it, and
    how fresh it was."""

    kind: str
    source: str | None = None
    signed_by: str | None = None
    signature_verified: bool | None = None
    fetched_at: datetime | None = None
    cache_age_seconds: float | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (camelCase keys, dates as xsd:dateTime, XML Schema 1.1 Part 2 §3.3.7)."""
        return {
            "kind": self.kind,
            "source": self.source,
            "signedBy": self.signed_by,
            "signatureVerified": self.signature_verified,
            "fetchedAt": _iso(self.fetched_at),
            "cacheAgeSeconds": self.cache_age_seconds,
            "validFrom": _iso(self.valid_from),
            "validUntil": _iso(self.valid_until),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class CheckOutcome:
    """What a check function returns; the pipeline adds the check's id, section and severity."""

    status: Status
    message: str
    error: DiplomatError | None = None
    evidence: tuple[Evidence, ...] = ()

    @classmethod
    def passed(cls, message: str, *evidence: Evidence) -> CheckOutcome:
        return cls(Status.PASS, message, None, evidence)

    @classmethod
    def failed(cls, message: str, error: DiplomatError, *evidence: Evidence) -> CheckOutcome:
        return cls(Status.FAIL, message, error, evidence)

    @classmethod
    def unknown(
        cls, message: str, error: DiplomatError | None = None, *evidence: Evidence
    ) -> CheckOutcome:
        return cls(Status.INDETERMINATE, message, error, evidence)

    @classmethod
    def skipped(cls, message: str, *evidence: Evidence) -> CheckOutcome:
        return cls(Status.NOT_APPLICABLE, message, None, evidence)


@dataclass(frozen=True)
class CheckResult:
    """One named step of the report (its id, section and severity come from the pipeline table)."""

    id: str
    section: Section
    status: Status
    severity: Severity
    message: str
    problem: Mapping[str, Any] | None = None
    evidence: tuple[Evidence, ...] = ()
    aliases: Mapping[str, str | None] = field(default_factory=dict)
    computed_on_untrusted_data: bool = False

    @property
    def counts_as_failure(self) -> bool:
        """A failure that changes its section's verdict (info-level notes never do)."""
        return self.status is Status.FAIL and self.severity is not Severity.INFO

    @property
    def counts_as_unknown(self) -> bool:
        return self.status is Status.INDETERMINATE and self.severity is not Severity.INFO

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; ``message`` is keyed by language (a VC-DM 2.0 §11.1 language map)."""
        return {
            "id": self.id,
            "section": self.section.value,
            "status": self.status.value,
            "severity": self.severity.value,
            "computed_on_untrusted_data": self.computed_on_untrusted_data,
            "message": {"en": self.message},
            "problem": None if self.problem is None else dict(self.problem),
            "evidence": [item.to_dict() for item in self.evidence],
            "aliases": dict(self.aliases),
        }


class VerificationFinding(DiplomatError):
    """A verification outcome that is not a malformed input: revoked, expired, unknown issuer...

    Part of the one hierarchy (``vc.errors``) so that every failing check carries an RFC 9457
    problem; these are never raised to a caller, only reported.
    """

    problem_type = "urn:diplomat:problem:finding"
    code = -200
    status = 422
    title = "Verification finding"


class RevokedError(VerificationFinding):
    problem_type = "urn:diplomat:problem:revoked"
    title = "Credential revoked"


class SuspendedError(VerificationFinding):
    problem_type = "urn:diplomat:problem:suspended"
    title = "Credential suspended"


class ExpiredError(VerificationFinding):
    problem_type = "urn:diplomat:problem:expired"
    title = "Credential expired"


class NotYetValidError(VerificationFinding):
    problem_type = "urn:diplomat:problem:not-yet-valid"
    title = "Credential not yet valid"


class UnknownIssuerError(VerificationFinding):
    problem_type = "urn:diplomat:problem:unknown-issuer"
    title = "Issuer not in any registry"


class NotAccreditedError(VerificationFinding):
    problem_type = "urn:diplomat:problem:not-accredited"
    title = "Issuer not accredited for this degree"


class NotADegreeError(VerificationFinding):
    problem_type = "urn:diplomat:problem:not-a-degree"
    title = "Not a degree by the degree profile"


class DeceptiveTextError(VerificationFinding):
    problem_type = "urn:diplomat:problem:deceptive-text"
    title = "Hidden or look-alike characters in displayed text"


class NotCoveredError(VerificationFinding):
    problem_type = "urn:diplomat:problem:not-covered"
    title = "No recognition convention applies"


class HolderBindingError(VerificationFinding):
    problem_type = "urn:diplomat:problem:holder-binding"
    title = "Presenter is not the credential subject"


class RecipientMismatchError(VerificationFinding):
    problem_type = "urn:diplomat:problem:recipient-mismatch"
    title = "Not issued to the person named"
