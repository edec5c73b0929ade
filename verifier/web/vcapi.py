"""W3C VC API verifier endpoints: /credentials/verify, /challenges, /presentations/verify.

Responses follow the VC API VerificationResult (w3c-ccg/vc-api verifier.yml): ``verified``
(``Report.verified``: authentic, in force, and no error-severity check failed or left
undetermined; accreditation and recognition are warnings, see verifier/report.py), ``credential`` /
``verifiablePresentation``, ``problemDetails`` (RFC 9457 objects of every failed or
undetermined check), ``results`` (per-property results), plus our full report under
``diplomatReport``. HTTP status: 200 when verified; otherwise 400 when the failure is a
parsing/malformed-value problem and 422 for every other failure, with the same body.
A request that cannot be processed at all (not JSON, no credential) is a 4xx problem.

Extension option of ``/credentials/verify``: ``options.recipient`` =
``{"identityType": "emailAddress" | "sisSourcedId" | ... | "id", "identity": "..."}`` runs the
OB 3.0 recipient check (result under ``results.recipient``; a mismatch is a warning, so it does
not change ``verified``, and is listed in ``problemDetails``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from vc.errors import MalformedValueError
from vc.ob3 import RecipientIdentity
from verifier.challenges import NOT_ISSUED
from verifier.checks.model import CheckResult, Severity, Status
from verifier.checks.pipeline import selected_by
from verifier.presentation import PresentationReport, verify_presentation
from verifier.report import Report, Verdict, verify_credential
from verifier.web.bodies import (
    RECIPIENT_FIELD,
    destination,
    enveloped,
    json_object,
    options_of,
    recipient_of,
    refuse_identity_in_url,
)
from verifier.web.state import state

bp = Blueprint("vcapi", __name__)

_CREDENTIAL_OPTIONS = frozenset(
    {
        "checks",
        "returnResults",
        "returnProblemDetails",
        "returnCredential",
        "destinationCountry",
        RECIPIENT_FIELD,
    }
)
_PRESENTATION_OPTIONS = frozenset({"challenge", "domain", "checks", "destinationCountry"})
INVALID_CHALLENGE = "https://w3id.org/security#INVALID_CHALLENGE_ERROR"


def _ok(check: CheckResult) -> bool:
    return check.status in (Status.PASS, Status.NOT_APPLICABLE)


def _problems(checks: Iterable[CheckResult]) -> list[dict[str, Any]]:
    problems = []
    for check in checks:
        if check.problem and (check.counts_as_failure or check.counts_as_unknown):
            problems.append({**check.problem, "checkId": check.id})
    return problems


def _http_status(verified: bool, checks: Iterable[CheckResult]) -> int:
    if verified:
        return 200
    failing = [
        c for c in checks if c.severity is Severity.ERROR and not _ok(c) and c.problem is not None
    ]
    return 400 if any(c.problem and c.problem.get("status") == 400 for c in failing) else 422


def _credential_results(report: Report) -> dict[str, Any]:
    credential = report.credential or {}
    by_id = {c.id: c for c in report.checks}
    results: dict[str, Any] = {}
    proofs = credential.get("proof")
    proof_list = proofs if isinstance(proofs, list) else [proofs] if proofs else []
    signature = by_id.get("proof.signature")
    if signature is not None:
        results["proof"] = [
            {"verified": signature.status is Status.PASS, "input": proof} for proof in proof_list
        ] or [{"verified": False, "input": None}]
    for name, check_id in (
        ("validFrom", "validity.valid_from"),
        ("validUntil", "validity.valid_until"),
    ):
        check = by_id.get(check_id)
        if check is not None and name in credential:
            results[name] = {"verified": _ok(check), "input": credential[name]}
    entries = credential.get("credentialStatus")
    entry_list = entries if isinstance(entries, list) else [entries] if entries else []
    statuses = []
    for entry in entry_list:
        purpose = entry.get("statusPurpose") if isinstance(entry, Mapping) else None
        check = by_id.get(f"status.{purpose}")
        statuses.append(
            {
                "value": None if check is None else check.status.value,
                "verified": check is not None and _ok(check),
                "input": entry,
            }
        )
    if statuses:
        results["credentialStatus"] = statuses
    return results


def _recipient_result(report: Report, recipient: RecipientIdentity) -> dict[str, Any]:
    """The recipient check's result; ``input`` is masked, as everywhere in the report."""
    check = report.check("recipient")
    return {
        "verified": check.status is Status.PASS,
        "status": check.status.value,
        "identityType": recipient.identity_type,
        "input": recipient.masked,
    }


@bp.post("/credentials/verify")
def verify_credential_endpoint() -> tuple[Response, int]:
    body = json_object()
    if "verifiableCredential" not in body:
        raise MalformedValueError(
            "the request needs 'verifiableCredential' (VC API VerifyCredentialRequest)",
            pointer="/verifiableCredential",
        )
    credential = enveloped(body["verifiableCredential"], "/verifiableCredential")
    options = options_of(body, _CREDENTIAL_OPTIONS)
    refuse_identity_in_url()
    country = destination(options.get("destinationCountry") or request.args.get("for"))
    recipient = recipient_of(options.get(RECIPIENT_FIELD), "/options/" + RECIPIENT_FIELD)
    requested = _requested_checks(options.get("checks"))
    counted = None if requested is None else selected_by(requested)
    report = verify_credential(
        credential, state().context(), destination=country, recipient=recipient
    )
    state().metrics.verified("credential", report.verdict)
    verified = report.verified if counted is None else report.verified_for(counted)
    result: dict[str, Any] = {"verified": verified}
    if requested is not None:
        result["checks"] = list(requested)
    if options.get("returnCredential", True):
        result["credential"] = report.credential if report.credential is not None else credential
    if options.get("returnProblemDetails", True):
        result["problemDetails"] = _problems(report.checks)
    if options.get("returnResults", True):
        result["results"] = _credential_results(report)
        if recipient is not None:
            result["results"]["recipient"] = _recipient_result(report, recipient)
    result["diplomatReport"] = report.to_dict()
    response = jsonify(result)
    response.headers["Cache-Control"] = "no-store"
    judged = report.checks if counted is None else [c for c in report.checks if counted(c.id)]
    return response, _http_status(verified, judged)


def _requested_checks(raw: object) -> list[str] | None:
    """``options.checks``: None (every check counts) or the list of VC-API check names."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(n, str) for n in raw):
        raise MalformedValueError(
            "options.checks must be a non-empty list of check names", pointer="/options/checks"
        )
    return list(dict.fromkeys(raw))


@bp.post("/challenges")
def create_challenge() -> Response:
    challenge, ttl = state().challenges.issue()
    response = jsonify({"challenge": challenge, "expiresInSeconds": int(ttl)})
    response.headers["Cache-Control"] = "no-store"
    return response


def _presentation_results(
    report: PresentationReport, vp: Mapping[str, Any], challenge: str, domain: str | None, ok: bool
) -> dict[str, Any]:
    by_id = {c.id: c for c in report.checks}
    proofs = vp.get("proof")
    proof_list = proofs if isinstance(proofs, list) else [proofs] if proofs else []
    signed = by_id["presentation.proof"].status is Status.PASS
    results: dict[str, Any] = {
        "challenge": {"valid": ok and signed, "input": challenge},
        "holder": {
            "valid": by_id["presentation.holder_binding"].status is Status.PASS,
            "input": report.holder,
        },
        "proof": [{"valid": signed, "input": proof} for proof in proof_list],
    }
    if domain is not None:
        results["domain"] = {"valid": signed, "input": domain}
    return results


@bp.post("/presentations/verify")
def verify_presentation_endpoint() -> tuple[Response, int]:
    body = json_object()
    vp = body.get("verifiablePresentation")
    if not isinstance(vp, Mapping):
        raise MalformedValueError(
            "the request needs a 'verifiablePresentation' object", pointer="/verifiablePresentation"
        )
    options = options_of(body, _PRESENTATION_OPTIONS)
    challenge = options.get("challenge")
    if not isinstance(challenge, str) or not challenge:
        raise MalformedValueError(
            "options.challenge is required: your own, or one from POST /challenges",
            pointer="/options/challenge",
        )
    domain = options.get("domain")
    if domain is not None and not isinstance(domain, str):
        raise MalformedValueError("options.domain must be a string", pointer="/options/domain")
    country = destination(options.get("destinationCountry") or request.args.get("for"))
    web = state()
    # A challenge from POST /challenges is single use: redeemed here, refused when used or
    # expired. Any other challenge is the caller's own (VC-API verifyPresentation options): it
    # is checked against the proof, and the caller answers for its freshness.
    refusal = web.challenges.redeem(challenge)
    source = "verifier" if refusal != NOT_ISSUED else "caller"
    if source == "caller":
        refusal = None
    report = verify_presentation(
        vp, web.context(), challenge=challenge, domain=domain, destination=country
    )
    checks = [*report.checks, *(c for r in report.credentials for c in r.checks)]
    problems = _problems(checks)
    if refusal is not None:
        problems.insert(
            0,
            {
                "type": INVALID_CHALLENGE,
                "code": -65,
                "title": "Invalid challenge",
                "status": 422,
                "detail": refusal,
            },
        )
    verified = report.verified and refusal is None
    diplomat = report.to_dict()
    diplomat["challenge"] = {"accepted": refusal is None, "reason": refusal, "source": source}
    if refusal is not None:
        diplomat["verdict"] = Verdict.NOT_VERIFIED.value
        diplomat["verified"] = False
    web.metrics.verified(
        "presentation", report.verdict if refusal is None else Verdict.NOT_VERIFIED
    )
    result = {
        "verified": verified,
        "verifiablePresentation": vp,
        "problemDetails": problems,
        "results": _presentation_results(report, vp, challenge, domain, refusal is None),
        "diplomatReport": diplomat,
    }
    response = jsonify(result)
    response.headers["Cache-Control"] = "no-store"
    status = 200 if verified else (_http_status(False, checks) if refusal is None else 422)
    return response, status
