"""Batches (cohort uploads) and their per-row outcomes, resumable after a crash."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.errors import (
    ConflictError,
)
from issuer.store.audit import write_audit  # noqa
from issuer.store.checks import check_json, check_text
from issuer.store.database import Database
from issuer.store.models import (
    BatchRecordRow,
    BatchRowRow,
)
from issuer.store.rows import (
    batch_row_value,
    batch_value,
    insert_row,
    need_batch,
    need_credential,
    need_issuer,
    record_row,
)
from issuer.store.values import (
    BATCH_STATES,
    ROW_STATES,
    Batch,
    BatchProgress,
    BatchRow,
    BatchState,
    RowState,
)
from vc.errors import MalformedValueError, RangeValueError


class BatchRepository:
    """Batch records and their rows; a resumed batch skips the rows already recorded."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_batch(
        self, issuer_id: int, created_by: str, total_rows: int, source_digest: str
    ) -> Batch:
        """A queued batch of ``total_rows`` rows (numbered 1..total_rows). Raises NotFoundError."""
        check_text(created_by, "created_by", 255)
        check_text(source_digest, "source_digest", 128)
        if not isinstance(total_rows, int) or total_rows < 0:
            raise RangeValueError("total_rows must be a non-negative integer")

        def work(s: Session) -> Batch:
            need_issuer(s, issuer_id)
            row = BatchRecordRow(
                issuer_id=issuer_id,
                created_by=created_by,
                total_rows=total_rows,
                processed=0,
                state="queued",
                source_digest=source_digest,
                created_at=self._db.now(),
                finished_at=None,
            )
            insert_row(s, row, lambda: ConflictError("batch clashes with an existing one"))
            return batch_value(row)

        return self._db.write("creating a batch", work)

    def get_batch(self, batch_id: int) -> Batch:
        """Raises NotFoundError."""
        return self._db.read("reading a batch", lambda s: batch_value(need_batch(s, batch_id)))

    def find_batches_by_digest(self, issuer_id: int, source_digest: str) -> list[Batch]:
        """Earlier batches of the same file (same digest), oldest first."""
        query = (
            select(BatchRecordRow)
            .where(
                BatchRecordRow.issuer_id == issuer_id,
                BatchRecordRow.source_digest == source_digest,
            )
            .order_by(BatchRecordRow.id)
        )
        return self._db.read(
            "finding batches", lambda s: [batch_value(r) for r in s.scalars(query)]
        )

    def unfinished_batches(self, issuer_id: int | None = None) -> list[Batch]:
        """Queued or running batches (to resume after a restart), oldest first."""
        query = select(BatchRecordRow).where(BatchRecordRow.state.in_(("queued", "running")))
        if issuer_id is not None:
            query = query.where(BatchRecordRow.issuer_id == issuer_id)
        query = query.order_by(BatchRecordRow.id)
        return self._db.read(
            "listing batches", lambda s: [batch_value(r) for r in s.scalars(query)]
        )

    def start_batch(self, batch_id: int) -> Batch:
        """Move a queued (or failed, to retry) batch to running; running stays running (resume).

        Raises ConflictError for a done batch, NotFoundError for an unknown one.
        """

        def work(s: Session) -> Batch:
            row = need_batch(s, batch_id, lock=True)
            if row.state == "done":
                raise ConflictError(f"batch {batch_id} is done")
            row.state = "running"
            row.finished_at = None
            return batch_value(row)

        return self._db.write("starting a batch", work)

    def record_batch_row(
        self,
        batch_id: int,
        row_number: int,
        state: RowState,
        *,
        diploma_number: str | None = None,
        credential_id: str | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> BatchRow:
        """Record one row's outcome and count it processed (a queued batch becomes running).

        Raises DuplicateError when the row was already recorded, RangeValueError for a row number
        outside 1..total_rows, ConflictError for a finished batch, NotFoundError.
        """
        if state not in ROW_STATES:
            raise MalformedValueError(f"unknown row state {state!r}")
        check_json(list(errors), "errors")

        def work(s: Session) -> BatchRow:
            batch = need_batch(s, batch_id, lock=True)
            if credential_id is not None:
                need_credential(s, credential_id)
            return record_row(s, batch, row_number, state, diploma_number, credential_id, errors)

        return self._db.write("recording a batch row", work)

    def batch_rows(self, batch_id: int) -> list[BatchRow]:
        """The recorded rows in row order. Raises NotFoundError."""

        def work(s: Session) -> list[BatchRow]:
            need_batch(s, batch_id)
            rows = s.scalars(
                select(BatchRowRow)
                .where(BatchRowRow.batch_id == batch_id)
                .order_by(BatchRowRow.row_number)
            )
            return [batch_row_value(r) for r in rows]

        return self._db.read("reading batch rows", work)

    def recorded_row_numbers(self, batch_id: int) -> frozenset[int]:
        """Row numbers already recorded: a resumed batch skips them."""
        query = select(BatchRowRow.row_number).where(BatchRowRow.batch_id == batch_id)
        return self._db.read("reading batch rows", lambda s: frozenset(s.scalars(query)))

    def batch_progress(self, batch_id: int) -> BatchProgress:
        """Counts per outcome. Raises NotFoundError."""

        def work(s: Session) -> BatchProgress:
            batch = need_batch(s, batch_id)
            counts: dict[str, int] = {state: 0 for state in ROW_STATES}
            for state, n in s.execute(
                select(BatchRowRow.state, func.count())
                .where(BatchRowRow.batch_id == batch_id)
                .group_by(BatchRowRow.state)
            ).tuples():
                counts[state] = int(n)
            return BatchProgress(
                batch.id,
                cast(BatchState, batch.state),
                batch.total_rows,
                batch.processed,
                counts["issued"],
                counts["error"],
                counts["duplicate"],
            )

        return self._db.read("reading batch progress", work)

    def finish_batch(self, batch_id: int, state: BatchState) -> Batch:
        """Close a batch as "done" (every row recorded) or "failed".

        Raises ConflictError when the batch is already finished or "done" is claimed with rows
        unrecorded, MalformedValueError for another state, NotFoundError.
        """
        if state not in ("done", "failed") or state not in BATCH_STATES:
            raise MalformedValueError("a batch finishes as 'done' or 'failed'")

        def work(s: Session) -> Batch:
            row = need_batch(s, batch_id, lock=True)
            if row.state in ("done", "failed"):
                raise ConflictError(f"batch {batch_id} is already {row.state}")
            if state == "done" and row.processed != row.total_rows:
                raise ConflictError(
                    f"batch {batch_id} has {row.total_rows - row.processed} rows unrecorded"
                )
            row.state = state
            row.finished_at = self._db.now()
            return batch_value(row)

        return self._db.write("finishing a batch", work)
