"""Bulk verification over HTTP: a page for admissions offices and a JSON API, one job store.

    GET  /verify/bulk                        the upload form (a CSV of links or a ZIP of files)
    POST /verify/bulk                        start a job from the form: 303 to its page
    GET  /verify/bulk/<id>                   progress (a bar polled by a small script, and a
                                             refresh link without JavaScript), then the results
    POST /api/verify/bulk?for=JP             start a job: the CSV (text/csv), the ZIP
                                             (application/zip) or a multipart ``file``; 202 with
                                             Location and the job's progress
    GET  /api/verify/bulk/<id>               progress: state, total, done, percent, links
    GET  /api/verify/bulk/<id>/results       the rows as JSON (409 until the job has finished)
    GET  /api/verify/bulk/<id>/results.csv   the rows as CSV (409 until the job has finished)

The job id is random and is the only key to the results (they name graduates). Work is bounded:
rows per job (413 above), jobs running per client address and jobs held per process (429 with
Retry-After), and a fixed pool of threads per process; progress and results are read from the
database, so any worker process answers for any job.

The pages are in the reader's language (verifier.web.i18n; the form's hidden ``lang`` field is
carried to the job's page, and the page hands its script the translated sentences and verdict
labels in data- attributes). The JSON's fields and the CSV's columns stay fixed English codes.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, TypeVar

from flask import Blueprint, Response, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext
from werkzeug.exceptions import Conflict, NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from vc.errors import ParsingError
from verifier.bulk.inputs import BulkItem, Limits, parse_upload
from verifier.bulk.rows import COLUMNS, INPUT_ERROR, to_csv, verify_item
from verifier.web.bodies import destination
from verifier.web.i18n import N_, catalogue_of, country_name
from verifier.web.pages import page
from verifier.web.state import state

if TYPE_CHECKING:  # the job store (SQLAlchemy) is imported by the first bulk job
    from verifier.bulk.store import JobProgress

bp = Blueprint("bulk", __name__)
R = TypeVar("R", bound=WerkzeugResponse)
_l = lazy_gettext
# The pages' words for a row's verdict (the JSON and the CSV keep the codes, the keys here).
VERDICT_LABELS = {
    "verified": _l("Verified"),
    "verified_with_warnings": _l("Genuine, with warnings"),
    "not_verified": _l("Not verified"),
    "could_not_verify": _l("Could not be verified"),
    INPUT_ERROR: _l("Not checked"),
}
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")


@bp.before_request
def _bulk_body_limit() -> None:
    # Uploads of hundreds of links or files are larger than one credential.
    request.max_content_length = state().config.bulk_max_upload_bytes


def _country() -> str | None:
    return destination(request.values.get("for")) or state().config.country


def _start(data: bytes, filename: str, country: str | None) -> str:
    """Parse the upload, create the job and start it; its id."""
    web = state()
    config = web.config
    items: list[BulkItem] = parse_upload(
        data, filename=filename, limits=Limits(max_items=config.bulk_max_rows)
    )
    runner = web.bulk
    runner.reserve()
    try:
        job_id = runner.store.create(
            client=request.remote_addr or "unknown",
            total=len(items),
            destination=country,
            max_running=config.bulk_jobs_per_client,
        )
    except BaseException:
        runner.release()
        raise
    verify = partial(verify_item, context=web.context(), fetcher=web.fetcher, destination=country)
    runner.start(job_id, items, verify)
    return job_id


def _upload() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ParsingError(
            N_("no file was chosen: pick a CSV of share links or a ZIP of credential files")
        )
    return upload.read(), upload.filename


def _progress(job_id: str) -> JobProgress:
    progress = state().bulk.store.progress(job_id)
    if progress is None:
        raise NotFound(N_("no such bulk job (results are kept for a limited time)"))
    return progress


def _finished(job_id: str) -> JobProgress:
    progress = _progress(job_id)
    if not progress.finished:
        raise Conflict(
            f"the job has not finished yet ({progress.done} of {progress.total} checked): "
            "poll its progress"
        )
    return progress


def _progress_body(progress: JobProgress) -> dict[str, object]:
    body = progress.to_dict()
    body["links"] = {
        "self": url_for("bulk.api_progress", job_id=progress.id),
        "page": url_for("bulk.job_page", job_id=progress.id),
        "results": url_for("bulk.api_results", job_id=progress.id),
        "results_csv": url_for("bulk.results_csv", job_id=progress.id),
    }
    return body


def _no_store(response: R) -> R:
    response.headers["Cache-Control"] = "no-store"
    return response


# --- pages ----------------------------------------------------------------------------------------


@bp.get("/verify/bulk")
def form() -> Response:
    return page("bulk.html", max_rows=state().config.bulk_max_rows)


@bp.post("/verify/bulk")
def form_submit() -> WerkzeugResponse:
    country = _country()
    data, filename = _upload()
    job_id = _start(data, filename, country)
    # The job's page in the language the form was in (its hidden ``lang`` field).
    lang = catalogue_of(request.form.get("lang"))
    return _no_store(redirect(url_for("bulk.job_page", job_id=job_id, lang=lang), code=303))


@bp.get("/verify/bulk/<job_id>")
def job_page(job_id: str) -> Response:
    progress = _progress(job_id)
    rows = state().bulk.store.results(job_id) if progress.finished else []
    labels = _labels()
    return page(
        "bulk_job.html",
        job=progress,
        rows=rows,
        labels=labels,
        destination_name=country_name(progress.destination),
        counts=_counts([row.verdict for row in rows], labels),
    )


def _labels() -> dict[str, str]:
    """The verdicts' words in the reader's language (also handed to the page's script)."""
    return {verdict: str(label) for verdict, label in VERDICT_LABELS.items()}


def _counts(verdicts: list[str], labels: dict[str, str]) -> list[tuple[str, str, int]]:
    return [
        (verdict, label, verdicts.count(verdict))
        for verdict, label in labels.items()
        if verdict in verdicts
    ]


# --- API ------------------------------------------------------------------------------------------


@bp.post("/api/verify/bulk")
def api_start() -> Response:
    """202 with the new job's progress and a Location to poll."""
    country = _country()
    if request.mimetype == "multipart/form-data":
        data, filename = _upload()
    else:
        data = request.get_data(cache=False)
        filename = "upload.zip" if request.mimetype in ZIP_TYPES else ""
    job_id = _start(data, filename, country)
    response = jsonify(_progress_body(_progress(job_id)))
    response.status_code = 202
    response.headers["Location"] = url_for("bulk.api_progress", job_id=job_id)
    return _no_store(response)


@bp.get("/api/verify/bulk/<job_id>")
def api_progress(job_id: str) -> Response:
    return _no_store(jsonify(_progress_body(_progress(job_id))))


@bp.get("/api/verify/bulk/<job_id>/results")
def api_results(job_id: str) -> Response:
    progress = _finished(job_id)
    rows = state().bulk.store.results(job_id)
    body = {
        "job": _progress_body(progress),
        "columns": list(COLUMNS),
        "rows": [row.to_dict() for row in rows],
    }
    return _no_store(jsonify(body))


@bp.get("/api/verify/bulk/<job_id>/results.csv")
def results_csv(job_id: str) -> Response:
    _finished(job_id)
    text = to_csv(state().bulk.store.results(job_id))
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="diplomat-results-{job_id[:8]}.csv"'
    )
    return _no_store(response)
