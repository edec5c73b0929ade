"""Status lists: allocating status indexes (unique, never reused), setting bits, signed lists."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.errors import (
    IrreversibleStatusError,
    NotFoundError,
    StaleStatusListError,
    StoreError,
)
from issuer.store.allocation import RandomSource, capacity, choose_free_indexes, pack_bits
from issuer.store.audit import write_audit
from issuer.store.checks import check_purpose, check_text
from issuer.store.database import Database
from issuer.store.models import (
    DEFAULT_STATUS_LIST_LENGTH,
    CredentialRow,
    StatusAllocationRow,
    StatusListRow,
)
from issuer.store.rows import (
    need_credential,
    need_issuer,
    need_list,
    slices,
    status_list_value,
    table_of,
)
from issuer.store.values import (
    Allocation,
    StatusChange,
    StatusEntry,
    StatusList,
    StatusPurpose,
)
from vc.errors import MalformedValueError, RangeValueError

_LIST_ATTEMPTS = 64


class StatusRepository:
    """Bitstring status lists and the allocation of their indexes.

    ``rng`` is the default randomness for status-index choice; ``status_list_length`` is the length
    of newly opened status lists and ``fill_ratio`` the share of a list handed out before the next
    list is opened.
    """

    def __init__(
        self,
        db: Database,
        *,
        rng: RandomSource | None = None,
        status_list_length: int = DEFAULT_STATUS_LIST_LENGTH,
        fill_ratio: float = 0.9,
    ) -> None:
        self._db = db
        if status_list_length <= 0 or status_list_length % 8:
            raise RangeValueError("status_list_length must be a positive multiple of 8")
        if not 0.0 < fill_ratio <= 1.0:
            raise RangeValueError("fill_ratio must be in (0, 1]")
        self._rng: RandomSource = rng if rng is not None else secrets.SystemRandom()
        self.status_list_length = status_list_length
        self.fill_ratio = fill_ratio

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
        return self.allocate_for_purposes(issuer_id, (purpose,), credential_ids, rng)[purpose]

    def allocate_for_purposes(
        self,
        issuer_id: int,
        purposes: Sequence[StatusPurpose],
        credential_ids: Sequence[str],
        rng: RandomSource | None = None,
    ) -> dict[StatusPurpose, list[Allocation]]:
        """``allocate_status_indexes`` for each of ``purposes``, all in ONE transaction (an
        issuer's chunk needs a revocation and a suspension index per credential: one commit, one
        fsync on SQLite, instead of one per purpose). The purposes are served in the order of
        their names whatever the order given ("revocation" first), so a seeded ``rng`` gives
        what one call per purpose in that order would give."""
        for purpose in purposes:
            check_purpose(purpose)
        if len(set(purposes)) != len(purposes):
            raise MalformedValueError("a status purpose is given twice")
        if isinstance(credential_ids, str):
            raise MalformedValueError("credential_ids must be a sequence of ids, not one string")
        ids = list(credential_ids)
        for credential_id in ids:
            check_text(credential_id, "credential_id", 512)
        unique = list(dict.fromkeys(ids))
        chooser = rng if rng is not None else self._rng

        def work(s: Session) -> dict[StatusPurpose, list[Allocation]]:
            need_issuer(s, issuer_id)
            # One order for every caller: concurrent allocators lock the lists' rows in the same
            # order (PostgreSQL), so they queue instead of deadlocking.
            allocator = _Allocator(
                s, issuer_id, self.status_list_length, self.fill_ratio, self._db.now, chooser
            )
            return {
                purpose: allocator.allocate(purpose, ids, unique) for purpose in sorted(purposes)
            }

        return self._db.write("allocating status indexes", work)

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
        check_purpose(purpose)
        check_text(actor, "actor", 255)
        if not isinstance(value, bool):
            raise MalformedValueError("value must be a bool")

        def work(s: Session) -> StatusChange:
            cred = need_credential(s, credential_id, lock=True)
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
            now = self._db.now()
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
            write_audit(
                s,
                self._db.now(),
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

        return self._db.write("changing a status", work)

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

        return self._db.read("reading status entries", work)

    def get_status_list(self, list_id: int) -> StatusList:
        """Raises NotFoundError."""
        return self._db.read(
            "reading a status list", lambda s: status_list_value(need_list(s, list_id))
        )

    def get_status_list_by_number(
        self, issuer_id: int, purpose: StatusPurpose, list_number: int
    ) -> StatusList:
        """The list the public URL .../status/<purpose>/<number> serves. Raises NotFoundError."""
        check_purpose(purpose)
        query = select(StatusListRow).where(
            StatusListRow.issuer_id == issuer_id,
            StatusListRow.purpose == purpose,
            StatusListRow.list_number == list_number,
        )

        def work(s: Session) -> StatusList:
            row = s.scalars(query).first()
            if row is None:
                raise NotFoundError(f"no {purpose} status list {list_number}")
            return status_list_value(row)

        return self._db.read("reading a status list", work)

    def list_status_lists(
        self, issuer_id: int, purpose: StatusPurpose | None = None
    ) -> list[StatusList]:
        query = select(StatusListRow).where(StatusListRow.issuer_id == issuer_id)
        if purpose is not None:
            check_purpose(purpose)
            query = query.where(StatusListRow.purpose == purpose)
        query = query.order_by(StatusListRow.purpose, StatusListRow.list_number)
        return self._db.read(
            "listing status lists", lambda s: [status_list_value(r) for r in s.scalars(query)]
        )

    def status_bits(self, list_id: int) -> frozenset[int]:
        """The indexes whose bit is set in the list. Raises NotFoundError."""

        def work(s: Session) -> frozenset[int]:
            need_list(s, list_id)
            return frozenset(
                s.scalars(
                    select(StatusAllocationRow.status_index).where(
                        StatusAllocationRow.list_id == list_id, StatusAllocationRow.is_set
                    )
                )
            )

        return self._db.read("reading status bits", work)

    def flagged_indexes(self, list_id: int) -> dict[int, tuple[bool, bool]]:
        """The indexes of the list whose credential is revoked or suspended: index -> (revoked,
        suspended); an index reserved for a credential never stored is not listed. Raises
        NotFoundError."""
        return self._db.read("reading flagged credentials", lambda s: _flagged(s, list_id))

    def status_snapshot(self, list_id: int) -> tuple[StatusList, bytes]:
        """The list and its raw (uncompressed, MSB-first) bitstring, read in one transaction.

        Sign the bitstring, then store it with ``save_signed_status_list(list.id, json,
        list.version)``. Raises NotFoundError.
        """

        def work(s: Session) -> tuple[StatusList, bytes]:
            row = need_list(s, list_id)
            indexes = s.scalars(
                select(StatusAllocationRow.status_index).where(
                    StatusAllocationRow.list_id == list_id, StatusAllocationRow.is_set
                )
            )
            return status_list_value(row), pack_bits(row.length, indexes)

        return self._db.read("reading a status list", work)

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
        check_text(credential_json, "credential_json", None)

        def work(s: Session) -> StatusList:
            row = need_list(s, list_id, lock=True)
            if row.version != version:
                raise StaleStatusListError(
                    f"status list {list_id} is at version {row.version}, not {version}"
                )
            row.credential_json = credential_json
            row.signed_version = version
            row.etag = '"' + hashlib.sha256(credential_json.encode("utf-8")).hexdigest()[:32] + '"'
            row.updated_at = self._db.now()
            return status_list_value(row)

        return self._db.write("saving a signed status list", work)


def _flagged(s: Session, list_id: int) -> dict[int, tuple[bool, bool]]:
    need_list(s, list_id)
    rows = s.execute(
        select(StatusAllocationRow.status_index, CredentialRow.revoked, CredentialRow.suspended)
        .join(CredentialRow, CredentialRow.id == StatusAllocationRow.credential_id)
        .where(
            StatusAllocationRow.list_id == list_id,
            or_(CredentialRow.revoked, CredentialRow.suspended),
        )
    ).tuples()
    return {index: (bool(revoked), bool(suspended)) for index, revoked, suspended in rows}


@dataclass(frozen=True)
class _Allocator:
    """Status-index allocation inside one write transaction of StatusRepository: ``s`` its
    session, lists opened with ``status_list_length`` and filled to ``fill_ratio``."""

    s: Session
    issuer_id: int
    status_list_length: int
    fill_ratio: float
    now: Callable[[], datetime]
    rng: RandomSource

    def allocate(
        self, purpose: StatusPurpose, ids: list[str], unique: list[str]
    ) -> list[Allocation]:
        """Each of ``ids`` (``unique``: the same without repeats) its ``purpose`` index: the one it
        has, or a new one."""
        s, issuer_id = self.s, self.issuer_id
        found: dict[str, Allocation] = {}
        # The issuer's lists of this purpose, then the ids' allocations by the credential_id
        # index alone. (Joined in SQL, SQLite, without statistics, walked the whole current list
        # through the primary key for every chunk: quadratic in the cohort.)
        lists = {
            list_id: number
            for list_id, number in s.execute(
                select(StatusListRow.id, StatusListRow.list_number).where(
                    StatusListRow.issuer_id == issuer_id, StatusListRow.purpose == purpose
                )
            ).tuples()
        }
        for part in slices(unique):
            rows = s.execute(
                select(
                    StatusAllocationRow.credential_id,
                    StatusAllocationRow.list_id,
                    StatusAllocationRow.status_index,
                ).where(StatusAllocationRow.credential_id.in_(part))
            ).tuples()
            for credential_id, list_id, index in rows:
                if list_id in lists:
                    found.setdefault(credential_id, Allocation(list_id, lists[list_id], index))
        remaining = [cid for cid in unique if cid not in found]
        failures = 0
        while remaining:
            if failures >= _LIST_ATTEMPTS:
                raise StoreError(f"could not allocate a {purpose} index for issuer {issuer_id}")
            made = self._try_allocate(purpose, remaining)
            if not made:
                failures += 1  # a list opened or filled meanwhile, or an index clash
                continue
            found.update(zip(remaining, made, strict=False))
            remaining = remaining[len(made) :]
        return [found[cid] for cid in ids]

    def _try_allocate(self, purpose: str, credential_ids: Sequence[str]) -> list[Allocation] | None:
        """Allocate indexes for the first of ``credential_ids`` the current list has room for.

        Returns them in order (possibly fewer than asked: the rest go to the next list), or None
        when this attempt lost a race and must be retried.
        """
        s, issuer_id, rng = self.s, self.issuer_id, self.rng
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
            now = self.now()
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
            for part in slices(sorted(set(candidates))):
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
        now = self.now()
        try:
            with s.begin_nested():
                if indexes:
                    # Core, not the ORM's bulk insert: the same statement, without its per-row
                    # bookkeeping (a cohort inserts two rows per credential here).
                    s.execute(
                        insert(table_of(StatusAllocationRow)),
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
