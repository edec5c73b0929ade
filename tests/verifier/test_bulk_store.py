"""verifier.bulk.store and runner on a real SQLite file and a real PostgreSQL: jobs, rows,
progress, the per-client bound, retention, and a job run by the pool."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pgkit import fresh_postgres_database

from verifier.bulk.inputs import BulkItem
from verifier.bulk.rows import BulkRow, input_error
from verifier.bulk.runner import BulkBusyError, BulkRunner
from verifier.bulk.store import BulkClientLimitError, BulkJobStore, open_job_store

T0 = 1_778_414_400.0  # 2026-05-10T12:00:00Z
DAY = 86_400.0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'verifier.sqlite3'}"
    else:
        with fresh_postgres_database("diplomat_verifier_bulk_test") as url:
            yield url


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_url: str, clock: Clock) -> Iterator[BulkJobStore]:
    opened = open_job_store(db_url, retention=DAY, clock=clock)
    yield opened
    opened.close()


def _row(position: int, reference: str = "") -> BulkRow:
    item = BulkItem(position, reference or f"R-{position}", f"input {position}")
    return input_error(item, f"detail {position}")


def test_a_job_records_rows_and_reports_progress_then_results_in_order(
    store: BulkJobStore, db_url: str, clock: Clock
) -> None:
    job = store.create(client="192.0.2.1", total=3, destination="JP", max_running=2)
    progress = store.progress(job)
    assert progress is not None
    assert (progress.state, progress.total, progress.done, progress.destination) == (
        "running",
        3,
        0,
        "JP",
    )
    store.add_rows(job, [_row(3), _row(1, "Ақерке")])
    assert store.progress(job).done == 2  # type: ignore[union-attr]
    store.add_rows(job, [_row(2)])
    clock.now += 5
    store.finish(job)
    done = store.progress(job)
    assert done is not None and done.state == "done" and done.finished_at == T0 + 5
    assert done.to_dict()["percent"] == 100
    rows = store.results(job)
    assert [r.position for r in rows] == [1, 2, 3]
    assert rows[0].reference == "Ақерке" and rows[0] == _row(1, "Ақерке")
    # Another process opening the same database sees the same job.
    other = open_job_store(db_url, retention=DAY, clock=clock)
    try:
        assert other.results(job) == rows
    finally:
        other.close()


def test_unknown_ids_have_no_progress(store: BulkJobStore) -> None:
    assert store.progress("never-issued") is None
    assert store.results("never-issued") == []


def test_one_client_runs_at_most_max_running_jobs(store: BulkJobStore, clock: Clock) -> None:
    first = store.create(client="192.0.2.1", total=1, destination=None, max_running=2)
    second = store.create(client="192.0.2.1", total=1, destination=None, max_running=2)
    with pytest.raises(BulkClientLimitError) as caught:
        store.create(client="192.0.2.1", total=1, destination=None, max_running=2)
    assert caught.value.status == 429 and caught.value.retry_after > 0
    store.create(client="192.0.2.2", total=1, destination=None, max_running=2)  # someone else
    store.finish(first)
    store.create(client="192.0.2.1", total=1, destination=None, max_running=2)
    # A job whose process died stays "running", but stops counting after stale_after, and its
    # progress says it stopped.
    clock.now += store.stale_after + 1
    store.create(client="192.0.2.1", total=1, destination=None, max_running=2)
    orphan = store.progress(second)
    assert orphan is not None and orphan.state == "failed" and orphan.finished
    assert orphan.error is not None and "upload the file again" in orphan.error


def test_jobs_past_the_retention_are_deleted_with_their_rows(
    store: BulkJobStore, clock: Clock
) -> None:
    old = store.create(client="192.0.2.1", total=1, destination=None, max_running=5)
    store.add_rows(old, [_row(1)])
    store.finish(old)
    clock.now += DAY - 1
    kept = store.create(client="192.0.2.1", total=1, destination=None, max_running=5)
    assert store.progress(old) is not None
    clock.now += 2
    store.create(client="192.0.2.1", total=1, destination=None, max_running=5)
    assert store.progress(old) is None and store.results(old) == []
    assert store.progress(kept) is not None


def test_the_runner_runs_a_job_and_bounds_the_jobs_it_holds(store: BulkJobStore) -> None:
    runner = BulkRunner(store, workers=2, max_jobs=1)
    items = [BulkItem(n, f"R-{n}", f"input {n}") for n in range(1, 61)]
    runner.reserve()
    with pytest.raises(BulkBusyError):
        runner.reserve()
    job = store.create(client="192.0.2.1", total=len(items), destination=None, max_running=1)
    runner.start(job, items, lambda item: input_error(item, "checked"))
    runner.join(timeout=60)
    progress = store.progress(job)
    assert progress is not None and progress.state == "done" and progress.done == 60
    assert [r.reference for r in store.results(job)] == [f"R-{n}" for n in range(1, 61)]
    runner.reserve()  # the slot came back when the job ended
    runner.release()
    runner.shutdown()


def test_a_job_that_breaks_is_marked_failed_and_frees_its_slot(store: BulkJobStore) -> None:
    runner = BulkRunner(store, workers=1, max_jobs=1)

    def broken(item: BulkItem) -> BulkRow:
        raise RuntimeError("a bug")

    runner.reserve()
    job = store.create(client="192.0.2.1", total=1, destination=None, max_running=1)
    runner.start(job, [BulkItem(1, "R-1", "x")], broken)
    runner.join(timeout=60)
    progress = store.progress(job)
    assert progress is not None and progress.state == "failed"
    assert progress.error == "the job stopped: RuntimeError"
    runner.reserve()
    runner.release()
    runner.shutdown()
