"""The verifier app's per-process state: config, the current VerifierContext, fetcher, challenges.

Challenges live in this process's memory: run the verifier as one process (threads are fine) or
put a shared store behind ``ChallengeStore``'s two methods before running several workers.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from vc.errors import DiplomatError
from vc.fetch import Fetcher
from verifier.config import VerifierConfig
from verifier.context import VerifierContext

EXTENSION = "diplomat.verifier"


class ServiceBusyError(DiplomatError):
    """Too many outstanding challenges: try again shortly."""

    problem_type = "urn:diplomat:problem:busy"
    code = -503
    status = 503
    title = "Service busy"


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


class ChallengeStore:
    """Random, single-use, expiring challenges for presentations (VERIFY_STEPS §11.2.7)."""

    def __init__(
        self,
        ttl: float,
        *,
        max_items: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self._max = max_items
        self._open: OrderedDict[str, float] = OrderedDict()
        self._used: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def _purge(self, now: float) -> None:
        for table in (self._open, self._used):
            while table and next(iter(table.values())) <= now:
                table.popitem(last=False)

    def issue(self) -> tuple[str, float]:
        """A fresh challenge and its lifetime in seconds. Raises ServiceBusyError when full."""
        now = self.clock()
        with self._lock:
            self._purge(now)
            if len(self._open) >= self._max:
                raise ServiceBusyError("too many outstanding challenges; try again in a minute")
            challenge = secrets.token_urlsafe(24)
            self._open[challenge] = now + self.ttl
        return challenge, self.ttl

    def redeem(self, challenge: str) -> str | None:
        """Use up ``challenge``: None when it was ours, open and unexpired; otherwise why not."""
        now = self.clock()
        with self._lock:
            expiry = self._open.pop(challenge, None)
            if expiry is None:
                if challenge in self._used:
                    return "the challenge was already used (challenges are single use)"
                self._purge(now)
                return "the challenge was not issued by this verifier, or has expired"
            self._used[challenge] = expiry
            if expiry <= now:
                return "the challenge has expired; ask for a new one"
            self._purge(now)
            return None


@dataclass
class WebState:
    config: VerifierConfig
    contexts: ContextProvider
    fetcher: Fetcher
    challenges: ChallengeStore

    def context(self) -> VerifierContext:
        return self.contexts.get()


def state() -> WebState:
    """The state of the running app."""
    web: WebState = current_app.extensions[EXTENSION]
    return web
