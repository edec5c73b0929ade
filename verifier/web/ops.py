"""The verifier's readiness probes and metrics (diplomat_ops supplies the endpoints around them).

Readiness (``/readyz``), each judged at the verifier's current time:

    database      the challenge database answers a new connection (a SQLite file must still
                  exist), with the challenge table in it
    registries    every configured accreditation registry loaded, and each inside its validity
                  period (none configured: ready, accreditation is then "could not check")
    conventions   a conventions dataset is loaded and its facts are at most
                  DIPLOMAT_CONVENTIONS_MAX_AGE_DAYS old (default 365)

Metrics, besides the HTTP ones:

    diplomat_verifications_total{kind="credential"|"presentation", verdict}
    diplomat_status_list_cache_lookups_total{result="hit"|"miss"}
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from prometheus_client import CollectorRegistry, Counter

from diplomat_ops import DatabaseProbe, NotReadyError, Probe
from verifier.challenges import TABLE as CHALLENGE_TABLE
from verifier.config import ConfiguredRegistries, VerifierConfig
from verifier.context import VerifierContext
from verifier.registry import LoadedRegistry
from verifier.report import Verdict
from verifier.statuscache import StatusListCache

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

_log = logging.getLogger(__name__)
VerificationKind = Literal["credential", "presentation"]


class VerifierMetrics:
    """The verifier's own counters, in the app's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.verifications = Counter(
            "diplomat_verifications",
            "Verifications answered, by what was verified and the overall verdict.",
            ("kind", "verdict"),
            registry=registry,
        )
        self.status_lists = Counter(
            "diplomat_status_list_cache_lookups",
            "Status list lookups: served from the in-memory cache (hit) or fetched (miss).",
            ("result",),
            registry=registry,
        )
        for kind in ("credential", "presentation"):
            for verdict in Verdict:
                self.verifications.labels(kind, verdict.value)  # every series starts at 0
        for result in ("hit", "miss"):
            self.status_lists.labels(result)

    def verified(self, kind: VerificationKind, verdict: Verdict) -> None:
        self.verifications.labels(kind, verdict.value).inc()

    def status_list_lookup(self, result: str) -> None:
        self.status_lists.labels(result).inc()

    def watch(self, factory: Callable[[], VerifierContext]) -> Callable[[], VerifierContext]:
        """``factory``, with the status-list cache of each context it builds counted here."""

        def watched() -> VerifierContext:
            context = factory()
            if isinstance(context.status_lists, StatusListCache):
                context.status_lists.on_lookup = self.status_list_lookup
            return context

        return watched


def _registry_state(loaded: LoadedRegistry, now: datetime) -> str | None:
    """Why a loaded registry cannot be relied on at ``now``, or None when it can."""
    if loaded.valid_from is not None and now < loaded.valid_from:
        return f"{loaded.registry.name} is not valid yet"
    if loaded.valid_until is not None and now >= loaded.valid_until:
        return f"{loaded.registry.name} has expired"
    return None


def probes(
    config: VerifierConfig, database_url: str | URL, context: Callable[[], VerifierContext]
) -> tuple[Probe, ...]:
    """The verifier's readiness probes; ``context`` gives the context verifications use now."""
    database = DatabaseProbe(database_url, table=CHALLENGE_TABLE)

    def registries() -> str:
        current = context()
        lookup = current.registries
        if lookup is None:
            return "no registries configured"
        if not isinstance(lookup, ConfiguredRegistries):
            return "registry lookup supplied by the application"
        for failure in lookup.failures:
            _log.warning("registry %s could not be loaded: %s", failure.source, failure.reason)
        problems: list[str] = []
        if lookup.failures:
            total = len(lookup.loaded) + len(lookup.failures)
            problems.append(f"{len(lookup.failures)} of {total} could not be loaded")
        now = current.current_time()
        problems += [reason for r in lookup.loaded if (reason := _registry_state(r, now))]
        if problems:
            raise NotReadyError("; ".join(problems))
        return f"{len(lookup.loaded)} loaded and current"

    def conventions() -> str:
        current = context()
        dataset = current.conventions
        if dataset is None:
            raise NotReadyError("no conventions dataset is loaded")
        age = (current.current_time().date() - dataset.as_of).days
        if age > config.conventions_max_age_days:
            raise NotReadyError(
                f"the conventions dataset is {age} days old (as of {dataset.as_of.isoformat()}); "
                f"the limit is {config.conventions_max_age_days} days"
            )
        return f"dataset {dataset.version} as of {dataset.as_of.isoformat()}"

    return (
        Probe("database", database),
        Probe("registries", registries),
        Probe("conventions", conventions),
    )
