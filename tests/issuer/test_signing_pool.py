"""The cohort's fast path (issuer.service.signing_pool, issuer.service.batches): a cohort parsed
once, signing workers started once per process and reused warm by later batches, credentials
serialized by the workers exactly as the parent would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_batches import FakeClock, build, cohort

from issuer.service import batches as batches_module
from issuer.service.signing_pool import shared_pool
from issuer.signworker import warm_up
from vc import strictjson
from vc.dids import DidResolver
from vc.proofs import verify


def _worker_pids(workers: int) -> set[int]:
    return shared_pool(workers).worker_pids()


def test_a_cohort_is_parsed_once_from_upload_to_the_last_row(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = batches_module.parse_source

    def counting(source: bytes, fmt: Any, *, max_rows: int) -> Any:
        calls.append(len(source))
        return real(source, fmt, max_rows=max_rows)

    monkeypatch.setattr(batches_module, "parse_source", counting)
    service = build(f"sqlite:///{tmp_path / 'issuer.sqlite3'}", tmp_path, clock)
    try:
        batch = service.batches.create_batch(cohort(5), "csv", actor="registrar:alice")
        final = service.batches.run_batch(batch.id)
        assert (final.state, final.issued) == ("done", 5)
        assert len(calls) == 1
    finally:
        service.close()


def test_a_batch_resumed_by_another_service_parses_its_spooled_source(
    tmp_path: Path, clock: FakeClock
) -> None:
    url = f"sqlite:///{tmp_path / 'issuer.sqlite3'}"
    first = build(url, tmp_path, clock)
    try:
        batch = first.batches.create_batch(cohort(3), "csv", actor="registrar:alice")
    finally:
        first.close()
    second = build(url, tmp_path, clock)  # a restart: nothing parsed in memory
    try:
        assert second.batches.run_batch(batch.id).issued == 3
    finally:
        second.close()


@pytest.mark.slow
def test_signing_workers_start_once_and_serve_every_later_batch(
    tmp_path: Path, clock: FakeClock
) -> None:
    workers = 2
    service = build(
        f"sqlite:///{tmp_path / 'issuer.sqlite3'}", tmp_path, clock, sign_workers=workers
    )
    try:
        rows = batches_module.POOL_MIN_ROWS
        first = service.batches.create_batch(cohort(rows, "KZ-P1"), "csv", actor="registrar:a")
        assert service.batches.run_batch(first.id).issued == rows
        before = _worker_pids(workers)
        assert len(before) == workers
        second = service.batches.create_batch(cohort(rows, "KZ-P2"), "csv", actor="registrar:a")
        assert service.batches.run_batch(second.id).issued == rows
        assert _worker_pids(workers) == before  # the same processes, still warm
        issuer_id = service.context.issuer().id
        number = service.store.credentials.credential_ids_by_diploma_number(
            issuer_id, ["KZ-P2-00007"]
        )["KZ-P2-00007"]
        stored = service.store.credentials.get_credential(number)
        credential = strictjson.loads(stored.credential_json)
        # Serialized by a worker exactly as strictjson would in the parent.
        assert strictjson.dumps(credential) == stored.credential_json
        assert verify(credential, resolver=DidResolver(), now=clock.now).verified
    finally:
        service.close()


def test_the_warm_up_of_a_worker_signs_its_throwaway_degree() -> None:
    # A worker swallows a failed warm-up (the real rows would report it): it must not fail.
    warm_up()


def test_a_signing_worker_imports_neither_the_store_nor_the_service_layer() -> None:
    # What a spawned worker imports: the module of the functions it unpickles, and warm-up.
    code = (
        "import sys, issuer.signworker as w\n"
        "w.warm_up()\n"
        "heavy = ('sqlalchemy', 'alembic', 'flask', 'PIL', 'issuer.service', 'issuer.store')\n"
        "print([name for name in heavy if name in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
