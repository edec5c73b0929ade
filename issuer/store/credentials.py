"""Signed credentials: storing one, storing a batch chunk atomically, finding and listing them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.errors import (
    ConflictError,
    DuplicateError,
    NotFoundError,
)
from issuer.store.audit import write_audit  # noqa
from issuer.store.checks import (
    check_json,
    check_new_credential,
    check_page,
    check_row_number,
    check_text,
)
from issuer.store.database import Database
from issuer.store.models import (
    BatchRecordRow,
    BatchRowRow,
    CredentialRow,
)
from issuer.store.rows import (
    check_credential_free,
    credential_clash,
    credential_value,
    credential_values,
    diploma_holders,
    existing_credential_ids,
    insert_row,
    need_batch,
    need_credential,
    need_issuer,
    record_row,
    row_values,
    slices,
    table_of,
)
from issuer.store.values import (
    ROW_STATES,
    BatchRow,
    Credential,
    NewCredential,
    RowRecord,
)
from vc.errors import MalformedValueError, RangeValueError

_CHUNK_ATTEMPTS = 16  # a chunk insert re-checked after losing a race to a concurrent writer


class CredentialRepository:
    """The issued credentials; a batch chunk and its rows are written in one transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def insert_credential(self, new: NewCredential, *, batch_row: int | None = None) -> Credential:
        """Store a signed credential; with ``batch_row`` also record that row as issued, atomically.

        Raises DuplicateCredentialError (409) when the issuer already has this diploma number,
        DuplicateError when the credential id exists, NotFoundError for an unknown issuer or batch.
        Nothing is written when it raises.
        """
        check_new_credential(new)
        if batch_row is not None and new.batch_id is None:
            raise MalformedValueError("batch_row given for a credential without batch_id")

        def work(s: Session) -> Credential:
            need_issuer(s, new.issuer_id)
            batch = None
            if new.batch_id is not None:
                batch = need_batch(s, new.batch_id, lock=True)
                if batch.issuer_id != new.issuer_id:
                    raise ConflictError(f"batch {batch.id} belongs to another issuer")
            check_credential_free(s, new)
            row = CredentialRow(
                id=new.id,
                issuer_id=new.issuer_id,
                diploma_number=new.diploma_number,
                subject_name=new.subject_name,
                achievement_type=new.achievement_type,
                credential_json=new.credential_json,
                revoked=False,
                suspended=False,
                status_reason=None,
                status_changed_at=None,
                batch_id=new.batch_id,
                created_at=self._db.now(),
                student_number=new.student_number,
                programme_key=new.programme_key,
            )
            # A concurrent writer may have committed the same number since the check above.
            insert_row(s, row, lambda: credential_clash(s, new))
            if batch is not None and batch_row is not None:
                record_row(s, batch, batch_row, "issued", new.diploma_number, new.id, ())
            return credential_value(row)

        return self._db.write("storing a credential", work)

    def insert_credentials_with_rows(
        self,
        batch_id: int,
        credentials: Sequence[tuple[NewCredential, int]],
        rows: Sequence[RowRecord] = (),
    ) -> dict[int, BatchRow]:
        """Store a chunk of a batch in ONE transaction: each (credential, row number) of
        ``credentials`` is stored and its row recorded "issued", and each of ``rows`` recorded.

        Rows are handled one by one, so one row's trouble never aborts the others: a credential
        whose diploma number the issuer already has (stored before, or earlier in this chunk) is
        not stored and its row is recorded "duplicate", naming the credential that has the number;
        a row already recorded (by a concurrent runner of the batch) is skipped, its credential
        not stored. Returns the rows recorded, by row number (skipped rows are absent).

        Raises, writing nothing: MalformedValueError for bad fields, a repeated row number or a
        credential whose batch_id is not ``batch_id``; DuplicateError when a credential id is
        taken (or given twice); RangeValueError for a row outside 1..total_rows; ConflictError
        for a finished batch or a credential of another issuer; NotFoundError for an unknown
        batch or a row naming an unknown credential.
        """
        items = list(credentials)
        records = list(rows)
        for pair in items:
            if not (
                isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], NewCredential)
            ):
                raise MalformedValueError("credentials must be (NewCredential, row number) pairs")
            new, row_number = pair
            check_new_credential(new)
            if new.batch_id != batch_id:
                raise MalformedValueError(f"credential {new.id} is not of batch {batch_id}")
            check_row_number(row_number)
        for record in records:
            if not isinstance(record, RowRecord):
                raise MalformedValueError("rows must be RowRecord values")
            check_row_number(record.row_number)
            if record.state not in ROW_STATES:
                raise MalformedValueError(f"unknown row state {record.state!r}")
            if not all(isinstance(e, Mapping) for e in record.errors):
                raise MalformedValueError("a row's errors must be JSON objects")
            check_json([dict(e) for e in record.errors], "errors")
        numbers = [n for _, n in items] + [r.row_number for r in records]
        if len(set(numbers)) != len(numbers):
            raise MalformedValueError("a row number is given twice")
        ids = [new.id for new, _ in items]
        if len(set(ids)) != len(ids):
            raise DuplicateError("a credential id is given twice")

        def work(s: Session) -> dict[int, BatchRow]:
            batch = need_batch(s, batch_id, lock=True)
            if batch.state in ("done", "failed"):
                raise ConflictError(f"batch {batch.id} is {batch.state}")
            for number in numbers:
                if not 1 <= number <= batch.total_rows:
                    raise RangeValueError(f"row {number} outside 1..{batch.total_rows}")
            for new, _ in items:
                if new.issuer_id != batch.issuer_id:
                    raise ConflictError(f"batch {batch.id} belongs to another issuer")
            named = {r.credential_id for r in records if r.credential_id is not None}
            missing = named - existing_credential_ids(s, sorted(named))
            if missing:
                raise NotFoundError(f"no credential {sorted(missing)[0]}")
            for _ in range(_CHUNK_ATTEMPTS):
                done = self._store_chunk(s, batch, items, records)
                if done is not None:
                    return done
            raise ConflictError(f"storing rows of batch {batch_id} kept clashing; run it again")

        return self._db.write("storing a batch chunk", work)

    def _store_chunk(
        self,
        s: Session,
        batch: BatchRecordRow,
        items: list[tuple[NewCredential, int]],
        records: list[RowRecord],
    ) -> dict[int, BatchRow] | None:
        """One try at writing a chunk; None when a concurrent writer won a race (look again)."""
        numbers = [n for _, n in items] + [r.row_number for r in records]
        recorded: set[int] = set()
        for part in slices(sorted(numbers)):
            recorded.update(
                s.scalars(
                    select(BatchRowRow.row_number).where(
                        BatchRowRow.batch_id == batch.id, BatchRowRow.row_number.in_(part)
                    )
                )
            )
        todo = [(new, n) for new, n in items if n not in recorded]
        clash = existing_credential_ids(s, [new.id for new, _ in todo])
        if clash:
            raise DuplicateError(f"credential {sorted(clash)[0]} already exists")
        holders = diploma_holders(
            s, batch.issuer_id, sorted({new.diploma_number for new, _ in todo})
        )
        now = self._db.now()
        stored: list[dict[str, Any]] = []
        written: list[dict[str, Any]] = []
        for new, number in sorted(todo, key=lambda pair: pair[1]):
            holder = holders.get(new.diploma_number)
            if holder is None:
                holders[new.diploma_number] = new.id
                stored.append(credential_values(new, now))
                written.append(row_values(batch.id, number, "issued", new.diploma_number, new.id))
            else:
                written.append(
                    row_values(batch.id, number, "duplicate", new.diploma_number, holder)
                )
        for r in records:
            if r.row_number not in recorded:
                written.append(
                    row_values(
                        batch.id, r.row_number, r.state, r.diploma_number, r.credential_id, r.errors
                    )
                )
        written.sort(key=lambda values: int(values["row_number"]))
        try:
            # Core inserts (the ORM's bulk insert adds per-row bookkeeping and nothing we use).
            with s.begin_nested():
                if stored:
                    # Sorted by diploma number: concurrent chunks take unique-index locks in one
                    # order (PostgreSQL), so they queue instead of deadlocking.
                    stored.sort(key=lambda values: str(values["diploma_number"]))
                    s.execute(insert(table_of(CredentialRow)), stored)
                if written:
                    s.execute(insert(table_of(BatchRowRow)), written)
        except IntegrityError:
            return None  # a number issued (or a row recorded) concurrently: check again
        if written:
            batch.processed += len(written)
            batch.state = "running"
            s.flush()
        return {
            int(values["row_number"]): BatchRow(
                batch.id,
                int(values["row_number"]),
                values["diploma_number"],
                values["state"],
                values["credential_id"],
                tuple(values["errors"] or ()),
            )
            for values in written
        }

    def credential_ids_by_diploma_number(
        self, issuer_id: int, diploma_numbers: Collection[str]
    ) -> dict[str, str]:
        """The issuer's credential id for each of ``diploma_numbers`` already issued (others are
        absent): a batch skips those rows before allocating and signing anything."""
        if isinstance(diploma_numbers, str):
            raise MalformedValueError("diploma_numbers must be a collection, not one string")
        wanted = sorted({n for n in diploma_numbers if isinstance(n, str)})
        return self._db.read("reading credentials", lambda s: diploma_holders(s, issuer_id, wanted))

    def get_credential(self, credential_id: str) -> Credential:
        """Raises NotFoundError."""
        return self._db.read(
            "reading a credential", lambda s: credential_value(need_credential(s, credential_id))
        )

    def get_by_diploma_number(self, issuer_id: int, diploma_number: str) -> Credential | None:
        """The issuer's credential with this diploma number, or None (idempotent batch re-upload)."""
        query = select(CredentialRow).where(
            CredentialRow.issuer_id == issuer_id, CredentialRow.diploma_number == diploma_number
        )

        def work(s: Session) -> Credential | None:
            row = s.scalars(query).first()
            return None if row is None else credential_value(row)

        return self._db.read("reading a credential", work)

    def list_credentials(
        self, issuer_id: int, *, limit: int = 50, offset: int = 0, search: str | None = None
    ) -> list[Credential]:
        """Newest first; ``search`` matches a substring of the subject name or diploma number."""
        check_page(limit, offset)
        query = select(CredentialRow).where(CredentialRow.issuer_id == issuer_id)
        if search:
            pattern = (
                "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
            query = query.where(
                CredentialRow.subject_name.ilike(pattern, escape="\\")
                | CredentialRow.diploma_number.ilike(pattern, escape="\\")
            )
        query = query.order_by(CredentialRow.created_at.desc(), CredentialRow.id).limit(limit)
        query = query.offset(offset)
        return self._db.read(
            "listing credentials", lambda s: [credential_value(r) for r in s.scalars(query)]
        )

    def count_credentials(self, issuer_id: int) -> int:
        query = (
            select(func.count())
            .select_from(CredentialRow)
            .where(CredentialRow.issuer_id == issuer_id)
        )
        return self._db.read("counting credentials", lambda s: int(s.scalar(query) or 0))

    def same_programme(
        self, issuer_id: int, student_number: str, programme_key: str
    ) -> list[Credential]:
        """The issuer's credentials for this student number and programme, oldest first."""
        query = (
            select(CredentialRow)
            .where(
                CredentialRow.issuer_id == issuer_id,
                CredentialRow.student_number == student_number,
                CredentialRow.programme_key == programme_key,
            )
            .order_by(CredentialRow.created_at, CredentialRow.id)
        )
        return self._db.read(
            "reading credentials", lambda s: [credential_value(r) for r in s.scalars(query)]
        )

    def programmes_of_students(
        self, issuer_id: int, student_numbers: Collection[str]
    ) -> dict[tuple[str, str], list[str]]:
        """(student number, programme key) -> the diploma numbers the issuer gave them."""
        wanted = sorted({n for n in student_numbers if isinstance(n, str)})

        def work(s: Session) -> dict[tuple[str, str], list[str]]:
            found: dict[tuple[str, str], list[str]] = {}
            for part in slices(wanted):
                query = select(
                    CredentialRow.student_number,
                    CredentialRow.programme_key,
                    CredentialRow.diploma_number,
                ).where(
                    CredentialRow.issuer_id == issuer_id,
                    CredentialRow.student_number.in_(part),
                    CredentialRow.programme_key.is_not(None),
                )
                for student, key, number in s.execute(query).tuples():
                    found.setdefault((str(student), str(key)), []).append(number)
            return found

        return self._db.read("reading credentials", work)

    def set_public_note(self, credential_id: str, note: str | None) -> Credential:
        """Set (or clear, with None) the status note the public share page shows. NotFoundError."""
        if note is not None:
            check_text(note, "public_note", 1000)

        def work(s: Session) -> Credential:
            row = need_credential(s, credential_id, lock=True)
            row.public_note = note
            return credential_value(row)

        return self._db.write("setting a public note", work)
