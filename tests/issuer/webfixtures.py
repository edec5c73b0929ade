"""Fixtures for the issuer web tests: a real service over a SQLite file, the Flask app, users,
API tokens, a settable clock, DB counters, and a real HTTP server on 127.0.0.1 for the browser.

Imported explicitly by the web test modules (tests/issuer/conftest.py belongs to the store tests).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.serving import BaseWSGIServer, make_server

from issuer.config import IssuerConfig
from issuer.service import IssuerService, open_service
from issuer.store.models import AuditRow, BatchRecordRow, CredentialRow, ShareLinkRow
from issuer.web import create_app
from issuer.web.state import EXTENSION, WebState

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
PASSWORD = "correct horse battery staple"
INSTITUTION = "Al-Farabi Kazakh National University"


class Clock:
    """A settable aware-UTC clock shared by the service and its store (starts at real now, so
    session timestamps, which use the wall clock, stay consistent)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class WebEnv:
    """One issuer: config, service, app, test client, and ready-made API tokens and a user."""

    config: IssuerConfig
    service: IssuerService
    app: Flask
    client: FlaskClient
    clock: Clock
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return self.config.public_base_url

    @property
    def runner_state(self) -> WebState:
        found = self.app.extensions[EXTENSION]
        assert isinstance(found, WebState)
        return found

    def auth(self, role: str = "registrar") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def counts(self) -> dict[str, int]:
        """Rows per table that a rejected request must leave alone."""
        with self.service.store.engine.connect() as conn:
            return {
                name: int(conn.scalar(select(func.count()).select_from(model)) or 0)
                for name, model in (
                    ("credentials", CredentialRow),
                    ("audit", AuditRow),
                    ("batches", BatchRecordRow),
                    ("share_links", ShareLinkRow),
                )
            }

    def wait_for_batches(self, timeout: float = 60) -> None:
        self.runner_state.runner.join(timeout)

    def close(self) -> None:
        """Wait for the batches, stop the mail thread (if any), close the service."""
        self.wait_for_batches()
        if self.runner_state.mailer is not None:
            self.runner_state.mailer.stop()
        self.service.close()


def degree_input(**overrides: Any) -> dict[str, Any]:
    """samples/degree.json with overrides (None removes a field)."""
    data: dict[str, Any] = json.loads((SAMPLES / "degree.json").read_text(encoding="utf-8"))
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def make_env(
    tmp_path: Path,
    *,
    base_url: str = "https://diplomas.university.example",
    verifier_url: str = "https://verify.example.org/verify",
    dev_mode: bool = False,
    max_upload_bytes: int = 256 * 1024,
    did_method: str = "web",
    extra_contexts_dir: Path | None = None,
    status_messages: bool = False,
    **settings: Any,
) -> WebEnv:
    """A fresh issuer over a SQLite file in ``tmp_path`` with an identity, a registrar and an
    admin user, and one API token per role; ``settings`` are more IssuerConfig fields."""
    config = IssuerConfig(
        database_url=f"sqlite:///{tmp_path / 'issuer.sqlite3'}",
        keys_dir=tmp_path / "keys",
        public_base_url=base_url,
        verifier_url=verifier_url,
        max_upload_bytes=max_upload_bytes,
        secret_key="test-secret-key-" + "x" * 32,
        spool_dir=tmp_path / "spool",
        dev_mode=dev_mode,
        nqf_name="National Qualifications Framework of the Republic of Kazakhstan",
        nqf_url="https://enic-kazakhstan.edu.kz/en/national-qualifications-framework",
        extra_contexts_dir=extra_contexts_dir,
        status_messages=status_messages,
        **settings,
    )
    clock = Clock()
    service = open_service(config, clock=clock)
    service.identity.init_identity(INSTITUTION, "https://www.kaznu.kz", "KZ", did_method=did_method)  # type: ignore[arg-type]
    service.accounts.create_user("registrar", PASSWORD, "registrar")
    service.accounts.create_user("admin", PASSWORD, "admin")
    app = create_app(config, service=service)
    app.testing = True
    env = WebEnv(config, service, app, app.test_client(), clock)
    env.tokens["registrar"] = service.accounts.create_api_token("registrar-ci", "registrar")
    env.tokens["admin"] = service.accounts.create_api_token("admin-ci", "admin")
    return env


class LiveServer:
    """The app on a real werkzeug server at 127.0.0.1:<free port>, in a thread."""

    def __init__(self, app: Flask) -> None:
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def live_env(tmp_path: Path, **kwargs: Any) -> Iterator[tuple[WebEnv, LiveServer]]:
    """An issuer whose public base URL is the live server's own address (found before the
    app is built, by binding the server first to a placeholder app)."""
    holder: dict[str, Flask] = {}

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        return holder["app"](environ, start_response)

    server = LiveServer(Flask("placeholder"))
    server.server.app = dispatch  # type: ignore[assignment]
    env = make_env(tmp_path, base_url=server.url, **kwargs)
    holder["app"] = env.app
    with server:
        yield env, server
    env.wait_for_batches()
    env.service.close()


PROBLEM = "application/problem+json"


def issue(env: WebEnv, **overrides: Any) -> dict[str, Any]:
    """Issue one degree through POST /api/degrees (201 expected); returns the response body.

    Another diploma number is another graduate (their own student number), unless the test says
    otherwise: the same student number and programme twice needs ``allowDuplicate``."""
    if "diploma_number" in overrides and "student_number" not in overrides:
        overrides["student_number"] = f"S-{overrides['diploma_number']}"
    response = env.client.post("/api/degrees", json=degree_input(**overrides), headers=env.auth())
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """``response`` is RFC 9457 problem details with ``status``, a title, a detail, no traceback."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    problem = response.get_json(force=True)
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    return dict(problem)
