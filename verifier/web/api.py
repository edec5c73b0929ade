"""Diplomat's own API: ``POST /api/verify?for=JP`` returns the full verification report.

The body is the credential itself (JSON-LD object, or a compact VC-JWT as text), or
``{"verifiableCredential": ...}``, or ``{"url": "<share URL>"}`` (fetched with the safe
fetcher, as the QR code's page does), or a diploma PDF (``application/pdf``: the credential
attached to it, verifier.pdfinput), or a multipart upload whose field ``file`` is any of what the
upload page takes (and ``recipient`` a form field). Either wrapper may add the candidate's identity for the
recipient check: ``"recipient": {"identityType": "emailAddress", "identity": "..."}`` (or
``sisSourcedId``, or ``id`` for credentialSubject.id). It is taken from the body only, never the
URL, and not logged; a bare credential has no room for it (its own properties are its own).
A credential that fails verification is a report: 200. Only a malformed request is 4xx (not
JSON, no credential, bad country, refused URL, malformed recipient).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from vc.errors import MalformedValueError, ParsingError
from vc.message import Message
from vc.ob3 import RecipientIdentity
from verifier.intake import fetch_shared, from_upload
from verifier.report import verify_credential
from verifier.web.bodies import (
    RECIPIENT_FIELD,
    credential_body,
    destination,
    enveloped,
    form_recipient,
    recipient_of,
    refuse_identity_in_url,
)
from verifier.web.state import state

bp = Blueprint("api", __name__)


def _credential() -> tuple[Any, RecipientIdentity | None]:
    if request.mimetype == "multipart/form-data":
        return _uploaded(), form_recipient()
    body = credential_body()
    if isinstance(body, str) or "@context" in body:
        return body, None
    recipient = recipient_of(body.get(RECIPIENT_FIELD), "/" + RECIPIENT_FIELD)
    if set(body) - {RECIPIENT_FIELD} == {"url"}:
        url = body["url"]
        if not isinstance(url, str):
            raise MalformedValueError(Message("'url' must be a string"), pointer="/url")
        return fetch_shared(url, state().fetcher).credential, recipient
    if "verifiableCredential" in body:
        return enveloped(body["verifiableCredential"], "/verifiableCredential"), recipient
    return body, recipient  # not a credential: the report's format check says why


def _uploaded() -> Any:
    """The multipart field ``file``, read as the upload page reads it (a credential file, a
    diploma PDF, a QR image). Raises ParsingError."""
    upload = request.files.get("file")
    if upload is None:
        raise ParsingError(
            "send the credential, diploma PDF or QR image in the multipart field 'file'"
        )
    return from_upload(upload.read(), state().fetcher).credential


@bp.post("/api/verify")
def verify() -> Response:
    """200 with the report (``verdict``, ``headline``, ``sections``, ``checks``, ...)."""
    refuse_identity_in_url()
    country = destination(request.args.get("for"))
    credential, recipient = _credential()
    web = state()
    report = verify_credential(credential, web.context(), destination=country, recipient=recipient)
    web.metrics.verified("credential", report.verdict)
    response = jsonify(report.to_dict())
    response.headers["Cache-Control"] = "no-store"
    return response
