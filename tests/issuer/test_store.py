"""The issuer store against a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher
from pgkit import fresh_postgres_database

from issuer.errors import (
    ClaimLinkReplacedError,
    ConflictError,
    DuplicateCredentialError,
    DuplicateError,
    InvalidTokenError,
    IrreversibleStatusError,
    NotFoundError,
    ShareLinkExpiredError,
    ShareLinkGoneError,
    ShareLinkRevokedError,
    StaleStatusListError,
    StoreUnavailableError,
)
from issuer.store import (
    Issuer,
    NewCredential,
    RowRecord,
    Store,
    current_revision,
    hash_token,
    head_revision,
    new_token,
    open_store,
)
from issuer.store.allocation import capacity, choose_free_index, choose_free_indexes, pack_bits
from issuer.store.engine import HEAD_REVISION, WRITE, migration_config
from issuer.store.models import Base, CredentialRow
from vc import multibase
from vc.errors import DiplomatError, MalformedValueError, RangeValueError


class FakeClock(Protocol):
    """The conftest ``clock`` fixture: a settable clock."""

    now: datetime

    def __call__(self) -> datetime: ...

    def advance(self, **delta: float) -> datetime: ...


TABLES = {
    "issuers",
    "signing_keys",
    "credentials",
    "status_lists",
    "status_allocations",
    "batches",
    "batch_rows",
    "share_links",
    "claim_links",
    "mail_outbox",
    "users",
    "api_tokens",
    "audit_log",
    "wallet_grants",
    "wallet_nonces",
}

NewCredentialFactory = Callable[..., NewCredential]


class ScriptedRandom:
    """randrange answers from a script (cycled), to steer index choice deterministically."""

    def __init__(self, script: list[int]) -> None:
        self.script = script
        self.calls = 0

    def randrange(self, stop: int, /) -> int:
        value = self.script[self.calls % len(self.script)] % stop
        self.calls += 1
        return value


def snapshot(store: Store) -> dict[str, list[str]]:
    """Every row of every table, as sorted reprs: equal snapshots mean an unchanged database."""
    with store.engine.connect() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
            for table in Base.metadata.sorted_tables
        }


def issue(
    store: Store, new_credential: NewCredentialFactory, purposes: tuple[str, ...] = ("revocation",)
) -> NewCredential:
    """Allocate status entries for a fresh credential, then store it (the issuer service's order)."""
    new = new_credential()
    for purpose in purposes:
        store.status.allocate_status_index(new.issuer_id, purpose, new.id)  # type: ignore[arg-type]
    store.credentials.insert_credential(new)
    return new


@contextmanager
def transactions(store: Store) -> Iterator[list[str]]:
    """Note every transaction the store begins meanwhile (read or write) as "BEGIN"."""
    seen: list[str] = []

    def on_begin(_conn: sa.Connection) -> None:
        seen.append("BEGIN")

    sa.event.listen(store.engine, "begin", on_begin)
    try:
        yield seen
    finally:
        sa.event.remove(store.engine, "begin", on_begin)


# ------------------------------------------------------------------------------------ migrations


def test_migrations_create_every_table_and_reach_head(store: Store) -> None:
    tables = set(sa.inspect(store.engine).get_table_names())
    assert tables == TABLES | {"alembic_version"}
    assert current_revision(store.engine) == head_revision()


def test_reopening_is_idempotent_and_keeps_data(
    make_store: Callable[..., Store], db_url: str
) -> None:
    first = make_store()
    made = first.issuers.create_issuer(
        "did:web:reopen.example", "Reopen University", "reopen.example", "kz"
    )
    before = snapshot(first)
    second = make_store()
    third = make_store()
    assert current_revision(third.engine) == head_revision()
    assert second.issuers.get_issuer_by_did("did:web:reopen.example") == made
    assert snapshot(third) == before


def test_the_head_revision_constant_is_alembics_head() -> None:
    # A database at HEAD_REVISION opens without Alembic; a lagging constant would only cost
    # speed (opening goes through Alembic), but it must not lag.
    assert head_revision() == HEAD_REVISION


def test_a_database_at_head_opens_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'head.sqlite'}"
    probe = (
        "import sys\n"
        "from issuer.store import open_store\n"
        f"open_store({url!r}).close()\n"
        "print('alembic' in sys.modules)\n"
    )

    def opened() -> str:
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=100, check=True
        )
        return done.stdout.strip()

    assert opened() == "True"  # a new file: Alembic creates the schema
    assert opened() == "False"  # at head: one query, no Alembic
    command.downgrade(migration_config(url=url), "0002")
    assert opened() == "True"  # behind: Alembic upgrades it
    with sqlite3.connect(tmp_path / "head.sqlite") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (HEAD_REVISION,)
        ]


def test_migrations_downgrade_to_base_and_up_again(db_url: str) -> None:
    url = db_url
    with open_store(db_url) as store:
        command.downgrade(migration_config(url=url), "base")
        assert set(sa.inspect(store.engine).get_table_names()) == {"alembic_version"}
        command.upgrade(migration_config(url=url), "head")
        assert set(sa.inspect(store.engine).get_table_names()) == TABLES | {"alembic_version"}
        store.audit.append_audit("admin", "schema.rebuilt")
        assert [e.action for e in store.audit.list_audit()] == ["schema.rebuilt"]


def test_models_and_migrations_agree(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    with (
        open_store(f"sqlite:///{tmp_path / 'pragmas.sqlite'}") as store,
        store.engine.connect() as conn,
    ):
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 1000


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "mysql://root@localhost/x",
        "not a url",
        "postgresql+asyncpg://h/db",
    ],
)
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(MalformedValueError):
        open_store(url)


def test_unreachable_postgres_is_reported_as_unavailable() -> None:
    with pytest.raises(StoreUnavailableError) as caught:
        open_store("postgresql://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    assert caught.value.status == 503


@pytest.mark.postgres
def test_postgres_sessions_plan_each_statement_and_keep_url_options() -> None:
    # A generic plan cached while a table was empty stays a sequential scan as a cohort fills it
    # (diplomat_ops.dburl.PG_SESSION_OPTIONS); options given in the URL still apply.
    with fresh_postgres_database() as url:
        for query, timeout in (("", "0"), ("?options=-c%20statement_timeout%3D4321", "4321ms")):
            store = open_store(url + query)
            try:
                with store.engine.connect() as conn:
                    assert conn.execute(sa.text("SHOW plan_cache_mode")).scalar() == (
                        "force_custom_plan"
                    )
                    assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == timeout
            finally:
                store.close()


# ------------------------------------------------------------------------------------ audit log


def test_audit_log_cannot_be_updated_or_deleted(store: Store) -> None:
    entry = store.audit.append_audit("admin", "user.create", "alice", {"role": "registrar"})
    statements = ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"]
    if store.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_log")
    for statement in statements:
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            store.engine.begin() as conn,
        ):
            conn.execute(sa.text(statement))
    assert store.audit.list_audit() == [entry]
    assert entry.details == {"role": "registrar"}


def test_store_exposes_no_way_to_change_the_audit_log() -> None:
    repositories = {type(repo) for repo in vars(Store(sa.create_engine("sqlite://"))).values()}
    audit_api = {
        name
        for repo in repositories
        for name in dir(repo)
        if "audit" in name and not name.startswith("_")
    }
    assert audit_api == {"append_audit", "list_audit"}


def test_audit_list_filters_and_pages(store: Store) -> None:
    made = [
        store.audit.append_audit(f"user{i % 2}", "thing.do", f"t{i}", {"i": i}) for i in range(5)
    ]
    newest_first = store.audit.list_audit()
    assert [e.id for e in newest_first] == [e.id for e in reversed(made)]
    page = store.audit.list_audit(limit=2, before_id=made[3].id)
    assert [e.details["i"] for e in page] == [2, 1]
    assert [e.target for e in store.audit.list_audit(actor="user1")] == ["t3", "t1"]
    assert store.audit.list_audit(target="t4") == [made[4]]
    with pytest.raises(MalformedValueError):
        store.audit.append_audit("admin", "x", None, {"not json": object()})
    with pytest.raises(RangeValueError):
        store.audit.list_audit(limit=0)


# ------------------------------------------------------------------------------------ credentials


def test_duplicate_diploma_number_is_a_typed_error_and_changes_nothing(
    store: Store, new_credential: NewCredentialFactory
) -> None:
    first = new_credential(diploma_number="KZ-2025-0001")
    store.credentials.insert_credential(first)
    before = snapshot(store)
    with pytest.raises(DuplicateCredentialError) as caught:
        store.credentials.insert_credential(new_credential(diploma_number="KZ-2025-0001"))
    error = caught.value
    assert isinstance(error, DiplomatError)
    assert error.status == 409
    assert error.to_problem()["type"] == "https://diplomat.example/problems/duplicate-credential"
    assert (error.issuer_id, error.diploma_number) == (first.issuer_id, "KZ-2025-0001")
    assert snapshot(store) == before
    found = store.credentials.get_by_diploma_number(first.issuer_id, "KZ-2025-0001")
    assert found is not None and found.id == first.id


def test_same_diploma_number_at_two_issuers_is_fine(
    store: Store, make_issuer: Callable[..., Issuer], new_credential: NewCredentialFactory
) -> None:
    other = make_issuer()
    a = new_credential(diploma_number="D-1")
    b = new_credential(diploma_number="D-1", issuer_id=other.id)
    store.credentials.insert_credential(a)
    store.credentials.insert_credential(b)
    assert store.credentials.get_by_diploma_number(
        other.id, "D-1"
    ) == store.credentials.get_credential(b.id)


def test_duplicate_credential_id_and_unknown_issuer(
    store: Store, clock: FakeClock, new_credential: NewCredentialFactory
) -> None:
    first = new_credential()
    stored = store.credentials.insert_credential(first)
    assert stored.created_at == clock.now
    assert (stored.revoked, stored.suspended, stored.batch_id) == (False, False, None)
    with pytest.raises(DuplicateError):
        store.credentials.insert_credential(new_credential(id=first.id))
    with pytest.raises(NotFoundError):
        store.credentials.insert_credential(new_credential(issuer_id=999_999))
    with pytest.raises(NotFoundError):
        store.credentials.get_credential("urn:uuid:missing")
    assert store.credentials.get_by_diploma_number(first.issuer_id, "nope") is None


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("diploma_number", "", MalformedValueError),
        ("subject_name", "   ", MalformedValueError),
        ("id", "x" * 600, RangeValueError),
        ("credential_json", "nul\x00", MalformedValueError),
    ],
)
def test_bad_credential_fields_are_refused(
    store: Store,
    new_credential: NewCredentialFactory,
    field: str,
    value: str,
    error: type[DiplomatError],
) -> None:
    before = snapshot(store)
    with pytest.raises(error):
        store.credentials.insert_credential(new_credential(**{field: value}))
    assert snapshot(store) == before


def test_list_and_search_credentials(
    store: Store, clock: FakeClock, new_credential: NewCredentialFactory, issuer: Issuer
) -> None:
    names = ["Alice 100%", "Bob_Smith", "Carol"]
    for name in names:
        store.credentials.insert_credential(new_credential(subject_name=name))
        clock.advance(seconds=1)
    listed = store.credentials.list_credentials(issuer.id)
    assert [c.subject_name for c in listed] == list(reversed(names))
    assert [
        c.subject_name for c in store.credentials.list_credentials(issuer.id, search="100%")
    ] == [names[0]]
    # "_" and "%" are literals, not wildcards
    assert [
        c.subject_name for c in store.credentials.list_credentials(issuer.id, search="b_s")
    ] == [names[1]]
    assert store.credentials.list_credentials(issuer.id, search="%") == [listed[2]]
    assert store.credentials.count_credentials(issuer.id) == 3
    assert len(store.credentials.list_credentials(issuer.id, limit=2, offset=2)) == 1


# ------------------------------------------------------------------------------------ status


def test_choose_free_index_is_uniform_over_free_indexes() -> None:
    length = 16
    taken = set(range(0, length, 2))
    rng = random.Random(20250630)
    counts: Counter[int] = Counter()
    trials = 8000
    for _ in range(trials):
        chosen = choose_free_index(length, lambda c: taken.intersection(c), lambda: taken, rng)
        assert chosen is not None
        counts[chosen] += 1
    free = sorted(set(range(length)) - taken)
    assert sorted(counts) == free
    expected = trials / len(free)
    chi_square = sum((counts[i] - expected) ** 2 / expected for i in free)
    assert chi_square < 24.32  # df = 7, p = 0.001


def test_choose_free_index_falls_back_to_the_free_set_and_reports_full() -> None:
    length = 4096
    taken = set(range(length)) - {1234}
    rng = random.Random(7)
    assert choose_free_index(length, lambda c: taken.intersection(c), lambda: taken, rng) == 1234
    full = set(range(length))
    assert choose_free_index(length, lambda c: full.intersection(c), lambda: full, rng) is None


def test_pack_bits_puts_index_zero_in_the_most_significant_bit() -> None:
    indexes = {0, 7, 8, 100, 127}
    packed = pack_bits(128, indexes)
    as_int = int.from_bytes(packed, "big")
    assert len(packed) == 16
    assert {i for i in range(128) if as_int >> (127 - i) & 1} == indexes
    with pytest.raises(RangeValueError):
        pack_bits(12, [])
    with pytest.raises(RangeValueError):
        pack_bits(8, [8])


def test_allocation_follows_the_rng_and_skips_taken_indexes(
    make_store: Callable[..., Store], new_credential: NewCredentialFactory, issuer: Issuer
) -> None:
    store = make_store(status_list_length=64)
    first = store.status.allocate_status_index(
        issuer.id, "revocation", "urn:a", ScriptedRandom([5])
    )
    assert first.index == 5 and first.list_number == 0
    second = store.status.allocate_status_index(
        issuer.id, "revocation", "urn:b", ScriptedRandom([5] * 15 + [9])
    )
    list_id, list_number, index = second
    assert (list_id, list_number, index) == (first.list_id, 0, 9)
    # Asking again for the same credential returns its allocation, consuming nothing.
    again = store.status.allocate_status_index(
        issuer.id, "revocation", "urn:a", ScriptedRandom([33])
    )
    assert again == first
    # The other purpose has its own list.
    other = store.status.allocate_status_index(
        issuer.id, "suspension", "urn:a", ScriptedRandom([5])
    )
    assert other.list_id != first.list_id and other.index == 5
    assert store.status.get_status_list(first.list_id).allocated == 2


def test_new_list_opens_when_the_current_one_is_filled(
    make_store: Callable[..., Store], issuer: Issuer
) -> None:
    store = make_store(status_list_length=16, fill_ratio=0.5)
    limit = capacity(16, 0.5)
    got = [
        store.status.allocate_status_index(issuer.id, "revocation", f"urn:c{i}")
        for i in range(limit * 2 + 1)
    ]
    by_list = Counter(a.list_number for a in got)
    assert by_list == {0: limit, 1: limit, 2: 1}
    assert len({(a.list_id, a.index) for a in got}) == len(got)
    assert all(0 <= a.index < 16 for a in got)
    lists = store.status.list_status_lists(issuer.id, "revocation")
    assert [(lst.list_number, lst.allocated, lst.length) for lst in lists] == [
        (0, limit, 16),
        (1, limit, 16),
        (2, 1, 16),
    ]


def test_a_full_list_hands_out_every_index_once(
    make_store: Callable[..., Store], issuer: Issuer
) -> None:
    store = make_store(status_list_length=8, fill_ratio=1.0)
    got = [
        store.status.allocate_status_index(issuer.id, "suspension", f"urn:f{i}") for i in range(9)
    ]
    assert sorted(a.index for a in got if a.list_number == 0) == list(range(8))
    assert [a.list_number for a in got].count(1) == 1


def test_allocation_arguments_are_checked(store: Store, issuer: Issuer) -> None:
    with pytest.raises(MalformedValueError):
        store.status.allocate_status_index(issuer.id, "expiry", "urn:x")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        store.status.allocate_status_index(424242, "revocation", "urn:x")
    with pytest.raises(MalformedValueError):
        store.status.allocate_status_index(issuer.id, "revocation", "")


def test_choose_free_indexes_picks_distinct_free_indexes_uniformly() -> None:
    length = 16
    taken = set(range(0, length, 2))
    free = sorted(set(range(length)) - taken)
    rng = random.Random(20250701)
    firsts: Counter[int] = Counter()
    everything: Counter[int] = Counter()
    trials = 4000
    for _ in range(trials):
        chosen = choose_free_indexes(length, 3, lambda c: taken.intersection(c), lambda: taken, rng)
        assert len(chosen) == len(set(chosen)) == 3 and set(chosen) <= set(free)
        firsts[chosen[0]] += 1
        everything.update(chosen)
    for counts, total in ((firsts, trials), (everything, 3 * trials)):
        expected = total / len(free)
        chi_square = sum((counts[i] - expected) ** 2 / expected for i in free)
        assert chi_square < 24.32  # df = 7, p = 0.001


def test_choose_free_indexes_falls_back_and_stops_when_the_list_runs_out() -> None:
    length = 4096
    left = {7, 1234, 4000}
    taken = set(range(length)) - left
    rng = random.Random(3)
    got = choose_free_indexes(length, 5, lambda c: taken.intersection(c), lambda: taken, rng)
    assert sorted(got) == sorted(left)  # every free index once, and no more
    assert choose_free_indexes(length, 0, lambda c: set(), lambda: set(), rng) == []
    with pytest.raises(RangeValueError):
        choose_free_indexes(length, -1, lambda c: set(), lambda: set(), rng)


def test_bulk_allocation_follows_the_rng_in_one_transaction(
    make_store: Callable[..., Store], issuer: Issuer
) -> None:
    store = make_store(status_list_length=64)
    store.status.allocate_status_index(issuer.id, "revocation", "urn:before", ScriptedRandom([5]))
    with transactions(store) as seen:
        got = store.status.allocate_status_indexes(
            issuer.id, "revocation", ["urn:a", "urn:b", "urn:c"], ScriptedRandom([5, 9, 9, 33, 1])
        )
    assert len(seen) == 1
    # 5 is taken, 9 is picked, its second draw is skipped (no index twice), then 33 and 1.
    assert [a.index for a in got] == [9, 33, 1]
    assert {a.list_number for a in got} == {0}
    assert store.status.get_status_list(got[0].list_id).allocated == 4
    assert [store.status.status_entries(c)[0].index for c in ("urn:a", "urn:b", "urn:c")] == [
        9,
        33,
        1,
    ]


def test_bulk_allocation_returns_existing_allocations_and_repeats(
    make_store: Callable[..., Store], issuer: Issuer
) -> None:
    store = make_store(status_list_length=64)
    first = store.status.allocate_status_index(
        issuer.id, "suspension", "urn:x", ScriptedRandom([12])
    )
    got = store.status.allocate_status_indexes(
        issuer.id, "suspension", ["urn:y", "urn:x", "urn:y"], ScriptedRandom([40])
    )
    assert got[1] == first and got[0] == got[2] and got[0].index == 40
    assert store.status.get_status_list(first.list_id).allocated == 2
    # The other purpose is separate: urn:x gets a revocation index of its own.
    other = store.status.allocate_status_indexes(issuer.id, "revocation", ["urn:x"])
    assert other[0].list_id != first.list_id
    assert store.status.allocate_status_indexes(issuer.id, "revocation", []) == []


def test_bulk_allocation_straddles_lists_and_matches_one_by_one(
    make_store: Callable[..., Store], issuer: Issuer
) -> None:
    store = make_store(status_list_length=16, fill_ratio=0.5)
    limit = capacity(16, 0.5)
    single = store.status.allocate_status_index(issuer.id, "revocation", "urn:s")
    ids = [f"urn:b{i}" for i in range(2 * limit + 2)]
    got = store.status.allocate_status_indexes(issuer.id, "revocation", ids)
    assert len(got) == len(ids)
    every = [single, *got]
    assert len({(a.list_id, a.index) for a in every}) == len(every)
    assert Counter(a.list_number for a in every) == {0: limit, 1: limit, 2: 3}
    assert [a.list_number for a in got] == sorted(a.list_number for a in got)  # in order
    lists = store.status.list_status_lists(issuer.id, "revocation")
    assert [(lst.list_number, lst.allocated) for lst in lists] == [(0, limit), (1, limit), (2, 3)]
    for credential_id, allocation in zip(ids, got, strict=True):
        [entry] = store.status.status_entries(credential_id)
        assert (entry.list_id, entry.index) == (allocation.list_id, allocation.index)


def test_bulk_allocation_fills_a_whole_list_exactly(
    make_store: Callable[..., Store], issuer: Issuer
) -> None:
    store = make_store(status_list_length=8, fill_ratio=1.0)
    got = store.status.allocate_status_indexes(
        issuer.id, "suspension", [f"urn:f{i}" for i in range(9)]
    )
    assert sorted(a.index for a in got[:8]) == list(range(8))
    assert {a.list_number for a in got[:8]} == {0} and got[8].list_number == 1


def test_bulk_allocation_arguments_are_checked_and_change_nothing(
    store: Store, issuer: Issuer
) -> None:
    before = snapshot(store)
    with pytest.raises(MalformedValueError):
        store.status.allocate_status_indexes(issuer.id, "expiry", ["urn:x"])  # type: ignore[arg-type]
    with pytest.raises(MalformedValueError):
        store.status.allocate_status_indexes(issuer.id, "revocation", ["urn:ok", ""])
    with pytest.raises(MalformedValueError):
        store.status.allocate_status_indexes(issuer.id, "revocation", "urn:x")
    with pytest.raises(RangeValueError):
        store.status.allocate_status_indexes(issuer.id, "revocation", ["urn:ok", "u" * 600])
    with pytest.raises(NotFoundError):
        store.status.allocate_status_indexes(424242, "revocation", ["urn:x"])
    assert snapshot(store) == before


def test_allocation_for_several_purposes_is_one_transaction_and_follows_the_rng(
    make_store: Callable[..., Store], issuer: Issuer
) -> None:
    ids = ["urn:p1", "urn:p2", "urn:p1"]
    store = make_store(status_list_length=64)
    with transactions(store) as seen:
        got = store.status.allocate_for_purposes(
            issuer.id, ("suspension", "revocation"), ids, ScriptedRandom([3, 3, 17, 40, 3, 8])
        )
    assert len(seen) == 1
    # Each purpose draws a round of 16 candidates, in the order of their names whatever the
    # order given (one lock order for every caller): revocation takes draws 0-15 (3, 3 again:
    # skipped, 17), suspension draws 16-31 (3, 8); urn:p1 twice is one index.
    assert [a.index for a in got["revocation"]] == [3, 17, 3]
    assert [a.index for a in got["suspension"]] == [3, 8, 3]
    assert got["revocation"][0].list_id != got["suspension"][0].list_id
    assert {e.purpose: e.index for e in store.status.status_entries("urn:p2")} == {
        "revocation": 17,
        "suspension": 8,
    }
    before = snapshot(store)
    for purposes in (("revocation", "revocation"), ("revocation", "expiry")):
        with pytest.raises(MalformedValueError):
            store.status.allocate_for_purposes(issuer.id, purposes, ["urn:new"])  # type: ignore[arg-type]
    assert snapshot(store) == before


def test_a_chunk_costs_as_many_sqlite_steps_in_a_filled_list_as_in_an_empty_one(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Allocating a chunk looks up its ids' existing allocations by the credential_id index,
    not by walking the current list (once, SQLite without statistics walked the whole list
    through its primary key for every chunk: a cohort's cost grew with its square). Counted in
    SQLite virtual-machine steps, which do not depend on the machine's speed."""
    store = open_store(
        f"sqlite:///{tmp_path / 'steps.sqlite'}", clock=clock, status_list_length=1 << 17
    )
    try:
        issuer = store.issuers.create_issuer(
            did="did:web:steps.example",
            name="Steps University",
            domain="steps.example",
            country="KZ",
        )
        steps = [0]

        def count(_step: None = None) -> int:
            steps[0] += 1
            return 0  # go on

        def on_begin(conn: sa.Connection) -> None:
            conn.connection.driver_connection.set_progress_handler(count, 100)  # type: ignore[union-attr]

        def chunk_steps(prefix: str) -> int:
            ids = [f"urn:uuid:{prefix}-{n:04d}" for n in range(128)]
            steps[0] = 0
            sa.event.listen(store.engine, "begin", on_begin)
            try:
                store.status.allocate_for_purposes(issuer.id, ("revocation",), ids)
            finally:
                sa.event.remove(store.engine, "begin", on_begin)
            return steps[0]

        def fill(chunks: int, prefix: str) -> None:
            for c in range(chunks):
                store.status.allocate_for_purposes(
                    issuer.id,
                    ("revocation",),
                    [f"urn:uuid:{prefix}{c}-{n:04d}" for n in range(128)],
                )

        fill(4, "a")
        early = chunk_steps("early")  # the list holds 640 allocations
        fill(60, "b")
        late = chunk_steps("late")  # 8,448: 13 times as many
        assert late < 1.5 * early, (early, late)
    finally:
        store.close()


def test_set_status_records_change_audit_and_version(
    make_store: Callable[..., Store], new_credential: NewCredentialFactory, clock: FakeClock
) -> None:
    store = make_store(status_list_length=128)
    a = issue(store, new_credential, ("revocation", "suspension"))
    b = issue(store, new_credential, ("revocation", "suspension"))
    entries = {e.purpose: e for e in store.status.status_entries(a.id)}
    assert set(entries) == {"revocation", "suspension"} and not entries["revocation"].is_set
    lst = store.status.get_status_list(entries["suspension"].list_id)
    assert lst.version == 0

    change = store.status.set_status(a.id, "suspension", True, "exam board review", "registrar1")
    assert change.changed and change.version == lst.version + 1
    assert change.index == entries["suspension"].index
    assert store.status.status_bits(lst.id) == {change.index}
    cred = store.credentials.get_credential(a.id)
    assert cred.suspended and not cred.revoked and cred.status_reason == "exam board review"
    assert cred.status_changed_at == clock.now
    [audit] = store.audit.list_audit(target=a.id)
    assert (audit.actor, audit.action) == ("registrar1", "status.suspension.set")
    assert audit.details["index"] == change.index and audit.details["version"] == change.version

    # Same value again: nothing changes, nothing is audited.
    same = store.status.set_status(a.id, "suspension", True, "again", "registrar1")
    assert not same.changed and same.version == change.version
    assert len(store.audit.list_audit(target=a.id)) == 1

    # Suspension can be lifted; revocation cannot.
    assert store.status.set_status(a.id, "suspension", False, "cleared", "admin").changed
    assert store.status.status_bits(lst.id) == frozenset()
    store.status.set_status(b.id, "revocation", True, "fraud", "admin")
    before = snapshot(store)
    with pytest.raises(IrreversibleStatusError) as caught:
        store.status.set_status(b.id, "revocation", False, "oops", "admin")
    assert caught.value.status == 409
    assert snapshot(store) == before
    assert store.credentials.get_credential(b.id).revoked


def test_flagged_indexes_name_the_revoked_and_suspended_credentials_of_a_list(
    make_store: Callable[..., Store], new_credential: NewCredentialFactory
) -> None:
    """What the derived message list reads (issuer.service.statusmessages): per index of a
    revocation list, whether its credential is revoked and whether it is suspended."""
    store = make_store(status_list_length=128)
    revoked, suspended, both, clean = (
        issue(store, new_credential, ("revocation", "suspension")) for _ in range(4)
    )
    store.status.set_status(revoked.id, "revocation", True, "fraud", "admin")
    store.status.set_status(suspended.id, "suspension", True, "review", "admin")
    store.status.set_status(both.id, "suspension", True, "review", "admin")
    store.status.set_status(both.id, "revocation", True, "fraud", "admin")
    at = {
        e.credential_id: e
        for c in (revoked, suspended, both, clean)
        for e in store.status.status_entries(c.id)
        if e.purpose == "revocation"
    }
    list_id = at[clean.id].list_id
    assert store.status.flagged_indexes(list_id) == {
        at[revoked.id].index: (True, False),
        at[suspended.id].index: (False, True),
        at[both.id].index: (True, True),
    }
    with pytest.raises(NotFoundError):
        store.status.flagged_indexes(list_id + 1000)


def test_set_status_errors(store: Store, new_credential: NewCredentialFactory) -> None:
    only_revocation = issue(store, new_credential, ("revocation",))
    with pytest.raises(NotFoundError):
        store.status.set_status(only_revocation.id, "suspension", True, None, "admin")
    with pytest.raises(NotFoundError):
        store.status.set_status("urn:uuid:nobody", "revocation", True, None, "admin")
    with pytest.raises(MalformedValueError):
        store.status.set_status(only_revocation.id, "hold", True, None, "admin")  # type: ignore[arg-type]
    with pytest.raises(MalformedValueError):
        store.status.set_status(only_revocation.id, "revocation", True, None, "")


def test_bitstring_and_signed_status_list(
    make_store: Callable[..., Store], new_credential: NewCredentialFactory
) -> None:
    store = make_store(status_list_length=256)
    made = [issue(store, new_credential) for _ in range(6)]
    for credential in made[::2]:
        store.status.set_status(credential.id, "revocation", True, None, "admin")
    revoked_indexes = {store.status.status_entries(c.id)[0].index for c in made[::2]}
    list_id = store.status.status_entries(made[0].id)[0].list_id

    lst, bits = store.status.status_snapshot(list_id)
    as_int = int.from_bytes(bits, "big")
    assert len(bits) == 256 // 8
    assert {i for i in range(256) if as_int >> (255 - i) & 1} == revoked_indexes
    assert store.status.status_bitstring(list_id) == bits
    assert lst.needs_signing and lst.etag is None

    signed = store.status.save_signed_status_list(list_id, '{"signed": 1}', lst.version)
    assert not signed.needs_signing and signed.credential_json == '{"signed": 1}'
    assert signed.etag is not None and signed.etag.startswith('"')
    store.status.set_status(made[1].id, "revocation", True, None, "admin")
    with pytest.raises(StaleStatusListError):
        store.status.save_signed_status_list(list_id, '{"signed": 2}', lst.version)
    assert store.status.get_status_list(list_id).needs_signing
    by_number = store.status.get_status_list_by_number(lst.issuer_id, "revocation", lst.list_number)
    assert by_number.id == list_id
    with pytest.raises(NotFoundError):
        store.status.get_status_list_by_number(lst.issuer_id, "revocation", 99)
    with pytest.raises(NotFoundError):
        store.status.status_bits(987654)


# ------------------------------------------------------------------------------------ batches


def test_batch_lifecycle_progress_and_resume(
    store: Store, issuer: Issuer, new_credential: NewCredentialFactory
) -> None:
    batch = store.batches.create_batch(issuer.id, "registrar1", 4, "sha256:abc")
    assert (batch.state, batch.processed) == ("queued", 0)
    one = new_credential(batch_id=batch.id, diploma_number="B-1")
    store.credentials.insert_credential(one, batch_row=1)
    store.batches.record_batch_row(
        batch.id, 2, "error", diploma_number="B-2", errors=[{"pointer": "/date", "detail": "bad"}]
    )
    assert store.batches.get_batch(batch.id).state == "running"
    # The process dies here; a restart finds the batch and resumes after the recorded rows.
    assert [b.id for b in store.batches.unfinished_batches(issuer.id)] == [batch.id]
    assert store.batches.recorded_row_numbers(batch.id) == {1, 2}
    assert store.batches.start_batch(batch.id).state == "running"
    store.batches.record_batch_row(
        batch.id, 3, "duplicate", diploma_number="B-1", credential_id=one.id
    )
    progress = store.batches.batch_progress(batch.id)
    assert (progress.processed, progress.issued, progress.errors, progress.duplicates) == (
        3,
        1,
        1,
        1,
    )
    assert progress.remaining == 1
    with pytest.raises(ConflictError):
        store.batches.finish_batch(batch.id, "done")
    with pytest.raises(DuplicateError):
        store.batches.record_batch_row(batch.id, 3, "issued")
    with pytest.raises(RangeValueError):
        store.batches.record_batch_row(batch.id, 5, "issued")
    store.batches.record_batch_row(batch.id, 4, "error", errors=[{"detail": "no name"}])
    done = store.batches.finish_batch(batch.id, "done")
    assert done.state == "done" and done.finished_at is not None
    rows = store.batches.batch_rows(batch.id)
    assert [(r.row_number, r.state) for r in rows] == [
        (1, "issued"),
        (2, "error"),
        (3, "duplicate"),
        (4, "error"),
    ]
    assert rows[0].credential_id == one.id and rows[1].errors == (
        {"pointer": "/date", "detail": "bad"},
    )
    assert store.credentials.get_credential(one.id).batch_id == batch.id
    with pytest.raises(ConflictError):
        store.batches.record_batch_row(batch.id, 4, "issued")
    with pytest.raises(ConflictError):
        store.batches.start_batch(batch.id)
    assert store.batches.unfinished_batches(issuer.id) == []
    assert [b.id for b in store.batches.find_batches_by_digest(issuer.id, "sha256:abc")] == [
        batch.id
    ]


def test_credential_and_batch_row_are_written_together_or_not_at_all(
    store: Store, issuer: Issuer, new_credential: NewCredentialFactory
) -> None:
    batch = store.batches.create_batch(issuer.id, "registrar1", 2, "sha256:def")
    store.batches.record_batch_row(batch.id, 1, "error", errors=[{"detail": "x"}])
    before = snapshot(store)
    with pytest.raises(DuplicateError):
        store.credentials.insert_credential(new_credential(batch_id=batch.id), batch_row=1)
    assert snapshot(store) == before
    with pytest.raises(MalformedValueError):
        store.credentials.insert_credential(new_credential(), batch_row=2)
    failed = store.batches.finish_batch(batch.id, "failed")
    assert failed.state == "failed"
    assert store.batches.start_batch(batch.id).state == "running"  # a failed batch may be retried


def test_a_chunk_is_stored_in_one_transaction_with_per_row_duplicates(
    store: Store, issuer: Issuer, clock: FakeClock, new_credential: NewCredentialFactory
) -> None:
    earlier = new_credential(diploma_number="C-OLD")
    store.credentials.insert_credential(earlier)
    batch = store.batches.create_batch(issuer.id, "registrar1", 7, "sha256:chunk")
    fresh = [new_credential(batch_id=batch.id, diploma_number=f"C-{i}") for i in range(3)]
    again_old = new_credential(batch_id=batch.id, diploma_number="C-OLD")
    again_in_chunk = new_credential(batch_id=batch.id, diploma_number="C-1")
    problem = {"row": 3, "field": "gpa", "reason": "is not a number"}
    with transactions(store) as seen:
        recorded = store.credentials.insert_credentials_with_rows(
            batch.id,
            [(fresh[0], 1), (again_old, 2), (fresh[1], 4), (again_in_chunk, 5), (fresh[2], 7)],
            [
                RowRecord(3, "error", errors=(problem,)),
                RowRecord(6, "duplicate", "C-OLD", earlier.id),
            ],
        )
    assert len(seen) == 1
    assert {n: (r.state, r.credential_id) for n, r in recorded.items()} == {
        1: ("issued", fresh[0].id),
        2: ("duplicate", earlier.id),
        3: ("error", None),
        4: ("issued", fresh[1].id),
        5: ("duplicate", fresh[1].id),  # the number went to row 4 of this very chunk
        6: ("duplicate", earlier.id),
        7: ("issued", fresh[2].id),
    }
    assert store.batches.batch_rows(batch.id) == [recorded[n] for n in range(1, 8)]
    assert recorded[3].errors == (problem,) and recorded[1].errors == ()
    progress = store.batches.batch_progress(batch.id)
    assert (progress.state, progress.processed, progress.issued, progress.duplicates) == (
        "running",
        7,
        3,
        3,
    )
    for new in fresh:
        stored = store.credentials.get_credential(new.id)
        assert (stored.batch_id, stored.created_at, stored.revoked) == (batch.id, clock.now, False)
        assert stored.credential_json == new.credential_json
    for lost in (again_old, again_in_chunk):
        with pytest.raises(NotFoundError):
            store.credentials.get_credential(lost.id)
    assert store.batches.finish_batch(batch.id, "done").state == "done"


def test_a_chunk_skips_rows_already_recorded(
    store: Store, issuer: Issuer, new_credential: NewCredentialFactory
) -> None:
    batch = store.batches.create_batch(issuer.id, "registrar1", 3, "sha256:skip")
    first = new_credential(batch_id=batch.id, diploma_number="S-1")
    store.credentials.insert_credential(first, batch_row=1)  # a concurrent runner got there first
    late = new_credential(batch_id=batch.id, diploma_number="S-1b")
    other = new_credential(batch_id=batch.id, diploma_number="S-2")
    recorded = store.credentials.insert_credentials_with_rows(
        batch.id, [(late, 1), (other, 2)], [RowRecord(3, "error", errors=({"detail": "x"},))]
    )
    assert sorted(recorded) == [2, 3]
    assert store.credentials.get_by_diploma_number(issuer.id, "S-1b") is None
    assert store.batches.batch_progress(batch.id).processed == 3
    assert store.batches.batch_rows(batch.id)[0].credential_id == first.id


def test_a_number_committed_concurrently_mid_chunk_becomes_a_duplicate(
    store: Store, issuer: Issuer, clock: FakeClock, new_credential: NewCredentialFactory
) -> None:
    """A rival transaction holds diploma number R-1 uncommitted while a chunk is stored: the chunk
    waits for it (SQLite: at BEGIN IMMEDIATE; PostgreSQL: on the unique index, then re-checks
    after the clash) and records that row "duplicate" without losing the others."""
    batch = store.batches.create_batch(issuer.id, "registrar1", 2, "sha256:race")
    mine = [new_credential(batch_id=batch.id, diploma_number=n) for n in ("R-1", "R-2")]
    results: list[dict[int, object]] = []
    failures: list[BaseException] = []

    def store_chunk() -> None:
        try:
            results.append(
                dict(
                    store.credentials.insert_credentials_with_rows(
                        batch.id, [(mine[0], 1), (mine[1], 2)]
                    )
                )
            )
        except BaseException as exc:  # reported below: a thread cannot fail the test itself
            failures.append(exc)

    writer = store.engine.execution_options(**{WRITE: True})
    with writer.connect() as conn:
        rival = conn.begin()
        conn.execute(
            sa.insert(CredentialRow).values(
                id="urn:uuid:rival",
                issuer_id=issuer.id,
                diploma_number="R-1",
                subject_name="Rival",
                achievement_type="BachelorDegree",
                credential_json="{}",
                revoked=False,
                suspended=False,
                created_at=clock.now,
            )
        )
        thread = threading.Thread(target=store_chunk)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive()  # waiting for the rival transaction
        rival.commit()
    thread.join(timeout=60)
    assert failures == [] and len(results) == 1
    rows = store.batches.batch_rows(batch.id)
    assert [(r.state, r.credential_id) for r in rows] == [
        ("duplicate", "urn:uuid:rival"),
        ("issued", mine[1].id),
    ]
    assert store.credentials.get_by_diploma_number(issuer.id, "R-2") is not None
    with pytest.raises(NotFoundError):
        store.credentials.get_credential(mine[0].id)


def test_credential_ids_by_diploma_number(
    store: Store, make_issuer: Callable[..., Issuer], new_credential: NewCredentialFactory
) -> None:
    a = new_credential(diploma_number="N-1")
    b = new_credential(diploma_number="N-2")
    store.credentials.insert_credential(a)
    store.credentials.insert_credential(b)
    other = make_issuer()
    store.credentials.insert_credential(new_credential(issuer_id=other.id, diploma_number="N-3"))
    numbers = ["N-1", "N-2", "N-3", "N-4"] + [f"X-{i}" for i in range(1200)]
    assert store.credentials.credential_ids_by_diploma_number(a.issuer_id, numbers) == {
        "N-1": a.id,
        "N-2": b.id,
    }
    assert store.credentials.credential_ids_by_diploma_number(a.issuer_id, []) == {}
    with pytest.raises(MalformedValueError):
        store.credentials.credential_ids_by_diploma_number(a.issuer_id, "N-1")


def test_a_rejected_chunk_leaves_the_database_unchanged(
    store: Store,
    issuer: Issuer,
    make_issuer: Callable[..., Issuer],
    new_credential: NewCredentialFactory,
) -> None:
    batch = store.batches.create_batch(issuer.id, "registrar1", 3, "sha256:bad")
    stored = new_credential()
    store.credentials.insert_credential(stored)

    def ok(n: int) -> tuple[NewCredential, int]:
        return new_credential(batch_id=batch.id), n

    def same_id() -> NewCredential:
        return new_credential(id="urn:same", batch_id=batch.id)

    foreign = make_issuer()
    cases: list[tuple[type[DiplomatError], list[tuple[NewCredential, int]], list[RowRecord]]] = [
        (DuplicateError, [ok(1), (new_credential(id=stored.id, batch_id=batch.id), 2)], []),
        (
            DuplicateError,
            [ok(1), (same_id(), 2), (same_id(), 3)],  # one id twice in the chunk
            [],
        ),
        (RangeValueError, [ok(1), ok(4)], []),
        (MalformedValueError, [ok(1), (new_credential(), 2)], []),  # no batch_id
        (MalformedValueError, [ok(1), ok(2)], [RowRecord(2, "error")]),  # row twice
        (MalformedValueError, [ok(1), (new_credential(batch_id=batch.id, subject_name=""), 2)], []),
        (MalformedValueError, [ok(1)], [RowRecord(2, "lost")]),  # type: ignore[arg-type]
        (MalformedValueError, [ok(1)], [RowRecord(2, "error", errors=({"x": object()},))]),
        (NotFoundError, [ok(1)], [RowRecord(2, "duplicate", "N", "urn:uuid:nobody")]),
        (
            ConflictError,
            [ok(1), (new_credential(batch_id=batch.id, issuer_id=foreign.id), 2)],
            [],
        ),
    ]
    before = snapshot(store)
    for error, credentials, rows in cases:
        with pytest.raises(error):
            store.credentials.insert_credentials_with_rows(batch.id, credentials, rows)
        assert snapshot(store) == before, error
    with pytest.raises(NotFoundError):
        store.credentials.insert_credentials_with_rows(987654, [], [RowRecord(1, "error")])
    store.batches.finish_batch(batch.id, "failed")
    before = snapshot(store)
    with pytest.raises(ConflictError):
        store.credentials.insert_credentials_with_rows(batch.id, [ok(1)], [])
    assert snapshot(store) == before


# ------------------------------------------------------------------------------------ share links


def test_share_link_views_expiry_and_revocation(
    store: Store, clock: FakeClock, new_credential: NewCredentialFactory
) -> None:
    credential = issue(store, new_credential)
    token = new_token()
    link = store.sharing.create_share_link(
        credential.id, token, expires_at=clock.now.replace(hour=clock.now.hour + 1)
    )
    assert link.view_count == 0 and link.state(clock.now) == "active"
    clock.advance(minutes=1)
    assert store.sharing.open_share_link(token).view_count == 1
    clock.advance(minutes=1)
    seen = store.sharing.open_share_link(token)
    assert seen.view_count == 2 and seen.last_viewed_at == clock.now

    clock.advance(hours=2)
    with pytest.raises(ShareLinkExpiredError) as caught:
        store.sharing.open_share_link(token)
    assert caught.value.status == 410
    assert store.sharing.get_share_link(token).view_count == 2
    assert store.sharing.get_share_link(token).state(clock.now) == "expired"

    second = new_token()
    other = store.sharing.create_share_link(credential.id, second, expires_at=None)
    store.sharing.open_share_link(second)
    revoked = store.sharing.revoke_share_link(other.id)
    assert revoked.revoked_at == clock.now
    with pytest.raises(ShareLinkRevokedError):
        store.sharing.open_share_link(second)
    with pytest.raises(ShareLinkGoneError):
        store.sharing.open_share_link(second)
    assert store.sharing.get_share_link(second).view_count == 1
    assert [x.id for x in store.sharing.list_share_links(credential.id)] == [link.id, other.id]
    with pytest.raises(NotFoundError):
        store.sharing.open_share_link(new_token())
    with pytest.raises(NotFoundError):
        store.sharing.open_share_link("short")


def test_share_tokens_are_stored_only_as_sha256(
    store: Store, new_credential: NewCredentialFactory
) -> None:
    credential = issue(store, new_credential)
    token = new_token()
    store.sharing.create_share_link(credential.id, token, expires_at=None)
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM share_links")).scalar_one()
    assert stored == hashlib.sha256(token.encode()).hexdigest() == hash_token(token)
    assert token not in json.dumps(snapshot(store))
    with pytest.raises(DuplicateError):
        store.sharing.create_share_link(credential.id, token, expires_at=None)
    with pytest.raises(MalformedValueError):
        store.sharing.create_share_link(credential.id, "guessable", expires_at=None)


def test_share_link_refuses_past_expiry_and_unknown_credential(
    store: Store, clock: FakeClock, new_credential: NewCredentialFactory
) -> None:
    credential = issue(store, new_credential)
    with pytest.raises(RangeValueError):
        store.sharing.create_share_link(credential.id, new_token(), expires_at=clock.now)
    with pytest.raises(MalformedValueError):
        store.sharing.create_share_link(
            credential.id, new_token(), expires_at=clock.now.replace(tzinfo=None)
        )
    with pytest.raises(NotFoundError):
        store.sharing.create_share_link("urn:uuid:ghost", new_token(), expires_at=None)


def test_holder_secret(store: Store, new_credential: NewCredentialFactory) -> None:
    credential = issue(store, new_credential)
    secret = new_token()
    store.sharing.set_holder_secret(credential.id, secret)
    store.sharing.check_holder_secret(credential.id, secret)
    for wrong in (new_token(), "", "x" * 40):
        with pytest.raises(InvalidTokenError):
            store.sharing.check_holder_secret(credential.id, wrong)
    replacement = new_token()
    store.sharing.set_holder_secret(credential.id, replacement)
    store.sharing.check_holder_secret(credential.id, replacement)
    with pytest.raises(ClaimLinkReplacedError):  # 410: a dead link says so, not "wrong token"
        store.sharing.check_holder_secret(credential.id, secret)
    with pytest.raises(NotFoundError):
        store.sharing.set_holder_secret("urn:uuid:ghost", new_token())


# ------------------------------------------------------------------------------------ users, tokens


def test_users(store: Store) -> None:
    hasher = PasswordHasher()
    user = store.accounts.create_user("registrar1", hasher.hash("correct horse"), "registrar")
    assert store.accounts.get_user("registrar1") == user == store.accounts.get_user_by_id(user.id)
    assert hasher.verify(user.password_hash, "correct horse")
    with pytest.raises(DuplicateError):
        store.accounts.create_user("registrar1", hasher.hash("x"), "admin")
    with pytest.raises(MalformedValueError):
        store.accounts.create_user(
            "bob", "hunter2", "admin"
        )  # a plain password never reaches the DB
    with pytest.raises(MalformedValueError):
        store.accounts.create_user("carol", hasher.hash("x"), "root")  # type: ignore[arg-type]
    changed = store.accounts.set_password_hash("registrar1", hasher.hash("new one"))
    assert hasher.verify(changed.password_hash, "new one")
    assert [u.username for u in store.accounts.list_users()] == ["registrar1"]
    with pytest.raises(NotFoundError):
        store.accounts.get_user("nobody")


def test_api_tokens(store: Store, clock: FakeClock) -> None:
    token = new_token()
    made = store.accounts.create_api_token("ci uploader", token, "registrar")
    assert made.last_used_at is None
    clock.advance(minutes=5)
    used = store.accounts.authenticate_api_token(token)
    assert used.id == made.id and used.last_used_at == clock.now and used.role == "registrar"
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM api_tokens")).scalar_one()
    assert stored == hash_token(token) != token
    for bad in (new_token(), "", "tiny"):
        with pytest.raises(InvalidTokenError) as caught:
            store.accounts.authenticate_api_token(bad)
        assert caught.value.status == 401
    store.accounts.revoke_api_token(made.id)
    with pytest.raises(InvalidTokenError):
        store.accounts.authenticate_api_token(token)
    assert store.accounts.list_api_tokens()[0].revoked_at == clock.now
    with pytest.raises(MalformedValueError):
        store.accounts.create_api_token("weak", "password123", "admin")
    with pytest.raises(NotFoundError):
        store.accounts.revoke_api_token(31337)


# ------------------------------------------------------------------------------------ issuers, keys


def test_issuers(store: Store, make_issuer: Callable[..., Issuer]) -> None:
    made = make_issuer(country="kz")
    assert made.country == "KZ"
    assert store.issuers.get_issuer(made.id) == made == store.issuers.get_issuer_by_did(made.did)
    with pytest.raises(DuplicateError):
        make_issuer(did=made.did)
    with pytest.raises(MalformedValueError):
        make_issuer(country="Kazakhstan")
    with pytest.raises(NotFoundError):
        store.issuers.get_issuer(99999)
    assert made in store.issuers.list_issuers()


def test_signing_keys_rotation_is_atomic(store: Store, issuer: Issuer, clock: FakeClock) -> None:
    vm = issuer.did + "#key-1"
    first = store.issuers.add_signing_key(
        issuer.id, vm, "Ed25519", "z6MkfirstKey", "keys/uni-1.pem"
    )
    assert store.issuers.active_signing_key(issuer.id) == first
    with pytest.raises(ConflictError):
        store.issuers.add_signing_key(
            issuer.id, issuer.did + "#key-x", "Ed25519", "z6Mkx", "keys/x.pem"
        )
    before = snapshot(store)
    with pytest.raises(DuplicateError):  # key id taken: the rotation is rolled back whole
        store.issuers.rotate_signing_key(issuer.id, vm, "Ed25519", "z6Mkdup", "keys/dup.pem")
    assert snapshot(store) == before
    second = store.issuers.rotate_signing_key(
        issuer.id, issuer.did + "#key-2", "Ed25519", "z6Mksecond", "keys/uni-2.pem"
    )
    assert store.issuers.active_signing_key(issuer.id) == second
    assert store.issuers.get_signing_key(vm).status == "rotated"
    clock.advance(days=1)
    retired = store.issuers.retire_signing_key(vm)
    assert retired.status == "retired" and retired.retired_at == clock.now
    assert [k.status for k in store.issuers.list_signing_keys(issuer.id)] == ["retired", "active"]
    with pytest.raises(NotFoundError):
        store.issuers.get_signing_key("did:web:nowhere#k")


@pytest.mark.parametrize(
    "private",
    [
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----",
        '{"kty": "OKP", "crv": "Ed25519", "x": "abc", "d": "secret"}',
        multibase.encode_base58btc(multibase.ED25519_PRIV + bytes(range(32))),
    ],
    ids=["pem", "jwk", "multikey"],
)
def test_raw_private_keys_are_refused(store: Store, issuer: Issuer, private: str) -> None:
    before = snapshot(store)
    with pytest.raises(MalformedValueError):
        store.issuers.add_signing_key(issuer.id, issuer.did + "#k", "Ed25519", "z6Mkpub", private)
    assert snapshot(store) == before


def test_encrypted_key_reference_is_accepted(store: Store, issuer: Issuer) -> None:
    pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIGb...\n-----END ENCRYPTED PRIVATE KEY-----"
    key = store.issuers.add_signing_key(issuer.id, issuer.did + "#k", "Ed25519", "z6Mkpub", pem)
    assert key.private_key_ref == pem


def test_clock_must_be_aware(make_store: Callable[..., Store]) -> None:
    store = make_store(clock=lambda: datetime(2025, 1, 1))  # deliberately naive
    with pytest.raises(MalformedValueError):
        store.issuers.create_issuer("did:web:naive.example", "Naive", "naive.example", "KZ")


def test_store_settings_are_checked(make_store: Callable[..., Store]) -> None:
    for bad in ({"status_list_length": 100}, {"fill_ratio": 0.0}, {"fill_ratio": 1.5}):
        with pytest.raises(RangeValueError):
            make_store(**bad)
