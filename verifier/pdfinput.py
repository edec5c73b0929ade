"""A diploma PDF handed to the verifier: the signed credential attached to it, extracted (pypdf).

A diploma PDF carries its credential as an embedded file (ISO 32000-1 §7.11.4, listed in the
document's EmbeddedFiles name tree), as Diplomat's issuer and Europass make them. What the PDF
prints is not read: the attachment is the credential, and it is verified like any other, so an
attachment swapped or edited fails its proof.

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
import warnings

from vc.errors import DiplomatError, ParsingError, RangeValueError

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
_PDF = b"%PDF-"


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


def credential_from_pdf(data: bytes) -> bytes:
    """The bytes of the one credential attached to the PDF ``data``, as embedded.

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
    return content


def _too_large(name: str, size: int) -> str:
    return (
        f"the PDF's attachment {name} is {size} bytes; a credential is at most "
        f"{MAX_ATTACHMENT_BYTES // 1024} KB"
    )


__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MAX_PDF_BYTES",
    "PdfTooLargeError",
    "credential_from_pdf",
    "is_pdf",
]
