"""The employer's pages: three ways in (paste, upload a file or QR image, a link), and the report.

``GET /verify?url=<share URL>`` is what the issuer's QR code opens: the share URL is fetched with
the safe fetcher (asking for JSON), verified, and the report rendered in one screen. ``for=``
picks the destination country (default: the configured one). No JavaScript is needed.

The paste and upload forms, and the report's "check for this country" form (``POST /verify`` for
a link), take an optional ``recipient``: the candidate's e-mail address or student number, for
the recipient check. It travels only in a POSTed form body, is never put in a URL, logged or
stored, and the page shows only its masked form; a ``recipient`` in a query string is refused.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, render_template, request

from vc.errors import ParsingError
from vc.ob3 import RecipientIdentity
from verifier.intake import Intake, fetch_shared, from_text, from_upload, share_url_of
from verifier.report import verify_credential
from verifier.web.bodies import destination, form_recipient, refuse_identity_in_url
from verifier.web.reportview import country_choices, country_names, report_view
from verifier.web.state import state

bp = Blueprint("pages", __name__)


def page(template: str, status: int = 200, **values: object) -> Response:
    """A page of the verifier (its templates share the country list and the demo banner)."""
    web = state()
    names = country_names(web.context().conventions)
    body = render_template(
        template,
        dev_mode=web.config.dev_mode,
        countries=country_choices(names, [web.config.country]),
        default_country=web.config.country,
        **values,
    )
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _country() -> str | None:
    return destination(request.values.get("for")) or state().config.country


def _report_page(
    intake: Intake, country: str | None, recipient: RecipientIdentity | None = None
) -> Response:
    web = state()
    context = web.context()
    started = time.perf_counter()
    report = verify_credential(intake.credential, context, destination=country, recipient=recipient)
    elapsed = time.perf_counter() - started
    names = country_names(context.conventions)
    return page(
        "report.html",
        view=report_view(report, names),
        intake=intake,
        chosen_country=country,
        recipient=recipient,
        elapsed=f"{elapsed:.2f}",
    )


def _shared(raw: str) -> Intake:
    if not raw.strip():
        raise ParsingError("no link given: open the link under the diploma's QR code, or paste it")
    url = share_url_of(raw.strip()) or raw.strip()
    return fetch_shared(url, state().fetcher)


@bp.get("/")
def landing() -> Response:
    return page("landing.html")


@bp.get("/verify")
def verify_link() -> Response:
    """What the QR code opens: ``/verify?url=<share URL>[&for=JP]``. Without a link (someone
    typed the address, or a form was sent empty) it is the landing page, saying what to give."""
    refuse_identity_in_url()
    country = _country()  # a bad country is refused before anything is fetched
    url = request.args.get("url", "")
    if not url.strip():
        return page(
            "landing.html",
            notice=(
                "To check a degree, open the link under the diploma's QR code, enter that link "
                "below, upload the credential file, or paste it."
            ),
        )
    return _report_page(_shared(url), country)


@bp.post("/verify")
def verify_link_form() -> Response:
    """The report page's form for a link: the same as the GET, plus the candidate's identity."""
    refuse_identity_in_url()
    country = _country()
    recipient = form_recipient()
    return _report_page(_shared(request.form.get("url", "")), country, recipient)


@bp.post("/verify/paste")
def verify_paste() -> Response:
    refuse_identity_in_url()
    country = _country()
    recipient = form_recipient()
    text = request.form.get("credential", "")
    if not text.strip():
        raise ParsingError("nothing was pasted: paste the credential (JSON or VC-JWT) or a link")
    return _report_page(from_text(text, state().fetcher), country, recipient)


@bp.post("/verify/upload")
def verify_upload() -> Response:
    refuse_identity_in_url()
    country = _country()
    recipient = form_recipient()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ParsingError("no file was chosen: pick a credential file or a photo of the QR code")
    data = upload.read()
    return _report_page(from_upload(data, state().fetcher), country, recipient)
