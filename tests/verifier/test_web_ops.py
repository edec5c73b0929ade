"""The verifier's operating endpoints against the real app: /healthz, /readyz (the challenge
database gone and back on SQLite, dropped on PostgreSQL, registries that failed or expired, stale
conventions data), /metrics after real verifications, the OpenAPI document against the app's
routes, and the JSON request log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openapikit
import psycopg
import pytest
import webkit as kit
from flask import Flask
from flask.testing import FlaskClient
from pgkit import PG_ADMIN_DSN, fresh_postgres_database
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql
from sqlalchemy.engine import make_url

from diplomat_ops.logformats import JsonFormatter
from vc import proofs
from vc.errors import MalformedValueError
from verifier.config import VerifierConfig, build_context
from verifier.recognition import default_dataset
from verifier.registry import registry_credential
from verifier.web import create_app


@dataclass
class World:
    tmp: Path
    server: kit.DocumentServer
    registry: Path
    good: dict[str, Any]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("webops")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    with kit.DocumentServer() as server:
        list_url = server.url("/status/1")
        server.put("/status/1", kit.status_list(list_url), "application/vc")
        good = kit.signed_degree(status_url=list_url, index=7)
        yield World(tmp, server, registry, good)


def make_app(world: World, name: str, **overrides: Any) -> Flask:
    """A verifier over its own SQLite file ``<name>.sqlite3`` (and ``overrides`` of the config)."""
    now = overrides.pop("now", kit.NOW)
    fields: dict[str, Any] = {"database_url": f"sqlite:///{world.tmp / name}.sqlite3"}
    fields.update(overrides)
    cfg = kit.config(world.registry, **fields)
    return create_app(cfg, context_factory=kit.context_factory(cfg, now))


def metric(client: FlaskClient, name: str, **labels: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def checks_of(response: Any) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in response.get_json()["checks"]}


def test_readyz_is_200_with_registries_and_conventions_loaded(world: World) -> None:
    client = make_app(world, "ready").test_client()
    assert client.get("/healthz").get_json() == {"status": "ok", "service": "verifier"}
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_data(as_text=True)
    checks = checks_of(response)
    assert checks["database"]["detail"] == "sqlite reachable"
    assert checks["registries"]["detail"] == "1 loaded and current"
    dataset = default_dataset()
    assert checks["conventions"]["detail"] == (
        f"dataset {dataset.version} as of {dataset.as_of.isoformat()}"
    )


def test_readyz_is_503_while_the_challenge_database_is_gone_and_200_when_back(
    world: World,
) -> None:
    client = make_app(world, "gone").test_client()
    database = world.tmp / "gone.sqlite3"
    assert client.get("/readyz").status_code == 200
    moved = world.tmp / "gone-moved.sqlite3"
    database.rename(moved)
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["detail"] == "not ready: database: the database file is missing"
        assert checks_of(response)["registries"]["status"] == "pass"
    finally:
        moved.rename(database)
    assert client.get("/readyz").status_code == 200


@pytest.mark.postgres
def test_readyz_is_503_when_the_postgresql_database_is_dropped(world: World) -> None:
    with fresh_postgres_database("diplomat_readyz") as url:
        client = make_app(world, "unused", database_url=url).test_client()
        assert client.get("/readyz").status_code == 200
        name = make_url(url).database
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        response = client.get("/readyz")
        assert response.status_code == 503
        problem = response.get_json()
        assert problem["detail"] == (
            "not ready: database: the database cannot be reached or queried"
        )
        assert name not in response.get_data(as_text=True)


def test_readyz_names_registries_that_failed_to_load_or_expired(world: World) -> None:
    missing = make_app(
        world, "missing", registries=(str(world.registry), str(world.tmp / "absent.json"))
    ).test_client()
    response = missing.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["detail"] == "not ready: registries: 1 of 2 could not be loaded"
    assert "absent.json" not in response.get_data(as_text=True)

    lapsed = registry_credential(
        kit.registry_document(),
        operator_did=kit.OPERATOR.public.did_key,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_until=datetime(2026, 5, 1, tzinfo=UTC),  # before kit.NOW
    )
    expired = kit.write_json(world.tmp / "expired.json", kit.sign(lapsed, kit.OPERATOR))
    response = make_app(world, "expired", registries=(str(expired),)).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["detail"] == (
        "not ready: registries: Test National Registry of Kazakhstan has expired"
    )


def test_readyz_is_503_when_the_conventions_data_is_older_than_allowed(world: World) -> None:
    as_of = default_dataset().as_of
    later = datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=UTC) + timedelta(days=31)
    lenient = make_app(world, "conv-ok", now=later, conventions_max_age_days=31).test_client()
    assert checks_of(lenient.get("/readyz"))["conventions"]["status"] == "pass"
    strict = make_app(world, "conv-old", now=later, conventions_max_age_days=30).test_client()
    response = strict.get("/readyz")
    assert response.status_code == 503
    assert checks_of(response)["conventions"]["detail"] == (
        f"the conventions dataset is 31 days old (as of {as_of.isoformat()}); the limit is 30 days"
    )


def test_metrics_count_verdicts_and_status_list_cache_hits(world: World) -> None:
    client = make_app(world, "metrics").test_client()
    assert metric(client, "diplomat_status_list_cache_lookups_total", result="miss") == 0
    assert client.post("/api/verify", json=world.good).status_code == 200
    assert metric(client, "diplomat_status_list_cache_lookups_total", result="miss") == 1
    assert metric(client, "diplomat_status_list_cache_lookups_total", result="hit") == 0
    verified = client.post("/credentials/verify", json={"verifiableCredential": world.good})
    assert verified.status_code == 200
    assert metric(client, "diplomat_status_list_cache_lookups_total", result="hit") == 1
    assert client.post("/api/verify", json=kit.tampered(world.good)).status_code == 200
    # KZ -> JP: genuine and in force, recognition unconfirmed.
    assert (
        metric(
            client,
            "diplomat_verifications_total",
            kind="credential",
            verdict="verified_with_warnings",
        )
        == 2
    )
    assert (
        metric(client, "diplomat_verifications_total", kind="credential", verdict="not_verified")
        == 1
    )
    refused = client.post(  # signed for challenge x…, presented with y…
        "/presentations/verify",
        json={"verifiablePresentation": _vp(world.good), "options": {"challenge": "y" * 32}},
    )
    assert refused.status_code == 422
    assert (
        metric(client, "diplomat_verifications_total", kind="presentation", verdict="not_verified")
        == 1
    )
    assert (
        metric(
            client,
            "diplomat_http_requests_total",
            endpoint="/api/verify",
            method="POST",
            status="200",
        )
        == 2
    )


def _vp(credential: dict[str, Any], challenge: str = "x" * 32) -> dict[str, Any]:
    vp = {
        "@context": [kit.VC2],
        "type": ["VerifiablePresentation"],
        "holder": kit.HOLDER.public.did_key,
        "verifiableCredential": [credential],
    }
    return proofs.sign(
        vp,
        kit.HOLDER,
        verification_method=kit.vm(kit.HOLDER),
        created=kit.SIGNED_AT,
        proof_purpose="authentication",
        challenge=challenge,
    )


def test_openapi_json_describes_every_route_of_the_app(world: World) -> None:
    app = make_app(world, "openapi")
    assert openapikit.undocumented_routes(app) == []
    assert openapikit.phantom_operations(app) == []
    document = app.test_client().get("/openapi.json").get_json()
    assert document["servers"] == [{"url": "http://127.0.0.1:8002"}]
    fresh = make_app(world, "openapi")
    fresh.add_url_rule("/api/made-up", "made_up", lambda: {}, methods=["POST"])
    assert openapikit.undocumented_routes(fresh) == ["POST /api/made-up"]


def test_every_documented_verifier_operation_answers_as_documented(world: World) -> None:
    """One request per documented operation and status class; the autouse check validates
    each response against the document."""
    client = make_app(world, "every").test_client()
    challenge = client.post("/challenges").get_json()["challenge"]
    seen = [
        client.get("/healthz"),
        client.get("/readyz"),
        client.get("/metrics"),
        client.get("/openapi.json"),
        client.post("/credentials/verify", json={"verifiableCredential": world.good}),
        client.post("/credentials/verify", json={"verifiableCredential": kit.tampered(world.good)}),
        client.post("/credentials/verify", json={"nothing": 1}),
        client.post(
            "/presentations/verify",
            json={
                "verifiablePresentation": _vp(world.good, challenge),
                "options": {"challenge": challenge},
            },
        ),
        client.post(  # the caller's own challenge, matching the proof (VC-API)
            "/presentations/verify",
            json={"verifiablePresentation": _vp(world.good), "options": {"challenge": "x" * 32}},
        ),
        client.post(  # a challenge the proof was not made for
            "/presentations/verify",
            json={"verifiablePresentation": _vp(world.good), "options": {"challenge": "y" * 32}},
        ),
        client.post("/api/verify?for=FR", json={"verifiableCredential": world.good}),
        client.post("/api/verify", data=b"not json"),
        client.post("/api/verify?for=France", json=world.good),
    ]
    assert [r.status_code for r in seen] == [
        200, 200, 200, 200, 200, 422, 400, 200, 200, 422, 200, 400, 400,
    ]  # fmt: skip


def test_json_request_log_has_the_request_line_and_no_candidate_identity(world: World) -> None:
    client = make_app(world, "log").test_client()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("diplomat.access")
    access.addHandler(handler)
    old_level = access.level
    access.setLevel(logging.INFO)
    email = "aigerim.sarsenbayeva@student.example.kz"
    try:
        response = client.post(
            "/api/verify?for=JP",
            json={
                "verifiableCredential": world.good,
                "recipient": {"identityType": "emailAddress", "identity": email},
            },
            headers={"X-Request-ID": "verify-42"},
        )
    finally:
        access.removeHandler(handler)
        access.setLevel(old_level)
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "verify-42"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert (line["method"], line["route"], line["status"], line["request_id"]) == (
        "POST",
        "/api/verify",
        200,
        "verify-42",
    )
    text = stream.getvalue()
    assert email not in text and "sarsenbayeva" not in text and "for=JP" not in text


def test_bad_operating_settings_are_refused_naming_the_variable() -> None:
    with pytest.raises(MalformedValueError, match="DIPLOMAT_LOG_FORMAT"):
        VerifierConfig.from_env({"DIPLOMAT_LOG_FORMAT": "yaml"})
    with pytest.raises(MalformedValueError, match="DIPLOMAT_CONVENTIONS_MAX_AGE_DAYS"):
        VerifierConfig.from_env({"DIPLOMAT_CONVENTIONS_MAX_AGE_DAYS": "-3"})
    assert VerifierConfig.from_env({}).conventions_max_age_days == 365


def test_the_context_the_app_builds_counts_its_status_list_cache(world: World) -> None:
    """Without a test context factory: the default build_context path is watched too."""
    cfg = kit.config(world.registry, database_url=f"sqlite:///{world.tmp / 'default'}.sqlite3")
    app = create_app(cfg)
    context = app.extensions["diplomat.verifier"].context()
    assert context.status_lists is not None
    assert context.status_lists.on_lookup is not None
    assert build_context(cfg).status_lists.on_lookup is None  # only the app's contexts report
