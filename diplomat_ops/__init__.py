"""Operating a Diplomat web service: the same probes, metrics, request log and API description on
the issuer and on the verifier.

    install(app, service=..., probes=..., openapi=..., base_url=...) -> Ops   (each create_app)

(``install`` is diplomat_ops.extension's; each name here is imported from its module on first use.)

What ``install`` adds to a Flask app:

    GET /healthz        200 while the process answers (no I/O)              diplomat_ops.health
    GET /readyz         200 when every probe passes, else 503 problem details naming the failures
    GET /metrics        Prometheus text exposition                          diplomat_ops.metrics
    GET /openapi.json   the service's OpenAPI 3.1 document                  diplomat_ops.openapi
    every request       an X-Request-ID (the client's when sane, else a new one), echoed in the
                        response; one access log line with method, route (URL rule), status and
                        duration, never the path or query (share tokens live there) nor a body
                                                                            diplomat_ops.requestlog
    log lines           in ``text`` or ``json``                             diplomat_ops.logformats

Beside ``install``, each service's pages choose the reader's language the same way (``?lang=``,
Accept-Language, English) with ``diplomat_ops.i18n.install`` over their own catalogues.

This package sits beside the two services: it imports neither of them (nor they each other), and
the standards core ``vc`` does not import it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each name from the module that defines it, imported on first use: a shell that only reads
# ``dburl`` or ``logformats`` (the CLI) does not load Flask and Prometheus for ``install``.
_EXPORTS = {
    "EXTENSION": "extension",
    "LOG_FORMATS": "logformats",
    "DatabaseProbe": "health",
    "Metrics": "metrics",
    "NotReadyError": "health",
    "Ops": "extension",
    "Probe": "health",
    "configure_logging": "logformats",
    "install": "extension",
    "logging_config": "logformats",
    "ops": "extension",
}
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

if TYPE_CHECKING:
    from diplomat_ops.extension import EXTENSION, Ops, install, ops
    from diplomat_ops.health import DatabaseProbe, NotReadyError, Probe
    from diplomat_ops.logformats import LOG_FORMATS, configure_logging, logging_config
    from diplomat_ops.metrics import Metrics


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
