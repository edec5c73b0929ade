"""Diplomat's own API: ``POST /api/verify?for=JP`` returns the full verification report.

The body is the credential itself (JSON-LD object, or a compact VC-JWT as text), or
``{"verifiableCredential": ...}``, or ``{"url": "<share URL>"}`` (fetched with the safe
fetcher, as the QR code's page does). A credential that fails verification is a report: 200.
Only a malformed request is 4xx (not JSON, no credential, bad country, refused URL).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from vc.errors import MalformedValueError
from verifier.intake import fetch_shared
from verifier.report import verify_credential
from verifier.web.bodies import credential_body, destination, enveloped
from verifier.web.state import state

bp = Blueprint("api", __name__)


def _credential() -> Any:
    body = credential_body()
    if isinstance(body, str) or "@context" in body:
        return body
    if set(body) == {"url"}:
        url = body["url"]
        if not isinstance(url, str):
            raise MalformedValueError("'url' must be a string", pointer="/url")
        return fetch_shared(url, state().fetcher).credential
    if "verifiableCredential" in body:
        return enveloped(body["verifiableCredential"], "/verifiableCredential")
    return body  # not a credential: the report's format check says why


@bp.post("/api/verify")
def verify() -> Response:
    """200 with the report (``verdict``, ``headline``, ``sections``, ``checks``, ...)."""
    country = destination(request.args.get("for"))
    credential = _credential()
    report = verify_credential(credential, state().context(), destination=country)
    response = jsonify(report.to_dict())
    response.headers["Cache-Control"] = "no-store"
    return response
