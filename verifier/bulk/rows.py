"""One bulk item verified into one results row, and the rows as CSV.

Each item goes through the same pipeline as a single credential (``verify_credential``) with the
context the caller passes, so its caches (status lists, DID documents) serve every row of a job.
When authenticity fails, the other sections read ``not_judged``: what they found is about a
document that is not the issuer's, and must not read as good news. An item that cannot be had (a dead link, not a link, an unreadable file) is a row whose verdict
is ``input_error`` and whose ``detail`` says why: one bad row never stops a job.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vc.errors import DiplomatError
from vc.fetch import Fetcher
from verifier.bulk.inputs import BulkItem
from verifier.checks.model import Section
from verifier.context import VerifierContext
from verifier.intake import Intake, fetch_shared, from_upload
from verifier.report import Report, verify_credential

INPUT_ERROR = "input_error"
NOT_JUDGED = "not_judged"
SECTIONS = tuple(section.value for section in Section)
COLUMNS = (
    "position",
    "reference",
    "input",
    "verdict",
    *SECTIONS,
    "failing_checks",
    "unchecked_checks",
    "holder",
    "degree",
    "issuer",
    "awarded",
    "detail",
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): such a
# cell is written with a leading apostrophe, which spreadsheets show as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BulkRow:
    """The results row of one item: the verdict, each section's outcome, what failed, and whose
    degree it is (as the credential says; untrusted unless authenticity passed)."""

    position: int
    reference: str
    input: str
    verdict: str
    sections: Mapping[str, str]
    failing_checks: tuple[str, ...] = ()
    unchecked_checks: tuple[str, ...] = ()
    holder: str = ""
    degree: str = ""
    issuer: str = ""
    awarded: str = ""
    detail: str = ""
    problem_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "reference": self.reference,
            "input": self.input,
            "verdict": self.verdict,
            "sections": dict(self.sections),
            "failing_checks": list(self.failing_checks),
            "unchecked_checks": list(self.unchecked_checks),
            "holder": self.holder,
            "degree": self.degree,
            "issuer": self.issuer,
            "awarded": self.awarded,
            "detail": self.detail,
            "problem_type": self.problem_type,
        }

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> BulkRow:
        return cls(
            position=int(value["position"]),
            reference=str(value["reference"]),
            input=str(value["input"]),
            verdict=str(value["verdict"]),
            sections={str(k): str(v) for k, v in dict(value["sections"]).items()},
            failing_checks=tuple(value["failing_checks"]),
            unchecked_checks=tuple(value["unchecked_checks"]),
            holder=str(value["holder"]),
            degree=str(value["degree"]),
            issuer=str(value["issuer"]),
            awarded=str(value["awarded"]),
            detail=str(value["detail"]),
            problem_type=value.get("problem_type"),
        )

    def csv_cells(self) -> list[str]:
        cells = [
            str(self.position),
            self.reference,
            self.input,
            self.verdict,
            *(self.sections.get(name, "") for name in SECTIONS),
            " ".join(self.failing_checks),
            " ".join(self.unchecked_checks),
            self.holder,
            self.degree,
            self.issuer,
            self.awarded,
            self.detail,
        ]
        return [_safe_cell(cell) for cell in cells]


def _safe_cell(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def input_error(item: BulkItem, detail: str, problem_type: str | None = None) -> BulkRow:
    return BulkRow(
        position=item.position,
        reference=item.reference,
        input=item.source,
        verdict=INPUT_ERROR,
        sections={},
        detail=detail,
        problem_type=problem_type,
    )


def _sections(report: Report) -> dict[str, str]:
    """Each section's outcome; when the document is not what the issuer signed, the sections
    after authenticity describe untrusted data and read ``not_judged``, never ``pass``."""
    outcomes = {s.value: v.status.value for s, v in report.sections.items()}
    if not report.trusted:
        for name in outcomes:
            if name != Section.AUTHENTICITY.value:
                outcomes[name] = NOT_JUDGED
    return outcomes


def report_row(item: BulkItem, report: Report) -> BulkRow:
    summary = report.summary
    return BulkRow(
        position=item.position,
        reference=item.reference,
        input=item.source,
        verdict=report.verdict.value,
        sections=_sections(report),
        failing_checks=tuple(c.id for c in report.checks if c.counts_as_failure),
        unchecked_checks=tuple(c.id for c in report.checks if c.counts_as_unknown),
        holder=summary.holder_name or "",
        degree=summary.degree_title or "",
        issuer=summary.registry_institution_name or summary.issuer_name or "",
        awarded=summary.awarded.isoformat() if summary.awarded else "",
        detail=report.headline,
    )


def _intake(item: BulkItem, fetcher: Fetcher) -> Intake:
    if item.url is not None:
        return fetch_shared(item.url, fetcher)
    assert item.data is not None  # an item without a problem has a link or a file
    return from_upload(item.data, fetcher)


def verify_item(
    item: BulkItem, context: VerifierContext, fetcher: Fetcher, destination: str | None
) -> BulkRow:
    """The results row of ``item`` (never raises for anything about the item itself)."""
    if item.problem is not None:
        return input_error(item, item.problem)
    try:
        intake = _intake(item, fetcher)
        report = verify_credential(intake.credential, context, destination=destination)
    except DiplomatError as exc:
        return input_error(item, exc.detail, exc.problem_type)
    except Exception:
        # A bug must not stop the other rows; it is logged, the row says it was not checked.
        _log.exception("bulk item %d could not be verified", item.position)
        return input_error(item, "an unexpected error occurred while checking this row (logged)")
    return report_row(item, report)


def to_csv(rows: Iterable[BulkRow]) -> str:
    """The results as CSV text (a header row, then one row per item, in upload order)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in sorted(rows, key=lambda r: r.position):
        writer.writerow(row.csv_cells())
    return buffer.getvalue()


__all__ = [
    "COLUMNS",
    "INPUT_ERROR",
    "BulkRow",
    "input_error",
    "report_row",
    "to_csv",
    "verify_item",
]
