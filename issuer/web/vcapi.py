"""VC-API issuer endpoints: POST /credentials/issue, POST /credentials/status and
GET /credentials/{id} (w3c-ccg vc-api).

Request shapes follow the VC-API OpenAPI components IssueCredentialRequest / IssueCredentialOptions
and UpdateCredentialStatusRequest: ``{"credentialId", "credentialStatus": {"type",
"statusPurpose", ...}, "status": bool}``. As an extension ``credentialStatus`` may also be a list of
such objects, and an optional ``reason`` string is recorded in the audit log.

GET /credentials/{id} (getCredential) returns the stored signed credential to a registrar or admin
token only: it holds personal data, and the public way to see a credential is the holder's share
link. {id} is either the last segment of an id this issuer minted (``{base}/credentials/<uuid>``,
so the printed id URL resolves) or the whole id, URL-encoded.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import MethodNotAllowed

from issuer.errors import NotFoundError
from issuer.web.auth import current_principal, require_token
from issuer.web.requests import json_object
from issuer.web.state import state
from vc.dates import parse_datetime
from vc.errors import MalformedValueError, RangeValueError

bp = Blueprint("vcapi", __name__)

# Issue options this issuer honours (VC-API IssueCredentialOptions: credentialId, created,
# mandatoryPointers; ``cryptosuite`` selects the Data Integrity suite for the issuer's key).
# Other option keys are tolerated and ignored, as the VC-API asks of an issuer.
_STATUS_KEYS = frozenset({"credentialId", "credentialStatus", "status", "indexAllocator", "reason"})
_ENTRY_KEYS = frozenset({"id", "type", "statusPurpose", "statusListIndex", "statusListCredential"})
_ENTRY_TYPES = frozenset({"BitstringStatusListEntry", "BitstringStatusList"})
_PURPOSES = frozenset({"revocation", "suspension"})
DEFAULT_REASON = "status updated through the VC API"
MAX_REASON = 500
# The store refuses credential ids longer than this (credentials.id is String(512)).
MAX_CREDENTIAL_ID = 512
# VC-API paths under /credentials/ that are not credential ids (both POST only).
_RESERVED_IDS = frozenset({"issue", "status"})
# getCredential answers application/json (VC-API holder.yml); a client may prefer a VC media
# type instead, as it may from the share link (VC-DM 2.0 "Media Types": application/vc).
_CREDENTIAL_TYPES = (
    "application/json",
    "application/vc",
    "application/vc+ld+json",
    "application/ld+json",
)
# An absolute URI starts with a scheme (RFC 3986 §3.1); issue_credential stores no other id.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:.")


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
        if "id" not in credential:
            credential = {**credential, "id": credential_id}
        elif credential["id"] != credential_id:
            raise MalformedValueError(
                "options.credentialId must equal credential.id (credentials are stored by id)",
                pointer="/options/credentialId",
            )
    suite = options.get("cryptosuite")
    if suite is not None and not isinstance(suite, str):
        raise MalformedValueError("cryptosuite must be a string", pointer="/options/cryptosuite")
    created = options.get("created")
    web = state()
    signed = web.service.issuing.issue_credential(
        credential,
        actor=current_principal().actor,
        suite=suite,
        created=None if created is None else parse_datetime(created, "options.created"),
    )
    web.metrics.issued_one()
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
        change = service.status.set_status(
            credential_id, purpose, value, reason.strip(), actor=actor
        )
        results.append(
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "status": change.value,
                "changed": change.changed,
            }
        )
    return jsonify({"credentialId": credential_id, "credentialStatus": results})


@bp.get("/credentials/<path:credential_id>")
@require_token("registrar")
def get_credential(credential_id: str) -> Response:
    """VC-API getCredential: 200 with the signed credential exactly as stored (a revoked or
    suspended one too: its status list entry says so). 400 for a malformed id, 404 for an
    unknown one; never cached, never shared across origins."""
    wanted = requested_credential_id(credential_id)
    service = state().service
    credential = service.issuing.get_credential(wanted)
    if credential.issuer_id != service.context.issuer().id:
        raise NotFoundError(f"no credential {wanted}")
    media = request.accept_mimetypes.best_match(_CREDENTIAL_TYPES, default=_CREDENTIAL_TYPES[0])
    response = Response(credential.credential_json, content_type=media)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Accept"
    return response


def requested_credential_id(raw: str) -> str:
    """The credential id named by the path segment(s) after /credentials/ (already URL-decoded).

    A value with a scheme is the whole id (a client URL-encoded it); a single segment is the last
    segment of an id minted under this issuer's public base URL. Raises RangeValueError (too
    long), MalformedValueError (control characters, whitespace, bytes that were not UTF-8, a dot
    segment, or several segments without a scheme) and MethodNotAllowed for /credentials/issue
    and /credentials/status, which take only POST.
    """
    if len(raw) > MAX_CREDENTIAL_ID:
        raise RangeValueError(f"a credential id has at most {MAX_CREDENTIAL_ID} characters")
    # Werkzeug decodes percent escapes that are not UTF-8 to U+FFFD; no id we store holds one.
    if "\ufffd" in raw:
        raise MalformedValueError("the credential id is not percent-encoded UTF-8")
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cs") for c in raw):
        raise MalformedValueError("the credential id contains whitespace or control characters")
    if ":" in raw:
        if not _SCHEME.match(raw):
            raise MalformedValueError("a credential id must be an absolute URI")
        return raw
    if raw in _RESERVED_IDS:
        raise MethodNotAllowed(valid_methods=["POST"])
    if "/" in raw or raw in (".", ".."):
        raise MalformedValueError(
            "name the credential by the last segment of its id, or by its whole id URL-encoded"
        )
    return f"{state().base_url}/credentials/{raw}"


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
        # isinstance first: a list or an object is unhashable, and `in` a frozenset would raise.
        kind = item.get("type")
        if not isinstance(kind, str) or kind not in _ENTRY_TYPES:
            raise MalformedValueError(
                "credentialStatus.type must be BitstringStatusListEntry", pointer=where + "/type"
            )
        purpose = item.get("statusPurpose")
        if not isinstance(purpose, str) or purpose not in _PURPOSES:
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
