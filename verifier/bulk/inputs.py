"""A bulk upload (a CSV of share links or a ZIP of credential files) split into items, bounded.

CSV: UTF-8 (a byte-order mark is fine), comma or semicolon separated. Either one column of links
(no header needed), or a header row naming a ``url`` (or ``link``) column and optionally a
``reference`` column: the office's own applicant number, carried through to the results. Blank
lines are skipped; a row whose cell is not an http(s) link is kept as an item that reports so.

ZIP: each file is one credential (JSON, VC-JWT, or a QR image), its reference the file's name.
Nothing is written to disk, and a hostile archive is refused before it costs much: at most
``max_items`` files, each at most ``max_member_bytes`` and all together at most
``max_total_bytes`` uncompressed, counted while reading (the sizes an archive declares may lie).
A member with an absolute or ``..`` path, an encrypted one, or a nested archive becomes an item
that reports why it was not read; directories and operating-system litter (``__MACOSX/``,
``.DS_Store``, dot-files) are skipped.

Raises ParsingError for an upload that is neither, or has no items, and BulkTooLargeError (413)
above the limits.
"""

from __future__ import annotations

import csv
import io
import lzma
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from vc.errors import DiplomatError, ParsingError, RangeValueError
from verifier.intake import share_url_of

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP = b"PK\x05\x06"
URL_COLUMNS = ("url", "link")
REFERENCE_COLUMN = "reference"
MAX_CELL = 4096  # a share link is far shorter; longer cells are cut in the results


class BulkTooLargeError(RangeValueError):
    """An upload beyond the per-job limits (rows, files, uncompressed bytes)."""

    status = 413
    title = "Too much for one job"


@dataclass(frozen=True)
class BulkItem:
    """One input of a job: a share link (``url``), a credential file (``data``), or neither
    (``problem`` says why the input cannot be verified)."""

    position: int  # 1-based, in upload order
    reference: str
    source: str  # what the office sees: the link as written, or the file's name
    url: str | None = None
    data: bytes | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Limits:
    max_items: int = 1000
    max_member_bytes: int = 1024 * 1024
    max_total_bytes: int = 64 * 1024 * 1024


def parse_upload(data: bytes, *, filename: str = "", limits: Limits = Limits()) -> list[BulkItem]:
    """The items of a CSV or ZIP upload (told apart by content, not by name)."""
    if not data.strip():
        raise ParsingError("the upload is empty: send a CSV of share links or a ZIP of credentials")
    if data.startswith((ZIP_MAGIC, EMPTY_ZIP)):
        return parse_zip(data, limits)
    if filename.lower().endswith(".zip"):
        raise ParsingError(f"{filename} is not a readable ZIP archive")
    return parse_csv(data, limits)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParsingError(
            f"the CSV is not UTF-8 text (byte {exc.start}): save it as 'CSV UTF-8', or upload a "
            "ZIP of credential files"
        ) from exc


def _rows(text: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        ]
    except csv.Error as exc:
        raise ParsingError(f"the CSV cannot be read: {exc}") from exc
    return [row for row in rows if any(row)]


def _column(header: Sequence[str], names: Sequence[str]) -> int | None:
    lowered = [cell.strip().lower() for cell in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def parse_csv(data: bytes, limits: Limits = Limits()) -> list[BulkItem]:
    """The items of a CSV of share links (module docstring)."""
    rows = _rows(_text(data))
    if not rows:
        raise ParsingError("the CSV has no rows: put one share link per line")
    url_column = _column(rows[0], URL_COLUMNS)
    reference_column: int | None = None
    if url_column is not None:
        reference_column = _column(rows[0], (REFERENCE_COLUMN,))
        rows = rows[1:]
    elif len(rows[0]) > 1:
        raise ParsingError(
            "the CSV has several columns but no header naming them: add a first row with 'url' "
            "(or 'link') above the share links and, if you like, 'reference' above your "
            "applicant numbers"
        )
    else:
        url_column = 0
    if not rows:
        raise ParsingError("the CSV has a header but no share links below it")
    if len(rows) > limits.max_items:
        raise BulkTooLargeError(
            f"the CSV has {len(rows)} rows; one job takes at most {limits.max_items}: split it"
        )
    items = []
    for position, row in enumerate(rows, start=1):
        cell = row[url_column] if url_column < len(row) else ""
        reference = ""
        if reference_column is not None and reference_column < len(row):
            reference = row[reference_column][:MAX_CELL]
        items.append(_link_item(position, reference, cell[:MAX_CELL]))
    return items


def _link_item(position: int, reference: str, cell: str) -> BulkItem:
    if not cell:
        return BulkItem(position, reference, cell, problem="no link in this row")
    try:
        url = share_url_of(cell)
    except DiplomatError as exc:  # a malformed link is this row's problem, not the upload's
        return BulkItem(position, reference, cell, problem=exc.detail)
    if url is None:
        return BulkItem(
            position,
            reference,
            cell,
            problem="not a link: expected the https:// share link printed under the QR code",
        )
    return BulkItem(position, reference, cell, url=url)


def _skipped(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return name.endswith("/") or not parts or parts[0] == "__MACOSX" or parts[-1].startswith(".")


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def _members(archive: zipfile.ZipFile, limits: Limits) -> Iterator[zipfile.ZipInfo]:
    count = 0
    for info in archive.infolist():
        if _skipped(info.filename):
            continue
        count += 1
        if count > limits.max_items:
            raise BulkTooLargeError(
                f"the ZIP holds more than {limits.max_items} files; one job takes at most "
                f"{limits.max_items}: split it"
            )
        yield info


def parse_zip(data: bytes, limits: Limits = Limits()) -> list[BulkItem]:
    """The items of a ZIP of credential files (module docstring)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ParsingError(f"the ZIP archive cannot be read: {exc}") from exc
    items: list[BulkItem] = []
    total = 0
    with archive:
        for position, info in enumerate(_members(archive, limits), start=1):
            name = info.filename[:MAX_CELL]
            reference = PurePosixPath(name.replace("\\", "/")).name
            problem: str | None = None
            if _unsafe(info.filename):
                problem = "refused: the file's path leaves the archive (absolute or '..')"
            elif info.flag_bits & 0x1:
                problem = "refused: the file is encrypted"
            elif name.lower().endswith(".zip"):
                problem = "refused: archives inside the archive are not opened"
            if problem is not None:
                items.append(BulkItem(position, reference, name, problem=problem))
                continue
            try:
                content = _read_member(archive, info, limits.max_member_bytes)
            except ParsingError as exc:
                items.append(BulkItem(position, reference, name, problem=exc.detail))
                continue
            if content is None:
                items.append(
                    BulkItem(
                        position,
                        reference,
                        name,
                        problem=f"refused: larger than {limits.max_member_bytes} bytes uncompressed",
                    )
                )
                continue
            total += len(content)
            if total > limits.max_total_bytes:
                raise BulkTooLargeError(
                    f"the ZIP's files add up to more than {limits.max_total_bytes} bytes "
                    "uncompressed: split it"
                )
            items.append(BulkItem(position, reference, name, data=content))
    if not items:
        raise ParsingError("the ZIP archive holds no files")
    return items


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """The member's bytes, or None past ``limit`` (read in bounded chunks, whatever it declares).
    Raises ParsingError for a corrupt member."""
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(64 * 1024):
                size += len(chunk)
                if size > limit:
                    return None
                chunks.append(chunk)
    except (
        zipfile.BadZipFile,
        NotImplementedError,
        OSError,  # also bz2's damaged streams
        EOFError,
        ValueError,
        zlib.error,  # a damaged deflate stream: not an OSError
        lzma.LZMAError,  # a damaged LZMA stream: not an OSError either
    ) as exc:
        raise ParsingError(f"{info.filename} in the ZIP cannot be read: {exc}") from exc
    return b"".join(chunks)


__all__ = [
    "BulkItem",
    "BulkTooLargeError",
    "Limits",
    "parse_csv",
    "parse_upload",
    "parse_zip",
]
