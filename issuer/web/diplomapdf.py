"""The diploma as a PDF: one printable A4 page that carries its signed credential (fpdf2).

The page shows what the paper diploma shows (institution, graduate, degree, field, award date,
classification, diploma number) and a QR code to the verifier link of a share link made for this
PDF; its labels and its "how to verify" are in the reader's language (issuer.i18n), the
credential's values as issued, the award date as CLDR writes a day. The credential itself, byte
for byte as stored, is embedded as a standard PDF file attachment (ISO 32000-1 §7.11.4 embedded
file streams, listed in the document's EmbeddedFiles name tree) named
``diploma-credential.json``, with the PDF 2.0 / PDF/A-3 ``AFRelationship`` ``Source``: the
credential is the source the printed page was made from. A verifier extracts and verifies it; the
printed text is only its rendering.

The font is Debian's ``fonts-dejavu-core`` (Latin, Cyrillic, Greek), with ``fonts-wqy-microhei``
for Chinese, Japanese and Korean text (the Makefile installs both); without DejaVu the page falls
back to a core PDF font and prints characters it cannot encode as "?".
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import qrcode
from fpdf import FPDF

from issuer.i18n import Texts, _, texts
from issuer.web.diploma import DiplomaView, degree_kind
from vc.languages import CJK_LANGUAGES

DEBIAN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEBIAN_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
FALLBACK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CJK_START = 0x2E80  # CJK radicals onwards: kana, Hangul, ideographs (DejaVu has none of them)
ATTACHMENT_NAME = "diploma-credential.json"
# VC-DM 2.0 §6.3: application/vc is the media type of a credential secured with an embedded proof.
ATTACHMENT_TYPE = "application/vc"
MAX_FIELD = 240  # characters of one printed value: the diploma is one page, whatever the input
QR_SIZE = 46.0  # millimetres: scans from a phone at arm's length, decodes from a 150 dpi render


@dataclass(frozen=True)
class DiplomaLinks:
    """Where the PDF sends a reader: the verifier link (the QR code), the share URL it checks,
    and the verifier's own address (to upload the PDF)."""

    verify_link: str
    share_url: str
    verifier_home: str


def pdf_filename(diploma_number: str, *, ascii_only: bool = False) -> str:
    """``diploma-<number>.pdf``: letters and digits kept (ASCII ones only if ``ascii_only``),
    every other run of characters one '-'."""
    kept = "".join(
        c if c.isalnum() and (c.isascii() or not ascii_only) else " " for c in diploma_number
    )
    return f"diploma-{'-'.join(kept.split()) or 'credential'}.pdf"


def content_disposition(diploma_number: str) -> str:
    """An attachment header for the diploma's PDF: an ASCII name for every client and the
    UTF-8 one (RFC 6266 §4.3, RFC 8187) for those that read it."""
    name, fallback = pdf_filename(diploma_number), pdf_filename(diploma_number, ascii_only=True)
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def verifier_home(verifier_url: str) -> str:
    """The verifier's upload page from its ``/verify`` URL (the configured DIPLOMAT_VERIFIER_URL)."""
    return verifier_url.removesuffix("/verify").rstrip("/") + "/"


def _qr_png(text: str) -> io.BytesIO:
    image = qrcode.make(text, border=2, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    buffer.seek(0)
    return buffer


def _number(value: object) -> float:
    """multi_cell's dry-run answer (its return type is a union of what its modes return)."""
    return float(value) if isinstance(value, int | float) else 0.0


class _Page:
    """The diploma's text blocks, clipped to one page's worth, drawn or only measured."""

    def __init__(self, pdf: FPDF, *, cjk: bool) -> None:
        self.pdf = pdf
        self.family = "Helvetica"
        if DEBIAN_FONT.is_file():
            pdf.add_font("Diploma", "", str(DEBIAN_FONT))
            pdf.add_font("Diploma", "B", str(DEBIAN_BOLD if DEBIAN_BOLD.is_file() else DEBIAN_FONT))
            self.family = "Diploma"
            if cjk and FALLBACK_FONT.is_file():
                # Names in Chinese, Japanese or Korean: glyphs DejaVu lacks come from here. Only
                # then: loading this large font costs more than the rest of the page.
                pdf.add_font("Fallback", "", str(FALLBACK_FONT))
                pdf.set_fallback_fonts(["Fallback"], exact_match=False)

    def clean(self, text: str, limit: int = MAX_FIELD) -> str:
        text = " ".join(text.split())
        text = text if len(text) <= limit else text[: limit - 1] + "…"
        if self.family == "Helvetica":
            return text.encode("latin-1", "replace").decode("latin-1")
        return text

    def line(self, text: str, size: float, bold: bool, gap: float, *, dry: bool = False) -> float:
        """A centred line; returns the height it takes (with ``dry``, draws nothing)."""
        if not text:
            return 0.0
        pdf = self.pdf
        pdf.set_font(self.family, "B" if bold else "", size)
        if dry:
            height = pdf.multi_cell(
                0, size * 0.45, self.clean(text), align="C", dry_run=True, output="HEIGHT"
            )
            return _number(height) + gap
        top = pdf.get_y()
        pdf.multi_cell(0, size * 0.45, self.clean(text), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)
        return float(pdf.get_y() - top)

    def fact(
        self, label: str, value: str, width: float, scale: float, *, dry: bool = False
    ) -> float:
        """A label and its value in the facts column; returns the height it takes."""
        if not value:
            return 0.0
        pdf = self.pdf
        pdf.set_font(self.family, "", 10 * scale)
        if dry:
            height = pdf.multi_cell(
                width - 42, 6 * scale, self.clean(value), dry_run=True, output="HEIGHT"
            )
            return _number(height)
        top = pdf.get_y()
        pdf.set_x(LEFT)
        pdf.set_font(self.family, "B", 10 * scale)
        pdf.cell(42, 6 * scale, self.clean(label))
        pdf.set_font(self.family, "", 10 * scale)
        pdf.multi_cell(width - 42, 6 * scale, self.clean(value), new_x="LMARGIN", new_y="NEXT")
        return float(pdf.get_y() - top)


# Font scales tried in turn until the page's text fits its boxes (long names and titles shrink).
SCALES = (1.0, 0.85, 0.72, 0.6, 0.5, 0.42)
LEFT = 22.0  # the text's left margin, mm
TOP = 22.0  # the institution's name starts here, mm
HOW_TOP = 40.0  # the "how to verify" block starts this far above the bottom edge, mm


def _header(page: _Page, view: DiplomaView, words: Texts, scale: float, dry: bool) -> float:
    return sum(
        page.line(text, size, bold, gap, dry=dry)
        for text, size, bold, gap in (
            (view.issuer_name, 20 * scale, True, 4 * scale),
            (words.text(_("certifies that")), 11, False, 3 * scale),
            (view.holder_name, 24 * scale, True, 3 * scale),
            (words.text(_("has been awarded the degree of")), 11, False, 3 * scale),
            (view.degree_title, 17 * scale, True, 6 * scale),
        )
    )


def _awarded(view: DiplomaView, words: Texts) -> str:
    """The award date as the reader's language writes a day (as given when it is not one)."""
    try:
        return words.long_date(date.fromisoformat(view.awarded_date))
    except ValueError:
        return view.awarded_date


def _facts(
    page: _Page, view: DiplomaView, words: Texts, width: float, scale: float, dry: bool
) -> float:
    field = view.field_of_study + (f" — {view.specialization}" if view.specialization else "")
    return sum(
        page.fact(words.text(label), value, width, max(scale, 0.7), dry=dry)
        for label, value in (
            (_("Award"), degree_kind(view, words.text)),
            (_("Field of study"), field),
            (_("Awarded on"), _awarded(view, words)),
            (_("Classification"), view.classification),
            (_("Credits"), view.credits),
            (_("Diploma number"), view.diploma_number),
        )
    )


def render_diploma_pdf(
    view: DiplomaView,
    credential_json: str,
    links: DiplomaLinks,
    *,
    now: datetime,
    words: Texts | None = None,
) -> bytes:
    """The diploma as PDF bytes: one A4 landscape page, the credential attached.

    ``credential_json`` is embedded exactly as given (the stored, signed text); ``now`` dates the
    attachment and the document; ``words`` are the page's texts in its reader's language
    (issuer.i18n, English by default; the credential's own values are printed as issued). Text
    too long for the page at full size is drawn smaller.
    """
    words = words if words is not None else texts(None)
    pdf = FPDF(orientation="landscape", format="A4", unit="mm")
    pdf.set_margins(LEFT, 20, LEFT)
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{view.degree_title} — {view.holder_name}")
    pdf.set_author(view.issuer_name)
    pdf.set_subject("Diploma with its signed W3C Verifiable Credential attached")
    pdf.set_creator("Diplomat issuer")
    pdf.set_creation_date(now)
    pdf.add_page()
    shown = (
        view.issuer_name,
        view.holder_name,
        view.degree_title,
        view.field_of_study,
        view.specialization,
        view.classification,
        view.diploma_number,
    )
    cjk = words.catalogue in CJK_LANGUAGES or any(
        ord(c) >= CJK_START for text in shown for c in text
    )
    page = _Page(pdf, cjk=cjk)
    width, height = pdf.w, pdf.h
    # The facts on the left; the QR code bottom right, under the full-width header.
    qr_x, qr_top = width - LEFT - QR_SIZE, height - 22 - QR_SIZE - 8
    facts_width = qr_x - LEFT - 8
    for scale in SCALES:
        header = _header(page, view, words, scale, dry=True)
        facts = _facts(page, view, words, facts_width, scale, dry=True)
        if TOP + header <= qr_top - 3 and TOP + header + facts <= height - HOW_TOP - 2:
            break

    # A double frame, as on the paper diploma.
    pdf.set_draw_color(40, 60, 110)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, width - 16, height - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, width - 22, height - 22)
    pdf.set_y(TOP)
    _header(page, view, words, scale, dry=False)
    _facts(page, view, words, facts_width, scale, dry=False)
    pdf.image(_qr_png(links.verify_link), x=qr_x, y=qr_top, w=QR_SIZE, h=QR_SIZE)
    pdf.set_xy(qr_x - 6, qr_top + QR_SIZE + 1)
    pdf.set_font(page.family, "B", 8)
    pdf.cell(QR_SIZE + 12, 4, page.clean(words.text(_("Scan to verify"))), align="C")

    pdf.set_xy(LEFT, height - HOW_TOP)
    pdf.set_font(page.family, "B", 9)
    pdf.cell(0, 5, page.clean(words.text(_("How to verify"))), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(page.family, "", 8)
    how = words.text(
        _(
            "Scan the QR code or open %(share_url)s to check the signature, the current status "
            "and the issuer's accreditation. Or upload this PDF at %(verifier)s: the signed "
            "credential is attached to it (%(file)s)."
        ),
        share_url=links.share_url,
        verifier=links.verifier_home,
        file=ATTACHMENT_NAME,
    )
    pdf.multi_cell(facts_width, 3.8, page.clean(how, limit=900), align="L")

    pdf.embed_file(
        bytes=credential_json.encode("utf-8"),
        basename=ATTACHMENT_NAME,
        modification_date=now,
        mime_type=ATTACHMENT_TYPE,
        associated_file_relationship="Source",
        desc="The signed W3C Verifiable Credential this diploma was printed from",
    )
    return bytes(pdf.output())


__all__ = [
    "ATTACHMENT_NAME",
    "DiplomaLinks",
    "content_disposition",
    "pdf_filename",
    "render_diploma_pdf",
    "verifier_home",
]
