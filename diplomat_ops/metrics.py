"""Prometheus metrics of one app: its registry, the HTTP request metrics, and the exposition.

Every app has its own ``CollectorRegistry`` (several apps in one process, as in the tests and the
demo, do not collide); each service adds its own counters to ``Metrics.registry``.

HTTP metrics, labelled by ``endpoint`` (the URL rule, so one series per route whatever the path:
``/share/<token>`` never becomes one series per token), ``method`` and ``status``:

    diplomat_http_requests_total                 counter
    diplomat_http_request_duration_seconds       histogram

The JSON-LD path (``vc.jsonld.compiled_counts``), of the process that answers ``/metrics``:

    diplomat_jsonld_compiled_total               counter  documents the compiled contexts turned into quads
    diplomat_jsonld_fallback_total               counter  documents handed to pyld, by ``reason``

Several worker processes (gunicorn): set ``PROMETHEUS_MULTIPROC_DIR`` to a directory writable
by the workers, empty when they start (``diplomat serve`` creates and empties it at start-up;
under a bare ``gunicorn`` empty it yourself before starting). Each
process then writes its samples there, and ``/metrics`` answered by any worker sums all of them
(prometheus_client's multiprocess mode). Without the variable, ``/metrics`` shows the samples of
the process that answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from vc.jsonld import compiled_counts

MULTIPROC_DIR: Final = "PROMETHEUS_MULTIPROC_DIR"
# Seconds; from a cached status list (milliseconds) to a large batch upload or a slow remote fetch.
LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
HTTP_LABELS: Final = ("endpoint", "method", "status")


def multiprocess_dir() -> str | None:
    """The multiprocess directory when prometheus_client's multiprocess mode is on."""
    return os.environ.get(MULTIPROC_DIR) or None


class JsonLdCollector(Collector):
    """The compiled JSON-LD path's counts: a fallback to pyld is slower, never a different
    answer, and should be rare (an unusual inline context, a feature not compiled)."""

    def collect(self) -> Iterator[CounterMetricFamily]:
        counts = compiled_counts()
        yield CounterMetricFamily(
            "diplomat_jsonld_compiled",
            "JSON-LD documents turned into quads with the compiled contexts.",
            value=counts["compiled"],
        )
        fallbacks = CounterMetricFamily(
            "diplomat_jsonld_fallback",
            "JSON-LD documents handed to pyld instead, by reason.",
            labels=("reason",),
        )
        for reason, count in sorted(counts["fallbacks"].items()):
            fallbacks.add_metric((reason,), count)
        yield fallbacks


class Metrics:
    """The registry of one app and its HTTP request metrics."""

    def __init__(self) -> None:
        directory = multiprocess_dir()
        if directory is not None:
            # prometheus_client writes each process's samples there from the first metric on.
            Path(directory).mkdir(parents=True, exist_ok=True)
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "diplomat_http_requests",
            "HTTP requests answered, by route (URL rule), method and status.",
            HTTP_LABELS,
            registry=self.registry,
        )
        self.latency = Histogram(
            "diplomat_http_request_duration_seconds",
            "Time to answer an HTTP request, by route (URL rule), method and status.",
            HTTP_LABELS,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(JsonLdCollector())

    def observe_request(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its duration."""
        labels = (endpoint, method, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        """(body, content type) of the Prometheus text format: every process's samples in
        multiprocess mode, this registry's otherwise."""
        directory = multiprocess_dir()
        if directory is None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        combined = CollectorRegistry()
        MultiProcessCollector(combined, path=directory)  # type: ignore[no-untyped-call]  # untyped upstream
        combined.register(JsonLdCollector())  # this process's counts (not summed across workers)
        return generate_latest(combined), CONTENT_TYPE_LATEST
