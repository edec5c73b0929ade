"""``install(app, ...)``: health, readiness, metrics, request log and OpenAPI on one Flask app."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from importlib.abc import Traversable
from typing import Any, Final

from flask import Blueprint, Flask, Response, current_app

from diplomat_ops.health import Probe, run_probes
from diplomat_ops.metrics import Metrics
from diplomat_ops.openapi import OpenApiDocumentError, load_document
from diplomat_ops.requestlog import elapsed, install_request_log, method, route

EXTENSION: Final = "diplomat.ops"
PROBLEM_JSON: Final = "application/problem+json"
NOT_READY: Final = "urn:diplomat:problem:not-ready"

bp = Blueprint("ops", __name__)


@dataclass(frozen=True)
class Ops:
    """What ``install`` keeps on the app (``app.extensions[EXTENSION]``)."""

    service: str
    probes: tuple[Probe, ...]
    metrics: Metrics
    openapi_source: Traversable
    base_url: str

    @functools.cached_property
    def openapi(self) -> dict[str, Any]:
        """The service's OpenAPI document, read when first asked for (PyYAML and the parsed
        document are a megabyte and a half that a verifier worker otherwise never uses; the
        tests read both documents). Raises OpenApiDocumentError."""
        document = load_document(self.openapi_source, version=_version())
        document["servers"] = [{"url": self.base_url}]
        return document


def ops(app: Flask | None = None) -> Ops:
    """The Ops of ``app`` (default: the app handling the current request)."""
    found = (app or current_app).extensions[EXTENSION]
    if not isinstance(found, Ops):  # pragma: no cover - set by install only
        raise RuntimeError("diplomat_ops.install was not called on this app")
    return found


def _version() -> str:
    try:
        return metadata.version("diplomat")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare source tree
        return "0+unknown"


def install(
    app: Flask,
    *,
    service: str,
    probes: Sequence[Probe],
    openapi: Traversable,
    base_url: str,
    metrics: Metrics | None = None,
) -> Ops:
    """Add /healthz, /readyz, /metrics, /openapi.json, request ids, the access line and the
    HTTP metrics to ``app``; ``metrics`` when the service made its registry beforehand. Call it
    before the app's own request hooks. Raises OpenApiDocumentError when the service's OpenAPI
    file is missing (it is read when first served)."""
    if not openapi.is_file():
        raise OpenApiDocumentError(f"no OpenAPI document at {openapi}")
    installed = Ops(
        service=service,
        probes=tuple(probes),
        metrics=metrics if metrics is not None else Metrics(),
        openapi_source=openapi,
        base_url=base_url,
    )
    app.extensions[EXTENSION] = installed
    install_request_log(app)

    @app.after_request
    def _count(response: Response) -> Response:
        installed.metrics.observe_request(route(), method(), response.status_code, elapsed())
        return response

    app.register_blueprint(bp)
    return installed


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers: 200, no I/O."""
    body = {"status": "ok", "service": ops().service}
    return _no_store(Response(json.dumps(body), mimetype="application/json"))


@bp.get("/readyz")
def readyz() -> Response:
    """Every probe passes: 200; otherwise 503 problem details naming each failed probe."""
    installed = ops()
    results = run_probes(installed.probes)
    checks = [result.to_dict() for result in results]
    failed = [result for result in results if not result.ok]
    if not failed:
        body: dict[str, Any] = {"status": "ready", "service": installed.service, "checks": checks}
        return _no_store(Response(json.dumps(body), mimetype="application/json"))
    problem = {
        "type": NOT_READY,
        "title": "Not ready",
        "status": 503,
        "detail": "not ready: " + "; ".join(f"{r.name}: {r.detail}" for r in failed),
        "service": installed.service,
        "checks": checks,
    }
    response = Response(json.dumps(problem, ensure_ascii=False), status=503)
    response.content_type = PROBLEM_JSON
    return _no_store(response)


@bp.get("/metrics")
def metrics() -> Response:
    """The Prometheus text exposition."""
    body, content_type = ops().metrics.exposition()
    response = Response(body)
    response.content_type = content_type
    return _no_store(response)


@bp.get("/openapi.json")
def openapi() -> Response:
    """The service's OpenAPI 3.1 document."""
    text = json.dumps(ops().openapi, ensure_ascii=False, indent=2)
    response = Response(text, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
