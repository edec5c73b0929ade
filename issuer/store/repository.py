"""The issuer Store: every read and write of the issuer database, each one a transaction.

Every public method runs in its own transaction and either commits entirely or raises and leaves
the database unchanged. Methods return frozen values (issuer.store.values), never ORM rows.
Errors: issuer.errors (NotFoundError, ConflictError and kin, InvalidTokenError, ShareLink*Error,
StoreError / StoreUnavailableError for database failures) and vc.errors MalformedValueError /
RangeValueError for bad arguments.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from issuer.errors import (
    ConflictError,
    DuplicateCredentialError,
    DuplicateError,
    InvalidTokenError,
    IrreversibleStatusError,
    NotFoundError,
    ShareLinkExpiredError,
    ShareLinkRevokedError,
    StaleStatusListError,
    StoreError,
)
from issuer.store.allocation import RandomSource, capacity, choose_free_indexes, pack_bits
from issuer.store.engine import WRITE, translate
from issuer.store.models import (
    DEFAULT_STATUS_LIST_LENGTH,
    ApiTokenRow,
    AuditRow,
    BatchRecordRow,
    BatchRowRow,
    CredentialRow,
    HolderSecretRow,
    IssuerRow,
    ShareLinkRow,
    SigningKeyRow,
    StatusAllocationRow,
    StatusListRow,
    UserRow,
)
from issuer.store.tokens import hash_token
from issuer.store.values import (
    BATCH_STATES,
    ROLES,
    ROW_STATES,
    STATUS_PURPOSES,
    Allocation,
    ApiToken,
    AuditEntry,
    Batch,
    BatchProgress,
    BatchRow,
    BatchState,
    Credential,
    Issuer,
    KeyStatus,
    NewCredential,
    Role,
    RowRecord,
    RowState,
    ShareLink,
    SigningKey,
    StatusChange,
    StatusEntry,
    StatusList,
    StatusPurpose,
    User,
)
from vc import multibase
from vc.errors import DiplomatError, MalformedValueError, RangeValueError

T = TypeVar("T")
Clock = Callable[[], datetime]

_RETRIES = 5
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected
_LIST_ATTEMPTS = 64
_CHUNK_ATTEMPTS = 16  # a chunk insert re-checked after losing a race to a concurrent writer
_IN_SLICE = 500  # values per IN (...): far below SQLite's and PostgreSQL's parameter limits


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


class Store:
    """The issuer database behind a small typed API. Build it with ``issuer.store.open_store``.

    ``clock`` stamps every row (inject a fixed one in tests); ``rng`` is the default randomness for
    status-index choice; ``status_list_length`` is the length of newly opened status lists and
    ``fill_ratio`` the share of a list handed out before the next list is opened.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = utc_now,
        rng: RandomSource | None = None,
        status_list_length: int = DEFAULT_STATUS_LIST_LENGTH,
        fill_ratio: float = 0.9,
    ) -> None:
        if status_list_length <= 0 or status_list_length % 8:
            raise RangeValueError("status_list_length must be a positive multiple of 8")
        if not 0.0 < fill_ratio <= 1.0:
            raise RangeValueError("fill_ratio must be in (0, 1]")
        self.engine = engine
        self._clock = clock
        self._rng: RandomSource = rng if rng is not None else secrets.SystemRandom()
        self.status_list_length = status_list_length
        self.fill_ratio = fill_ratio
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(
            engine.execution_options(**{WRITE: True}), expire_on_commit=False
        )

    # ---------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Close every pooled connection. The Store must not be used afterwards."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- issuers and keys

    def create_issuer(self, did: str, name: str, domain: str, country: str) -> Issuer:
        """Register an issuer. Raises DuplicateError when the DID is already registered."""
        _text(did, "did", 512)
        _text(name, "name", 512)
        _text(domain, "domain", 255)
        if not (isinstance(country, str) and len(country) == 2 and country.isalpha()):
            raise MalformedValueError(
                "country must be an ISO 3166-1 alpha-2 code", pointer="/country"
            )

        def work(s: Session) -> Issuer:
            if s.scalar(select(IssuerRow.id).where(IssuerRow.did == did)) is not None:
                raise DuplicateError(f"issuer {did} already exists")
            row = IssuerRow(did=did, name=name, domain=domain, country=country.upper())
            row.created_at = self._now()
            _insert(s, row, lambda: DuplicateError(f"issuer {did} already exists"))
            return _issuer(row)

        return self._write("creating an issuer", work)

    def get_issuer(self, issuer_id: int) -> Issuer:
        """Raises NotFoundError."""
        return self._read("reading an issuer", lambda s: _issuer(_need_issuer(s, issuer_id)))

    def get_issuer_by_did(self, did: str) -> Issuer:
        """Raises NotFoundError."""

        def work(s: Session) -> Issuer:
            row = s.scalars(select(IssuerRow).where(IssuerRow.did == did)).first()
            if row is None:
                raise NotFoundError(f"no issuer {did}")
            return _issuer(row)

        return self._read("reading an issuer", work)

    def list_issuers(self) -> list[Issuer]:
        return self._read(
            "listing issuers",
            lambda s: [_issuer(r) for r in s.scalars(select(IssuerRow).order_by(IssuerRow.id))],
        )

    def add_signing_key(
        self,
        issuer_id: int,
        key_id: str,
        key_type: str,
        public_multikey: str,
        private_key_ref: str,
        *,
        status: KeyStatus = "active",
    ) -> SigningKey:
        """Record a key; ``private_key_ref`` is a file path or an encrypted-blob reference.

        Raises MalformedValueError when ``private_key_ref`` is a raw private key (unencrypted PEM,
        a JWK with "d", a private Multikey), ConflictError when adding a second active key (use
        rotate_signing_key), DuplicateError when ``key_id`` exists, NotFoundError for the issuer.
        """
        _check_key_fields(key_id, key_type, public_multikey, private_key_ref)
        if status not in ("active", "rotated", "retired"):
            raise MalformedValueError(f"unknown key status {status!r}")

        def work(s: Session) -> SigningKey:
            _need_issuer(s, issuer_id)
            if status == "active" and _active_key(s, issuer_id) is not None:
                raise ConflictError("issuer already has an active key; rotate it instead")
            return _signing_key(
                self._add_key(
                    s, issuer_id, key_id, key_type, public_multikey, private_key_ref, status
                )
            )

        return self._write("adding a signing key", work)

    def rotate_signing_key(
        self, issuer_id: int, key_id: str, key_type: str, public_multikey: str, private_key_ref: str
    ) -> SigningKey:
        """Mark the active key "rotated" and add the new active one, in one transaction."""
        _check_key_fields(key_id, key_type, public_multikey, private_key_ref)

        def work(s: Session) -> SigningKey:
            _need_issuer(s, issuer_id)
            old = _active_key(s, issuer_id)
            if old is not None:
                old.status = "rotated"
                s.flush()  # free the one-active-key slot before the new key takes it
            return _signing_key(
                self._add_key(
                    s, issuer_id, key_id, key_type, public_multikey, private_key_ref, "active"
                )
            )

        return self._write("rotating a signing key", work)

    def retire_signing_key(self, key_id: str) -> SigningKey:
        """Mark a key "retired" (stamping retired_at). Raises NotFoundError."""

        def work(s: Session) -> SigningKey:
            row = _need_key(s, key_id)
            if row.status != "retired":
                row.status = "retired"
                row.retired_at = self._now()
            return _signing_key(row)

        return self._write("retiring a signing key", work)

    def get_signing_key(self, key_id: str) -> SigningKey:
        """The key with this verification-method id. Raises NotFoundError."""
        return self._read("reading a signing key", lambda s: _signing_key(_need_key(s, key_id)))

    def active_signing_key(self, issuer_id: int) -> SigningKey:
        """Raises NotFoundError when the issuer has no active key."""

        def work(s: Session) -> SigningKey:
            row = _active_key(s, issuer_id)
            if row is None:
                raise NotFoundError(f"issuer {issuer_id} has no active signing key")
            return _signing_key(row)

        return self._read("reading the active key", work)

    def list_signing_keys(self, issuer_id: int) -> list[SigningKey]:
        query = (
            select(SigningKeyRow)
            .where(SigningKeyRow.issuer_id == issuer_id)
            .order_by(SigningKeyRow.id)
        )
        return self._read("listing keys", lambda s: [_signing_key(r) for r in s.scalars(query)])

    def _add_key(
        self,
        s: Session,
        issuer_id: int,
        key_id: str,
        key_type: str,
        public_multikey: str,
        private_key_ref: str,
        status: str,
    ) -> SigningKeyRow:
        if s.scalar(select(SigningKeyRow.id).where(SigningKeyRow.key_id == key_id)) is not None:
            raise DuplicateError(f"key {key_id} already exists")
        now = self._now()
        row = SigningKeyRow(
            issuer_id=issuer_id,
            key_id=key_id,
            key_type=key_type,
            public_multikey=public_multikey,
            private_key_ref=private_key_ref,
            status=status,
            created_at=now,
            retired_at=now if status == "retired" else None,
        )
        _insert(s, row, lambda: ConflictError(f"key {key_id} clashes with an existing key"))
        return row

    # ---------------------------------------------------------------- credentials

    def insert_credential(self, new: NewCredential, *, batch_row: int | None = None) -> Credential:
        """Store a signed credential; with ``batch_row`` also record that row as issued, atomically.

        Raises DuplicateCredentialError (409) when the issuer already has this diploma number,
        DuplicateError when the credential id exists, NotFoundError for an unknown issuer or batch.
        Nothing is written when it raises.
        """
        _check_new_credential(new)
        if batch_row is not None and new.batch_id is None:
            raise MalformedValueError("batch_row given for a credential without batch_id")

        def work(s: Session) -> Credential:
            _need_issuer(s, new.issuer_id)
            batch = None
            if new.batch_id is not None:
                batch = _need_batch(s, new.batch_id, lock=True)
                if batch.issuer_id != new.issuer_id:
                    raise ConflictError(f"batch {batch.id} belongs to another issuer")
            _check_credential_free(s, new)
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
                created_at=self._now(),
            )
            # A concurrent writer may have committed the same number since the check above.
            _insert(s, row, lambda: _credential_clash(s, new))
            if batch is not None and batch_row is not None:
                _record_row(s, batch, batch_row, "issued", new.diploma_number, new.id, ())
            return _credential(row)

        return self._write("storing a credential", work)

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
            _check_new_credential(new)
            if new.batch_id != batch_id:
                raise MalformedValueError(f"credential {new.id} is not of batch {batch_id}")
            _row_number(row_number)
        for record in records:
            if not isinstance(record, RowRecord):
                raise MalformedValueError("rows must be RowRecord values")
            _row_number(record.row_number)
            if record.state not in ROW_STATES:
                raise MalformedValueError(f"unknown row state {record.state!r}")
            if not all(isinstance(e, Mapping) for e in record.errors):
                raise MalformedValueError("a row's errors must be JSON objects")
            _json([dict(e) for e in record.errors], "errors")
        numbers = [n for _, n in items] + [r.row_number for r in records]
        if len(set(numbers)) != len(numbers):
            raise MalformedValueError("a row number is given twice")
        ids = [new.id for new, _ in items]
        if len(set(ids)) != len(ids):
            raise DuplicateError("a credential id is given twice")

        def work(s: Session) -> dict[int, BatchRow]:
            batch = _need_batch(s, batch_id, lock=True)
            if batch.state in ("done", "failed"):
                raise ConflictError(f"batch {batch.id} is {batch.state}")
            for number in numbers:
                if not 1 <= number <= batch.total_rows:
                    raise RangeValueError(f"row {number} outside 1..{batch.total_rows}")
            for new, _ in items:
                if new.issuer_id != batch.issuer_id:
                    raise ConflictError(f"batch {batch.id} belongs to another issuer")
            named = {r.credential_id for r in records if r.credential_id is not None}
            missing = named - _existing_credential_ids(s, sorted(named))
            if missing:
                raise NotFoundError(f"no credential {sorted(missing)[0]}")
            for _ in range(_CHUNK_ATTEMPTS):
                done = self._store_chunk(s, batch, items, records)
                if done is not None:
                    return done
            raise ConflictError(f"storing rows of batch {batch_id} kept clashing; run it again")

        return self._write("storing a batch chunk", work)

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
        for part in _slices(sorted(numbers)):
            recorded.update(
                s.scalars(
                    select(BatchRowRow.row_number).where(
                        BatchRowRow.batch_id == batch.id, BatchRowRow.row_number.in_(part)
                    )
                )
            )
        todo = [(new, n) for new, n in items if n not in recorded]
        clash = _existing_credential_ids(s, [new.id for new, _ in todo])
        if clash:
            raise DuplicateError(f"credential {sorted(clash)[0]} already exists")
        holders = _holders(s, batch.issuer_id, sorted({new.diploma_number for new, _ in todo}))
        now = self._now()
        stored: list[dict[str, Any]] = []
        written: list[dict[str, Any]] = []
        for new, number in sorted(todo, key=lambda pair: pair[1]):
            holder = holders.get(new.diploma_number)
            if holder is None:
                holders[new.diploma_number] = new.id
                stored.append(_credential_values(new, now))
                written.append(_row_values(batch.id, number, "issued", new.diploma_number, new.id))
            else:
                written.append(
                    _row_values(batch.id, number, "duplicate", new.diploma_number, holder)
                )
        for r in records:
            if r.row_number not in recorded:
                written.append(
                    _row_values(
                        batch.id, r.row_number, r.state, r.diploma_number, r.credential_id, r.errors
                    )
                )
        written.sort(key=lambda values: int(values["row_number"]))
        try:
            with s.begin_nested():
                if stored:
                    # Sorted by diploma number: concurrent chunks take unique-index locks in one
                    # order (PostgreSQL), so they queue instead of deadlocking.
                    stored.sort(key=lambda values: str(values["diploma_number"]))
                    s.execute(insert(CredentialRow), stored)
                if written:
                    s.execute(insert(BatchRowRow), written)
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
        return self._read("reading credentials", lambda s: _holders(s, issuer_id, wanted))

    def get_credential(self, credential_id: str) -> Credential:
        """Raises NotFoundError."""
        return self._read(
            "reading a credential", lambda s: _credential(_need_credential(s, credential_id))
        )

    def get_by_diploma_number(self, issuer_id: int, diploma_number: str) -> Credential | None:
        """The issuer's credential with this diploma number, or None (idempotent batch re-upload)."""
        query = select(CredentialRow).where(
            CredentialRow.issuer_id == issuer_id, CredentialRow.diploma_number == diploma_number
        )

        def work(s: Session) -> Credential | None:
            row = s.scalars(query).first()
            return None if row is None else _credential(row)

        return self._read("reading a credential", work)

    def list_credentials(
        self, issuer_id: int, *, limit: int = 50, offset: int = 0, search: str | None = None
    ) -> list[Credential]:
        """Newest first; ``search`` matches a substring of the subject name or diploma number."""
        _page(limit, offset)
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
        return self._read(
            "listing credentials", lambda s: [_credential(r) for r in s.scalars(query)]
        )

    def count_credentials(self, issuer_id: int) -> int:
        query = (
            select(func.count())
            .select_from(CredentialRow)
            .where(CredentialRow.issuer_id == issuer_id)
        )
        return self._read("counting credentials", lambda s: int(s.scalar(query) or 0))

    # ---------------------------------------------------------------- status lists

    def allocate_status_index(
        self,
        issuer_id: int,
        purpose: StatusPurpose,
        credential_id: str,
        rng: RandomSource | None = None,
    ) -> Allocation:
        """Reserve a status index for ``credential_id``: (list_id, list_number, index).

        The index is uniform among the free indexes of the issuer's current list for ``purpose``;
        a new list is opened once the current one has handed out ``fill_ratio`` of its length.
        An index is never handed out twice (UNIQUE(list_id, index) is the guarantee; a clash is
        retried with another index). Calling again for the same credential and purpose returns
        the same allocation. The credential need not be stored yet: its id is embedded in the
        credential the index goes into. Raises NotFoundError for an unknown issuer.
        """
        return self.allocate_status_indexes(issuer_id, purpose, [credential_id], rng)[0]

    def allocate_status_indexes(
        self,
        issuer_id: int,
        purpose: StatusPurpose,
        credential_ids: Sequence[str],
        rng: RandomSource | None = None,
    ) -> list[Allocation]:
        """Reserve a status index for each of ``credential_ids``, in one transaction.

        The allocations come back in the order of ``credential_ids`` and are exactly what one
        ``allocate_status_index`` call per id would give: each index uniform among the indexes
        still free in the current list, never handed out twice, lists opened as they fill (a
        chunk may straddle two lists); an id that already has an index for ``purpose`` (or that
        appears twice) gets the same allocation back. Raises MalformedValueError for a bad
        purpose or id, NotFoundError for an unknown issuer; nothing is reserved when it raises.
        """
        _purpose(purpose)
        if isinstance(credential_ids, str):
            raise MalformedValueError("credential_ids must be a sequence of ids, not one string")
        ids = list(credential_ids)
        for credential_id in ids:
            _text(credential_id, "credential_id", 512)
        unique = list(dict.fromkeys(ids))
        chooser = rng if rng is not None else self._rng

        def work(s: Session) -> list[Allocation]:
            _need_issuer(s, issuer_id)
            found: dict[str, Allocation] = {}
            for part in _slices(unique):
                rows = s.execute(
                    select(
                        StatusAllocationRow.credential_id,
                        StatusListRow.id,
                        StatusListRow.list_number,
                        StatusAllocationRow.status_index,
                    )
                    .join(StatusListRow, StatusListRow.id == StatusAllocationRow.list_id)
                    .where(
                        StatusAllocationRow.credential_id.in_(part),
                        StatusListRow.issuer_id == issuer_id,
                        StatusListRow.purpose == purpose,
                    )
                ).tuples()
                for credential_id, list_id, list_number, index in rows:
                    found.setdefault(credential_id, Allocation(list_id, list_number, index))
            remaining = [cid for cid in unique if cid not in found]
            failures = 0
            while remaining:
                if failures >= _LIST_ATTEMPTS:
                    raise StoreError(f"could not allocate a {purpose} index for issuer {issuer_id}")
                made = self._try_allocate(s, issuer_id, purpose, remaining, chooser)
                if not made:
                    failures += 1  # a list opened or filled meanwhile, or an index clash
                    continue
                found.update(zip(remaining, made, strict=False))
                remaining = remaining[len(made) :]
            return [found[cid] for cid in ids]

        return self._write("allocating status indexes", work)

    def _try_allocate(
        self,
        s: Session,
        issuer_id: int,
        purpose: str,
        credential_ids: Sequence[str],
        rng: RandomSource,
    ) -> list[Allocation] | None:
        """Allocate indexes for the first of ``credential_ids`` the current list has room for.

        Returns them in order (possibly fewer than asked: the rest go to the next list), or None
        when this attempt lost a race and must be retried.
        """
        # Lock the current list row: allocators of one list queue here (PostgreSQL; SQLite
        # writers are serialised by BEGIN IMMEDIATE), so counts and fill checks are exact.
        current = s.scalars(
            select(StatusListRow)
            .where(StatusListRow.issuer_id == issuer_id, StatusListRow.purpose == purpose)
            .order_by(StatusListRow.list_number.desc())
            .limit(1)
            .with_for_update()
        ).first()
        if current is None or current.allocated >= capacity(current.length, self.fill_ratio):
            number = 0 if current is None else current.list_number + 1
            now = self._now()
            opened = StatusListRow(
                issuer_id=issuer_id,
                purpose=purpose,
                list_number=number,
                length=self.status_list_length,
                allocated=0,
                version=0,
                created_at=now,
                updated_at=now,
            )
            try:
                with s.begin_nested():
                    s.add(opened)
            except IntegrityError:
                return None  # another process opened list `number` first: look again
            current = opened
        list_id = current.id
        room = capacity(current.length, self.fill_ratio) - current.allocated
        wanted = max(1, min(room, len(credential_ids)))

        def taken_among(candidates: Sequence[int]) -> Collection[int]:
            taken: set[int] = set()
            for part in _slices(sorted(set(candidates))):
                taken.update(
                    s.scalars(
                        select(StatusAllocationRow.status_index).where(
                            StatusAllocationRow.list_id == list_id,
                            StatusAllocationRow.status_index.in_(part),
                        )
                    )
                )
            return taken

        def all_taken() -> Collection[int]:
            return set(
                s.scalars(
                    select(StatusAllocationRow.status_index).where(
                        StatusAllocationRow.list_id == list_id
                    )
                )
            )

        indexes = choose_free_indexes(current.length, wanted, taken_among, all_taken, rng)
        now = self._now()
        try:
            with s.begin_nested():
                if indexes:
                    s.execute(
                        insert(StatusAllocationRow),
                        [
                            {
                                "list_id": list_id,
                                "status_index": index,
                                "credential_id": credential_id,
                                "is_set": False,
                                "allocated_at": now,
                                "changed_at": None,
                            }
                            for index, credential_id in zip(indexes, credential_ids, strict=False)
                        ],
                    )
        except IntegrityError:
            return None  # an index was taken meanwhile: draw again
        if len(indexes) < wanted:
            current.allocated = current.length  # full: the next attempt opens the next list
        else:
            current.allocated += len(indexes)
        s.flush()
        return [Allocation(list_id, current.list_number, index) for index in indexes]

    def set_status(
        self,
        credential_id: str,
        purpose: StatusPurpose,
        value: bool,
        reason: str | None,
        actor: str,
    ) -> StatusChange:
        """Set or clear the credential's bit for ``purpose`` and write an audit entry, atomically.

        A real change bumps the list's version (so the list must be re-signed) and updates the
        credential's revoked/suspended flags; setting a bit to the value it has changes nothing
        and writes no audit entry. Raises IrreversibleStatusError when clearing a revocation
        (Bitstring Status List v1.0 §2.1: revocation is not reversible), NotFoundError when the
        credential or its status entry for ``purpose`` does not exist.
        """
        _purpose(purpose)
        _text(actor, "actor", 255)
        if not isinstance(value, bool):
            raise MalformedValueError("value must be a bool")

        def work(s: Session) -> StatusChange:
            cred = _need_credential(s, credential_id, lock=True)
            found = s.execute(
                select(StatusAllocationRow, StatusListRow)
                .join(StatusListRow, StatusListRow.id == StatusAllocationRow.list_id)
                .where(
                    StatusAllocationRow.credential_id == credential_id,
                    StatusListRow.issuer_id == cred.issuer_id,
                    StatusListRow.purpose == purpose,
                )
                .with_for_update()
            ).first()
            if found is None:
                raise NotFoundError(f"credential {credential_id} has no {purpose} status entry")
            alloc, lst = found
            if purpose == "revocation" and alloc.is_set and not value:
                raise IrreversibleStatusError(f"credential {credential_id} is revoked for good")
            if alloc.is_set == value:
                return StatusChange(
                    credential_id, purpose, lst.id, alloc.status_index, value, False, lst.version
                )
            now = self._now()
            alloc.is_set = value
            alloc.changed_at = now
            lst.version += 1
            lst.updated_at = now
            if purpose == "revocation":
                cred.revoked = value
            else:
                cred.suspended = value
            cred.status_reason = reason
            cred.status_changed_at = now
            self._audit(
                s,
                actor,
                f"status.{purpose}.{'set' if value else 'clear'}",
                credential_id,
                {
                    "purpose": purpose,
                    "value": value,
                    "reason": reason,
                    "list_id": lst.id,
                    "index": alloc.status_index,
                    "version": lst.version,
                },
            )
            return StatusChange(
                credential_id, purpose, lst.id, alloc.status_index, value, True, lst.version
            )

        return self._write("changing a status", work)

    def status_entries(self, credential_id: str) -> list[StatusEntry]:
        """The credential's status-list positions (one per purpose it was allocated)."""
        query = (
            select(StatusAllocationRow, StatusListRow)
            .join(StatusListRow, StatusListRow.id == StatusAllocationRow.list_id)
            .where(StatusAllocationRow.credential_id == credential_id)
            .order_by(StatusListRow.purpose)
        )

        def work(s: Session) -> list[StatusEntry]:
            return [
                StatusEntry(
                    credential_id,
                    cast(StatusPurpose, lst.purpose),
                    lst.id,
                    lst.list_number,
                    alloc.status_index,
                    alloc.is_set,
                )
                for alloc, lst in s.execute(query).tuples()
            ]

        return self._read("reading status entries", work)

    def get_status_list(self, list_id: int) -> StatusList:
        """Raises NotFoundError."""
        return self._read("reading a status list", lambda s: _status_list(_need_list(s, list_id)))

    def get_status_list_by_number(
        self, issuer_id: int, purpose: StatusPurpose, list_number: int
    ) -> StatusList:
        """The list the public URL .../status/<purpose>/<number> serves. Raises NotFoundError."""
        _purpose(purpose)
        query = select(StatusListRow).where(
            StatusListRow.issuer_id == issuer_id,
            StatusListRow.purpose == purpose,
            StatusListRow.list_number == list_number,
        )

        def work(s: Session) -> StatusList:
            row = s.scalars(query).first()
            if row is None:
                raise NotFoundError(f"no {purpose} status list {list_number}")
            return _status_list(row)

        return self._read("reading a status list", work)

    def list_status_lists(
        self, issuer_id: int, purpose: StatusPurpose | None = None
    ) -> list[StatusList]:
        query = select(StatusListRow).where(StatusListRow.issuer_id == issuer_id)
        if purpose is not None:
            _purpose(purpose)
            query = query.where(StatusListRow.purpose == purpose)
        query = query.order_by(StatusListRow.purpose, StatusListRow.list_number)
        return self._read(
            "listing status lists", lambda s: [_status_list(r) for r in s.scalars(query)]
        )

    def status_bits(self, list_id: int) -> frozenset[int]:
        """The indexes whose bit is set in the list. Raises NotFoundError."""

        def work(s: Session) -> frozenset[int]:
            _need_list(s, list_id)
            return frozenset(
                s.scalars(
                    select(StatusAllocationRow.status_index).where(
                        StatusAllocationRow.list_id == list_id, StatusAllocationRow.is_set
                    )
                )
            )

        return self._read("reading status bits", work)

    def status_snapshot(self, list_id: int) -> tuple[StatusList, bytes]:
        """The list and its raw (uncompressed, MSB-first) bitstring, read in one transaction.

        Sign the bitstring, then store it with ``save_signed_status_list(list.id, json,
        list.version)``. Raises NotFoundError.
        """

        def work(s: Session) -> tuple[StatusList, bytes]:
            row = _need_list(s, list_id)
            indexes = s.scalars(
                select(StatusAllocationRow.status_index).where(
                    StatusAllocationRow.list_id == list_id, StatusAllocationRow.is_set
                )
            )
            return _status_list(row), pack_bits(row.length, indexes)

        return self._read("reading a status list", work)

    def status_bitstring(self, list_id: int) -> bytes:
        """The raw bitstring (length/8 bytes, index 0 = most significant bit of byte 0)."""
        return self.status_snapshot(list_id)[1]

    def save_signed_status_list(
        self, list_id: int, credential_json: str, version: int
    ) -> StatusList:
        """Store the signed status list credential made from the list at ``version``.

        Sets ``signed_version`` and a strong ETag (hash of the JSON text). Raises
        StaleStatusListError when the list changed since that version (sign it again),
        NotFoundError for an unknown list.
        """
        _text(credential_json, "credential_json", None)

        def work(s: Session) -> StatusList:
            row = _need_list(s, list_id, lock=True)
            if row.version != version:
                raise StaleStatusListError(
                    f"status list {list_id} is at version {row.version}, not {version}"
                )
            row.credential_json = credential_json
            row.signed_version = version
            row.etag = '"' + hashlib.sha256(credential_json.encode("utf-8")).hexdigest()[:32] + '"'
            row.updated_at = self._now()
            return _status_list(row)

        return self._write("saving a signed status list", work)

    # ---------------------------------------------------------------- batches

    def create_batch(
        self, issuer_id: int, created_by: str, total_rows: int, source_digest: str
    ) -> Batch:
        """A queued batch of ``total_rows`` rows (numbered 1..total_rows). Raises NotFoundError."""
        _text(created_by, "created_by", 255)
        _text(source_digest, "source_digest", 128)
        if not isinstance(total_rows, int) or total_rows < 0:
            raise RangeValueError("total_rows must be a non-negative integer")

        def work(s: Session) -> Batch:
            _need_issuer(s, issuer_id)
            row = BatchRecordRow(
                issuer_id=issuer_id,
                created_by=created_by,
                total_rows=total_rows,
                processed=0,
                state="queued",
                source_digest=source_digest,
                created_at=self._now(),
                finished_at=None,
            )
            _insert(s, row, lambda: ConflictError("batch clashes with an existing one"))
            return _batch(row)

        return self._write("creating a batch", work)

    def get_batch(self, batch_id: int) -> Batch:
        """Raises NotFoundError."""
        return self._read("reading a batch", lambda s: _batch(_need_batch(s, batch_id)))

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
        return self._read("finding batches", lambda s: [_batch(r) for r in s.scalars(query)])

    def unfinished_batches(self, issuer_id: int | None = None) -> list[Batch]:
        """Queued or running batches (to resume after a restart), oldest first."""
        query = select(BatchRecordRow).where(BatchRecordRow.state.in_(("queued", "running")))
        if issuer_id is not None:
            query = query.where(BatchRecordRow.issuer_id == issuer_id)
        query = query.order_by(BatchRecordRow.id)
        return self._read("listing batches", lambda s: [_batch(r) for r in s.scalars(query)])

    def start_batch(self, batch_id: int) -> Batch:
        """Move a queued (or failed, to retry) batch to running; running stays running (resume).

        Raises ConflictError for a done batch, NotFoundError for an unknown one.
        """

        def work(s: Session) -> Batch:
            row = _need_batch(s, batch_id, lock=True)
            if row.state == "done":
                raise ConflictError(f"batch {batch_id} is done")
            row.state = "running"
            row.finished_at = None
            return _batch(row)

        return self._write("starting a batch", work)

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
        _json(list(errors), "errors")

        def work(s: Session) -> BatchRow:
            batch = _need_batch(s, batch_id, lock=True)
            if credential_id is not None:
                _need_credential(s, credential_id)
            return _record_row(s, batch, row_number, state, diploma_number, credential_id, errors)

        return self._write("recording a batch row", work)

    def batch_rows(self, batch_id: int) -> list[BatchRow]:
        """The recorded rows in row order. Raises NotFoundError."""

        def work(s: Session) -> list[BatchRow]:
            _need_batch(s, batch_id)
            rows = s.scalars(
                select(BatchRowRow)
                .where(BatchRowRow.batch_id == batch_id)
                .order_by(BatchRowRow.row_number)
            )
            return [_batch_row(r) for r in rows]

        return self._read("reading batch rows", work)

    def recorded_row_numbers(self, batch_id: int) -> frozenset[int]:
        """Row numbers already recorded: a resumed batch skips them."""
        query = select(BatchRowRow.row_number).where(BatchRowRow.batch_id == batch_id)
        return self._read("reading batch rows", lambda s: frozenset(s.scalars(query)))

    def batch_progress(self, batch_id: int) -> BatchProgress:
        """Counts per outcome. Raises NotFoundError."""

        def work(s: Session) -> BatchProgress:
            batch = _need_batch(s, batch_id)
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

        return self._read("reading batch progress", work)

    def finish_batch(self, batch_id: int, state: BatchState) -> Batch:
        """Close a batch as "done" (every row recorded) or "failed".

        Raises ConflictError when the batch is already finished or "done" is claimed with rows
        unrecorded, MalformedValueError for another state, NotFoundError.
        """
        if state not in ("done", "failed") or state not in BATCH_STATES:
            raise MalformedValueError("a batch finishes as 'done' or 'failed'")

        def work(s: Session) -> Batch:
            row = _need_batch(s, batch_id, lock=True)
            if row.state in ("done", "failed"):
                raise ConflictError(f"batch {batch_id} is already {row.state}")
            if state == "done" and row.processed != row.total_rows:
                raise ConflictError(
                    f"batch {batch_id} has {row.total_rows - row.processed} rows unrecorded"
                )
            row.state = state
            row.finished_at = self._now()
            return _batch(row)

        return self._write("finishing a batch", work)

    # ---------------------------------------------------------------- share links, holder secrets

    def create_share_link(
        self, credential_id: str, token: str, *, expires_at: datetime | None
    ) -> ShareLink:
        """A link opened by ``token`` (only its SHA-256 is stored); ``expires_at`` None = never.

        Raises RangeValueError when ``expires_at`` is not in the future, NotFoundError,
        DuplicateError when the token is already in use.
        """
        token_hash = hash_token(token)
        if expires_at is not None:
            _aware(expires_at, "expires_at")

        def work(s: Session) -> ShareLink:
            _need_credential(s, credential_id)
            now = self._now()
            if expires_at is not None and expires_at <= now:
                raise RangeValueError("expires_at is not in the future", pointer="/expires_at")
            if s.scalar(select(ShareLinkRow.id).where(ShareLinkRow.token_hash == token_hash)):
                raise DuplicateError("share token already in use")
            row = ShareLinkRow(
                credential_id=credential_id,
                token_hash=token_hash,
                expires_at=expires_at,
                revoked_at=None,
                view_count=0,
                last_viewed_at=None,
                created_at=now,
            )
            _insert(s, row, lambda: DuplicateError("share token already in use"))
            return _share_link(row)

        return self._write("creating a share link", work)

    def open_share_link(self, token: str) -> ShareLink:
        """Count a view of the link and return it (with the new count).

        Raises NotFoundError for an unknown token, ShareLinkRevokedError / ShareLinkExpiredError
        (410) for a dead link; those do not count a view.
        """
        token_hash = _lookup_hash(token)

        def work(s: Session) -> ShareLink:
            row = s.scalars(
                select(ShareLinkRow).where(ShareLinkRow.token_hash == token_hash).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError("no such share link")
            now = self._now()
            state = _share_link(row).state(now)
            if state == "revoked":
                raise ShareLinkRevokedError("this share link was revoked")
            if state == "expired":
                raise ShareLinkExpiredError("this share link has expired")
            s.execute(
                update(ShareLinkRow)
                .where(ShareLinkRow.id == row.id)
                .values(view_count=ShareLinkRow.view_count + 1, last_viewed_at=now)
                .execution_options(synchronize_session=False)
            )  # the increment happens in SQL: atomic whatever else holds the row
            s.refresh(row)
            return _share_link(row)

        return self._write("opening a share link", work)

    def get_share_link(self, token: str) -> ShareLink:
        """The link for ``token`` whatever its state, without counting a view. NotFoundError."""
        token_hash = _lookup_hash(token)

        def work(s: Session) -> ShareLink:
            row = s.scalars(
                select(ShareLinkRow).where(ShareLinkRow.token_hash == token_hash)
            ).first()
            if row is None:
                raise NotFoundError("no such share link")
            return _share_link(row)

        return self._read("reading a share link", work)

    def revoke_share_link(self, link_id: int) -> ShareLink:
        """Revoke a link (idempotent: the first revocation time is kept). Raises NotFoundError."""

        def work(s: Session) -> ShareLink:
            row = s.get(ShareLinkRow, link_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no share link {link_id}")
            if row.revoked_at is None:
                row.revoked_at = self._now()
            return _share_link(row)

        return self._write("revoking a share link", work)

    def list_share_links(self, credential_id: str) -> list[ShareLink]:
        query = (
            select(ShareLinkRow)
            .where(ShareLinkRow.credential_id == credential_id)
            .order_by(ShareLinkRow.id)
        )
        return self._read(
            "listing share links", lambda s: [_share_link(r) for r in s.scalars(query)]
        )

    def set_holder_secret(self, credential_id: str, token: str) -> None:
        """Set (or replace) the holder's management token of a credential. NotFoundError."""
        token_hash = hash_token(token)

        def work(s: Session) -> None:
            _need_credential(s, credential_id)
            row = s.get(HolderSecretRow, credential_id, with_for_update=True)
            if row is None:
                s.add(
                    HolderSecretRow(
                        credential_id=credential_id, token_hash=token_hash, created_at=self._now()
                    )
                )
            else:
                row.token_hash = token_hash
                row.created_at = self._now()

        self._write("setting a holder secret", work)

    def check_holder_secret(self, credential_id: str, token: str) -> None:
        """Return if ``token`` is the credential's management token; else InvalidTokenError."""
        token_hash = _lookup_hash(token)

        def work(s: Session) -> None:
            row = s.get(HolderSecretRow, credential_id)
            if row is None or not hmac.compare_digest(row.token_hash, token_hash):
                raise InvalidTokenError("wrong management token for this credential")

        self._read("checking a holder secret", work)

    # ---------------------------------------------------------------- users and API tokens

    def create_user(self, username: str, password_hash: str, role: Role) -> User:
        """Add a console user. ``password_hash`` is the caller's argon2 hash ("$argon2...").

        Raises MalformedValueError for anything that is not an argon2 hash (a plain password must
        never reach the database), DuplicateError for a taken username.
        """
        _text(username, "username", 255)
        _argon2(password_hash)
        _role(role)

        def work(s: Session) -> User:
            if s.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
                raise DuplicateError(f"user {username} already exists")
            row = UserRow(
                username=username, password_hash=password_hash, role=role, created_at=self._now()
            )
            _insert(s, row, lambda: DuplicateError(f"user {username} already exists"))
            return _user(row)

        return self._write("creating a user", work)

    def get_user(self, username: str) -> User:
        """Raises NotFoundError."""

        def work(s: Session) -> User:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None:
                raise NotFoundError(f"no user {username}")
            return _user(row)

        return self._read("reading a user", work)

    def get_user_by_id(self, user_id: int) -> User:
        """Raises NotFoundError."""

        def work(s: Session) -> User:
            row = s.get(UserRow, user_id)
            if row is None:
                raise NotFoundError(f"no user {user_id}")
            return _user(row)

        return self._read("reading a user", work)

    def list_users(self) -> list[User]:
        return self._read(
            "listing users",
            lambda s: [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.username))],
        )

    def set_password_hash(self, username: str, password_hash: str) -> User:
        """Replace a user's argon2 hash (password change or rehash). Raises NotFoundError."""
        _argon2(password_hash)

        def work(s: Session) -> User:
            row = s.scalars(
                select(UserRow).where(UserRow.username == username).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError(f"no user {username}")
            row.password_hash = password_hash
            return _user(row)

        return self._write("changing a password", work)

    def create_api_token(self, name: str, token: str, role: Role) -> ApiToken:
        """Register an API token (a ``new_token()``); only its SHA-256 is stored."""
        _text(name, "name", 255)
        _role(role)
        token_hash = hash_token(token)

        def work(s: Session) -> ApiToken:
            if s.scalar(select(ApiTokenRow.id).where(ApiTokenRow.token_hash == token_hash)):
                raise DuplicateError("token already registered")
            row = ApiTokenRow(
                name=name,
                token_hash=token_hash,
                role=role,
                created_at=self._now(),
                last_used_at=None,
                revoked_at=None,
            )
            _insert(s, row, lambda: DuplicateError("token already registered"))
            return _api_token(row)

        return self._write("creating an API token", work)

    def authenticate_api_token(self, token: str) -> ApiToken:
        """The token's record, stamping last_used_at. Raises InvalidTokenError (unknown/revoked)."""
        try:
            token_hash = hash_token(token)
        except MalformedValueError as exc:
            raise InvalidTokenError("invalid API token") from exc

        def work(s: Session) -> ApiToken:
            row = s.scalars(
                select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash).with_for_update()
            ).first()
            if row is None or row.revoked_at is not None:
                raise InvalidTokenError("invalid or revoked API token")
            row.last_used_at = self._now()
            return _api_token(row)

        return self._write("checking an API token", work)

    def revoke_api_token(self, token_id: int) -> ApiToken:
        """Revoke (idempotent). Raises NotFoundError."""

        def work(s: Session) -> ApiToken:
            row = s.get(ApiTokenRow, token_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no API token {token_id}")
            if row.revoked_at is None:
                row.revoked_at = self._now()
            return _api_token(row)

        return self._write("revoking an API token", work)

    def list_api_tokens(self) -> list[ApiToken]:
        return self._read(
            "listing API tokens",
            lambda s: [
                _api_token(r) for r in s.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id))
            ],
        )

    # ---------------------------------------------------------------- audit log (append-only)

    def append_audit(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Append an entry. There is deliberately no update or delete (triggers refuse them too)."""

        def work(s: Session) -> AuditEntry:
            return _audit_entry(self._audit(s, actor, action, target, details or {}))

        return self._write("appending to the audit log", work)

    def list_audit(
        self,
        *,
        limit: int = 100,
        before_id: int | None = None,
        target: str | None = None,
        actor: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]:
        """Newest first; page with ``before_id`` (the smallest id of the previous page)."""
        _page(limit, 0)
        query = select(AuditRow)
        if before_id is not None:
            query = query.where(AuditRow.id < before_id)
        if target is not None:
            query = query.where(AuditRow.target == target)
        if actor is not None:
            query = query.where(AuditRow.actor == actor)
        if action is not None:
            query = query.where(AuditRow.action == action)
        query = query.order_by(AuditRow.id.desc()).limit(limit)
        return self._read(
            "reading the audit log", lambda s: [_audit_entry(r) for r in s.scalars(query)]
        )

    def _audit(
        self,
        s: Session,
        actor: str,
        action: str,
        target: str | None,
        details: Mapping[str, Any],
    ) -> AuditRow:
        _text(actor, "actor", 255)
        _text(action, "action", 64)
        if target is not None:
            _text(target, "target", 1024)
        payload = _json(dict(details), "details")
        row = AuditRow(at=self._now(), actor=actor, action=action, target=target, details=payload)
        s.add(row)
        s.flush()
        return row

    # ---------------------------------------------------------------- transactions

    def _now(self) -> datetime:
        return _aware(self._clock(), "clock")

    def _write(self, doing: str, work: Callable[[Session], T]) -> T:
        return self._transact(self._writer, doing, work)

    def _read(self, doing: str, work: Callable[[Session], T]) -> T:
        return self._transact(self._reader, doing, work)

    def _transact(
        self, factory: sessionmaker[Session], doing: str, work: Callable[[Session], T]
    ) -> T:
        """Run ``work`` in one transaction: commit on return, roll back on any exception.

        PostgreSQL deadlocks and serialisation failures are retried (the whole transaction);
        other database failures become StoreError / StoreUnavailableError.
        """
        for attempt in range(_RETRIES):
            try:
                with factory.begin() as session:
                    return work(session)
            except DiplomatError:
                raise
            except OperationalError as exc:
                sqlstate = getattr(exc.orig, "sqlstate", None)
                if sqlstate in _TRANSIENT_SQLSTATES and attempt + 1 < _RETRIES:
                    continue
                raise translate(exc, doing) from exc
            except SQLAlchemyError as exc:
                raise translate(exc, doing) from exc
        raise StoreError(f"gave up {doing} after {_RETRIES} attempts")  # pragma: no cover


# -------------------------------------------------------------------- helpers (in a transaction)


def _slices(values: Sequence[T], size: int = _IN_SLICE) -> list[Sequence[T]]:
    """``values`` cut into pieces of at most ``size`` (one IN (...) query each)."""
    return [values[i : i + size] for i in range(0, len(values), size)]


def _insert(s: Session, row: object, clash: Callable[[], DiplomatError]) -> None:
    """Add and flush ``row`` in a savepoint; a constraint violation raises ``clash()``."""
    try:
        with s.begin_nested():
            s.add(row)
    except IntegrityError as exc:
        raise clash() from exc


def _existing_credential_ids(s: Session, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for part in _slices(ids):
        found.update(s.scalars(select(CredentialRow.id).where(CredentialRow.id.in_(part))))
    return found


def _holders(s: Session, issuer_id: int, diploma_numbers: Sequence[str]) -> dict[str, str]:
    """diploma number -> id of the issuer's credential holding it, for those already issued."""
    found: dict[str, str] = {}
    for part in _slices(diploma_numbers):
        for number, credential_id in s.execute(
            select(CredentialRow.diploma_number, CredentialRow.id).where(
                CredentialRow.issuer_id == issuer_id,
                CredentialRow.diploma_number.in_(part),
            )
        ).tuples():
            found[number] = credential_id
    return found


def _credential_values(new: NewCredential, now: datetime) -> dict[str, Any]:
    return {
        "id": new.id,
        "issuer_id": new.issuer_id,
        "diploma_number": new.diploma_number,
        "subject_name": new.subject_name,
        "achievement_type": new.achievement_type,
        "credential_json": new.credential_json,
        "revoked": False,
        "suspended": False,
        "status_reason": None,
        "status_changed_at": None,
        "batch_id": new.batch_id,
        "created_at": now,
    }


def _row_values(
    batch_id: int,
    row_number: int,
    state: str,
    diploma_number: str | None,
    credential_id: str | None,
    errors: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "row_number": row_number,
        "diploma_number": diploma_number,
        "state": state,
        "credential_id": credential_id,
        "errors": [dict(e) for e in errors] or None,
    }


def _check_credential_free(s: Session, new: NewCredential) -> None:
    taken = s.scalar(
        select(CredentialRow.id).where(
            CredentialRow.issuer_id == new.issuer_id,
            CredentialRow.diploma_number == new.diploma_number,
        )
    )
    if taken is not None:
        raise DuplicateCredentialError(
            f"issuer {new.issuer_id} already issued diploma number {new.diploma_number!r}"
            f" as {taken}",
            issuer_id=new.issuer_id,
            diploma_number=new.diploma_number,
            pointer="/diploma_number",
        )
    if s.get(CredentialRow, new.id) is not None:
        raise DuplicateError(f"credential {new.id} already exists")


def _credential_clash(s: Session, new: NewCredential) -> DiplomatError:
    try:
        _check_credential_free(s, new)
    except DiplomatError as exc:
        return exc
    return ConflictError(f"credential {new.id} clashes with a stored one")


def _record_row(
    s: Session,
    batch: BatchRecordRow,
    row_number: int,
    state: str,
    diploma_number: str | None,
    credential_id: str | None,
    errors: Sequence[Mapping[str, Any]],
) -> BatchRow:
    if batch.state in ("done", "failed"):
        raise ConflictError(f"batch {batch.id} is {batch.state}")
    if not isinstance(row_number, int) or not 1 <= row_number <= batch.total_rows:
        raise RangeValueError(f"row {row_number} outside 1..{batch.total_rows}")
    if s.get(BatchRowRow, (batch.id, row_number)) is not None:
        raise DuplicateError(f"row {row_number} of batch {batch.id} already recorded")
    row = BatchRowRow(
        batch_id=batch.id,
        row_number=row_number,
        diploma_number=diploma_number,
        state=state,
        credential_id=credential_id,
        errors=[dict(e) for e in errors] or None,
    )
    _insert(s, row, lambda: DuplicateError(f"row {row_number} of batch {batch.id} recorded"))
    batch.processed += 1
    batch.state = "running"
    s.flush()
    return _batch_row(row)


def _need_issuer(s: Session, issuer_id: int) -> IssuerRow:
    row = s.get(IssuerRow, issuer_id)
    if row is None:
        raise NotFoundError(f"no issuer {issuer_id}")
    return row


def _need_key(s: Session, key_id: str) -> SigningKeyRow:
    row = s.scalars(select(SigningKeyRow).where(SigningKeyRow.key_id == key_id)).first()
    if row is None:
        raise NotFoundError(f"no signing key {key_id}")
    return row


def _active_key(s: Session, issuer_id: int) -> SigningKeyRow | None:
    return s.scalars(
        select(SigningKeyRow).where(
            SigningKeyRow.issuer_id == issuer_id, SigningKeyRow.status == "active"
        )
    ).first()


def _need_credential(s: Session, credential_id: str, *, lock: bool = False) -> CredentialRow:
    row = s.get(CredentialRow, credential_id, with_for_update=lock)
    if row is None:
        raise NotFoundError(f"no credential {credential_id}")
    return row


def _need_batch(s: Session, batch_id: int, *, lock: bool = False) -> BatchRecordRow:
    row = s.get(BatchRecordRow, batch_id, with_for_update=lock)
    if row is None:
        raise NotFoundError(f"no batch {batch_id}")
    return row


def _need_list(s: Session, list_id: int, *, lock: bool = False) -> StatusListRow:
    row = s.get(StatusListRow, list_id, with_for_update=lock)
    if row is None:
        raise NotFoundError(f"no status list {list_id}")
    return row


# -------------------------------------------------------------------- argument checks


def _text(value: object, field: str, max_len: int | None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MalformedValueError(f"{field} must be a non-empty string", pointer=f"/{field}")
    if max_len is not None and len(value) > max_len:
        raise RangeValueError(f"{field} is longer than {max_len} characters", pointer=f"/{field}")
    if "\x00" in value:
        raise MalformedValueError(f"{field} contains a NUL character", pointer=f"/{field}")
    return value


def _check_new_credential(new: NewCredential) -> None:
    _text(new.id, "id", 512)
    _text(new.diploma_number, "diploma_number", 255)
    _text(new.subject_name, "subject_name", 512)
    _text(new.achievement_type, "achievement_type", 255)
    _text(new.credential_json, "credential_json", None)


def _row_number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedValueError("a row number must be an integer")
    return value


def _aware(value: object, field: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise MalformedValueError(f"{field} must be a time-zone-aware datetime")
    return value


def _purpose(purpose: object) -> None:
    if purpose not in STATUS_PURPOSES:
        raise MalformedValueError(f"status purpose must be one of {STATUS_PURPOSES}")


def _role(role: object) -> None:
    if role not in ROLES:
        raise MalformedValueError(f"role must be one of {ROLES}", pointer="/role")


def _argon2(password_hash: object) -> None:
    _text(password_hash, "password_hash", 512)
    if not cast(str, password_hash).startswith("$argon2"):
        raise MalformedValueError("password_hash must be an argon2 hash ($argon2id$...)")


def _page(limit: int, offset: int) -> None:
    if not 1 <= limit <= 1000 or offset < 0:
        raise RangeValueError("limit must be in 1..1000 and offset non-negative")


def _lookup_hash(token: str) -> str:
    """Hash a presented token; a malformed one matches nothing rather than being an error."""
    try:
        return hash_token(token)
    except MalformedValueError:
        return "-"  # never a stored hash (those are 64 hex digits)


def _json(value: Any, field: str) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise MalformedValueError(f"{field} is not JSON-serialisable: {exc}") from exc
    return value


def _check_key_fields(
    key_id: str, key_type: str, public_multikey: str, private_key_ref: str
) -> None:
    _text(key_id, "key_id", 1024)
    _text(key_type, "key_type", 64)
    _text(public_multikey, "public_multikey", 512)
    _text(private_key_ref, "private_key_ref", 2048)
    if "PRIVATE KEY-----" in private_key_ref and "ENCRYPTED PRIVATE KEY" not in private_key_ref:
        raise MalformedValueError("private_key_ref holds an unencrypted private key")
    stripped = private_key_ref.strip()
    if stripped.startswith("{"):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and "d" in parsed:
            raise MalformedValueError("private_key_ref holds a private JWK")
    if stripped.startswith("z"):
        try:
            raw = multibase.decode_base58btc(stripped, "private_key_ref")
        except MalformedValueError:
            raw = b""
        if raw[:2] in (multibase.ED25519_PRIV, multibase.P256_PRIV, multibase.P384_PRIV):
            raise MalformedValueError("private_key_ref holds a private Multikey")


# -------------------------------------------------------------------- row -> value


def _issuer(r: IssuerRow) -> Issuer:
    return Issuer(r.id, r.did, r.name, r.domain, r.country, r.created_at)


def _signing_key(r: SigningKeyRow) -> SigningKey:
    return SigningKey(
        r.id,
        r.issuer_id,
        r.key_id,
        r.key_type,
        r.public_multikey,
        r.private_key_ref,
        cast(KeyStatus, r.status),
        r.created_at,
        r.retired_at,
    )


def _credential(r: CredentialRow) -> Credential:
    return Credential(
        r.id,
        r.issuer_id,
        r.diploma_number,
        r.subject_name,
        r.achievement_type,
        r.credential_json,
        r.revoked,
        r.suspended,
        r.status_reason,
        r.status_changed_at,
        r.batch_id,
        r.created_at,
    )


def _status_list(r: StatusListRow) -> StatusList:
    return StatusList(
        r.id,
        r.issuer_id,
        cast(StatusPurpose, r.purpose),
        r.list_number,
        r.length,
        r.allocated,
        r.version,
        r.signed_version,
        r.etag,
        r.credential_json,
        r.created_at,
        r.updated_at,
    )


def _batch(r: BatchRecordRow) -> Batch:
    return Batch(
        r.id,
        r.issuer_id,
        r.created_by,
        r.total_rows,
        r.processed,
        cast(BatchState, r.state),
        r.source_digest,
        r.created_at,
        r.finished_at,
    )


def _batch_row(r: BatchRowRow) -> BatchRow:
    errors = tuple(r.errors) if isinstance(r.errors, list) else ()
    return BatchRow(
        r.batch_id, r.row_number, r.diploma_number, cast(RowState, r.state), r.credential_id, errors
    )


def _share_link(r: ShareLinkRow) -> ShareLink:
    return ShareLink(
        r.id,
        r.credential_id,
        r.expires_at,
        r.revoked_at,
        r.view_count,
        r.last_viewed_at,
        r.created_at,
    )


def _user(r: UserRow) -> User:
    return User(r.id, r.username, r.password_hash, cast(Role, r.role), r.created_at)


def _api_token(r: ApiTokenRow) -> ApiToken:
    return ApiToken(r.id, r.name, cast(Role, r.role), r.created_at, r.last_used_at, r.revoked_at)


def _audit_entry(r: AuditRow) -> AuditEntry:
    details = r.details if isinstance(r.details, dict) else {}
    return AuditEntry(r.id, r.at, r.actor, r.action, r.target, details)
