"""The Diplomat JSON API: issue one degree, run a CSV/JSON batch in the background, find credentials.

POST /api/degrees              simple degree input (JSON)  -> 201 credential + URLs
POST /api/batches              text/csv or a JSON array    -> 202 batchId + progressUrl
GET  /api/batches/<id>         progress and per-row results (row, field, reason), claim links'
                               and messages' state
POST /api/batches/<id>/claim-links   the batch's claim links, handed out once (then 410)
GET  /api/credentials?q=...    search by name or diploma number
GET  /api/credentials/<id>     one credential and its status
GET  /api/audit                the audit log (admin)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request

from issuer.degree import parse_input
from issuer.errors import PossibleDuplicateDegreeError
from issuer.service import BatchFormat
from issuer.store import Batch, BatchProgress, BatchRow, ClaimLink, Credential, OutboxMessage
from issuer.web.auth import current_principal, require_token
from issuer.web.requests import json_object, require_media_type, whole_number
from issuer.web.state import state
from vc import strictjson
from vc.dates import format_datetime
from vc.errors import MalformedValueError, ParsingError

bp = Blueprint("api", __name__, url_prefix="/api")

CSV_TYPES = ("text/csv", "application/csv")


@bp.post("/degrees")
@require_token("registrar")
def issue_degree() -> tuple[Response, int, dict[str, str]]:
    """Issue one degree from the simple input; 201 with the credential and its URLs.

    ``allowDuplicate: true`` confirms a second degree of the same programme to the same
    student number (otherwise 409 possible-duplicate-degree)."""
    body_in = dict(json_object("degree input"))
    allow = body_in.pop("allowDuplicate", False)
    if not isinstance(allow, bool):
        raise MalformedValueError("allowDuplicate must be true or false", pointer="/allowDuplicate")
    inp = parse_input(body_in)
    web = state()
    issued = web.service.issuing.issue_degree(
        inp, actor=current_principal().actor, allow_duplicate=allow
    )
    web.metrics.issued_one()
    web.wake_mail()
    location = web.base_url + "/api/credentials/" + quote(issued.credential_id, safe="")
    body = {
        "credentialId": issued.credential_id,
        "credential": issued.credential,
        "managementUrl": issued.management_url,
        "shareUrl": issued.share_url,
        "claimUrl": issued.claim_url,
        "claimExpiresAt": _when(issued.claim_expires_at),
    }
    return jsonify(body), 201, {"Location": location}


@bp.post("/batches")
@require_token("registrar")
def create_batch() -> tuple[Response, int, dict[str, str]]:
    """Accept a cohort (CSV or a JSON array of inputs) and issue it in the background; 202."""
    media = require_media_type(*CSV_TYPES, "application/json")
    source = request.get_data(cache=True)
    if not source.strip():
        raise ParsingError("the batch is empty")
    fmt: BatchFormat = "json" if media == "application/json" else "csv"
    allow = request.args.get("allowDuplicate", "false")
    if allow not in ("true", "false"):
        raise MalformedValueError("allowDuplicate must be true or false", pointer="/allowDuplicate")
    web = state()
    batch = web.service.batches.create_batch(source, fmt, actor=current_principal().actor)
    if allow == "false":
        refuse_possible_duplicates(batch.id)
    web.runner.start(batch.id)
    progress_url = f"{web.base_url}/api/batches/{batch.id}"
    body = {
        "batchId": batch.id,
        "state": batch.state,
        "totalRows": batch.total_rows,
        "progressUrl": progress_url,
    }
    return jsonify(body), 202, {"Location": progress_url}


@bp.get("/batches/<int:batch_id>")
@require_token("registrar")
def batch_status(batch_id: int) -> Response:
    return jsonify(batch_report(batch_id))


@bp.post("/batches/<int:batch_id>/claim-links")
@require_token("registrar")
def take_claim_links(batch_id: int) -> Response:
    """The batch's claim links (secrets), returned once: 409 until the batch is done, 410 after
    they were taken (make new ones from the console: the old ones then stop working)."""
    exports = state().service.claims.take_batch_links(batch_id, actor=current_principal().actor)
    response = jsonify(
        {
            "batchId": batch_id,
            "links": [
                {
                    "row": e.row_number,
                    "studentNumber": e.student_number,
                    "name": e.name,
                    "email": e.email,
                    "diplomaNumber": e.diploma_number,
                    "credentialId": e.credential_id,
                    "claimUrl": e.claim_url,
                    "expiresAt": _when(e.expires_at),
                }
                for e in exports
            ],
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/credentials")
@require_token("registrar")
def list_credentials() -> Response:
    query = request.args.get("q", "").strip() or None
    limit = _int_arg("limit", 50, 1, 1000)
    offset = _int_arg("offset", 0, 0, 10**9)
    found = find_credentials(query, limit=limit, offset=offset)
    return jsonify(
        {
            "items": [credential_summary(c) for c in found],
            "limit": limit,
            "offset": offset,
            "q": query,
        }
    )


@bp.get("/credentials/<path:credential_id>")
@require_token("registrar")
def get_credential(credential_id: str) -> Response:
    credential = state().service.issuing.get_credential(credential_id)
    body = credential_summary(credential)
    body["credential"] = strictjson.loads(credential.credential_json)
    return jsonify(body)


@bp.get("/audit")
@require_token("admin")
def audit_log() -> Response:
    limit = _int_arg("limit", 100, 1, 1000)
    entries = state().service.store.audit.list_audit(limit=limit)
    return jsonify(
        {
            "items": [
                {
                    "id": e.id,
                    "at": format_datetime(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "target": e.target,
                    "details": dict(e.details),
                }
                for e in entries
            ]
        }
    )


# ------------------------------------------------------------------ shared with the console


def refuse_possible_duplicates(batch_id: int) -> None:
    """Raise PossibleDuplicateDegreeError (409) naming the rows whose student number already
    holds a degree of the same programme; the batch stays queued until it is confirmed."""
    found = state().service.batches.possible_duplicates(batch_id)
    if found:
        shown = "; ".join(d.describe() for d in found[:20])
        more = f" (and {len(found) - 20} more)" if len(found) > 20 else ""
        raise PossibleDuplicateDegreeError(
            f"batch {batch_id} was not started: {shown}{more}. Send it again with"
            " ?allowDuplicate=true to issue these degrees anyway"
        )


def find_credentials(query: str | None, *, limit: int, offset: int) -> list[Credential]:
    """The issuer's credentials, newest first, matching ``query`` in name or diploma number."""
    service = state().service
    return service.store.credentials.list_credentials(
        service.context.issuer().id, limit=limit, offset=offset, search=query
    )


def count_credentials() -> int:
    service = state().service
    return service.store.credentials.count_credentials(service.context.issuer().id)


def credential_summary(c: Credential) -> dict[str, Any]:
    web = state()
    return {
        "id": c.id,
        "url": web.base_url + "/api/credentials/" + quote(c.id, safe=""),
        "diplomaNumber": c.diploma_number,
        "subjectName": c.subject_name,
        "achievementType": c.achievement_type,
        "status": credential_status(c),
        "revoked": c.revoked,
        "suspended": c.suspended,
        "statusReason": c.status_reason,
        "publicNote": c.public_note,
        "statusChangedAt": _when(c.status_changed_at),
        "batchId": c.batch_id,
        "createdAt": _when(c.created_at),
    }


def credential_status(c: Credential) -> str:
    return "revoked" if c.revoked else "suspended" if c.suspended else "active"


def row_json(
    row: BatchRow, link: ClaimLink | None = None, message: OutboxMessage | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "row": row.row_number,
        "diplomaNumber": row.diploma_number,
        "state": row.state,
        "credentialId": row.credential_id,
        "errors": [_row_error(row.row_number, e) for e in row.errors],
    }
    if row.state == "issued":
        body["claim"] = (
            None
            if link is None
            else {
                "expiresAt": _when(link.expires_at),
                "handedOut": link.taken_at is not None,
                "opened": link.opened_at is not None,
            }
        )
        body["mail"] = (
            None
            if message is None
            else {
                "state": message.state,
                "attempts": message.attempts,
                "answer": message.last_error,
                "sentAt": _when(message.sent_at),
                "nextAttemptAt": _when(message.next_attempt_at)
                if message.state == "queued"
                else None,
            }
        )
    return body


def batch_report(batch_id: int) -> dict[str, Any]:
    """A batch's progress, its rows with their claim link and message, and the mail counts."""
    store = state().service.store
    service = state().service
    progress = service.batches.batch_progress(batch_id)
    rows = service.batches.batch_rows(batch_id)
    links = {link.row_number: link for link in store.claims.batch_links(batch_id)}
    messages = {m.row_number: m for m in store.outbox.batch_messages(batch_id)}
    body = batch_json(progress)
    body["mail"] = store.outbox.counts(batch_id)
    body["rows"] = [row_json(r, links.get(r.row_number), messages.get(r.row_number)) for r in rows]
    return body


def _row_error(row_number: int, error: Mapping[str, Any]) -> dict[str, Any]:
    """Each error names its row, its field (the CSV column) and the reason."""
    return {
        "row": error.get("row", row_number),
        "field": error.get("field", ""),
        "reason": error.get("reason", error.get("detail", "")),
    }


def batch_json(progress: BatchProgress, rows: list[BatchRow] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "batchId": progress.batch_id,
        "state": progress.state,
        "total": progress.total,
        "processed": progress.processed,
        "issued": progress.issued,
        "errors": progress.errors,
        "duplicates": progress.duplicates,
        "done": progress.state in ("done", "failed"),
    }
    if rows is not None:
        body["rows"] = [row_json(r) for r in rows]
    return body


def batch_summary(batch: Batch) -> dict[str, Any]:
    return {"batchId": batch.id, "state": batch.state, "totalRows": batch.total_rows}


def _when(moment: Any) -> str | None:
    return None if moment is None else format_datetime(moment)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    return whole_number(raw, name, low, high)
