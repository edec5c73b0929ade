"""The bulk worker pool of one process: a fixed number of threads and a bounded number of jobs.

A job's items are verified by ``workers`` threads shared by every job of the process (so one
process never verifies more than ``workers`` items at once, however many jobs it holds), and at
most ``max_jobs`` jobs are held at a time: one more is refused with BulkBusyError (429, with
Retry-After) before any work is queued. Each job has a coordinator thread that hands its items to
the pool and records finished rows in the job store in batches (a progress poll from any process
sees them at most ``flush_seconds`` late).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING

from vc.errors import DiplomatError
from verifier.bulk.inputs import BulkItem
from verifier.bulk.rows import BulkRow

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported when the first bulk job needs it
    from verifier.bulk.store import BulkJobStore

RETRY_AFTER_SECONDS = 30

FLUSH_ROWS = 25
FLUSH_SECONDS = 0.5
_log = logging.getLogger(__name__)

Verify = Callable[[BulkItem], BulkRow]


class BulkBusyError(DiplomatError):
    """This verifier is already running as many bulk jobs as it holds."""

    problem_type = "urn:diplomat:problem:busy"
    code = -429
    status = 429
    title = "Bulk verification is busy"
    retry_after = RETRY_AFTER_SECONDS


class BulkRunner:
    """Runs jobs in the background (see the module docstring)."""

    def __init__(
        self,
        store: BulkJobStore | Callable[[], BulkJobStore],
        *,
        workers: int,
        max_jobs: int,
    ) -> None:
        """``store``: the job store, or a function opening it on first use."""
        if workers < 1 or max_jobs < 1:
            raise ValueError("workers and max_jobs must be positive")
        self._store: BulkJobStore | None = None
        self._open: Callable[[], BulkJobStore] | None = None
        if callable(store) and not hasattr(store, "create"):
            self._open = store
        else:
            self._store = store  # type: ignore[assignment]  # a BulkJobStore (it has create)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bulk-row")
        self._slots = threading.BoundedSemaphore(max_jobs)
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    @property
    def store(self) -> BulkJobStore:
        """The job store (opened, with its tables made, on first use)."""
        with self._lock:
            if self._store is None:
                assert self._open is not None  # one of the two is always set
                self._store = self._open()
            return self._store

    def reserve(self) -> None:
        """Take a job slot before the job is created; raises BulkBusyError when none is free.
        Every reservation is handed to ``start`` or given back with ``release``."""
        if not self._slots.acquire(blocking=False):
            raise BulkBusyError(
                "this verifier is running as many bulk jobs as it can; try again in a minute"
            )

    def release(self) -> None:
        self._slots.release()

    def start(self, job_id: str, items: Sequence[BulkItem], verify: Verify) -> None:
        """Run a job in a reserved slot; the slot is released when the job ends."""
        thread = threading.Thread(
            target=self._run, args=(job_id, tuple(items), verify), name=f"bulk-job-{job_id[:6]}"
        )
        thread.daemon = True
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def _run(self, job_id: str, items: tuple[BulkItem, ...], verify: Verify) -> None:
        try:
            pending: set[Future[BulkRow]] = {self._pool.submit(verify, item) for item in items}
            batch: list[BulkRow] = []
            flushed = time.monotonic()
            while pending:
                done, pending = wait(pending, timeout=FLUSH_SECONDS, return_when=FIRST_COMPLETED)
                batch.extend(future.result() for future in done)
                if batch and (
                    len(batch) >= FLUSH_ROWS or time.monotonic() - flushed >= FLUSH_SECONDS
                ):
                    self.store.add_rows(job_id, batch)
                    batch, flushed = [], time.monotonic()
            self.store.add_rows(job_id, batch)
            self.store.finish(job_id)
        except Exception as exc:
            _log.exception("bulk job %s failed", job_id[:6])
            try:
                self.store.finish(job_id, error=f"the job stopped: {type(exc).__name__}")
            except DiplomatError:
                _log.exception("bulk job %s could not be marked failed", job_id[:6])
        finally:
            self._slots.release()
            with self._lock:
                self._threads.discard(threading.current_thread())

    def join(self, timeout: float | None = None) -> None:
        """Wait for the running jobs (tests, shutdown)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def shutdown(self) -> None:
        self.join()
        self._pool.shutdown(wait=True)


__all__ = ["BulkBusyError", "BulkRunner"]
