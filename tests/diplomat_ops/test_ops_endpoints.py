"""diplomat_ops on a small Flask app: health, readiness, metrics, request ids, the access line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, jsonify
from prometheus_client.parser import text_string_to_metric_families

import diplomat_ops
from diplomat_ops import NotReadyError, Probe
from diplomat_ops.logformats import JsonFormatter, TextFormatter
from diplomat_ops.requestlog import request_id_from

DOC = """
openapi: 3.1.0
info: {title: test, version: "0"}
paths:
  /things/{n}:
    get:
      responses:
        "200": {description: a thing, content: {application/json: {schema: {type: object}}}}
"""


def _app(tmp_path: Path, probes: tuple[Probe, ...] = ()) -> Flask:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(DOC, encoding="utf-8")
    app = Flask("opstest")
    diplomat_ops.install(
        app, service="test", probes=probes, openapi=spec, base_url="https://t.example"
    )

    @app.get("/things/<int:n>")
    def thing(n: int) -> object:
        return jsonify({"n": n})

    return app


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples of one metric family: sorted labels -> value."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every log line, formatted as JSON, while the test runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_healthz_answers_200_without_probing(tmp_path: Path) -> None:
    calls: list[str] = []

    def probe() -> str:
        calls.append("probed")
        return "fine"

    client = _app(tmp_path, (Probe("db", probe),)).test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "service": "test"}
    assert calls == []


def test_readyz_names_every_failed_probe_and_hides_unexpected_errors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def fine() -> str:
        return "fine"

    def down() -> str:
        raise NotReadyError("the database file is missing")

    def broken() -> str:
        raise RuntimeError("secret internal detail")

    probes = (Probe("a", fine), Probe("db", down), Probe("keys", broken))
    client = _app(tmp_path, probes).test_client()
    with caplog.at_level(logging.WARNING):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Cache-Control"] == "no-store"
    problem = response.get_json()
    assert problem["type"] == "urn:diplomat:problem:not-ready"
    assert problem["status"] == 503
    assert problem["detail"] == (
        "not ready: db: the database file is missing; keys: failed unexpectedly (see the log)"
    )
    assert [c["status"] for c in problem["checks"]] == ["pass", "fail", "fail"]
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert "secret internal detail" in caplog.text  # the cause is in the log, with its traceback


def test_readyz_is_200_when_every_probe_passes(tmp_path: Path) -> None:
    client = _app(tmp_path, (Probe("db", lambda: "reachable"),)).test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "service": "test",
        "checks": [{"name": "db", "status": "pass", "detail": "reachable"}],
    }


def test_metrics_count_requests_by_url_rule_not_by_path(tmp_path: Path) -> None:
    client = _app(tmp_path).test_client()
    for n in (1, 2, 3):
        assert client.get(f"/things/{n}").status_code == 200
    assert client.get("/nowhere/secret-token").status_code == 404
    assert client.open("/things/1", method="BREW").status_code == 405
    text = client.get("/metrics").get_data(as_text=True)
    counts = samples(text, "diplomat_http_requests_total")
    assert counts[(("endpoint", "/things/<int:n>"), ("method", "GET"), ("status", "200"))] == 3
    assert counts[(("endpoint", "unmatched"), ("method", "GET"), ("status", "404"))] == 1
    assert counts[(("endpoint", "unmatched"), ("method", "other"), ("status", "405"))] == 1
    assert "secret-token" not in text and "/things/1" not in text
    buckets = samples(text, "diplomat_http_request_duration_seconds_count")
    assert buckets[(("endpoint", "/things/<int:n>"), ("method", "GET"), ("status", "200"))] == 3


def test_two_apps_in_one_process_keep_their_own_metrics(tmp_path: Path) -> None:
    first, second = _app(tmp_path).test_client(), _app(tmp_path).test_client()
    first.get("/things/1")
    counts = samples(second.get("/metrics").get_data(as_text=True), "diplomat_http_requests_total")
    assert (("endpoint", "/things/<int:n>"), ("method", "GET"), ("status", "200")) not in counts


def test_a_sane_request_id_is_echoed_and_others_are_replaced(tmp_path: Path) -> None:
    client = _app(tmp_path).test_client()
    sane = "req-2026.12.03:abc_DEF-1"
    assert client.get("/healthz", headers={"X-Request-ID": sane}).headers["X-Request-ID"] == sane
    for insane in ("alice@example.com", "x" * 129, "-leading-dash", "a b", "é"):
        echoed = client.get("/healthz", headers={"X-Request-ID": insane}).headers["X-Request-ID"]
        assert echoed != insane
        assert len(echoed) == 32 and int(echoed, 16) >= 0
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert request_id_from(None) != request_id_from(None)


def test_the_json_access_line_has_the_facts_and_none_of_the_secrets(
    tmp_path: Path, captured: io.StringIO
) -> None:
    client = _app(tmp_path).test_client()
    secret = "s3cr3t-share-token"
    response = client.get(
        f"/things/42?token={secret}&email=alice@example.com",
        headers={"X-Request-ID": "trace-1", "Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "diplomat.access"]
    assert len(access) == 1
    line = access[0]
    assert set(line) == {
        "time", "level", "logger", "message", "request_id", "method", "route", "status",
        "duration_ms",
    }  # fmt: skip
    assert line["level"] == "INFO"
    assert line["request_id"] == "trace-1"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/things/<int:n>", 200)
    assert line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")
    text = captured.getvalue()
    assert secret not in text and "alice@example.com" not in text and "42" not in line["message"]


def test_every_line_written_during_a_request_carries_its_id(
    tmp_path: Path, captured: io.StringIO
) -> None:
    app = _app(tmp_path)

    @app.get("/noisy")
    def noisy() -> object:
        logging.getLogger("diplomat.test").warning("something worth knowing")
        return jsonify({})

    app.test_client().get("/noisy", headers={"X-Request-ID": "trace-2"})
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    mine = [line for line in lines if line["logger"] == "diplomat.test"]
    assert mine == [
        {
            "time": mine[0]["time"],
            "level": "WARNING",
            "logger": "diplomat.test",
            "message": "something worth knowing",
            "request_id": "trace-2",
        }
    ]


def test_the_text_format_puts_the_request_id_in_brackets() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    record.request_id = "trace-3"
    assert TextFormatter().format(record).endswith(" INFO x [trace-3] hello world")


def test_the_json_format_carries_the_traceback_of_an_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed" and "ValueError: boom" in line["exception"]


def test_configure_logging_installs_one_handler_and_refuses_unknown_formats() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        if before:  # pytest's capture: configured by someone else, so left alone
            diplomat_ops.configure_logging("json")
            assert root.handlers == before
        diplomat_ops.configure_logging("json", force=True)
        diplomat_ops.configure_logging("text", force=True)
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1
        assert isinstance(added[0].formatter, TextFormatter)
        with pytest.raises(ValueError, match="json"):
            diplomat_ops.configure_logging("xml")
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
        root.setLevel(level)


def test_the_jsonld_path_counts_are_exposed() -> None:
    from diplomat_ops.metrics import Metrics
    from vc import jsonld

    loader = jsonld.StaticDocumentLoader()
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "VerifiableCredential",
        "name": "metrics probe",
    }
    jsonld.canonize(document, loader)
    jsonld.canonize(document, lambda url, options=None: loader(url, options))  # pyld's path
    body, _ = Metrics().exposition()
    text = body.decode()
    compiled = [
        line for line in text.splitlines() if line.startswith("diplomat_jsonld_compiled_total")
    ]
    assert compiled and float(compiled[0].split()[-1]) >= 1
    assert (
        'diplomat_jsonld_fallback_total{reason="a document loader other than the static loader"}'
        in text
    )
