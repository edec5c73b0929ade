"""Shared by the services' property-based fuzz tests: send a bench.fuzzkit Request through a
Flask test client and judge the answer (no 5xx; 4xx problem details well formed)."""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from bench.fuzzcatalog import well_formed_problem
from bench.fuzzkit import Request

# A few seconds per endpoint group in `make test`; `make fuzz` sends many more over HTTP.
SUITE = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def send(client: FlaskClient, request: Request) -> Any:
    """Send ``request`` through the test client; returns the response."""
    if request.form is not None or request.files is not None:
        data: dict[str, Any] = {
            key: (io.BytesIO(value.encode("utf-8", "replace")), "credential.json")
            if key == "file"
            else value
            for key, value in (request.form or {}).items()
        }
        for key, (name, content) in (request.files or {}).items():
            data[key] = (io.BytesIO(content), name)
        return client.open(
            request.path, method=request.method, data=data, headers=dict(request.headers)
        )
    return client.open(
        request.path, method=request.method, data=request.body, headers=dict(request.headers)
    )


def check(client: FlaskClient, request: Request) -> Any:
    """Fail with the request when the answer is a 5xx or malformed problem details; returns the
    response."""
    response = send(client, request)
    wrong = well_formed_problem(
        response.status_code, response.content_type or "", response.get_data()
    )
    assert wrong is None, (
        f"{request.endpoint}: {wrong} for {request.method} {request.path[:200]} "
        f"headers={dict(request.headers)} body={(request.body or b'')[:300]!r} "
        f"form={dict(request.form or {})!s:.300}: {response.get_data(as_text=True)[:300]}"
    )
    return response
