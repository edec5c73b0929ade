"""Verifying a presentation: its proof with the verifier's challenge, holder binding, then one
credential report per embedded credential (VC-DM 2.0 §4.13, VC-API verifyPresentation)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vc import proofs, strictjson
from vc.dates import format_datetime
from vc.errors import DiplomatError, MalformedValueError, ParsingError
from vc.jose import enveloped_token
from vc.purposes import Authentication, holder_id
from verifier.checks.authenticity import could_not_fetch
from verifier.checks.facts import subjects_of, types_of, vc_version
from verifier.checks.model import (
    CheckResult,
    Evidence,
    HolderBindingError,
    Section,
    Severity,
    Status,
)
from verifier.context import VerifierContext, check_country
from verifier.report import Report, Verdict, verify_credential

__all__ = ["PresentationReport", "verify_presentation"]


@dataclass(frozen=True)
class PresentationReport:
    """A presentation's own checks (proof with the verifier's challenge; holder = subject) and
    one credential report per embedded credential."""

    checks: tuple[CheckResult, ...]
    credentials: tuple[Report, ...]
    holder: str | None
    checked_at: datetime

    def check(self, check_id: str) -> CheckResult:
        for result in self.checks:
            if result.id == check_id:
                return result
        raise KeyError(check_id)

    @property
    def presentation_verified(self) -> bool:
        """Every error-severity check of the presentation passed (the holder check is a
        warning: VC-DM 2.0 §5.9 lets a holder present credentials about someone else)."""
        return all(c.status is Status.PASS for c in self.checks if c.severity is Severity.ERROR)

    @property
    def verdict(self) -> Verdict:
        """The presentation's verdict: its own checks first, then the weakest credential's."""
        errors = [c.status for c in self.checks if c.severity is Severity.ERROR]
        if Status.FAIL in errors:
            return Verdict.NOT_VERIFIED
        order = (
            Verdict.NOT_VERIFIED,
            Verdict.COULD_NOT_VERIFY,
            Verdict.VERIFIED_WITH_WARNINGS,
            Verdict.VERIFIED,
        )
        warned = any(c.counts_as_failure or c.counts_as_unknown for c in self.checks)
        verdicts = [r.verdict for r in self.credentials]
        verdicts.append(Verdict.VERIFIED_WITH_WARNINGS if warned else Verdict.VERIFIED)
        worst = min(verdicts, key=order.index)
        if Status.INDETERMINATE in errors and worst is not Verdict.NOT_VERIFIED:
            return Verdict.COULD_NOT_VERIFY
        return worst

    @property
    def verified(self) -> bool:
        """The presentation's proof verified and so did every credential in it (a presentation
        may carry none: VC-DM 2.0 §5.1 "verifiableCredential MAY be present")."""
        return self.presentation_verified and all(r.verified for r in self.credentials)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "verified": self.verified,
            "holder": self.holder,
            "checked_at": format_datetime(self.checked_at),
            "checks": [c.to_dict() for c in self.checks],
            "credentials": [r.to_dict() for r in self.credentials],
        }


_VP_PROOF_ALIASES: Mapping[str, str | None] = {
    "dcc": "presentationResult.signature",
    "blockcerts": None,
    "waltid": "signature",
    "vcjs": "AuthenticationProofPurpose",
    "vcapi": "/presentations/verify",
    "ob3": None,
}
_HOLDER_ALIASES: Mapping[str, str | None] = {
    "dcc": None,
    "blockcerts": None,
    "waltid": "holder-binding",
    "vcjs": None,
    "vcapi": None,
    "ob3": "recipient",
}


def _vp_check(
    check_id: str,
    status: Status,
    message: str,
    error: DiplomatError | None = None,
    evidence: tuple[Evidence, ...] = (),
    aliases: Mapping[str, str | None] = _VP_PROOF_ALIASES,
    severity: Severity = Severity.ERROR,
) -> CheckResult:
    return CheckResult(
        id=check_id,
        section=Section.AUTHENTICITY,
        status=status,
        severity=severity,
        message=message,
        problem=None if error is None else error.to_problem(),
        evidence=evidence,
        aliases=aliases,
    )


def _presentation_proof(
    vp: Mapping[str, Any], ctx: VerifierContext, now: datetime, challenge: str, domain: str | None
) -> CheckResult:
    result = proofs.verify(
        vp,
        resolver=ctx.resolver,
        now=now,
        purpose=Authentication(challenge, domain),
        loader=ctx.loader,
    )
    evidence = tuple(
        Evidence(
            kind="proof",
            source=r.verification_method,
            signed_by=r.controller,
            signature_verified=r.verified,
        )
        for r in result.results
    )
    if result.verified:
        return _vp_check(
            "presentation.proof",
            Status.PASS,
            "The presentation is signed by its holder for this verification (challenge matched).",
            None,
            evidence,
        )
    error = result.errors[0]
    if could_not_fetch(error):
        return _vp_check(
            "presentation.proof",
            Status.INDETERMINATE,
            f"The presentation's signature could not be checked: {error.detail}.",
            error,
            evidence,
        )
    message = (
        "The presentation is not signed, so it does not show who is presenting the credentials."
        if not result.results
        else f"The presentation's signature does not verify for this request: {error.detail}."
    )
    return _vp_check("presentation.proof", Status.FAIL, message, error, evidence)


def _holder_binding(holder: str | None, credentials: list[Mapping[str, Any]]) -> CheckResult:
    """Whether the holder is the subject of every credential presented. A warning, not an error:
    VC-DM 2.0 lets a holder present credentials about others (a parent, an agent), and the
    proof itself is sound; the reader sees this check by name and decides."""
    if not credentials:
        return _vp_check(
            "presentation.holder_binding",
            Status.NOT_APPLICABLE,
            "The presentation carries no credential, so there is no subject to bind.",
            aliases=_HOLDER_ALIASES,
            severity=Severity.WARNING,
        )
    if holder is None:
        error = HolderBindingError("the presentation names no holder")
        return _vp_check(
            "presentation.holder_binding",
            Status.FAIL,
            "The presentation names no holder, so it cannot be bound to the degree's subject.",
            error,
            aliases=_HOLDER_ALIASES,
            severity=Severity.WARNING,
        )
    strangers: list[str] = []
    for index, credential in enumerate(credentials):
        ids = [s.get("id") for s in subjects_of(credential)]
        if holder not in ids:
            strangers.append(
                f"credential {index + 1} is about {', '.join(str(i) for i in ids) or 'no identified subject'}"
            )
    if strangers:
        error = HolderBindingError(
            f"the holder {holder} is not the subject: " + "; ".join(strangers)
        )
        return _vp_check(
            "presentation.holder_binding",
            Status.FAIL,
            f"The person presenting ({holder}) is not the person the degree was awarded to: "
            + "; ".join(strangers)
            + ".",
            error,
            aliases=_HOLDER_ALIASES,
            severity=Severity.WARNING,
        )
    return _vp_check(
        "presentation.holder_binding",
        Status.PASS,
        f"The person presenting ({holder}) is the person the degree was awarded to.",
        aliases=_HOLDER_ALIASES,
        severity=Severity.WARNING,
    )


def verify_presentation(
    vp: Mapping[str, Any] | bytes | str,
    ctx: VerifierContext,
    *,
    challenge: str,
    domain: str | None = None,
    destination: str | None = None,
) -> PresentationReport:
    """Verify a presentation's proof (authentication, with the verifier's ``challenge`` and
    ``domain``), that its holder is every credential's subject, and each embedded credential.

    Raises ParsingError when the input is not a JSON object with type VerifiablePresentation
    (a request error, not a verification outcome), MalformedValueError for an empty challenge or
    a malformed destination.
    """
    if not isinstance(challenge, str) or not challenge:
        raise MalformedValueError("a presentation must be verified against a non-empty challenge")
    chosen = check_country(destination) or ctx.destination_country
    document: Mapping[str, Any]
    if isinstance(vp, bytes | str):
        document = strictjson.loads_object(vp, "presentation")
    elif isinstance(vp, Mapping):
        document = vp
    else:
        raise ParsingError(
            f"a presentation must be a mapping, bytes or str, not {type(vp).__name__}"
        )
    if (
        "VerifiablePresentation" not in types_of(document.get("type"))
        or vc_version(document) is None
    ):
        raise ParsingError("not a VerifiablePresentation (type and VC @context required)")
    now = ctx.current_time()
    raw = document.get("verifiableCredential", [])
    items = raw if isinstance(raw, list) else [raw]
    reports: list[Report] = []
    embedded: list[Mapping[str, Any]] = []
    for item in items:
        if isinstance(item, Mapping) and item.get("type") == "EnvelopedVerifiableCredential":
            item = _enveloped(item)
        if not isinstance(item, Mapping | str):
            item = strictjson.dumps(item)  # reported as unreadable by the format check
        report = verify_credential(item, ctx, destination=chosen)
        reports.append(report)
        embedded.append(report.credential or {})
    holder = holder_id(document)
    checks = (
        _presentation_proof(document, ctx, now, challenge, domain),
        _holder_binding(holder, embedded),
    )
    return PresentationReport(checks, tuple(reports), holder, now)


def _enveloped(item: Mapping[str, Any]) -> str | Mapping[str, Any]:
    """VC-JOSE-COSE §3.2: an EnvelopedVerifiableCredential carries a data:application/vc+jwt URL
    with the JWT (another media type is not unwrapped)."""
    try:
        return enveloped_token(item.get("id"))
    except DiplomatError:
        return item  # reported by the format check: an envelope is not a credential
