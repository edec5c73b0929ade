"""The issuer's operating endpoints over a real service and SQLite file: /healthz, /readyz (the
database gone and back, no issuer, an unreadable key), /metrics after real issuing, the OpenAPI
document against the app's routes, and the JSON request log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import openapikit
import pytest
from prometheus_client.parser import text_string_to_metric_families
from webfixtures import SAMPLES, WebEnv, degree_input, issue, make_env

from diplomat_ops.logformats import JsonFormatter
from issuer.config import IssuerConfig
from issuer.service import open_service
from issuer.web import create_app
from vc.errors import MalformedValueError


@pytest.fixture
def env(tmp_path: Path) -> Iterator[WebEnv]:
    made = make_env(tmp_path)
    yield made
    made.wait_for_batches()
    made.service.close()


def metric(env: WebEnv, name: str, **labels: str) -> float:
    text = env.client.get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def test_healthz_and_readyz_answer_200_on_a_working_issuer(env: WebEnv) -> None:
    assert env.client.get("/healthz").get_json() == {"status": "ok", "service": "issuer"}
    ready = env.client.get("/readyz")
    assert ready.status_code == 200, ready.get_data(as_text=True)
    checks = {c["name"]: c for c in ready.get_json()["checks"]}
    assert set(checks) == {"database", "signing_key"}
    assert checks["database"]["detail"] == "sqlite reachable"
    assert checks["signing_key"]["detail"].startswith("active key did:web:")


def test_readyz_is_503_while_the_database_file_is_gone_and_200_when_it_is_back(
    env: WebEnv,
) -> None:
    database = Path(env.config.database_url.removeprefix("sqlite:///"))
    moved = database.with_name("moved-away.sqlite3")
    database.rename(moved)
    try:
        response = env.client.get("/readyz")
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert problem["detail"] == "not ready: database: the database file is missing"
        assert str(database) not in response.get_data(as_text=True)  # no paths in public details
        assert env.client.get("/healthz").status_code == 200  # alive, just not ready
    finally:
        moved.rename(database)
    assert env.client.get("/readyz").status_code == 200


def test_readyz_is_503_before_the_issuer_is_initialised(tmp_path: Path) -> None:
    config = IssuerConfig(
        database_url=f"sqlite:///{tmp_path / 'issuer.sqlite3'}",
        keys_dir=tmp_path / "keys",
        secret_key="test-secret-key-" + "x" * 32,
    )
    with open_service(config) as service:
        response = create_app(config, service=service).test_client().get("/readyz")
    assert response.status_code == 503
    checks = {c["name"]: c for c in response.get_json()["checks"]}
    assert checks["database"]["status"] == "pass"
    assert checks["signing_key"] == {
        "name": "signing_key",
        "status": "fail",
        "detail": "no issuer is configured yet: run `diplomat issuer init` first",
    }


def test_readyz_is_503_when_the_signing_key_file_cannot_be_read(env: WebEnv) -> None:
    for key_file in env.config.keys_dir.glob("signing-*.pem"):
        key_file.unlink()
    # A new process: nothing loaded yet (a running one keeps the key it loaded).
    with open_service(env.config) as service:
        response = create_app(env.config, service=service).test_client().get("/readyz")
    assert response.status_code == 503
    detail = response.get_json()["detail"]
    assert (
        detail
        == "not ready: signing_key: the active signing key cannot be loaded (Malformed value)"
    )


def test_metrics_count_single_and_batch_issuance_and_requests_by_route(env: WebEnv) -> None:
    assert metric(env, "diplomat_credentials_issued_total", mode="single") == 0
    issue(env)
    vc_api = env.client.post(
        "/credentials/issue",
        json={"credential": _unsigned(env)},
        headers=env.auth(),
    )
    assert vc_api.status_code == 201, vc_api.get_data(as_text=True)
    assert metric(env, "diplomat_credentials_issued_total", mode="single") == 2

    lines = (SAMPLES / "degrees.csv").read_text(encoding="utf-8").splitlines()
    header, good, bad = lines[0], lines[2], lines[3]
    awarded = header.split(",").index("awarded_date")
    cells = bad.split(",")
    cells[awarded] = "27.06.2025"
    csv = "\n".join([header, good, ",".join(cells)]) + "\n"
    accepted = env.client.post(
        "/api/batches", data=csv.encode(), content_type="text/csv", headers=env.auth()
    )
    assert accepted.status_code == 202
    env.wait_for_batches()
    assert metric(env, "diplomat_credentials_issued_total", mode="batch") == 1
    assert metric(env, "diplomat_batch_rows_total", outcome="issued") == 1
    assert metric(env, "diplomat_batch_rows_total", outcome="error") == 1
    assert metric(env, "diplomat_batch_rows_total", outcome="duplicate") == 0

    requests = metric(
        env, "diplomat_http_requests_total", endpoint="/api/degrees", method="POST", status="201"
    )
    assert requests == 1
    progress = f"/api/batches/{accepted.get_json()['batchId']}"
    env.client.get(progress, headers=env.auth())
    env.client.get(progress, headers=env.auth())
    by_rule = metric(
        env,
        "diplomat_http_requests_total",
        endpoint="/api/batches/<int:batch_id>",
        method="GET",
        status="200",
    )
    assert by_rule == 2


def _unsigned(env: WebEnv) -> dict[str, object]:
    issuer = env.service.context.issuer()
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0b7e9b4e-58a5-4c55-a2bb-5c2f1bdc4a10",
        "type": ["VerifiableCredential"],
        "issuer": issuer.did,
        "validFrom": "2025-07-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:graduate"},
    }


def test_openapi_json_describes_every_route_of_the_app(env: WebEnv) -> None:
    assert openapikit.undocumented_routes(env.app) == []
    assert openapikit.phantom_operations(env.app) == []
    served = env.client.get("/openapi.json")
    assert served.status_code == 200
    document = served.get_json()
    assert document["servers"] == [{"url": env.base}]
    # What "undocumented" catches: a JSON route added without a description.
    fresh = create_app(env.config, service=env.service)
    fresh.add_url_rule("/api/new-thing", "new_thing", lambda: {"x": 1})
    assert openapikit.undocumented_routes(fresh) == ["GET /api/new-thing"]


def test_every_documented_issuer_operation_answers_as_documented(env: WebEnv) -> None:
    """One request per documented operation; the autouse check validates each response."""
    body = issue(env)
    credential_id = body["credentialId"]
    _link, share_token, _url = env.service.sharing.create_share_link(credential_id, actor="test")
    management = body["managementUrl"].split(env.base, 1)[1]
    manage_path, query = management.split("?", 1)
    status_url = body["credential"]["credentialStatus"][0]["statusListCredential"]
    auth = env.auth()
    seen = [
        env.client.get("/healthz"),
        env.client.get("/readyz"),
        env.client.get("/metrics"),
        env.client.get("/openapi.json"),
        env.client.get("/credentials/" + credential_id.rsplit("/", 1)[-1], headers=auth),
        env.client.post(
            "/credentials/status",
            json={
                "credentialId": credential_id,
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "suspension",
                },
                "status": True,
            },
            headers=auth,
        ),
        env.client.get("/api/credentials?q=Aigerim", headers=auth),
        env.client.get("/api/credentials/" + credential_id.replace("/", "%2F"), headers=auth),
        env.client.get("/api/audit", headers=env.auth("admin")),
        env.client.get("/.well-known/did.json"),
        env.client.get(status_url.split(env.base, 1)[1]),
        env.client.get("/schemas/degree-credential.schema.json"),
        env.client.get(f"/share/{share_token}?format=json"),
        env.client.get(f"/share/{share_token}/qr.png"),
        env.client.get(f"/share/{share_token}/qr.svg"),
        env.client.get(f"{manage_path}/credential.json?{query}"),
        env.client.get("/console/batches/1/progress.json"),
        env.client.post("/api/degrees", json=degree_input(), headers=auth),  # duplicate: 409
        env.client.get("/api/audit", headers=auth),  # registrar: 403
        env.client.get("/api/batches/77", headers=auth),  # 404
    ]
    assert [r.status_code for r in seen] == [
        200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 302,
        409, 403, 404,
    ]  # fmt: skip


def test_json_request_log_has_the_request_line_and_no_secret(env: WebEnv) -> None:
    body = issue(env)
    _link, token, _url = env.service.sharing.create_share_link(body["credentialId"], actor="test")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("diplomat.access")
    access.addHandler(handler)
    old_level = access.level
    access.setLevel(logging.INFO)
    bearer = env.tokens["registrar"]
    try:
        env.client.get(f"/share/{token}?format=json", headers={"X-Request-ID": "ops-test-1"})
        env.client.get("/api/credentials?q=aigerim.serikova@student.example.kz", headers=env.auth())
    finally:
        access.removeHandler(handler)
        access.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(x["method"], x["route"], x["status"]) for x in lines] == [
        ("GET", "/share/<token>", 200),
        ("GET", "/api/credentials", 200),
    ]
    assert lines[0]["request_id"] == "ops-test-1"
    assert len(lines[1]["request_id"]) == 32
    text = stream.getvalue()
    for secret in (token, bearer, "aigerim.serikova", "student.example.kz", body["credentialId"]):
        assert secret not in text


def test_an_unknown_log_format_is_refused_naming_the_variable() -> None:
    with pytest.raises(MalformedValueError, match="DIPLOMAT_LOG_FORMAT"):
        IssuerConfig.from_env({"DIPLOMAT_LOG_FORMAT": "xml"})
    assert IssuerConfig.from_env({"DIPLOMAT_LOG_FORMAT": "JSON"}).log_format == "json"
