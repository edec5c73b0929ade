"""Batches: whole-file refusals, per-row errors, resuming after SIGKILL, eight concurrent issuers."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import pytest
from sqlalchemy import event, text

from issuer.config import IssuerConfig
from issuer.degree import InputError, parse_csv_row
from issuer.errors import DuplicateCredentialError, StoreUnavailableError
from issuer.keystore import KeyStore
from issuer.service import IssuerService, UploadTooLargeError, open_service
from issuer.service.batches import CHUNK_FIRST_ROWS, CHUNK_MAX_ROWS, chunked
from issuer.store import BatchProgress, open_store
from vc.dids import DidResolver
from vc.errors import MalformedValueError, ParsingError, RangeValueError
from vc.proofs import verify

REPO = Path(__file__).resolve().parents[2]
COLUMNS = (
    "full_name",
    "student_number",
    "achievement_type",
    "degree_title",
    "field_of_study",
    "ects_available",
    "ects_earned",
    "awarded_date",
    "gpa",
    "gpa_scale",
    "language_of_instruction",
    "diploma_number",
    "isced_field",
    "eqf_level",
)


class FakeClock(Protocol):
    now: datetime

    def __call__(self) -> datetime: ...


def row(number: str, **overrides: str) -> dict[str, str]:
    cells = {
        "full_name": f"Graduate {number}",
        "student_number": f"S-{number}",
        "achievement_type": "BachelorDegree",
        "degree_title": "Bachelor of Science in Computer Science",
        "field_of_study": "Computer Science",
        "ects_available": "240",
        "ects_earned": "240",
        "awarded_date": "2025-06-27",
        "gpa": "3.5",
        "gpa_scale": "4",
        "language_of_instruction": "en",
        "diploma_number": number,
        "isced_field": "0613",
        "eqf_level": "6",
    }
    cells.update(overrides)
    return cells


def to_csv(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def cohort(count: int, prefix: str = "KZ-B") -> bytes:
    return to_csv([row(f"{prefix}-{i:05d}") for i in range(count)])


def config_for(db_url: str, home: Path, **extra: Any) -> IssuerConfig:
    return IssuerConfig(
        database_url=db_url, keys_dir=home / "keys", spool_dir=home / "spool", **extra
    )


def build(db_url: str, home: Path, clock: Any = None, **extra: Any) -> IssuerService:
    cfg = config_for(db_url, home, **extra)
    if clock is None:
        service = open_service(cfg)
    else:
        store = open_store(db_url, clock=clock)
        service = IssuerService(store, KeyStore(cfg.keys_dir), cfg, clock=clock)
    if not service.store.issuers.list_issuers():
        service.identity.init_identity(
            "Satbayev University", "satbayev.university", "KZ", did_method="key"
        )
    return service


@pytest.fixture
def service(tmp_path: Path, clock: FakeClock) -> Any:
    svc = build(f"sqlite:///{tmp_path / 'issuer.sqlite3'}", tmp_path, clock)
    yield svc
    svc.close()


def table_counts(service: IssuerService) -> dict[str, int]:
    tables = ("batches", "batch_rows", "credentials", "status_allocations", "audit_log")
    with service.store.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables
        }


def test_a_cohort_issues_and_every_credential_verifies(service: IssuerService) -> None:
    seen: list[BatchProgress] = []
    batch = service.batches.create_batch(cohort(12), "csv", actor="registrar:alice")
    final = service.batches.run_batch(batch.id, progress=seen.append)
    assert (final.state, final.total, final.issued, final.errors) == ("done", 12, 12, 0)
    assert [p.processed for p in seen][:2] == [0, 1] and seen[-1].processed == 12
    rows = service.batches.batch_rows(batch.id)
    assert [r.row_number for r in rows] == list(range(1, 13))
    for batch_row in rows:
        assert batch_row.credential_id is not None
        credential = service.issuing.credential_document(batch_row.credential_id)
        assert credential["credentialSubject"]["licenseNumber"] == batch_row.diploma_number
        assert verify(credential, resolver=DidResolver(), now=service.context.now()).verified
    assert not list(service.config.batch_spool_dir.iterdir())  # personal data not kept


def test_row_errors_name_row_field_and_reason(service: IssuerService) -> None:
    rows = [
        row("KZ-1"),
        row("KZ-2", gpa="3,5"),
        row("KZ-3", diploma_number=""),
        row("KZ-1", full_name="Copy of the first"),
        row("KZ-5", awarded_date="2025-02-30"),
        row("KZ-6"),
    ]
    batch = service.batches.create_batch(to_csv(rows), "csv", actor="registrar")
    final = service.batches.run_batch(batch.id)
    assert (final.issued, final.errors, final.duplicates) == (2, 4, 0)
    errors = {
        r.row_number: list(r.errors) for r in service.batches.batch_rows(batch.id) if r.errors
    }
    assert errors[2] == [
        {
            "row": 3,
            "field": "gpa",
            "reason": "'3,5' is not a number (use a dot as the decimal separator)",
        }
    ]
    assert errors[3] == [{"row": 4, "field": "diploma_number", "reason": "is required"}]
    assert errors[4] == [
        {"row": 5, "field": "diploma_number", "reason": "is already used by row 2"}
    ]
    assert errors[5][0]["row"] == 6 and errors[5][0]["field"] == "awarded_date"


def test_a_row_that_cannot_be_built_is_an_error_not_a_crash(service: IssuerService) -> None:
    # national_level needs the issuer's national framework (DIPLOMAT_NQF_*), not configured here.
    columns = (*COLUMNS, "national_level")
    batch = service.batches.create_batch(
        to_csv([row("N-1", national_level="6"), row("N-2")], columns), "csv", actor="r"
    )
    final = service.batches.run_batch(batch.id)
    assert (final.issued, final.errors) == (1, 1)
    bad = service.batches.batch_rows(batch.id)[0]
    assert bad.state == "error" and bad.diploma_number == "N-1"
    assert bad.errors[0]["row"] == 2 and "national" in bad.errors[0]["reason"]


@pytest.mark.parametrize(
    ("source", "fmt", "error", "words"),
    [
        (b"name,diploma\nA,1\n", "csv", InputError, "missing required column"),
        (to_csv([row("X")], (*COLUMNS, "favourite_colour")), "csv", InputError, "unknown column"),
        (b"", "csv", InputError, "empty"),
        (b"\xff\xfe not utf-8", "csv", ParsingError, "UTF-8"),
        (b'[{"full_name": "A",', "json", ParsingError, ""),
        (b'{"full_name": "A"}', "json", MalformedValueError, "array"),
        (b'[{"a": 1, "a": 2}]', "json", ParsingError, "duplicate"),
        (b"[]", "json", MalformedValueError, "no rows"),
        (b"x", "xml", MalformedValueError, "format"),
    ],
)
def test_bad_uploads_are_refused_whole_with_nothing_stored(
    service: IssuerService, source: bytes, fmt: Any, error: type[Exception], words: str
) -> None:
    before = table_counts(service)
    with pytest.raises(error) as caught:
        service.batches.create_batch(source, fmt, actor="registrar")
    assert words.lower() in str(caught.value).lower()
    assert table_counts(service) == before


def test_oversized_and_too_long_uploads_are_refused(tmp_path: Path, clock: FakeClock) -> None:
    svc = build(
        f"sqlite:///{tmp_path / 'small.sqlite3'}",
        tmp_path,
        clock,
        max_upload_bytes=2000,
        max_batch_rows=3,
    )
    try:
        before = table_counts(svc)
        with pytest.raises(UploadTooLargeError) as too_big:
            svc.batches.create_batch(cohort(40), "csv", actor="r")
        assert too_big.value.status == 413
        with pytest.raises(RangeValueError):
            svc.batches.create_batch(cohort(4), "csv", actor="r")
        json_rows = json.dumps([{"diploma_number": str(i)} for i in range(4)]).encode()
        with pytest.raises(RangeValueError):
            svc.batches.create_batch(json_rows, "json", actor="r")
        assert table_counts(svc) == before
    finally:
        svc.close()


def test_json_batch_and_reupload_of_a_done_batch(service: IssuerService) -> None:
    sample = json.loads((REPO / "samples" / "degree.json").read_text(encoding="utf-8"))
    sample.pop("national_level")
    second = {**sample, "diploma_number": "J-2"}
    broken = {**sample, "diploma_number": "J-3", "ects_earned": "lots"}
    source = json.dumps([sample, second, broken], ensure_ascii=False).encode()
    batch = service.batches.create_batch(source, "json", actor="r")
    final = service.batches.run_batch(batch.id)
    assert (final.issued, final.errors) == (2, 1)
    error = next(r for r in service.batches.batch_rows(batch.id) if r.state == "error")
    assert error.errors[0] == {
        "row": 3,
        "field": "ects_earned",
        "reason": "must be a number, not text",
    }
    again = service.batches.create_batch(source, "json", actor="r")
    assert again.id != batch.id
    rerun = service.batches.run_batch(again.id)
    assert (rerun.issued, rerun.duplicates, rerun.errors) == (0, 2, 1)
    duplicates = [r for r in service.batches.batch_rows(again.id) if r.state == "duplicate"]
    originals = {r.diploma_number: r.credential_id for r in service.batches.batch_rows(batch.id)}
    assert all(d.credential_id == originals[d.diploma_number] for d in duplicates)


@contextmanager
def count_write_transactions(service: IssuerService) -> Iterator[list[str]]:
    """Collect every BEGIN IMMEDIATE (a SQLite write transaction) run meanwhile."""
    seen: list[str] = []

    def on_cursor(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            seen.append(statement)

    event.listen(service.store.engine, "before_cursor_execute", on_cursor)
    try:
        yield seen
    finally:
        event.remove(service.store.engine, "before_cursor_execute", on_cursor)


def test_a_batch_writes_a_few_transactions_per_chunk_not_per_row(service: IssuerService) -> None:
    batch = service.batches.create_batch(cohort(40, "T"), "csv", actor="r")
    with count_write_transactions(service) as writes:
        final = service.batches.run_batch(batch.id)
    assert (final.state, final.issued) == ("done", 40)
    chunks = len(list(chunked(list(range(40)), CHUNK_FIRST_ROWS, CHUNK_MAX_ROWS)))
    # Per chunk: one allocation (every status purpose), one store and its rows' claim links;
    # then start, finish, audit. (Row by row it was at least three per row: 120 here.)
    assert len(writes) <= 3 * chunks + 4
    assert table_counts(service)["status_allocations"] == 80


def test_chunks_double_up_to_the_largest() -> None:
    rows = list(range(1, 301))
    assert [len(part) for part in chunked(rows, 16, 128)] == [16, 32, 64, 128, 60]
    assert [n for part in chunked(rows, 16, 128) for n in part] == rows
    assert list(chunked([], 16, 128)) == []
    assert [len(part) for part in chunked(rows[:5], 0, 0)] == [1, 1, 1, 1, 1]


def test_a_number_issued_after_the_check_is_a_duplicate_and_the_rest_issue(
    service: IssuerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = service.issuing.issue_degree(parse_csv_row(row("M-00003"), 2), actor="registrar")
    # The check before signing misses it, as if another process issued it just after.
    monkeypatch.setattr(
        service.store.credentials, "credential_ids_by_diploma_number", lambda issuer_id, numbers: {}
    )
    batch = service.batches.create_batch(cohort(6, "M"), "csv", actor="r")
    final = service.batches.run_batch(batch.id)
    assert (final.state, final.issued, final.duplicates, final.errors) == ("done", 5, 1, 0)
    rows = service.batches.batch_rows(batch.id)
    assert [(r.state, r.credential_id) for r in rows if r.state != "issued"] == [
        ("duplicate", taken.credential_id)
    ]
    assert table_counts(service)["credentials"] == 6


def test_reuploading_a_done_batch_reserves_no_status_index(service: IssuerService) -> None:
    source = cohort(5, "U")
    service.batches.run_batch(service.batches.create_batch(source, "csv", actor="r").id)
    before = table_counts(service)["status_allocations"]
    again = service.batches.run_batch(service.batches.create_batch(source, "csv", actor="r").id)
    assert (again.issued, again.duplicates) == (0, 5)
    assert table_counts(service)["status_allocations"] == before == 10


def test_a_chunk_lost_after_allocation_is_redone_with_fresh_indexes(
    service: IssuerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.store.credentials.insert_credentials_with_rows
    calls: list[int] = []

    def fail_second(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise StoreUnavailableError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(service.store.credentials, "insert_credentials_with_rows", fail_second)
    batch = service.batches.create_batch(cohort(40, "L"), "csv", actor="r")
    with pytest.raises(StoreUnavailableError):
        service.batches.run_batch(batch.id)
    stopped = service.batches.batch_progress(batch.id)
    assert (stopped.state, stopped.processed) == ("failed", CHUNK_FIRST_ROWS)
    final = service.batches.run_batch(batch.id)
    assert (final.state, final.issued, final.processed) == ("done", 40, 40)
    counts = table_counts(service)
    # The lost chunk's indexes stay reserved (never reused); the rows got new ones.
    assert counts["credentials"] == 40 and counts["status_allocations"] > 80
    with service.store.engine.connect() as conn:
        total, distinct = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT list_id || ':' || status_index)"
                " FROM status_allocations"
            )
        ).one()
    assert total == distinct
    for batch_row in service.batches.batch_rows(batch.id):
        assert batch_row.credential_id is not None
        document = service.issuing.credential_document(batch_row.credential_id)
        embedded = {
            (e["statusPurpose"], int(e["statusListIndex"])) for e in document["credentialStatus"]
        }
        stored = {
            (e.purpose, e.index)
            for e in service.store.status.status_entries(batch_row.credential_id)
        }
        assert embedded == stored and len(stored) == 2


class Interrupt(Exception):
    pass


def test_interrupted_batch_resumes_exactly_once_with_signing_workers(
    tmp_path: Path, clock: FakeClock
) -> None:
    svc = build(f"sqlite:///{tmp_path / 'w.sqlite3'}", tmp_path, clock, sign_workers=2)
    try:
        source = cohort(80, "W")
        seen: list[int] = []

        def stop_after_20(progress: BatchProgress) -> None:
            seen.append(progress.processed)
            if progress.processed >= 20:
                raise Interrupt

        batch = svc.batches.create_batch(source, "csv", actor="r")
        with pytest.raises(Interrupt):
            svc.batches.run_batch(batch.id, progress=stop_after_20)
        # Rows are stored a chunk per transaction: the interrupt came while the chunk holding
        # row 20 was being reported, so that chunk is committed whole, and nothing after it.
        assert seen[-1] == 20
        stopped = svc.batches.batch_progress(batch.id)
        assert 20 <= stopped.processed < 80 and stopped.issued == stopped.processed
        assert svc.store.batches.recorded_row_numbers(batch.id) == set(
            range(1, stopped.processed + 1)
        )
        assert table_counts(svc)["credentials"] == stopped.processed
        assert (
            svc.batches.create_batch(source, "csv", actor="r").id == batch.id
        )  # re-upload resumes
        final = svc.batches.run_batch(batch.id)
        assert (final.state, final.issued, final.processed) == ("done", 80, 80)
        with svc.store.engine.connect() as conn:
            numbers = conn.execute(text("SELECT diploma_number FROM credentials")).scalars().all()
        assert sorted(numbers) == [f"W-{i:05d}" for i in range(80)]
        # The chunks stored before the interrupt got their links then; the resumed run links
        # the rest, and no row gets two.
        links = svc.claims.take_batch_links(batch.id, actor="r")
        assert sorted(link.credential_id for link in links) == sorted(
            row.credential_id or "" for row in svc.batches.batch_rows(batch.id)
        )
        assert len({link.credential_id for link in links}) == 80
    finally:
        svc.close()


def count_rows(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=30) as conn:
        return int(conn.execute(sql).fetchone()[0])


def children(pid: int) -> list[int]:
    """Child process ids (Linux /proc), empty where /proc cannot tell."""
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in found.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.timeout(600)  # several processes sharing two cores with the rest of CI
def test_batch_killed_with_sigkill_resumes_with_every_row_issued_once(tmp_path: Path) -> None:
    db = tmp_path / "issuer.sqlite3"
    env = {
        **os.environ,
        "DIPLOMAT_HOME": str(tmp_path),
        "DIPLOMAT_DATABASE_URL": f"sqlite:///{db}",
        "DIPLOMAT_KEYS_DIR": str(tmp_path / "keys"),
        "DIPLOMAT_SIGN_WORKERS": "2",
    }
    build(env["DIPLOMAT_DATABASE_URL"], tmp_path).close()
    # Enough rows that the run does not end between the poll (every 50 ms) that sees 15 of them
    # stored and the kill: from 15 rows stored to exit, 200 rows took 0.35-0.45 s, 2,000 1.3 s.
    total = 2000
    csv_file = tmp_path / "cohort.csv"
    csv_file.write_bytes(cohort(total, "SK"))
    command = [sys.executable, "-m", "diplomat.cli", "issue", "--csv", str(csv_file), "--quiet"]
    runner = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        recorded = 0
        while time.monotonic() < deadline and runner.poll() is None:
            if db.exists():
                try:
                    recorded = count_rows(db, "SELECT count(*) FROM batch_rows")
                except sqlite3.OperationalError:
                    recorded = 0  # tables not created yet
            if recorded >= 15:
                break
            time.sleep(0.05)
        assert runner.poll() is None, runner.stderr.read() if runner.stderr else ""
        workers = children(runner.pid)
        assert len(workers) >= 2  # two signing workers (and the resource tracker)
        os.kill(runner.pid, signal.SIGKILL)
        assert runner.wait(timeout=30) == -signal.SIGKILL
        # Its signing workers notice the parent is gone and exit by themselves.
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if alive(pid)]
    finally:
        if runner.poll() is None:
            runner.kill()
        if runner.stderr is not None:
            runner.stderr.close()
    partial = count_rows(db, "SELECT count(*) FROM batch_rows")
    assert 15 <= partial < total
    assert count_rows(db, "SELECT count(*) FROM credentials") == partial

    resumed = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["issued"] == total and summary["batch"] == 1
    assert count_rows(db, "SELECT count(*) FROM batches") == 1
    with sqlite3.connect(db) as conn:
        numbers = [r[0] for r in conn.execute("SELECT diploma_number FROM credentials")]
        rows = conn.execute(
            "SELECT row_number, state, credential_id FROM batch_rows ORDER BY row_number"
        ).fetchall()
        indexes = conn.execute(
            "SELECT count(*), count(DISTINCT list_id || ':' || status_index) FROM status_allocations"
        ).fetchone()
        # Rows stored before the kill may have lost their links with it: the resumed run links
        # them, and no credential has two.
        links = conn.execute(
            "SELECT count(*), count(DISTINCT credential_id) FROM claim_links WHERE batch_id = 1"
        ).fetchone()
    assert links == (total, total)
    assert sorted(numbers) == [f"SK-{i:05d}" for i in range(total)]
    assert [r[0] for r in rows] == list(range(1, total + 1))
    assert all(state == "issued" and cid for _, state, cid in rows)
    assert indexes[0] == indexes[1] >= 2 * total


# ---------------------------------------------------------------- eight concurrent issuers

POOL = [f"C-{i:03d}" for i in range(24)]


def _concurrent_issuer(
    db_url: str, home: str, worker: int, numbers: list[str]
) -> tuple[list[str], list[str], str]:
    """One process: its own IssuerService over the shared database; batch or one by one.

    Returns (issued, duplicates, traceback or ""): an exception is reported, not raised, since
    an exception that does not unpickle in the parent would hang Pool.starmap.
    """
    try:
        issued, duplicates = _issue_in_process(db_url, Path(home), worker, numbers)
    except Exception:
        return [], [], traceback.format_exc()
    return issued, duplicates, ""


def _issue_in_process(
    db_url: str, home: Path, worker: int, numbers: list[str]
) -> tuple[list[str], list[str]]:
    service = build(db_url, home)
    issued: list[str] = []
    duplicates: list[str] = []
    try:
        if worker % 2:
            batch = service.batches.create_batch(
                to_csv([row(n) for n in numbers]), "csv", actor=f"w{worker}"
            )
            service.batches.run_batch(batch.id)
            for batch_row in service.batches.batch_rows(batch.id):
                target = issued if batch_row.state == "issued" else duplicates
                target.append(batch_row.diploma_number or "")
        else:
            for number in numbers:
                try:
                    service.issuing.issue_degree(parse_csv_row(row(number), 2), actor=f"w{worker}")
                    issued.append(number)
                except DuplicateCredentialError:
                    duplicates.append(number)
    finally:
        service.close()
    return issued, duplicates


def test_eight_processes_never_issue_a_number_or_index_twice(db_url: str, tmp_path: Path) -> None:
    build(db_url, tmp_path).close()  # the issuer and its key, shared by every process
    jobs = [
        (db_url, str(tmp_path), w, [POOL[(w * 3 + k) % 24] for k in range(12)]) for w in range(8)
    ]
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        results = pool.starmap(_concurrent_issuer, jobs, chunksize=1)
    assert [error for _, _, error in results if error] == []
    issued = Counter(n for mine, _, _ in results for n in mine)
    assert sorted(issued) == POOL and set(issued.values()) == {1}
    for (_, _, _, numbers), (mine, dups, _) in zip(jobs, results, strict=True):
        assert sorted(mine + dups) == sorted(numbers)  # every attempt accounted for
    service = build(db_url, tmp_path)
    try:
        with service.store.engine.connect() as conn:
            stored = conn.execute(text("SELECT diploma_number FROM credentials")).scalars().all()
            alloc = conn.execute(
                text(
                    "SELECT count(*), count(DISTINCT (list_id, status_index)) FROM status_allocations"
                )
                if service.store.engine.dialect.name == "postgresql"
                else text(
                    "SELECT count(*), count(DISTINCT list_id || ':' || status_index)"
                    " FROM status_allocations"
                )
            ).one()
        assert sorted(stored) == POOL
        assert alloc[0] == alloc[1] >= 2 * len(POOL)
        positions: Counter[tuple[str, str]] = Counter()
        for credential_row in service.store.credentials.list_credentials(
            service.context.issuer().id, limit=100
        ):
            credential = json.loads(credential_row.credential_json)
            for entry in credential["credentialStatus"]:
                positions[(entry["statusListCredential"], entry["statusListIndex"])] += 1
            stored = service.store.status.status_entries(credential_row.id)
            assert len(stored) == 2
        assert len(positions) == 2 * len(POOL) and set(positions.values()) == {1}
    finally:
        service.close()
