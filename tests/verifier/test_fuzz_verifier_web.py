"""Property-based fuzzing of every verifier endpoint (bench.fuzzcatalog): mutated valid requests
(types, sizes, numbers, Unicode, nesting, headers, raw bytes, CSV and ZIP uploads) never get a
5xx, and every 4xx problem is well formed. A bulk job a fuzzed upload starts is waited for: it
must finish, and no row may say the verifier met an unexpected error (the bulk form of a 500).
Bounded for `make test`; `make fuzz` runs the same mutations longer."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import pytest
import webkit as kit
from flask import Flask
from flask.testing import FlaskClient
from fuzzing import SUITE, check
from hypothesis import given
from hypothesis import strategies as st

from bench.fuzzcatalog import VERIFIER_ENDPOINTS, VerifierTargets, verifier_request
from vc.jose import sign_vc_jwt
from verifier.web import create_app
from verifier.web.state import EXTENSION

BULK_STARTS = ("POST /api/verify/bulk", "POST /verify/bulk")
UNEXPECTED = "an unexpected error occurred"


def _finished_job(client: FlaskClient, share_url: str) -> str:
    """A bulk job over the good share link, waited for: the catalogue's valid job id."""
    started = client.post("/api/verify/bulk", data=share_url.encode(), content_type="text/csv")
    assert started.status_code == 202, started.get_data(as_text=True)
    job_id: str = started.get_json()["id"]
    deadline = time.monotonic() + 60
    while client.get(f"/api/verify/bulk/{job_id}").get_json()["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)  # the job runs in its own threads; its state is what is waited on
    return job_id


@pytest.fixture(scope="module")
def fuzzed(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Flask, VerifierTargets]]:
    tmp = tmp_path_factory.mktemp("fuzz-verifier")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    with kit.DocumentServer() as server:
        list_url = server.url("/status/1")
        server.put("/status/1", kit.status_list(list_url, revoked=[3]), "application/vc")
        credential = kit.signed_degree(status_url=list_url, index=7)
        share_url = server.put("/share/good", credential)
        cfg = kit.config(
            registry,
            database_url=f"sqlite:///{tmp / 'verifier.sqlite3'}",
            bulk_jobs_per_client=4,
        )
        app = create_app(cfg, context_factory=kit.context_factory(cfg))
        jwt = sign_vc_jwt(kit.degree(), kit.UNIVERSITY, kit.vm(kit.UNIVERSITY))
        job = _finished_job(app.test_client(), share_url)
        yield app, VerifierTargets(credential, jwt, share_url, job)
        app.extensions[EXTENSION].bulk.join(60)


def _job_of(response: Any) -> str | None:
    """The job a bulk start answered with (202 + Location, or the page's 303), if any."""
    if response.status_code not in (202, 303):
        return None
    location = response.headers.get("Location", "")
    return location.split("/verify/bulk/", 1)[1].split("?", 1)[0].split("/", 1)[0] or None


def _assert_job_ended_cleanly(app: Flask, job_id: str) -> None:
    bulk = app.extensions[EXTENSION].bulk
    bulk.join(60)
    progress = bulk.store.progress(job_id)
    assert progress is not None and progress.state == "done", progress
    crashed = [row for row in bulk.store.results(job_id) if UNEXPECTED in row.detail]
    assert not crashed, crashed[0]


@pytest.mark.parametrize("endpoint", VERIFIER_ENDPOINTS)
def test_no_verifier_endpoint_answers_5xx(
    fuzzed: tuple[Flask, VerifierTargets], endpoint: str
) -> None:
    app, targets = fuzzed
    client = app.test_client()

    @SUITE
    @given(rng=st.randoms(use_true_random=False))
    def property(rng: random.Random) -> None:
        response = check(client, verifier_request(rng, targets, endpoint))
        if endpoint in BULK_STARTS and (job_id := _job_of(response)) is not None:
            _assert_job_ended_cleanly(app, job_id)

    property()
