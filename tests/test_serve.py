"""`diplomat serve` runs gunicorn: a real verifier on a free port with two workers, JSON logs and
multiprocess metrics; and settings that are wrong stop it before gunicorn starts (exit 2)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from diplomat.cli import EXIT_USAGE, main

START_SECONDS = 120  # two workers building the verifier on a busy 2-core machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The test's environment without any DIPLOMAT_* or Prometheus setting from outside."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DIPLOMAT_") and name != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(DIPLOMAT_HOME=str(tmp_path), **extra)
    return env


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def serving(
    tmp_path: Path, app: str, env: dict[str, str], *extra: str
) -> Iterator[tuple[str, Path]]:
    """`diplomat serve <app>` on a free port until /healthz answers, stopped with its whole
    process group at the end; yields (base URL, stderr file)."""
    port = _free_port()
    errors = tmp_path / f"{app}-stderr.log"
    command = [sys.executable, "-m", "diplomat.cli", "serve", app, "--bind", f"127.0.0.1:{port}"]
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, *extra],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert process.poll() is None, errors.read_text(encoding="utf-8")
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass  # not listening yet
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz in time"
            time.sleep(0.2)
        yield base, errors
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The verifier with 2 workers, JSON logs and multiprocess metrics."""
    env = _clean_env(
        tmp_path,
        DIPLOMAT_VERIFIER_DATABASE_URL=f"sqlite:///{tmp_path / 'verifier.sqlite3'}",
        DIPLOMAT_LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
    )
    with serving(tmp_path, "verifier", env, "--workers", "2", "--threads", "2") as found:
        yield found


@pytest.mark.slow
def test_serve_verifier_runs_gunicorn_with_json_logs_and_shared_metrics(
    served: tuple[str, Path],
) -> None:
    base, errors = served
    ok = 1  # the /healthz that ended the wait
    for _ in range(12):
        status, body = _get(base + "/healthz")
        assert status == 200 and json.loads(body) == {"status": "ok", "service": "verifier"}
        ok += 1
    status, body = _get(base + "/readyz")
    assert status == 200, body
    assert _get(base + "/openapi.json")[0] == 200
    status, body = _get(base + "/metrics")
    assert status == 200
    counted = [
        sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "diplomat_http_requests_total"
        and sample.labels == {"endpoint": "/healthz", "method": "GET", "status": "200"}
    ]
    # Whichever worker answered each request, /metrics sums every worker's samples.
    assert counted == [ok]

    # Each worker logs "Worker ready" once its app is built: wait for both (the second worker
    # may still be building while the first answers).
    deadline = time.monotonic() + START_SECONDS
    while True:
        lines = errors.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines]  # every line is one JSON object
        if sum(1 for r in records if r["message"].startswith("Worker ready")) >= 2:
            break
        assert time.monotonic() < deadline, "a worker never logged that it was ready"
        time.sleep(0.1)
    loggers = {record["logger"] for record in records}
    assert {"diplomat.serve", "gunicorn.error", "diplomat.access"} <= loggers
    booted = [r for r in records if r["message"].startswith("Booting worker")]
    assert len(booted) == 2
    ready = [r["message"] for r in records if r["message"].startswith("Worker ready")]
    assert sorted(ready) == sorted(
        f"Worker ready: {r['message'].split('pid: ')[1]} (app built)" for r in booted
    )
    access = [r for r in records if r["logger"] == "diplomat.access"]
    assert sum(1 for r in access if r["route"] == "/healthz") == ok


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["--workers", "0"], {}, "--workers must be from 1 to 256"),
        ([], {"DIPLOMAT_THREADS": "many"}, "DIPLOMAT_THREADS"),
        (["--bind", "127.0.0.1"], {}, "HOST:PORT or unix:PATH"),
        (["--bind", "127.0.0.1:1", "--port", "2"], {}, "either --bind or --host/--port"),
        ([], {"DIPLOMAT_LOG_FORMAT": "xml"}, "DIPLOMAT_LOG_FORMAT must be text or json"),
    ],
)
def test_wrong_server_settings_stop_before_gunicorn_starts(
    argv: list[str],
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", "verifier", *argv]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.slow
def test_an_unreachable_database_stops_serve_with_exit_2(tmp_path: Path) -> None:
    env = _clean_env(
        tmp_path,
        DIPLOMAT_VERIFIER_DATABASE_URL=f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/x",
    )
    done = subprocess.run(
        [sys.executable, "-m", "diplomat.cli", "serve", "verifier", "--bind", "127.0.0.1:0"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == EXIT_USAGE, done.stderr
    assert "diplomat: Service unavailable:" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Booting worker" not in done.stderr


@pytest.mark.slow
def test_serve_issuer_is_ready_with_its_database_and_signing_key(tmp_path: Path) -> None:
    env = _clean_env(
        tmp_path,
        DIPLOMAT_DATABASE_URL=f"sqlite:///{tmp_path / 'issuer.sqlite3'}",
        DIPLOMAT_ISSUER_BASE_URL="https://diplomas.university.example",
    )
    command = [sys.executable, "-m", "diplomat.cli", "issuer", "init", "--name", "Test University"]
    init = subprocess.run(
        [*command, "--domain", "diplomas.university.example", "--country", "KZ"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    with serving(tmp_path, "issuer", env, "--workers", "1") as (base, errors):
        status, body = _get(base + "/readyz")
        assert status == 200, body
        checks = {c["name"]: c["status"] for c in json.loads(body)["checks"]}
        assert checks == {"database": "pass", "signing_key": "pass"}
        status, body = _get(base + "/.well-known/did.json")
        assert status == 200
        assert json.loads(body)["id"] == "did:web:diplomas.university.example"
    text = errors.read_text(encoding="utf-8")
    assert "gunicorn" in text and "Traceback" not in text
