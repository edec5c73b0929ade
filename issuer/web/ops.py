"""The issuer's readiness probes and metrics (diplomat_ops supplies the endpoints around them).

Readiness (``/readyz``):

    database      the database of DIPLOMAT_DATABASE_URL answers a new connection (a SQLite file
                  must still exist), with the migrated schema in it
    signing_key   an issuer is configured and its active signing key is loaded

Metrics, besides the HTTP ones:

    diplomat_credentials_issued_total{mode="single"|"batch"}   credentials signed and stored
    diplomat_batch_rows_total{outcome="issued"|"error"|"duplicate"}   batch rows recorded here
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

from prometheus_client import CollectorRegistry, Counter

from diplomat_ops import DatabaseProbe, NotReadyError, Probe
from issuer.errors import NotFoundError
from vc.errors import DiplomatError

if TYPE_CHECKING:
    from issuer.config import IssuerConfig
    from issuer.service import IssuerService
    from issuer.store import BatchProgress

_log = logging.getLogger(__name__)
# A table every migrated issuer database has (Alembic's own).
SCHEMA_TABLE = "alembic_version"
IssueMode = Literal["single", "batch"]


class IssuerMetrics:
    """The issuer's own counters, in the app's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.issued = Counter(
            "diplomat_credentials_issued",
            "Credentials signed and stored: one at a time (API, VC-API, console) or in batches.",
            ("mode",),
            registry=registry,
        )
        self.batch_rows = Counter(
            "diplomat_batch_rows",
            "Batch rows recorded by this service, by outcome.",
            ("outcome",),
            registry=registry,
        )
        for mode in ("single", "batch"):
            self.issued.labels(mode)  # every series exists from the start, at 0
        for outcome in ("issued", "error", "duplicate"):
            self.batch_rows.labels(outcome)

    def issued_one(self) -> None:
        self.issued.labels("single").inc()

    def batch_watcher(self) -> BatchWatcher:
        """A ``run_batch`` progress callback counting the rows of one run."""
        return BatchWatcher(self)


class BatchWatcher:
    """Counts what ``run_batch`` records: it reports the batch's totals after each row, and the
    first report is where the run starts (rows recorded by an earlier run are not counted)."""

    def __init__(self, metrics: IssuerMetrics) -> None:
        self._metrics = metrics
        self._last: BatchProgress | None = None

    def __call__(self, progress: BatchProgress) -> None:
        last, self._last = self._last, progress
        if last is None:
            return
        issued = progress.issued - last.issued
        if issued > 0:
            self._metrics.issued.labels("batch").inc(issued)
            self._metrics.batch_rows.labels("issued").inc(issued)
        for outcome, now, before in (
            ("error", progress.errors, last.errors),
            ("duplicate", progress.duplicates, last.duplicates),
        ):
            if now > before:
                self._metrics.batch_rows.labels(outcome).inc(now - before)


def probes(config: IssuerConfig, service: IssuerService) -> tuple[Probe, ...]:
    """The issuer's readiness probes."""
    database = DatabaseProbe(config.database_url, table=SCHEMA_TABLE)

    def signing_key() -> str:
        try:
            record, _key = service.context.active_key()
        except NotFoundError as exc:
            raise NotReadyError(exc.detail) from exc  # e.g. "run `diplomat issuer init` first"
        except DiplomatError as exc:
            _log.warning("the active signing key cannot be loaded: %s", exc.detail)
            raise NotReadyError(f"the active signing key cannot be loaded ({exc.title})") from exc
        return f"active key {record.key_id} loaded"

    return (Probe("database", database), Probe("signing_key", signing_key))
