"""The verifier's web layer: ``create_app(config)`` builds the Flask app around a VerifierContext.

Blueprints: pages (/, /verify, /verify/paste, /verify/upload: what an employer opens from a QR
code), api (/api/verify: the full report as JSON), bulk (/verify/bulk, /api/verify/bulk: many
credentials at once, verifier.bulk), vcapi (/credentials/verify, /challenges,
/presentations/verify: the W3C VC API), and diplomat_ops' /healthz, /readyz, /metrics,
/openapi.json (probes and counters in verifier.web.ops; the JSON endpoints described in
verifier/web/openapi.yaml). One error handler (verifier.web.errors). Pages speak the
reader's language (verifier.web.i18n: ?lang=, Accept-Language, seven catalogues). Pages load
nothing from other origins and work without JavaScript. Presentation challenges are kept in the
database of ``config.database_url`` (verifier.challenges), shared by every worker process, and
so are bulk jobs (verifier.bulk.store).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, Response

import diplomat_ops
from diplomat_ops.jsonout import JSONProvider
from vc.fetch import Fetcher
from verifier.bulk.runner import BulkRunner
from verifier.challenges import ChallengeStore, open_challenge_store
from verifier.config import VerifierConfig, build_context, make_fetcher
from verifier.context import VerifierContext
from verifier.web import api, bulk, errors, i18n, ops, pages, vcapi
from verifier.web.state import EXTENSION, ContextProvider, WebState

if TYPE_CHECKING:
    from verifier.bulk.store import BulkJobStore

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
CONTEXT_REFRESH_SECONDS = 3600.0


def create_app(
    config: VerifierConfig,
    *,
    context_factory: Callable[[], VerifierContext] | None = None,
    fetcher: Fetcher | None = None,
    challenges: ChallengeStore | None = None,
) -> Flask:
    """The verifier app. ``context_factory`` (tests) replaces ``build_context(config)``;
    ``fetcher`` (tests) replaces the safe network fetcher used for share links and by the
    default context; ``challenges`` (tests) replaces the store opened at ``config.database_url``.
    The context is built and the challenge table created now, so a broken configuration or an
    unreachable database fails at start-up (MalformedValueError,
    ChallengeStoreUnavailableError)."""
    # Explicit paths: Flask's package discovery trips over a namespace package of the same name
    # (pytest puts tests/ on sys.path, where tests/verifier has no __init__.py).
    here = Path(__file__).resolve().parent
    app = Flask(__name__, root_path=str(here), instance_path=str(here / "instance"))
    app.config.update(
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        MAX_FORM_MEMORY_SIZE=config.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    app.json = JSONProvider(app)  # orjson; UTF-8, keys in the order written
    chosen = fetcher if fetcher is not None else make_fetcher(config)
    factory = context_factory or (lambda: build_context(config, fetcher=chosen))
    # The HTTP metrics' registry first: the verifier's own counters join it, and the status-list
    # cache of every context the provider builds reports its hits and misses there.
    registry = diplomat_ops.Metrics()
    metrics = ops.VerifierMetrics(registry.registry)
    contexts = ContextProvider(metrics.watch(factory), refresh_seconds=CONTEXT_REFRESH_SECONDS)
    if challenges is None:
        challenges = open_challenge_store(config.database_url, ttl=config.challenge_ttl)
    diplomat_ops.install(
        app,
        service="verifier",
        probes=ops.probes(config, challenges.url, contexts.get),
        openapi=resources.files(__package__).joinpath("openapi.yaml"),
        base_url=config.base_url,
        metrics=registry,
    )

    def job_store() -> BulkJobStore:
        # Opened (SQLAlchemy imported, tables made) by the first bulk job of this process.
        from verifier.bulk.store import open_job_store

        return open_job_store(config.database_url, retention=config.bulk_retention)

    runner = BulkRunner(
        job_store,
        workers=config.bulk_workers,
        max_jobs=config.bulk_max_jobs,
    )
    app.extensions[EXTENSION] = WebState(
        config=config,
        contexts=contexts,
        fetcher=chosen,
        challenges=challenges,
        metrics=metrics,
        bulk=runner,
    )
    errors.register(app)
    i18n.install(app)
    for blueprint in (pages.bp, api.bp, bulk.bp, vcapi.bp):
        app.register_blueprint(blueprint)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return app


__all__ = ["create_app"]
