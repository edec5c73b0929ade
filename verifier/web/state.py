"""The verifier app's per-process state: config, the current VerifierContext, fetcher, challenges.

Only the challenges are shared between processes: they live in the database of
``DIPLOMAT_VERIFIER_DATABASE_URL`` (verifier.challenges), so any number of workers may serve.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from vc.errors import DiplomatError
from vc.fetch import Fetcher
from verifier.bulk.runner import BulkRunner
from verifier.challenges import ChallengeStore
from verifier.config import VerifierConfig
from verifier.context import VerifierContext
from verifier.web.ops import VerifierMetrics

EXTENSION = "diplomat.verifier"


class ContextProvider:
    """Builds the VerifierContext once and rebuilds it every ``refresh_seconds`` (registries are
    re-read and re-checked for freshness). A failed rebuild keeps the previous context."""

    def __init__(
        self,
        factory: Callable[[], VerifierContext],
        *,
        refresh_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self._refresh = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._context = factory()
        self._built = clock()

    def get(self) -> VerifierContext:
        with self._lock:
            if self._clock() - self._built >= self._refresh:
                # A failed rebuild keeps the last good context; the next refresh retries.
                with contextlib.suppress(DiplomatError):
                    self._context = self._factory()
                self._built = self._clock()
            return self._context


@dataclass
class WebState:
    config: VerifierConfig
    contexts: ContextProvider
    fetcher: Fetcher
    challenges: ChallengeStore
    metrics: VerifierMetrics
    bulk: BulkRunner

    def context(self) -> VerifierContext:
        return self.contexts.get()


def state() -> WebState:
    """The state of the running app."""
    web: WebState = current_app.extensions[EXTENSION]
    return web


__all__ = [
    "EXTENSION",
    "ContextProvider",
    "WebState",
    "state",
]
