"""Diploma PDFs: the graduate's from their holder page, a batch's as one ZIP from the console.

Each PDF's QR code points to the verifier link of a share link made for that PDF (no expiry,
created by the holder or by the registrar who downloads the batch; the audit log has its
``share.create`` and a ``diploma.pdf`` entry naming the link). A printed diploma cannot be
updated, so it gets its own link: the graduate sees it among their share links, with its view
count, and can stop it without touching the links they sent by e-mail; a new PDF gets a new link.

Each PDF is printed in its reader's language (issuer.i18n): the graduate's in the language of the
page they asked from, a batch's each in its graduate's (the degree's language of instruction,
else the issuer's ``mail_language``, as their e-mail). The batch ZIP is streamed: one PDF is
rendered, compressed and sent at a time, so memory does not grow with the cohort. Revoked
credentials are left out; ``index.csv`` at the end of the archive lists every issued row and its
file (or why there is none).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

from flask import Blueprint, Response, request, stream_with_context

from diplomat_ops.i18n import current_language
from issuer.i18n import texts
from issuer.service.mail import credential_language
from issuer.store import Credential
from issuer.web.auth import current_principal, require_login
from issuer.web.diploma import diploma_view
from issuer.web.diplomapdf import (
    DiplomaLinks,
    content_disposition,
    pdf_filename,
    render_diploma_pdf,
    verifier_home,
)
from issuer.web.state import state
from vc.errors import MalformedValueError

bp = Blueprint("diplomas", __name__)


def diploma_pdf(
    credential: Credential, *, management_token: str | None, actor: str | None, language: str
) -> bytes:
    """The credential's diploma PDF in ``language`` (a catalogue), with a new share link for
    its QR code.

    Raises InvalidTokenError (wrong management token), NotFoundError.
    """
    service = state().service
    link, token, share_url = service.sharing.create_share_link(
        credential.id, management_token=management_token, actor=actor
    )
    service.context.audit(
        "holder" if management_token is not None else actor or "",
        "diploma.pdf",
        credential.id,
        {"link_id": link.id},
    )
    verifier_url = service.context.config.verifier_url
    links = DiplomaLinks(
        verify_link=service.sharing.verifier_link(token),
        share_url=share_url,
        verifier_home=verifier_home(verifier_url),
    )
    return render_diploma_pdf(
        diploma_view(credential.credential_json),
        credential.credential_json,
        links,
        now=service.context.now(),
        words=texts(language),
    )


@bp.post("/manage/<path:credential_id>/diploma.pdf")
def holder_pdf(credential_id: str) -> Response:
    """The graduate's "Download your diploma (PDF)" (a form POST: it makes a share link)."""
    token = request.form.get("token", "")
    if not token:
        raise MalformedValueError("the management link needs its token", pointer="/token")
    service = state().service
    # The management token is checked before anything is read or made (create_share_link).
    service.sharing.list_share_links(credential_id, management_token=token)
    credential = service.issuing.get_credential(credential_id)
    # In the language of the page it was asked from (its form posts lang).
    pdf = diploma_pdf(credential, management_token=token, actor=None, language=current_language())
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(credential.diploma_number)
    response.headers["Cache-Control"] = "no-store"
    return response


class _Sink(io.RawIOBase):
    """A write-only stream that hands what was written to the response, chunk by chunk.

    It tells its position but cannot seek, so zipfile writes each entry's sizes after its data
    (a data descriptor) and never goes back: the archive can be sent as it is made."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def _batch_zip(batch_id: int, actor: str) -> Iterator[bytes]:
    service = state().service
    issued = [
        (r.row_number, r.credential_id)
        for r in service.batches.batch_rows(batch_id)
        if r.credential_id is not None and r.state == "issued"
    ]
    index = io.StringIO()
    table = csv.writer(index)
    table.writerow(["row", "diploma_number", "file", "note"])
    sink = _Sink()
    used: set[str] = set()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for row_number, credential_id in issued:
            credential = service.issuing.get_credential(credential_id)
            if credential.revoked:
                table.writerow([row_number, credential.diploma_number, "", "revoked"])
                continue
            name = pdf_filename(credential.diploma_number)
            if name in used:  # numbers that differ only in punctuation
                name = name.removesuffix(".pdf") + f"-row{row_number}.pdf"
            used.add(name)
            # Each graduate's diploma in their language, as their e-mail (credential_language).
            language = credential_language(credential, service.context.config.mail_language)
            pdf = diploma_pdf(credential, management_token=None, actor=actor, language=language)
            archive.writestr(name, pdf)
            table.writerow([row_number, credential.diploma_number, name, ""])
            yield sink.take()
        archive.writestr("index.csv", index.getvalue())
    yield sink.take()


@bp.post("/console/batches/<int:batch_id>/diplomas.zip")
@require_login()
def batch_pdfs(batch_id: int) -> Response:
    """Every issued diploma of a batch as a PDF, in one ZIP, streamed as it is made."""
    batch = state().service.batches.get_batch(batch_id)  # NotFoundError before the stream starts
    actor = current_principal().actor
    response = Response(
        stream_with_context(_batch_zip(batch.id, actor)), mimetype="application/zip"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="batch-{batch.id}-diplomas.zip"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
