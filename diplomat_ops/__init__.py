"""Operating a Diplomat web service: the same probes, metrics, request log and API description on
the issuer and on the verifier.

    install(app, service=..., probes=..., openapi=..., base_url=...) -> Ops   (each create_app)

What ``install`` adds to a Flask app:

    GET /healthz        200 while the process answers (no I/O)              diplomat_ops.health
    GET /readyz         200 when every probe passes, else 503 problem details naming the failures
    GET /metrics        Prometheus text exposition                          diplomat_ops.metrics
    GET /openapi.json   the service's OpenAPI 3.1 document                  diplomat_ops.openapi
    every request       an X-Request-ID (the client's when sane, else a new one), echoed in the
                        response; one access log line with method, route (URL rule), status and
                        duration, never the path or query (share tokens live there) nor a body
                                                                            diplomat_ops.requestlog

This package sits beside the two services: it imports neither of them (nor they each other), and
the standards core ``vc`` does not import it.
"""

from __future__ import annotations

from diplomat_ops.health import DatabaseProbe, NotReadyError, Probe
from diplomat_ops.install import EXTENSION, Ops, install, ops
from diplomat_ops.metrics import Metrics
from diplomat_ops.requestlog import LOG_FORMATS, configure_logging, logging_config

__all__ = [
    "EXTENSION",
    "LOG_FORMATS",
    "DatabaseProbe",
    "Metrics",
    "NotReadyError",
    "Ops",
    "Probe",
    "configure_logging",
    "install",
    "logging_config",
    "ops",
]
