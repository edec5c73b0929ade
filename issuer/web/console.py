"""The registrar console: server-rendered pages to log in, issue one degree, upload a cohort and
watch it run, search credentials, and revoke / suspend / reinstate them with a reason.

Every POST carries the session's CSRF token (auth.require_login checks it); the login form does
too, so a login cannot be forced from another site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from issuer.degree import CSV_COLUMNS, REQUIRED_COLUMNS, InputError, parse_csv_row
from issuer.errors import PossibleDuplicateDegreeError
from issuer.service import BatchFormat, IssuedClaim
from issuer.service.claims_csv import claim_links_csv
from issuer.web.api import (
    batch_json,
    batch_report,
    count_credentials,
    credential_status,
    find_credentials,
)
from issuer.web.auth import (
    check_csrf,
    current_principal,
    log_in,
    log_out,
    redirect_to,
    require_login,
    safe_next,
)
from issuer.web.diploma import diploma_view
from issuer.web.requests import whole_number
from issuer.web.state import state
from vc.errors import DiplomatError, MalformedValueError
from vc.ob3 import DEGREE_TYPES

bp = Blueprint("console", __name__, url_prefix="/console")

PAGE_SIZE = 25
MAX_OFFSET = 10**9
MAX_REASON = 500


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"
    required: bool = False
    hint: str = ""
    options: tuple[tuple[str, str], ...] = ()
    numeric: bool = False
    wide: bool = False


_LEVELS = (
    ("", "from the award type"),
    ("5", "5 — short-cycle tertiary"),
    ("6", "6 — bachelor's"),
    ("7", "7 — master's"),
    ("8", "8 — doctoral"),
)
SECTIONS: tuple[tuple[str, tuple[Field, ...]], ...] = (
    (
        "Graduate",
        (
            Field("given_name", "Given name"),
            Field("family_name", "Family name"),
            Field("full_name", "Full name as printed", hint="Or give the given name."),
            Field("student_number", "Student number"),
            Field(
                "email",
                "E-mail",
                "email",
                hint="The claim link is e-mailed here (when mail is set up); the credential "
                "holds only a salted hash.",
            ),
            Field("subject_id", "Graduate's DID (optional)", hint="e.g. did:key:z6Mk…"),
        ),
    ),
    (
        "Degree",
        (
            Field(
                "achievement_type",
                "Award type",
                required=True,
                options=tuple((t, t) for t in DEGREE_TYPES),
            ),
            Field("degree_title", "Degree title", required=True, wide=True),
            Field("field_of_study", "Field of study", required=True),
            Field("specialization", "Specialization"),
            Field("programme_code", "Programme code"),
            Field("isced_field", "ISCED-F 2013 field code", required=True, hint="e.g. 0613"),
            Field("isced_level", "ISCED 2011 level", options=_LEVELS),
            Field("eqf_level", "EQF level"),
            Field("national_level", "National framework level"),
            Field("language_of_instruction", "Language of instruction", hint="e.g. kk, ru, en"),
        ),
    ),
    (
        "Award",
        (
            Field("diploma_number", "Diploma number", required=True),
            Field("awarded_date", "Date awarded", "date", required=True),
            Field("ects_available", "ECTS of the programme", numeric=True),
            Field("ects_earned", "ECTS earned", numeric=True),
            Field("classification", "Classification", hint="e.g. With honours"),
            Field("gpa", "GPA", numeric=True),
            Field("gpa_scale", "GPA scale", numeric=True, hint="e.g. 4"),
            Field("description", "Description", "textarea", wide=True),
            Field("criteria", "Criteria", "textarea", wide=True),
        ),
    ),
)
LABELS = {f.name: f.label for _section, fields in SECTIONS for f in fields}


@bp.app_context_processor
def _console_context() -> dict[str, Any]:
    from issuer.web.auth import console_principal

    return {"principal": console_principal(), "status_of": credential_status}


# ------------------------------------------------------------------ session


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    next_target = request.values.get("next", "")
    if request.method == "GET":
        return render_template("login.html", next=next_target, username="", error=None)
    check_csrf()
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    try:
        log_in(username, password)
    except DiplomatError:
        # One message for an unknown user and a wrong password: no account enumeration.
        page = render_template(
            "login.html", next=next_target, username=username, error="Wrong username or password."
        )
        return Response(page, status=401, mimetype="text/html")
    return redirect_to(safe_next(next_target))


@bp.post("/logout")
@require_login()
def logout() -> WerkzeugResponse:
    log_out()
    return redirect_to("/console/login")


# ------------------------------------------------------------------ pages


@bp.get("/")
@require_login()
def dashboard() -> str:
    service = state().service
    issuer = service.context.issuer()
    return render_template(
        "dashboard.html",
        issuer=issuer,
        count=count_credentials(),
        items=find_credentials(None, limit=10, offset=0),
    )


@bp.route("/issue", methods=["GET", "POST"])
@require_login()
def issue() -> Any:
    values: dict[str, str] = {}
    if request.method == "GET":
        return _issue_form(values, [])
    values = {name: request.form.get(name, "") for name in CSV_COLUMNS}
    try:
        inp = parse_csv_row(values, 1)
    except InputError as exc:
        return _issue_form(values, list(exc.problems), status=400)
    web = state()
    service = web.service
    allow = request.form.get("confirm_duplicate") == "yes"
    try:
        issued = service.issuing.issue_degree(
            inp, actor=current_principal().actor, allow_duplicate=allow
        )
    except PossibleDuplicateDegreeError as exc:
        # Warn and ask: the form comes back filled in, with a confirming button.
        return _issue_form(values, [], exc.status, duplicate=exc.detail)
    except DiplomatError as exc:
        field = (exc.pointer or "").lstrip("/")
        return _issue_form(values, [(field if field in LABELS else "", exc.detail)], exc.status)
    web.metrics.issued_one()
    web.wake_mail()
    credential = service.issuing.get_credential(issued.credential_id)
    page = render_template(
        "issued.html",
        credential=credential,
        management_url=issued.management_url,
        share_url=issued.share_url,
        claim_url=issued.claim_url,
        claim_expires_at=issued.claim_expires_at,
        mailed=bool(inp.email and web.config.mail_enabled),
    )
    return Response(page, status=201, mimetype="text/html")


def _issue_form(
    values: dict[str, str],
    errors: list[tuple[str, str]],
    status: int = 200,
    *,
    duplicate: str | None = None,
) -> Any:
    page = render_template(
        "issue.html",
        sections=SECTIONS,
        values=values,
        errors=errors,
        error_fields={field for field, _reason in errors},
        labels=LABELS,
        duplicate=duplicate,
    )
    return Response(page, status=status, mimetype="text/html")


@bp.route("/batches/new", methods=["GET", "POST"])
@require_login()
def upload() -> Any:
    if request.method == "GET":
        return _upload_form(None)
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        return _upload_form("Choose a CSV or JSON file to upload.", 400)
    source = upload_file.read()
    name = upload_file.filename.lower()
    is_json = name.endswith(".json") or upload_file.mimetype == "application/json"
    fmt: BatchFormat = "json" if is_json else "csv"
    web = state()
    try:
        if not source.strip():
            raise MalformedValueError("the file is empty")
        batch = web.service.batches.create_batch(source, fmt, actor=current_principal().actor)
        duplicates = web.service.batches.possible_duplicates(batch.id)
    except DiplomatError as exc:
        return _upload_form(f"{exc.title}: {exc.detail}", exc.status)
    if duplicates:
        # Nothing is issued yet: the registrar confirms these rows (or uploads a fixed file).
        page = render_template("batch_confirm.html", batch=batch, duplicates=duplicates)
        return Response(page, status=409, mimetype="text/html")
    web.runner.start(batch.id)
    return redirect_to(f"/console/batches/{batch.id}")


@bp.post("/batches/<int:batch_id>/start")
@require_login()
def start_batch(batch_id: int) -> WerkzeugResponse:
    """Start a batch the registrar confirmed despite possible duplicate degrees."""
    web = state()
    web.service.batches.get_batch(batch_id)
    web.runner.start(batch_id)
    return redirect_to(f"/console/batches/{batch_id}")


def _upload_form(error: str | None, status: int = 200) -> Any:
    config = state().config
    page = render_template(
        "upload.html",
        error=error,
        columns=CSV_COLUMNS,
        required=REQUIRED_COLUMNS,
        max_rows=config.max_batch_rows,
        max_mb=round(config.max_upload_bytes / 1024 / 1024, 1),
    )
    return Response(page, status=status, mimetype="text/html")


@bp.get("/batches/<int:batch_id>")
@require_login()
def batch(batch_id: int) -> str:
    web = state()
    report = batch_report(batch_id)
    progress = web.service.batches.batch_progress(batch_id)
    done = progress.state in ("done", "failed")
    rows = report["rows"]
    pending = sum(1 for r in rows if r.get("claim") and not r["claim"]["handedOut"])
    message = {"renewed": "New claim links made: the earlier ones no longer work."}.get(
        request.args.get("claims", "")
    )
    return render_template(
        "batch.html",
        progress=progress,
        rows=rows,
        done=done,
        mail=report["mail"],
        mail_enabled=web.config.mail_enabled,
        links_pending=pending,
        links_total=sum(1 for r in rows if r.get("claim")),
        message=message,
    )


@bp.post("/batches/<int:batch_id>/claim-links")
@require_login()
def batch_claim_links(batch_id: int) -> Response:
    """The batch's claim links as CSV, handed out once (the issuer keeps only their hashes)."""
    exports = state().service.claims.take_batch_links(batch_id, actor=current_principal().actor)
    response = Response(claim_links_csv(exports), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="batch-{batch_id}-claim-links.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/batches/<int:batch_id>/claim-links/renew")
@require_login()
def batch_renew_claim_links(batch_id: int) -> WerkzeugResponse:
    """New claim links for the whole batch (a lost CSV): the old ones stop working."""
    web = state()
    send = request.form.get("send_mail") == "yes"
    web.service.claims.renew_batch_links(batch_id, actor=current_principal().actor, send_mail=send)
    if send:
        web.wake_mail()
    return redirect_to(url_for("console.batch", batch_id=batch_id, claims="renewed"))


@bp.get("/batches/<int:batch_id>/progress.json")
@require_login()
def batch_progress(batch_id: int) -> Response:
    body = batch_json(state().service.batches.batch_progress(batch_id))
    response = Response(_dumps(body), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/credentials")
@require_login()
def credentials() -> str:
    q = request.args.get("q", "").strip() or None
    offset = whole_number(request.args.get("offset") or "0", "offset", 0, MAX_OFFSET)
    items = find_credentials(q, limit=PAGE_SIZE, offset=offset)
    return render_template("credentials.html", items=items, q=q, offset=offset, limit=PAGE_SIZE)


@bp.get("/credentials/<path:credential_id>")
@require_login()
def credential(credential_id: str) -> str:
    updated = request.args.get("updated", "")
    message = (
        f"{_ACTIONS[updated][2]}. The status list is updated." if updated in _ACTIONS else None
    )
    return _credential_page(credential_id, message)


def _credential_page(
    credential_id: str,
    message: str | None,
    claim: IssuedClaim | None = None,
) -> str:
    web = state()
    service = web.service
    found = service.issuing.get_credential(credential_id)
    return render_template(
        "credential.html",
        credential=found,
        view=diploma_view(found.credential_json),
        status=credential_status(found),
        message=message,
        claim_url=claim.url if claim else None,
        management_url=service.context.management_url(credential_id, claim.token)
        if claim
        else None,
        claim=service.claims.live_link(credential_id),
        messages=service.store.outbox.credential_messages(credential_id),
        mail_enabled=web.config.mail_enabled,
    )


@bp.post("/credentials/<path:credential_id>/management-link")
@require_login()
def new_management_link(credential_id: str) -> str:
    """Make a new claim link and show it once (the old one stops working): for a graduate who
    lost theirs or let it expire; e-mailed too when asked and an address is known."""
    web = state()
    send = request.form.get("send_mail") == "yes"
    claim = web.service.claims.new_link(
        credential_id, actor=current_principal().actor, send_mail=send
    )
    if send:
        web.wake_mail()
    return _credential_page(
        credential_id, "New claim link made; any earlier one no longer works.", claim
    )


_ACTIONS = {
    "revoke": ("revocation", True, "Revoked"),
    "suspend": ("suspension", True, "Suspended"),
    "reinstate": ("suspension", False, "Reinstated"),
}


@bp.post("/credentials/<path:credential_id>/status")
@require_login()
def change_status(credential_id: str) -> Any:
    """Suspend, reinstate or revoke; revoking asks first (a confirmation page, no script)."""
    action = request.form.get("action", "")
    if action not in _ACTIONS:
        raise MalformedValueError("action must be revoke, suspend or reinstate", pointer="/action")
    reason = request.form.get("reason", "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise MalformedValueError(
            f"give a reason of 1 to {MAX_REASON} characters", pointer="/reason"
        )
    note = request.form.get("public_note", "").strip()
    if len(note) > MAX_REASON:
        raise MalformedValueError(
            f"the public note is longer than {MAX_REASON} characters", pointer="/public_note"
        )
    service = state().service
    if action == "revoke" and request.form.get("confirm") != "yes":
        found = service.issuing.get_credential(credential_id)
        page = render_template(
            "confirm_revoke.html", credential=found, reason=reason, public_note=note
        )
        return Response(page, mimetype="text/html")
    purpose, value, _done = _ACTIONS[action]
    service.status.set_status(
        credential_id,
        purpose,
        value,
        reason,
        actor=current_principal().actor,
        public_note=note if note or action == "reinstate" else None,
    )
    # Post/redirect/get: reloading the page must not repeat the change.
    return redirect_to(url_for("console.credential", credential_id=credential_id, updated=action))


@bp.get("/credentials/<path:credential_id>/download")
@require_login()
def download(credential_id: str) -> Response:
    found = state().service.issuing.get_credential(credential_id)
    response = Response(found.credential_json, mimetype="application/json")
    filename = "diploma-" + "".join(
        c if c.isascii() and c.isalnum() else "-" for c in found.diploma_number
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
