"""A diploma PDF handed to the verifier: the signed credential attached to it, extracted (pypdf).

A diploma PDF carries its credential as an embedded file (ISO 32000-1 §7.11.4, listed in the
document's EmbeddedFiles name tree), as Diplomat's issuer and Europass make them. What the PDF
prints is not read: the attachment is the credential, and it is verified like any other, so an
attachment swapped or edited fails its proof.

The printed text is read only to tell the reader whether it shows the attached credential's holder
and diploma number (``printed_agrees``): a page edited to show another name, with the genuine
attachment kept, is then flagged on the report page and by the CLI.

Which attachment: the one whose name ends in .json, .jsonld or .jwt, or whose media type is a
credential's (application/vc, application/vc+jwt, application/ld+json, application/json). None,
or more than one, is refused with a message saying what to upload instead: the verifier never
guesses which of several documents the reader meant.

Errors (vc.errors): ParsingError (400) for a malformed or encrypted PDF, no credential attachment,
several; PdfTooLargeError (413) for a PDF over MAX_PDF_BYTES or an attachment over
MAX_ATTACHMENT_BYTES.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vc.errors import DiplomatError, ParsingError, RangeValueError

if TYPE_CHECKING:
    from verifier.report import CredentialSummary

MAX_PDF_BYTES = 16 * 1024 * 1024  # a diploma is tens of kilobytes; a scan with images a few MB
MAX_ATTACHMENT_BYTES = 1024 * 1024  # a credential is a few kilobytes
CREDENTIAL_SUFFIXES = (".json", ".jsonld", ".jwt")
CREDENTIAL_TYPES = frozenset(
    {
        "application/vc",
        "application/vc+jwt",
        "application/vc+ld+json",
        "application/ld+json",
        "application/json",
    }
)
INSTEAD = (
    "upload the credential file itself (.json or .jwt), or a photo or screenshot of the QR code "
    "printed on the diploma"
)
MAX_PRINTED_PAGES = 2  # a diploma is one page; its text is compared with the attachment
MAX_PRINTED_CHARS = 20_000
_PDF = b"%PDF-"


@dataclass(frozen=True)
class AttachedCredential:
    """What a diploma PDF carries: the credential as embedded, and the text printed on it."""

    content: bytes
    printed: str


class PdfTooLargeError(RangeValueError):
    """A PDF, or the credential attached to it, larger than the verifier reads."""

    status = 413


def is_pdf(data: bytes) -> bool:
    """The PDF header in the first 1024 bytes (ISO 32000-1 §7.5.2 lets junk precede it)."""
    return _PDF in data[:1024]


def _media_type(subtype: object) -> str:
    """ "/application/vc" (a PDF name, '/' written #2F) -> "application/vc"."""
    return str(subtype or "").lstrip("/").lower()


def _is_candidate(name: str, subtype: object) -> bool:
    return name.lower().endswith(CREDENTIAL_SUFFIXES) or _media_type(subtype) in CREDENTIAL_TYPES


def read_pdf(data: bytes) -> AttachedCredential:
    """The one credential attached to the PDF ``data`` (bytes as embedded) and the PDF's text.

    Raises PdfTooLargeError, ParsingError (see the module docstring).
    """
    if len(data) > MAX_PDF_BYTES:
        raise PdfTooLargeError(
            f"the PDF is {len(data)} bytes; this verifier reads PDFs of at most "
            f"{MAX_PDF_BYTES // 1024 // 1024} MB"
        )
    from pypdf import PdfReader  # the shells' dependency, loaded on demand

    try:
        with warnings.catch_warnings():
            # pypdf warns about what it repairs in a malformed file; the verdict below (a
            # credential, or a ParsingError) is what the reader needs to know.
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise ParsingError(
                    f"the PDF is encrypted, so its attachments cannot be read: {INSTEAD}"
                )
            files = [(f.name, f.subtype, f) for f in reader.attachment_list]
            candidates = [(name, f) for name, subtype, f in files if _is_candidate(name, subtype)]
            if len(candidates) == 1:
                name, found = candidates[0]
                size = found.size
                if isinstance(size, int) and size > MAX_ATTACHMENT_BYTES:
                    raise PdfTooLargeError(_too_large(name, size))
                content = found.content
                printed = _printed_text(reader)
    except DiplomatError:
        raise
    except Exception as exc:  # pypdf raises many types on a malformed file; all mean "unreadable"
        raise ParsingError(
            f"the file is not a readable PDF ({type(exc).__name__}): {INSTEAD}"
        ) from exc
    if not candidates:
        others = ", ".join(sorted(name for name, _, _ in files)[:5])
        raise ParsingError(
            "the PDF carries no attached credential"
            + (f" (its attachments: {others})" if others else "")
            + f"; a diploma PDF from a digital-credential issuer has one: {INSTEAD}"
        )
    if len(candidates) > 1:
        names = ", ".join(sorted(name for name, _ in candidates)[:5])
        raise ParsingError(
            f"the PDF carries {len(candidates)} credential attachments ({names}), so it cannot "
            f"be told which one is the diploma: {INSTEAD}"
        )
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise PdfTooLargeError(_too_large(name, len(content)))
    return AttachedCredential(content, printed)


def credential_from_pdf(data: bytes) -> bytes:
    """The bytes of the one credential attached to the PDF ``data``, as embedded (read_pdf)."""
    return read_pdf(data).content


def _printed_text(reader: Any) -> str:
    """The text of the first pages ("" when there is none, e.g. a scan, or it cannot be read)."""
    try:
        pages = [page.extract_text() or "" for page in list(reader.pages)[:MAX_PRINTED_PAGES]]
    except Exception:  # a page's content stream pypdf cannot read: nothing to compare, not an error
        return ""
    return "\n".join(pages)[:MAX_PRINTED_CHARS]


def _squeezed(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split()).casefold()


def printed_agrees(printed: str, names: Iterable[str], number: str | None) -> bool | None:
    """Does the PDF's printed text show the attached credential's holder (one of ``names``) and
    diploma ``number``? Compared without whitespace or case (text extractors split words at
    line ends and glyph runs). None when there is nothing to compare: no text, or no name."""
    page = _squeezed(printed)
    wanted = [_squeezed(n) for n in names if n and n.strip()]
    if not page or not wanted:
        return None
    if not any(n in page for n in wanted):
        return False
    return not number or not number.strip() or _squeezed(number) in page


def printed_check(printed: str | None, summary: CredentialSummary) -> str | None:
    """For a diploma PDF's printed text: "agrees", "differs" or "unknown" (no text to compare)
    with the holder and diploma number of the report's ``summary``; None for no PDF."""
    if printed is None:
        return None
    names = [summary.holder_name or "", *(name for _, name in summary.holder_names)]
    found = printed_agrees(printed, names, summary.diploma_number)
    return "unknown" if found is None else "agrees" if found else "differs"


def _too_large(name: str, size: int) -> str:
    return (
        f"the PDF's attachment {name} is {size} bytes; a credential is at most "
        f"{MAX_ATTACHMENT_BYTES // 1024} KB"
    )


__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MAX_PDF_BYTES",
    "AttachedCredential",
    "PdfTooLargeError",
    "credential_from_pdf",
    "is_pdf",
    "printed_agrees",
    "printed_check",
    "read_pdf",
]
