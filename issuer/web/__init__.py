"""The issuer's web layer: ``create_app(config)`` builds the Flask app (VC-API, Diplomat API,
public documents and share pages, registrar console) around one IssuerService.

Blueprints: vcapi (/credentials/*), api (/api/*), public (DID, status lists, schema, /share,
/manage), console (/console/*), exchanges (VC-API wallet exchanges), oid4vci (OpenID4VCI),
and diplomat_ops' /healthz, /readyz, /metrics, /openapi.json
(probes and counters in issuer.web.ops; the endpoints described in issuer/web/openapi.yaml).
One error handler (issuer.web.errors) turns every failure into RFC 9457 problem details. No
absolute URL is ever built from the request's Host header.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from pathlib import Path

from flask import Flask, Response, redirect
from werkzeug.wrappers import Response as WerkzeugResponse

import diplomat_ops
from diplomat_ops.jsonout import JSONProvider
from issuer.config import IssuerConfig
from issuer.service import IssuerService, open_service
from issuer.web import (
    api,
    console,
    diplomas,
    errors,
    exchanges,
    i18n,
    oid4vci,
    ops,
    public,
    vcapi,
)
from issuer.web.auth import SESSION_LIFETIME, csrf_token
from issuer.web.requests import RowIdConverter
from issuer.web.state import EXTENSION, BatchRunner, MailWorker, WebState, state

# Pages reference only this origin: no CDN, no inline script, no framing (clickjacking).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def create_app(config: IssuerConfig, *, service: IssuerService | None = None) -> Flask:
    """The issuer app. ``service`` is built from ``config`` when not given (tests inject one)."""
    # An explicit instance_path: Flask's package discovery stumbles when the top-level name
    # "issuer" is also a namespace directory on sys.path (tests/issuer under pytest).
    here = Path(__file__).resolve().parent
    app = Flask(__name__, root_path=str(here), instance_path=str(here / "instance"))
    app.url_map.converters["int"] = RowIdConverter
    app.config.update(
        SECRET_KEY=config.ensure_secret_key(),
        MAX_CONTENT_LENGTH=config.max_upload_bytes,
        # Forms are small; a large multipart upload is the file itself (MAX_CONTENT_LENGTH).
        MAX_FORM_MEMORY_SIZE=min(config.max_upload_bytes, 1024 * 1024),
        SESSION_COOKIE_NAME="diplomat_issuer_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.public_base_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME + timedelta(minutes=5),
        JSON_SORT_KEYS=False,
    )
    app.json = JSONProvider(app)  # orjson; UTF-8, keys in the order written
    chosen = service if service is not None else open_service(config)
    installed = diplomat_ops.install(
        app,
        service="issuer",
        probes=ops.probes(config, chosen),
        openapi=resources.files(__package__).joinpath("openapi.yaml"),
        base_url=config.public_base_url,
    )
    metrics = ops.IssuerMetrics(installed.metrics.registry)
    # The mail thread runs where mail is configured (setting mail_worker; else cron runs
    # `diplomat mail send`). Issuance only queues messages and wakes it.
    mailer = MailWorker(chosen) if config.mail_enabled and config.mail_worker else None
    runner = BatchRunner(chosen, metrics, on_done=mailer.wake if mailer else None)
    app.extensions[EXTENSION] = WebState(
        config=config, service=chosen, runner=runner, metrics=metrics, mailer=mailer
    )
    if mailer is not None:
        mailer.start()
        mailer.wake()  # messages left queued by an earlier run

    errors.register(app)
    for blueprint in (
        vcapi.bp,
        api.bp,
        public.bp,
        console.bp,
        diplomas.bp,
        exchanges.bp,
        oid4vci.bp,
    ):
        app.register_blueprint(blueprint)
    i18n.install(app)  # the public pages in the reader's language (issuer.web.i18n)

    @app.context_processor
    def _page_context() -> dict[str, object]:
        return {
            "demo": config.dev_mode,
            "institution": _institution(),
            "csrf_token": csrf_token,
        }

    @app.get("/")
    def _home() -> WerkzeugResponse:
        return redirect("/console/", code=302)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return app


def _institution() -> str:
    try:
        return state().service.context.issuer().name
    except Exception:  # no issuer yet (before `diplomat issuer init`), or the store is down
        return "Diplomat issuer"


__all__ = ["create_app"]
