"""Per-app state the blueprints share: the config, the service, the background batch runner and
the mail sender thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from issuer.config import IssuerConfig
    from issuer.service import IssuerService
    from issuer.web.ops import IssuerMetrics

EXTENSION = "diplomat.issuer"
_log = logging.getLogger("issuer.web.batches")


class BatchRunner:
    """Runs ``service.batches.run_batch`` in one daemon thread per batch.

    A batch is resumable (the service skips rows already recorded), so a thread lost with the
    process is harmless: starting the batch again finishes it. Starting a batch that is already
    running here is a no-op. The rows each run records are counted in ``metrics``.
    """

    def __init__(
        self,
        service: IssuerService,
        metrics: IssuerMetrics,
        on_done: Callable[[], None] | None = None,
    ) -> None:
        self._service = service
        self._metrics = metrics
        self._on_done = on_done
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}

    def start(self, batch_id: int) -> None:
        with self._lock:
            running = self._threads.get(batch_id)
            if running is not None and running.is_alive():
                return
            thread = threading.Thread(
                target=self._run, args=(batch_id,), name=f"diplomat-batch-{batch_id}", daemon=True
            )
            self._threads[batch_id] = thread
            thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for every batch thread started so far (tests and orderly shutdown)."""
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout)

    def _run(self, batch_id: int) -> None:
        try:
            self._service.batches.run_batch(batch_id, progress=self._metrics.batch_watcher())
        except Exception:
            # The thread has no caller to raise to: the service marks the batch failed and the
            # progress endpoint reports it; the log keeps the details.
            _log.exception("batch %s stopped with an error", batch_id)
        if self._on_done is not None:
            self._on_done()


class MailWorker:
    """Sends the outbox in one daemon thread: when woken (after an issue) and every
    ``interval`` seconds (for retries that come due). Several processes may each run one:
    messages are leased, never sent by two senders at once. Mail never stops issuance: a
    failure is logged and the thread carries on."""

    def __init__(self, service: IssuerService, interval: float = 30.0) -> None:
        self._service = service
        self._interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="diplomat-mail", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = 10) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self._service.mail.send_due()
            except Exception:
                _log.exception("sending mail failed; the messages stay queued")


@dataclass(frozen=True)
class WebState:
    config: IssuerConfig
    service: IssuerService
    runner: BatchRunner
    metrics: IssuerMetrics
    mailer: MailWorker | None = None

    def wake_mail(self) -> None:
        """Tell the mail thread (if this app runs one) that messages were queued."""
        if self.mailer is not None:
            self.mailer.wake()

    @property
    def base_url(self) -> str:
        """config.public_base_url without a trailing slash: the root of every absolute URL."""
        return self.config.public_base_url.rstrip("/")


def state() -> WebState:
    """The state of the app handling the current request."""
    found = current_app.extensions[EXTENSION]
    if not isinstance(found, WebState):  # pragma: no cover - set by create_app only
        raise RuntimeError("create_app did not install the issuer state")
    return found
