"""The store under concurrent processes (spawned, each with its own Store) on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest
import sqlalchemy as sa
from prockit import PROCESSES, run_processes

from issuer.errors import DuplicateCredentialError
from issuer.store import Issuer, NewCredential, Store, head_revision, new_token, open_store
from issuer.store.allocation import capacity

PER_PROCESS = 200
NUMBER_STEP = 50  # process w tries diploma numbers 50w .. 50w+199: up to four processes per number
LIST_LENGTH = 512
FILL_RATIO = 0.9


def _allocate_and_issue(
    url: str, issuer_id: int, worker: int, barrier: Barrier, results: Any
) -> None:
    """One process: open a Store, then allocate an index and insert a credential, 200 times."""
    try:
        store = open_store(url, status_list_length=LIST_LENGTH, fill_ratio=FILL_RATIO)
        try:
            numbers = [worker * NUMBER_STEP + i for i in range(PER_PROCESS)]
            random.Random(worker).shuffle(numbers)  # so that clashes happen at the same moment
            allocations: list[tuple[str, int, int, int]] = []
            issued: list[tuple[str, str]] = []
            duplicates: list[tuple[str, str]] = []
            barrier.wait(timeout=120)
            for i, number in enumerate(numbers):
                credential_id = f"urn:uuid:w{worker}-{i}"
                allocation = store.status.allocate_status_index(
                    issuer_id, "revocation", credential_id
                )
                allocations.append((credential_id, *allocation))
                diploma = f"D-{number:05d}"
                try:
                    store.credentials.insert_credential(
                        NewCredential(
                            id=credential_id,
                            issuer_id=issuer_id,
                            diploma_number=diploma,
                            subject_name=f"Student {number}",
                            achievement_type="MasterDegree",
                            credential_json="{}",
                        )
                    )
                except DuplicateCredentialError:
                    duplicates.append((credential_id, diploma))
                else:
                    issued.append((credential_id, diploma))
            results.put(("ok", worker, allocations, issued, duplicates))
        finally:
            store.close()
    except BaseException:
        results.put(("error", worker, traceback.format_exc()))


CHUNK = 25


def _allocate_and_issue_in_chunks(
    url: str, issuer_id: int, worker: int, barrier: Barrier, results: Any
) -> None:
    """One process: its own batch of 200 rows, stored 25 at a time with the bulk methods (one
    allocation transaction and one insert transaction per chunk), numbers overlapping others'."""
    try:
        store = open_store(url, status_list_length=LIST_LENGTH, fill_ratio=FILL_RATIO)
        try:
            numbers = [worker * NUMBER_STEP + i for i in range(PER_PROCESS)]
            random.Random(worker).shuffle(numbers)
            batch = store.batches.create_batch(
                issuer_id, f"w{worker}", PER_PROCESS, f"sha256:w{worker}"
            )
            allocations: list[tuple[str, int, int, int]] = []
            issued: list[tuple[str, str]] = []
            duplicates: list[tuple[str, str, str | None]] = []
            barrier.wait(timeout=120)
            for start in range(0, PER_PROCESS, CHUNK):
                part = numbers[start : start + CHUNK]
                ids = [f"urn:uuid:w{worker}-{start + k}" for k in range(len(part))]
                made = store.status.allocate_status_indexes(issuer_id, "revocation", ids)
                allocations.extend((cid, *a) for cid, a in zip(ids, made, strict=True))
                chunk = [
                    (
                        NewCredential(
                            id=cid,
                            issuer_id=issuer_id,
                            diploma_number=f"D-{number:05d}",
                            subject_name=f"Student {number}",
                            achievement_type="MasterDegree",
                            credential_json="{}",
                            batch_id=batch.id,
                        ),
                        start + k + 1,
                    )
                    for k, (cid, number) in enumerate(zip(ids, part, strict=True))
                ]
                recorded = store.credentials.insert_credentials_with_rows(batch.id, chunk)
                for new, row_number in chunk:
                    got = recorded[row_number]
                    if got.state == "issued":
                        issued.append((new.id, new.diploma_number))
                    else:
                        duplicates.append((new.id, new.diploma_number, got.credential_id))
            store.batches.finish_batch(batch.id, "done")
            results.put(("ok", worker, allocations, issued, duplicates))
        finally:
            store.close()
    except BaseException:
        results.put(("error", worker, traceback.format_exc()))


def _open_and_register(url: str, worker: int, barrier: Barrier, results: Any) -> None:
    """One process: open (and so migrate) a fresh database at the same moment as the others."""
    try:
        barrier.wait(timeout=120)
        with open_store(url) as store:
            made = store.issuers.create_issuer(
                f"did:web:u{worker}.example", f"University {worker}", f"u{worker}.example", "KZ"
            )
            results.put(("ok", worker, made.id))
    except BaseException:
        results.put(("error", worker, traceback.format_exc()))


def _assert_each_index_and_number_once(
    store: Store, issuer: Issuer, reports: list[tuple[Any, ...]]
) -> tuple[list[Any], list[Any]]:
    """What both race tests check of the processes' reports and the database; returns the
    reported (credential id, number) issues and the duplicates for the test's own checks."""
    allocations = [a for report in reports for a in report[2]]
    issued = [c for report in reports for c in report[3]]
    duplicates = [c for report in reports for c in report[4]]
    # Every attempt is accounted for: each insert either succeeded or was a typed duplicate.
    for report in reports:
        assert len(report[2]) == PER_PROCESS
        assert len(report[3]) + len(report[4]) == PER_PROCESS

    # No status index was handed out twice, and the database holds exactly what was reported.
    slots = [(list_id, index) for _, list_id, _, index in allocations]
    assert len(set(slots)) == len(slots) == PROCESSES * PER_PROCESS
    with store.engine.connect() as conn:
        stored_slots = set(
            conn.execute(
                sa.text("SELECT list_id, status_index, credential_id FROM status_allocations")
            ).tuples()
        )
        stored_credentials = set(
            conn.execute(sa.text("SELECT id, diploma_number FROM credentials")).tuples()
        )
    assert stored_slots == {(list_id, index, cid) for cid, list_id, _, index in allocations}

    # Lists fill to capacity in order, and their counters agree with their rows.
    lists = store.status.list_status_lists(issuer.id, "revocation")
    per_list = Counter(list_id for list_id, _ in slots)
    limit = capacity(LIST_LENGTH, FILL_RATIO)
    assert [lst.list_number for lst in lists] == list(range(len(lists)))
    assert len(lists) == -(-PROCESSES * PER_PROCESS // limit)
    for lst in lists:
        assert lst.allocated == per_list[lst.id] <= limit
        assert lst.length == LIST_LENGTH
    assert all(0 <= index < LIST_LENGTH for _, index in slots)

    # Each diploma number was issued exactly once, and only successful inserts are stored.
    issued_numbers = [number for _, number in issued]
    assert len(set(issued_numbers)) == len(issued_numbers)
    attempted = {
        f"D-{w * NUMBER_STEP + i:05d}" for w in range(PROCESSES) for i in range(PER_PROCESS)
    }
    assert set(issued_numbers) == attempted
    assert stored_credentials == set(issued)
    assert not {d[0] for d in duplicates} & {cid for cid, _ in stored_credentials}
    assert len(duplicates) == PROCESSES * PER_PROCESS - len(attempted)
    return issued, duplicates


@pytest.mark.slow
@pytest.mark.timeout(600)  # several processes sharing two cores with the rest of CI
def test_eight_processes_never_share_an_index_or_a_diploma_number(
    make_store: Callable[..., Store], make_issuer: Callable[..., Issuer], db_url: str
) -> None:
    store = make_store(status_list_length=LIST_LENGTH, fill_ratio=FILL_RATIO)
    issuer = make_issuer()
    reports = run_processes(
        _allocate_and_issue,
        lambda worker, barrier, results: (db_url, issuer.id, worker, barrier, results),
    )
    issued, duplicates = _assert_each_index_and_number_once(store, issuer, reports)
    assert {number for _, number in duplicates} <= {number for _, number in issued}


@pytest.mark.slow
@pytest.mark.timeout(600)  # several processes sharing two cores with the rest of CI
def test_eight_processes_storing_chunks_never_share_an_index_or_a_diploma_number(
    make_store: Callable[..., Store], make_issuer: Callable[..., Issuer], db_url: str
) -> None:
    store = make_store(status_list_length=LIST_LENGTH, fill_ratio=FILL_RATIO)
    issuer = make_issuer()
    reports = run_processes(
        _allocate_and_issue_in_chunks,
        lambda worker, barrier, results: (db_url, issuer.id, worker, barrier, results),
    )
    issued, duplicates = _assert_each_index_and_number_once(store, issuer, reports)
    # Each duplicate names the credential that holds its number.
    holder_of = {number: cid for cid, number in issued}
    assert all(holder == holder_of[number] for _, number, holder in duplicates)
    for batch in store.batches.find_batches_by_digest(issuer.id, "sha256:w0"):
        assert (batch.state, batch.processed) == ("done", PER_PROCESS)


@pytest.mark.slow
@pytest.mark.timeout(600)  # several processes sharing two cores with the rest of CI
def test_eight_processes_open_a_fresh_database_at_once(
    make_store: Callable[..., Store], db_url: str
) -> None:
    reports = run_processes(
        _open_and_register, lambda worker, barrier, results: (db_url, worker, barrier, results)
    )
    assert sorted(report[1] for report in reports) == list(range(PROCESSES))
    store = make_store()
    assert sorted(i.did for i in store.issuers.list_issuers()) == sorted(
        f"did:web:u{w}.example" for w in range(PROCESSES)
    )
    with store.engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    assert versions == [head_revision()]


def test_share_link_views_count_every_concurrent_open(
    store: Store, new_credential: Callable[..., NewCredential]
) -> None:
    credential = new_credential()
    store.credentials.insert_credential(credential)
    token = new_token()
    store.sharing.create_share_link(credential.id, token, expires_at=None)
    threads, opens = 4, 25
    failures: list[BaseException] = []

    def view() -> None:
        try:
            for _ in range(opens):
                store.sharing.open_share_link(token)
        except BaseException as exc:  # reported below: a thread cannot fail the test itself
            failures.append(exc)

    workers = [threading.Thread(target=view) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert failures == []
    assert store.sharing.get_share_link(token).view_count == threads * opens
