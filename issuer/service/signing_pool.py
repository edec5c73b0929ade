"""Signing degree credentials in worker processes: the CPU-heavy half of a batch, in parallel.

JSON-LD canonicalization costs milliseconds per credential, so a batch keeps the database work
(status allocation, storing) in its own process and hands building, validating, signing and
serializing to spawned workers, a slice of rows per task, each answered with the credentials'
JSON text (ready to store: the parent serializes nothing).

The workers start once per process (``shared_pool``) and live until it exits: a worker warms up
when it starts (imports, a throwaway credential signed, so the processed JSON-LD contexts are in
its caches before the first row) and loads each signing key from the key store once, keeping it
for every later batch. A worker whose parent dies (even by SIGKILL) exits by itself. What runs in
the workers is issuer.signworker, which does not import this package (issuer.service).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from issuer.signworker import SignerSpec, SignJob, SignOutcome, init_worker, ready, sign_many


class SigningPool:
    """``workers`` spawned processes signing slices of rows with any issuer's key."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(os.getpid(),),
        )

    @property
    def broken(self) -> bool:
        return bool(getattr(self._executor, "_broken", False))

    def worker_pids(self) -> set[int]:
        """The process ids of the workers started so far (ProcessPoolExecutor keeps them)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return {int(process.pid) for process in processes.values()}

    def start(self) -> None:
        """Start every worker now (they warm up while the caller does other work)."""
        for _ in range(self.workers):
            self._executor.submit(ready)

    def submit(self, spec: SignerSpec, jobs: Sequence[SignJob]) -> Future[list[SignOutcome]]:
        return self._executor.submit(sign_many, spec, list(jobs))

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> SigningPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


_shared: dict[int, SigningPool] = {}
_shared_lock = threading.Lock()


def shared_pool(workers: int) -> SigningPool:
    """The process's pool of ``workers`` signing workers, started on first use and kept (warm)
    for every later batch until the process exits; a pool broken by a dead worker is replaced."""
    with _shared_lock:
        pool = _shared.get(workers)
        if pool is None or pool.broken:
            pool = SigningPool(workers)
            pool.start()
            _shared[workers] = pool
        return pool


@atexit.register
def _close_shared() -> None:
    with _shared_lock:
        pools = list(_shared.values())
        _shared.clear()
    for pool in pools:
        pool.close()
