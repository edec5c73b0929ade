"""The employer's pages: three ways in (paste, upload a file or QR image, a link), and the report.

``GET /verify?url=<share URL>`` is what the issuer's QR code opens: the share URL is fetched with
the safe fetcher (asking for JSON), verified, and the report rendered in one screen. ``for=``
picks the destination country (default: the configured one). No JavaScript is needed.

The paste and upload forms, and the report's "check for this country" form (``POST /verify`` for
a link), take an optional ``recipient``: the candidate's e-mail address or student number, for
the recipient check. It travels only in a POSTed form body, is never put in a URL, logged or
stored, and the page shows only its masked form; a ``recipient`` in a query string is refused.

Every page is in the reader's language (``?lang=`` or a ``lang`` form field, else
Accept-Language: verifier.web.i18n). ``POST /verify/record`` returns the verification record,
one A4 PDF page (verifier.web.record), for the same link or credential text.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request
from flask_babel import force_locale

from vc.errors import ParsingError
from vc.ob3 import RecipientIdentity
from verifier.intake import Intake, fetch_shared, from_text, from_upload, share_url_of
from verifier.pdfinput import printed_check
from verifier.report import verify_credential
from verifier.web.bodies import destination, form_recipient, refuse_identity_in_url
from verifier.web.i18n import N_, current_language
from verifier.web.record import RecordFacts, credential_digest, record_language, render_record
from verifier.web.reportview import country_choices, country_codes, report_view
from verifier.web.state import state
from verifier.web.viewtext import _

bp = Blueprint("pages", __name__)


def page(template: str, status: int = 200, **values: object) -> Response:
    """A page of the verifier (its templates share the country list and the demo banner)."""
    web = state()
    codes = country_codes(web.context().conventions)
    body = render_template(
        template,
        dev_mode=web.config.dev_mode,
        countries=country_choices(codes, [web.config.country]),
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
    web.metrics.verified("credential", report.verdict)
    return page(
        "report.html",
        view=report_view(report),
        intake=intake,
        printed=printed_check(intake.printed, report.summary),
        chosen_country=country,
        recipient=recipient,
        elapsed=f"{elapsed:.2f}",
        digest=credential_digest(intake.credential),
        verifier_url=web.config.base_url,
    )


def _recheck_link(intake: Intake, country: str | None) -> str:
    base = state().config.base_url
    if intake.source_url is None:
        return base + "/"
    query = [("url", intake.source_url)] + ([("for", country)] if country else [])
    return base + "/verify?" + urlencode(query)


def _record(intake: Intake, country: str | None) -> Response:
    """The verification record PDF, in the page's language when a font covers its script."""
    web = state()
    report = verify_credential(intake.credential, web.context(), destination=country)
    language = current_language()
    written = record_language(language, web.config.record_font)
    with force_locale(written):
        view = report_view(report)
        credential_id = report.credential.get("id") if report.credential else None
        facts = RecordFacts(
            verifier=web.config.base_url,
            recheck=_recheck_link(intake, country),
            digest=credential_digest(intake.credential),
            credential_id=credential_id if isinstance(credential_id, str) else None,
            via=intake.via,
        )
        pdf = render_record(
            view,
            facts,
            web.config.record_font,
            wanted=None if written == language else language,
        )
    stamp = report.checked_at.strftime("%Y%m%dT%H%M%SZ")
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="verification-record-{stamp}.pdf"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _shared(raw: str) -> Intake:
    if not raw.strip():
        raise ParsingError(
            N_("no link given: open the link under the diploma's QR code, or paste it")
        )
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
            notice=_(
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
        raise ParsingError(
            N_("nothing was pasted: paste the credential (JSON or VC-JWT) or a link")
        )
    return _report_page(from_text(text, state().fetcher), country, recipient)


@bp.post("/verify/upload")
def verify_upload() -> Response:
    refuse_identity_in_url()
    country = _country()
    recipient = form_recipient()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ParsingError(
            N_("no file was chosen: pick a credential file or a photo of the QR code")
        )
    data = upload.read()
    return _report_page(from_upload(data, state().fetcher), country, recipient)


@bp.post("/verify/record")
def verification_record() -> Response:
    """The report page's "download the verification record": the same link or credential text,
    verified again now, as one A4 PDF page (the candidate's identity is never part of it)."""
    refuse_identity_in_url()
    country = _country()
    if request.form.get("url", "").strip():
        intake = _shared(request.form["url"])
    else:
        text = request.form.get("credential", "")
        if not text.strip():
            raise ParsingError(N_("nothing to record: give the share link or the credential"))
        intake = from_text(text, state().fetcher)
    return _record(intake, country)
