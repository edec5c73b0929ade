"""A batch's claim links as CSV: one row per graduate, the columns the registrar mails from."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from issuer.service.claims import EXPORT_COLUMNS, ClaimExport
from vc.dates import format_datetime


def claim_links_csv(exports: Sequence[ClaimExport]) -> str:
    """CSV text: row, student_number, name, email, diploma_number, credential_id, claim_url,
    expires_at. A cell a spreadsheet would run as a formula is prefixed with "'"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for e in exports:
        writer.writerow(
            [
                "" if e.row_number is None else str(e.row_number),
                _cell(e.student_number),
                _cell(e.name),
                _cell(e.email),
                _cell(e.diploma_number),
                e.credential_id,
                e.claim_url,
                "" if e.expires_at is None else format_datetime(e.expires_at),
            ]
        )
    return out.getvalue()


def _cell(value: str | None) -> str:
    text = value or ""
    # Formula injection: spreadsheets evaluate a cell that starts with =, +, - or @.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
