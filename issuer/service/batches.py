"""Batch issuing: parse a cohort (CSV or JSON) whole, then issue row by row, resumably.

A batch is keyed by the SHA-256 of its source. Its source waits in the spool directory (mode 0600:
it holds personal data) until every row is recorded, so a batch interrupted by a crash or SIGKILL
is resumed by ``run_batch`` (or by uploading the same file again, which finds the same batch).
A row is recorded in the same transaction that stores its credential, so a resumed batch never
issues a row twice; a row whose diploma number is already issued is recorded "duplicate".
Rows go in chunks: one transaction per status purpose reserves a chunk's indexes, and one stores
its credentials and rows (on SQLite each write transaction is an fsync, so per-row transactions
were the bottleneck). Indexes of a chunk lost to a crash are never reused, only wasted.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from issuer.degree import DegreeInput, InputError, parse_input, read_csv
from issuer.errors import ConflictError, NotFoundError
from issuer.service.base import IssuerContext
from issuer.service.claims import ClaimService
from issuer.service.errors import UploadTooLargeError
from issuer.service.issuing import IssuingService, programme_key
from issuer.service.signing_pool import SigningPool, shared_pool
from issuer.signing import Signer
from issuer.signworker import SignerSpec, SignJob, SignOutcome, sign_job
from issuer.store import Batch, BatchProgress, BatchRow, NewCredential, RowRecord
from issuer.store.interfaces import Batches, Credentials
from vc import strictjson
from vc.errors import DiplomatError, MalformedValueError, ParsingError, RangeValueError

T = TypeVar("T")
BatchFormat = Literal["csv", "json"]
Progress = Callable[[BatchProgress], None]
ParsedRow = tuple[int, DegreeInput | InputError]
"""(row number in the source, the validated input or why the row cannot be issued)"""

# Fewer rows than this are signed in-process: spawning workers costs about a second (once per
# process: the workers are kept for later batches).
POOL_MIN_ROWS = 64
# Rows per task handed to a signing worker (one round trip each).
SLICE_ROWS = 16
# Parsed cohorts kept between create_batch and run_batch (by source digest), so that a cohort is
# parsed once; a batch resumed in another process parses its spooled source again.
PARSED_KEPT = 4
# Chunk sizes: the first chunk is small so that progress shows (and a crash costs little work)
# soon, then they double up to the largest, which a store transaction writes in one go.
CHUNK_FIRST_ROWS = 16
CHUNK_MAX_ROWS = 512


def parse_source(source: bytes, fmt: BatchFormat, *, max_rows: int) -> list[ParsedRow]:
    """Parse a whole cohort: every row validated, or the whole source refused.

    CSV: spreadsheet row numbers (header = row 1). JSON: an array of degree-input objects, rows
    numbered from 1. Raises InputError for a bad CSV header, ParsingError for text that is not
    UTF-8 or not JSON, MalformedValueError for a JSON that is not an array or a cohort without
    rows, RangeValueError above ``max_rows``.
    """
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParsingError(f"the upload is not UTF-8 text (byte {exc.start})") from exc
    rows: list[ParsedRow]
    if fmt == "csv":
        rows = list(read_csv(text, max_rows=max_rows))
    elif fmt == "json":
        rows = list(_json_rows(text, max_rows))
    else:
        raise MalformedValueError("batch format must be 'csv' or 'json'", pointer="/format")
    if not rows:
        raise MalformedValueError("the upload holds no rows to issue")
    return rows


def _json_rows(text: str, max_rows: int) -> Iterator[ParsedRow]:
    data = strictjson.loads(text)
    if not isinstance(data, list):
        raise MalformedValueError("a JSON batch must be an array of degree-input objects")
    if len(data) > max_rows:
        raise RangeValueError(f"the upload has {len(data)} rows; at most {max_rows} are allowed")
    seen: dict[str, int] = {}
    for number, item in enumerate(data, start=1):
        try:
            parsed = parse_input(item)
        except InputError as exc:
            yield number, InputError(exc.problems, row=number)
            continue
        first = seen.get(parsed.diploma_number)
        if first is not None:
            problem = ("diploma_number", f"is already used by row {first}")
            yield number, InputError([problem], row=number)
            continue
        seen[parsed.diploma_number] = number
        yield number, parsed


@dataclass(frozen=True)
class PossibleDuplicate:
    """A row whose student number already holds a degree of the same programme."""

    row: int
    student_number: str
    diploma_numbers: tuple[str, ...]

    def describe(self) -> str:
        return (
            f"row {self.row}: student number {self.student_number} already holds diploma"
            f" {', '.join(self.diploma_numbers)} of this programme"
        )


@dataclass(frozen=True)
class _Job:
    """A row ready to sign: its credential id, allocated status entries and issue time."""

    item: DegreeInput
    credential_id: str
    entries: list[dict[str, Any]]
    now: datetime


TodoRow = tuple[int, int, DegreeInput | InputError]
"""(ordinal = batch row number, line in the source, the parsed row)"""


@dataclass(frozen=True)
class _Chunk:
    """A chunk in flight: its row numbers in order, the rows recorded without signing, and the
    jobs being signed (with their pool futures, or None when they are signed in-process)."""

    ordinals: list[int]
    records: list[RowRecord]
    jobs: list[tuple[int, int, _Job]]
    futures: list[Future[list[SignOutcome]]] | None


def chunked(rows: list[T], first: int, largest: int) -> Iterator[list[T]]:
    """``rows`` cut into chunks of ``first`` rows, then twice that, ... up to ``largest``."""
    size, start = max(1, first), 0
    while start < len(rows):
        yield rows[start : start + size]
        start += size
        size = min(max(largest, 1), size * 2)


def row_errors(error: DiplomatError, row: int) -> list[dict[str, Any]]:
    """The recorded errors of a row: [{"row", "field", "reason"}] ("" field = the whole row)."""
    if isinstance(error, InputError):
        return [{"row": row, "field": field, "reason": reason} for field, reason in error.problems]
    return [{"row": row, "field": "", "reason": error.detail}]


class BatchService:
    """create_batch, run_batch, batch_progress, batch_rows."""

    def __init__(
        self,
        ctx: IssuerContext,
        issuing: IssuingService,
        credentials: Credentials,
        batches: Batches,
        claims: ClaimService,
    ) -> None:
        self._ctx = ctx
        self._issuing = issuing
        self._credentials = credentials
        self._batches = batches
        self._claims = claims
        self._parsed: dict[str, list[ParsedRow]] = {}

    def create_batch(self, source: bytes, fmt: BatchFormat, *, actor: str) -> Batch:
        """Check a cohort upload whole and queue it; nothing is stored when it is refused.

        Uploading a source whose batch is unfinished returns that batch (to resume it); a
        source already issued makes a new batch whose rows come out "duplicate".
        Raises UploadTooLargeError (413) above config.max_upload_bytes, and the errors of
        ``parse_source``.
        """
        if not isinstance(source, bytes | bytearray):
            raise MalformedValueError("the batch source must be bytes")
        if len(source) > self._ctx.config.max_upload_bytes:
            raise UploadTooLargeError(
                f"the upload is {len(source)} bytes; at most {self._ctx.config.max_upload_bytes}"
                " are accepted"
            )
        source = bytes(source)
        rows = parse_source(source, fmt, max_rows=self._ctx.config.max_batch_rows)
        workers = self._ctx.config.batch_workers
        if len(rows) >= POOL_MIN_ROWS and workers > 1:
            shared_pool(workers)  # the workers start (and warm up) while the rest goes on
        issuer = self._ctx.issuer()
        digest = hashlib.sha256(fmt.encode() + b"\n" + source).hexdigest()
        self._spool(digest, fmt, source)
        self._parsed[digest] = rows
        while len(self._parsed) > PARSED_KEPT:
            del self._parsed[next(iter(self._parsed))]
        for earlier in reversed(self._batches.find_batches_by_digest(issuer.id, digest)):
            if earlier.state != "done":
                return earlier
        batch = self._batches.create_batch(issuer.id, actor, len(rows), digest)
        invalid = sum(1 for _, item in rows if isinstance(item, InputError))
        self._ctx.audit(
            actor,
            "batch.create",
            f"batch:{batch.id}",
            {"rows": len(rows), "invalid_rows": invalid, "format": fmt, "digest": digest},
        )
        return batch

    def run_batch(
        self, batch_id: int, *, progress: Progress | None = None, send_mail: bool = True
    ) -> BatchProgress:
        """Issue every row not yet recorded, give each issued row a claim link once its chunk
        is stored (queuing its message when ``send_mail``, SMTP is configured and the row has an
        e-mail address), then close the batch "done".

        Safe to re-run after a crash, and against another runner of the same batch: a row is
        recorded in the transaction that stores its credential, and a diploma number is never
        issued twice. Rows are stored a chunk per transaction (CHUNK_FIRST_ROWS rows, doubling up
        to CHUNK_MAX_ROWS); ``progress`` is called once per recorded row after its chunk commits,
        so an exception it raises stops the batch after that whole chunk. Row problems are
        recorded as row errors; any other failure (database, key) marks the batch "failed" (still
        resumable: run it again) and is raised. Raises NotFoundError for an unknown batch or one
        whose source is no longer spooled.
        """
        batch = self._own_batch(batch_id)
        if batch.state == "done":
            return self._batches.batch_progress(batch_id)
        rows = self._parsed.pop(batch.source_digest, None)
        if rows is None:  # resumed by another process, or after a restart
            fmt, source = self._spooled(batch)
            rows = parse_source(source, fmt, max_rows=max(batch.total_rows, 1))
        if len(rows) != batch.total_rows:
            raise ConflictError(f"the spooled source of batch {batch_id} does not match it")
        self._batches.start_batch(batch_id)
        recorded = self._batches.recorded_row_numbers(batch_id)
        state = self._batches.batch_progress(batch_id)
        signer = self._issuing.signer()
        if progress is not None:
            progress(state)
        todo = [(n, line, item) for n, (line, item) in enumerate(rows, 1) if n not in recorded]
        workers = self._ctx.config.batch_workers if len(todo) >= POOL_MIN_ROWS else 1
        pool = shared_pool(workers) if workers > 1 else None
        spec = SignerSpec.of(signer, self._ctx.keystore)
        pending: deque[_Chunk] = deque()

        def account(outcome: str | None) -> None:
            nonlocal state
            if outcome is None:
                return  # recorded by a concurrent runner meanwhile
            state = replace(
                state,
                processed=state.processed + 1,
                issued=state.issued + (outcome == "issued"),
                errors=state.errors + (outcome == "error"),
                duplicates=state.duplicates + (outcome == "duplicate"),
            )
            if progress is not None:
                progress(state)

        # Each chunk's issued rows get their claim links as soon as it is stored, while the
        # workers sign the next one. Rows recorded before this run, or by a concurrent runner,
        # are linked by one pass over the whole batch at the end (link_batch skips linked rows).
        linked_as_stored = not recorded

        def finish_oldest() -> None:
            nonlocal linked_as_stored
            stored = self._finish_chunk(batch_id, pending.popleft(), signer)
            self._claims.link_batch(
                batch_id,
                [
                    (row.row_number, row.credential_id, item)
                    for row in stored
                    if row is not None and row.state == "issued" and row.credential_id is not None
                    if isinstance(item := rows[row.row_number - 1][1], DegreeInput)
                ],
                send_mail=send_mail,
            )
            linked_as_stored = linked_as_stored and None not in stored
            for row in stored:
                account(None if row is None else row.state)

        try:
            for part in chunked(todo, CHUNK_FIRST_ROWS, CHUNK_MAX_ROWS):
                # The next chunk is being signed while the one before it is stored.
                pending.append(self._start_chunk(part, signer, spec, pool))
                if len(pending) > 1:
                    finish_oldest()
            while pending:
                finish_oldest()
        except Exception as exc:
            # Rows recorded so far stay recorded; "failed" is retried by run_batch (resumable).
            with contextlib.suppress(DiplomatError):
                self._batches.finish_batch(batch_id, "failed")
                self._ctx.audit(
                    batch.created_by,
                    "batch.failed",
                    f"batch:{batch_id}",
                    {"processed": state.processed, "error": type(exc).__name__},
                )
            raise
        if not linked_as_stored:
            self._link_claims(batch_id, rows, send_mail)
        # A concurrent runner may have closed it already: the final progress says how it ended.
        with contextlib.suppress(ConflictError):
            self._batches.finish_batch(batch_id, "done")
        final = self._batches.batch_progress(batch_id)
        if final.state == "done":
            self._unspool(batch)
            self._ctx.audit(
                batch.created_by,
                "batch.done",
                f"batch:{batch_id}",
                {"issued": final.issued, "errors": final.errors, "duplicates": final.duplicates},
            )
        if progress is not None:
            progress(final)
        return final

    def possible_duplicates(self, batch_id: int) -> list[PossibleDuplicate]:
        """Rows of a batch not yet run whose student number already holds a degree of the same
        programme (issued before, or on an earlier row of the same file): the registrar confirms
        them before the batch starts. Raises NotFoundError (also when no longer spooled)."""
        batch = self._own_batch(batch_id)
        if batch.state == "done":
            return []
        # The rows create_batch parsed (kept for run_batch) when this process made the batch.
        rows = self._parsed.get(batch.source_digest)
        if rows is None:
            fmt, source = self._spooled(batch)
            rows = parse_source(source, fmt, max_rows=max(batch.total_rows, 1))
        valid = [(line, item) for line, item in rows if isinstance(item, DegreeInput)]
        students = [item.student_number for _, item in valid if item.student_number]
        held = self._credentials.programmes_of_students(batch.issuer_id, students)
        recorded = self._batches.recorded_row_numbers(batch_id)
        found: list[PossibleDuplicate] = []
        for ordinal, (line, item) in enumerate(rows, 1):
            if not isinstance(item, DegreeInput) or not item.student_number:
                continue
            key = (item.student_number, programme_key(item))
            earlier = held.setdefault(key, [])
            if earlier and ordinal not in recorded and item.diploma_number not in earlier:
                found.append(PossibleDuplicate(line, item.student_number, tuple(earlier)))
            earlier.append(item.diploma_number)
        return found

    def batch_progress(self, batch_id: int) -> BatchProgress:
        """Counts per outcome. Raises NotFoundError."""
        self._own_batch(batch_id)
        return self._batches.batch_progress(batch_id)

    def batch_rows(self, batch_id: int) -> list[BatchRow]:
        """Recorded rows in order, errors as [{"row", "field", "reason"}]. NotFoundError."""
        self._own_batch(batch_id)
        return self._batches.batch_rows(batch_id)

    def get_batch(self, batch_id: int) -> Batch:
        """Raises NotFoundError (also for a batch of another issuer)."""
        return self._own_batch(batch_id)

    def unfinished_batches(self) -> list[Batch]:
        """Queued, running or failed-and-retryable batches of this issuer, oldest first."""
        return self._batches.unfinished_batches(self._ctx.issuer().id)

    # ------------------------------------------------------------------ internals

    def _link_claims(self, batch_id: int, rows: list[ParsedRow], send_mail: bool) -> None:
        """A claim link for every issued row of the batch that has none yet (idempotent)."""
        issued = [
            (row.row_number, row.credential_id, item)
            for row in self._batches.batch_rows(batch_id)
            if row.state == "issued"
            and row.credential_id is not None
            and 1 <= row.row_number <= len(rows)
            and isinstance(item := rows[row.row_number - 1][1], DegreeInput)
        ]
        self._claims.link_batch(batch_id, issued, send_mail=send_mail)

    def _start_chunk(
        self, part: list[TodoRow], signer: Signer, spec: SignerSpec, pool: SigningPool | None
    ) -> _Chunk:
        """Sort a chunk's rows into those recorded without signing (input errors, numbers
        already issued) and signing jobs, reserve the jobs' status indexes (one transaction per
        purpose) and hand them to the pool."""
        records: list[RowRecord] = []
        valid: list[tuple[int, int, DegreeInput]] = []
        for ordinal, line, item in part:
            if isinstance(item, InputError):
                records.append(RowRecord(ordinal, "error", errors=tuple(row_errors(item, line))))
            else:
                valid.append((ordinal, line, item))
        issued = self._credentials.credential_ids_by_diploma_number(
            signer.issuer_id, [item.diploma_number for _, _, item in valid]
        )
        fresh: list[tuple[int, int, DegreeInput]] = []
        for ordinal, line, item in valid:
            holder = issued.get(item.diploma_number)
            if holder is None:
                fresh.append((ordinal, line, item))
            else:
                records.append(RowRecord(ordinal, "duplicate", item.diploma_number, holder))
        ids = [self._issuing.new_credential_id() for _ in fresh]
        entries = self._issuing.status_entries_for(ids) if ids else []
        jobs = [
            (ordinal, line, _Job(item, credential_id, mine, self._ctx.now()))
            for (ordinal, line, item), credential_id, mine in zip(fresh, ids, entries, strict=True)
        ]
        futures = None
        if pool is not None:
            work: list[SignJob] = [
                (job.item, job.credential_id, job.entries, job.now) for _, _, job in jobs
            ]
            futures = [
                pool.submit(spec, work[start : start + SLICE_ROWS])
                for start in range(0, len(work), SLICE_ROWS)
            ]
        return _Chunk([ordinal for ordinal, _, _ in part], records, jobs, futures)

    def _finish_chunk(self, batch_id: int, chunk: _Chunk, signer: Signer) -> list[BatchRow | None]:
        """Wait for (or do) a chunk's signing, then store it in one transaction. Returns each
        row as recorded, in row order (None: recorded by a concurrent runner meanwhile)."""
        records = list(chunk.records)
        credentials: list[tuple[NewCredential, int]] = []
        if chunk.futures is None:
            outcomes = [
                sign_job(signer, (job.item, job.credential_id, job.entries, job.now))
                for _, _, job in chunk.jobs
            ]
        else:
            outcomes = [outcome for future in chunk.futures for outcome in future.result()]
        for (ordinal, line, job), (ok, value) in zip(chunk.jobs, outcomes, strict=True):
            if not ok:
                problem = {"row": line, "field": "", "reason": str(value)}
                records.append(
                    RowRecord(ordinal, "error", job.item.diploma_number, None, (problem,))
                )
                continue
            new = NewCredential(
                id=job.credential_id,
                issuer_id=signer.issuer_id,
                diploma_number=job.item.diploma_number,
                subject_name=job.item.display_name,
                achievement_type=job.item.achievement_type,
                credential_json=value,  # JSON text, serialized by the signer
                batch_id=batch_id,
                student_number=job.item.student_number,
                programme_key=programme_key(job.item),
            )
            credentials.append((new, ordinal))
        # A number issued by someone else since _start_chunk comes back "duplicate", naming
        # theirs; ours is not stored.
        stored = self._credentials.insert_credentials_with_rows(batch_id, credentials, records)
        return [stored.get(n) for n in chunk.ordinals]

    def _own_batch(self, batch_id: int) -> Batch:
        batch = self._batches.get_batch(batch_id)
        if batch.issuer_id != self._ctx.issuer().id:
            raise NotFoundError(f"no batch {batch_id}")
        return batch

    def _spool_path(self, digest: str, fmt: str) -> Path:
        return self._ctx.config.batch_spool_dir / f"{digest}.{fmt}"

    def _spool(self, digest: str, fmt: str, source: bytes) -> None:
        """Keep the source until its batch is done (0600, written atomically)."""
        path = self._spool_path(digest, fmt)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(source)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except OSError as exc:
            raise MalformedValueError(f"cannot spool the upload: {exc.strerror}") from exc

    def _spooled(self, batch: Batch) -> tuple[BatchFormat, bytes]:
        formats: tuple[BatchFormat, ...] = ("csv", "json")
        for fmt in formats:
            path = self._spool_path(batch.source_digest, fmt)
            try:
                return fmt, path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise MalformedValueError(f"cannot read {path}: {exc.strerror}") from exc
        raise NotFoundError(
            f"the source of batch {batch.id} is no longer spooled: upload the file again"
        )

    def _unspool(self, batch: Batch) -> None:
        others = self._batches.find_batches_by_digest(batch.issuer_id, batch.source_digest)
        if any(b.state != "done" for b in others):
            return
        for fmt in ("csv", "json"):
            self._spool_path(batch.source_digest, fmt).unlink(missing_ok=True)


def summarize(rows: list[BatchRow]) -> Mapping[str, int]:
    """Rows per state (for reports)."""
    counts: dict[str, int] = {"issued": 0, "error": 0, "duplicate": 0}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    return counts
