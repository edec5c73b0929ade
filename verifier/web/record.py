"""The verification record: one A4 PDF page for an HR file (fpdf2, pure Python).

What was checked, when, by which verifier, the verdict, the credential's digest and a link to
re-check, in the reader's language; names from the credential are printed as they are. The font
is Debian's ``fonts-dejavu-core`` (Latin, Cyrillic) or the TTF named by ``DIPLOMAT_RECORD_FONT``,
with Debian's ``fonts-wqy-microhei`` (WenQuanYi Micro Hei: Chinese, Japanese kana, Korean Hangul)
as fpdf2's fallback for the characters it lacks (the Makefile installs both). A language whose script no installed font
covers (``record_language``) gets an English record that says why on the page; without any
Unicode font the record falls back to a core PDF font and prints characters it cannot encode as
"?", saying so on the page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rfc8785
from flask_babel import gettext, lazy_gettext

from vc.languages import CJK_LANGUAGES
from verifier.web.reportview import ReportView

if TYPE_CHECKING:
    from fpdf import FPDF  # imported when a record is rendered: 19 MiB a worker need not hold

DEBIAN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEBIAN_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# One font (a 5 MB collection, embedded as a subset of the glyphs used) for Han, kana and Hangul.
DEBIAN_CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
RECEIVED_AS = {
    "paste": lazy_gettext("pasted text"),
    "file": lazy_gettext("an uploaded file"),
    "qr": lazy_gettext("a photo of the QR code"),
    "link": lazy_gettext("a share link"),
}
MAX_FIELD = 300  # characters of one printed value: a record is one page, whatever the input


def _(message: str) -> str:
    return str(gettext(message))


def credential_digest(credential: Mapping[str, Any] | str) -> str:
    """SHA-256 (hex) of the credential: of its JCS form (RFC 8785) for JSON, so whitespace and
    key order do not change it; of the compact text for a VC-JWT."""
    if isinstance(credential, str):
        data = credential.strip().encode("utf-8")
    else:
        data = rfc8785.dumps(dict(credential))
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class RecordFacts:
    """What the record prints besides the report view."""

    verifier: str
    recheck: str
    digest: str
    credential_id: str | None
    via: str


def record_language(language: str, font_file: str | None = None) -> str:
    """The language the record can be written in: the reader's when an installed font covers
    its script (DejaVu or ``font_file`` for Latin and Cyrillic, the CJK fallback for Chinese,
    Japanese and Korean), else English."""
    if language in CJK_LANGUAGES:
        return language if DEBIAN_CJK_FONT.is_file() else "en"
    return language


def _font(pdf: FPDF, font_file: str | None) -> str | None:
    """Register a Unicode TTF (and the CJK fallback when installed); returns its family, or None
    when no font file is available."""
    regular = Path(font_file) if font_file else DEBIAN_FONT
    if not regular.is_file():
        return None
    pdf.add_font("Record", "", str(regular))
    bold = regular.with_name(regular.stem + "-Bold" + regular.suffix)
    if not bold.is_file() and regular == DEBIAN_FONT:
        bold = DEBIAN_BOLD
    pdf.add_font("Record", "B", str(bold if bold.is_file() else regular))
    if DEBIAN_CJK_FONT.is_file():
        pdf.add_font("RecordCJK", "", str(DEBIAN_CJK_FONT), collection_font_number=0)
        # The fallback has no bold face: bold CJK text is printed in its regular face.
        pdf.set_fallback_fonts(["RecordCJK"], exact_match=False)
    return "Record"


class _Writer:
    def __init__(self, pdf: FPDF, family: str | None) -> None:
        self.pdf = pdf
        self.family = family or "Helvetica"
        self.lossy = False

    def _clean(self, text: str) -> str:
        text = text if len(text) <= MAX_FIELD else text[: MAX_FIELD - 1] + "…"
        if self.family != "Helvetica":
            return text
        encoded = text.encode("latin-1", "replace").decode("latin-1")
        self.lossy = self.lossy or encoded != text
        return encoded

    def text(self, text: str, size: float = 9.5, bold: bool = False, gap: float = 0.6) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.multi_cell(0, size * 0.48, self._clean(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)

    def pair(self, label: str, value: str | None, size: float = 9) -> None:
        if not value:
            return
        pdf = self.pdf
        pdf.set_font(self.family, "B", 9)
        pdf.cell(44, 4.6, self._clean(label))
        pdf.set_font(self.family, "", size)
        pdf.multi_cell(0, 4.6, self._clean(value), new_x="LMARGIN", new_y="NEXT")

    def rule(self) -> None:
        pdf = self.pdf
        pdf.ln(1.2)
        pdf.set_draw_color(150, 150, 150)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(2)


def _value(text: Any) -> str | None:
    return None if text is None else str(getattr(text, "value", text))


def render_record(
    view: ReportView,
    facts: RecordFacts,
    font_file: str | None = None,
    *,
    wanted: str | None = None,
) -> bytes:
    """The record as PDF bytes (one A4 page). Call with the record's language selected;
    ``wanted`` names the reader's language when the record had to fall back to English."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, 14)
    pdf.set_title(_("Verification record"))
    pdf.set_creator("Diplomat verifier")
    pdf.add_page()
    out = _Writer(pdf, _font(pdf, font_file))
    d = view.degree

    out.text(_("Verification record"), 17, bold=True, gap=1)
    if wanted is not None:
        # Said in English: the record is in English because the reader's script has no font.
        out.text(
            f"This record is in English: no font for the language asked for ({wanted}) is "
            "installed on this verifier.",
            8,
        )
    out.text(
        _("A degree credential checked by %(verifier)s on %(when)s.")
        % {"verifier": facts.verifier, "when": view.checked_at},
        9,
    )
    out.rule()
    out.text(f"{view.symbol} {view.verdict_label}", 15, bold=True, gap=0.4)
    out.text(view.sentence, 10.5, gap=1.5)

    out.pair(_("Holder"), _value(d.holder))
    out.pair(_("Degree"), " · ".join(x for x in (_value(d.title), d.kind) if x) or None)
    out.pair(
        _("Institution"), ", ".join(x for x in (_value(d.institution), d.country) if x) or None
    )
    out.pair(_("Awarded"), d.awarded)
    out.pair(_("Diploma number"), _value(d.diploma_number))
    out.pair(_("Classification"), _value(d.classification))
    out.pair(_("Credits"), d.credits)
    if not view.trusted:
        out.text(_("As the document states it — not confirmed"), 8.5, bold=True)
    out.rule()

    out.text(_("What was checked"), 11, bold=True, gap=0.8)
    if view.authenticity_failed:
        out.text(_("Warning: authenticity was not confirmed."), 9.5, bold=True, gap=0)
        out.text(
            _(
                "Validity, issuer and recognition were not judged: the document may have been "
                "altered, so what it says about itself cannot be relied on. Their checks are "
                "listed, on untrusted data, under each section."
            ),
            8.5,
            gap=1,
        )
    for section in view.sections:
        out.text(f"{section.symbol} {section.name}: {section.word}", 9.5, bold=True, gap=0)
        if section.line:
            out.text(section.line, 8.5, gap=0.4)
        checks = "; ".join(f"{c.symbol} {c.name}" for c in section.checks)
        if checks:
            out.text(checks, 7.5, gap=1)
    out.rule()

    out.text(_("Record"), 11, bold=True, gap=0.8)
    out.pair(_("Checked at"), view.checked_at)
    out.pair(_("Checked by"), facts.verifier)
    out.pair(_("For use in"), view.destination_name)
    out.pair(_("Credential"), facts.credential_id)
    via = RECEIVED_AS.get(facts.via)
    out.pair(_("Received as"), str(via) if via is not None else facts.via)
    out.pair(_("SHA-256 digest"), facts.digest, size=8)
    out.pair(_("Re-check"), facts.recheck)
    pdf.ln(2)
    out.text(
        _(
            "This record states what the verifier found at the time shown; it is not the "
            "credential. To re-check, open the link (or upload the same credential file there) "
            "and compare the SHA-256 digest."
        ),
        7.5,
    )
    if out.lossy:
        out.text(
            "Some characters could not be printed: no Unicode font is installed on this "
            "verifier (set DIPLOMAT_RECORD_FONT).",
            7.5,
        )
    return bytes(pdf.output())


__all__ = ["RecordFacts", "credential_digest", "record_language", "render_record"]
