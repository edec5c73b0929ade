"""VC-API issuer endpoints: POST /credentials/issue and POST /credentials/status (w3c-ccg vc-api).

Request shapes follow the VC-API OpenAPI components IssueCredentialRequest / IssueCredentialOptions
and UpdateCredentialStatusRequest: ``{"credentialId", "credentialStatus": {"type",
"statusPurpose", ...}, "status": bool}``. As an extension ``credentialStatus`` may also be a list of
such objects, and an optional ``reason`` string is recorded in the audit log.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from issuer.web.auth import current_principal, require_token
from issuer.web.requests import json_object
from issuer.web.state import state
from vc.errors import MalformedValueError

bp = Blueprint("vcapi", __name__)

_OPTION_KEYS = frozenset({"credentialId", "mandatoryPointers"})
_STATUS_KEYS = frozenset({"credentialId", "credentialStatus", "status", "indexAllocator", "reason"})
_ENTRY_KEYS = frozenset({"id", "type", "statusPurpose", "statusListIndex", "statusListCredential"})
_ENTRY_TYPES = frozenset({"BitstringStatusListEntry", "BitstringStatusList"})
_PURPOSES = frozenset({"revocation", "suspension"})
DEFAULT_REASON = "status updated through the VC API"
MAX_REASON = 500


@bp.post("/credentials/issue")
@require_token("registrar")
def issue() -> tuple[Response, int]:
    """Sign the unsecured credential; 201 ``{"verifiableCredential": ...}``."""
    body = json_object()
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise MalformedValueError(
            "the request needs a 'credential' object (VC-API IssueCredentialRequest)",
            pointer="/credential",
        )
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise MalformedValueError("'options' must be an object", pointer="/options")
    unknown = sorted(set(options) - _OPTION_KEYS)
    if unknown:
        raise MalformedValueError(
            f"unsupported option(s): {', '.join(unknown)}", pointer=f"/options/{unknown[0]}"
        )
    pointers = options.get("mandatoryPointers")
    if pointers not in (None, []):
        raise MalformedValueError(
            "mandatoryPointers (selective disclosure) is not supported by this issuer's suite",
            pointer="/options/mandatoryPointers",
        )
    credential_id = options.get("credentialId")
    if credential_id is not None:
        if not isinstance(credential_id, str) or not credential_id:
            raise MalformedValueError(
                "credentialId must be a string", pointer="/options/credentialId"
            )
        if credential.get("id") != credential_id:
            raise MalformedValueError(
                "options.credentialId must equal credential.id (credentials are stored by id)",
                pointer="/options/credentialId",
            )
    signed = state().service.issue_credential(credential, actor=current_principal().actor)
    return jsonify({"verifiableCredential": signed}), 201


@bp.post("/credentials/status")
@require_token("registrar")
def update_status() -> Response:
    """Set or clear a revocation / suspension bit; 200 with what changed."""
    body = json_object()
    unknown = sorted(set(body) - _STATUS_KEYS)
    if unknown:
        raise MalformedValueError(
            f"unknown field(s): {', '.join(unknown)}", pointer=f"/{unknown[0]}"
        )
    credential_id = body.get("credentialId")
    if not isinstance(credential_id, str) or not credential_id.strip():
        raise MalformedValueError(
            "credentialId must be a non-empty string", pointer="/credentialId"
        )
    value = body.get("status")
    if not isinstance(value, bool):
        raise MalformedValueError("status must be true or false", pointer="/status")
    reason = body.get("reason", DEFAULT_REASON)
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise MalformedValueError(
            f"reason must be a non-empty string of at most {MAX_REASON} characters",
            pointer="/reason",
        )
    entries = _entries(body.get("credentialStatus"))
    service = state().service
    actor = current_principal().actor
    results: list[dict[str, Any]] = []
    for purpose in entries:
        change = service.set_status(credential_id, purpose, value, reason.strip(), actor=actor)
        results.append(
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "status": change.value,
                "changed": change.changed,
            }
        )
    return jsonify({"credentialId": credential_id, "credentialStatus": results})


def _entries(raw: object) -> list[str]:
    """The status purposes named by ``credentialStatus`` (an object, or a list of objects)."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise MalformedValueError("credentialStatus must not be empty", pointer="/credentialStatus")
    purposes: list[str] = []
    for number, item in enumerate(items):
        where = f"/credentialStatus/{number}" if isinstance(raw, list) else "/credentialStatus"
        if not isinstance(item, dict):
            raise MalformedValueError(
                "credentialStatus must be an object with type and statusPurpose", pointer=where
            )
        unknown = sorted(set(item) - _ENTRY_KEYS)
        if unknown:
            raise MalformedValueError(
                f"unknown field(s) in credentialStatus: {', '.join(unknown)}", pointer=where
            )
        if item.get("type") not in _ENTRY_TYPES:
            raise MalformedValueError(
                "credentialStatus.type must be BitstringStatusListEntry", pointer=where + "/type"
            )
        purpose = item.get("statusPurpose")
        if purpose not in _PURPOSES:
            raise MalformedValueError(
                "statusPurpose must be revocation or suspension", pointer=where + "/statusPurpose"
            )
        for key in ("id", "statusListIndex", "statusListCredential"):
            if key in item and not isinstance(item[key], str):
                raise MalformedValueError(f"{key} must be a string", pointer=f"{where}/{key}")
        if purpose in purposes:
            raise MalformedValueError(f"statusPurpose {purpose} given twice", pointer=where)
        purposes.append(str(purpose))
    return purposes
