"""A 1,000-graduate cohort through the console and through the CLI: every row gets a claim link
in the export, every message reaches the local SMTP server (aiosmtpd on 127.0.0.1), and a claim
link opens the graduate's page. Measured: about 20 s each on a loaded two-core machine."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from smtpkit import mail_settings, recording_server
from test_claims import cohort_csv, csrf_of, login, page_csrf
from test_cli_issuer import home, init, run  # noqa: F401 - the fixture `home` is used by name
from webfixtures import WebEnv, make_env

from issuer.config import IssuerConfig
from issuer.web import create_app

ROWS = 1000
HTML = {"Accept": "text/html"}


def check_export(text: str, base: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == ROWS
    assert [r["row"] for r in rows] == [str(n) for n in range(1, ROWS + 1)]
    urls = {r["claim_url"] for r in rows}
    assert len(urls) == ROWS and all(u.startswith(base + "/claim/") for u in urls)
    assert all(r["email"] and r["student_number"] and r["expires_at"] for r in rows)
    return rows


def check_mail(messages: list, rows: list[dict[str, str]]) -> None:  # type: ignore[type-arg]
    assert len(messages) == ROWS
    by_address = {r["email"]: r["claim_url"] for r in rows}
    assert {m["To"] for m in messages} == set(by_address)
    for message in messages:
        assert by_address[message["To"]] in message.get_body(("plain",)).get_content()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_thousand_graduates_through_the_console(envs: list[WebEnv], tmp_path: Path) -> None:
    started = time.monotonic()
    with recording_server() as (port, box):
        env = make_env(tmp_path, max_upload_bytes=5 * 1024 * 1024, **mail_settings(port))
        envs.append(env)
        login(env)
        response = env.client.post(
            "/console/batches/new",
            data={
                "csrf_token": page_csrf(env, "/console/batches/new"),
                "file": (io.BytesIO(cohort_csv(ROWS, "T")), "cohort.csv"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code in (302, 303)
        batch_page = urlsplit(response.headers["Location"]).path
        env.wait_for_batches(timeout=240)
        page = env.client.get(batch_page).get_data(as_text=True)
        assert 'id="count-issued">1000<' in page
        export = env.client.post(batch_page + "/claim-links", data={"csrf_token": csrf_of(page)})
        assert export.status_code == 200
        rows = check_export(export.get_data(as_text=True), env.base)
        # The app's mail thread sends them all; the test waits on the server's mailbox.
        messages = box.wait_for(ROWS, timeout=240)
    check_mail(messages, rows)
    opened = env.client.get(urlsplit(rows[500]["claim_url"]).path, headers=HTML)
    assert opened.status_code == 200 and rows[500]["name"] in opened.get_data(as_text=True)
    assert env.service.store.outbox.counts() == {
        "queued": 0,
        "sending": 0,
        "sent": ROWS,
        "failed": 0,
    }
    print(f"console: {ROWS} rows issued, exported and mailed in {time.monotonic() - started:.1f}s")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_thousand_graduates_through_the_cli(
    home: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    monkeypatch.setenv("DIPLOMAT_SIGN_WORKERS", "2")
    init(capsys)
    source = home / "cohort.csv"
    source.write_bytes(cohort_csv(ROWS, "U"))
    links = home / "links.csv"
    with recording_server() as (port, box):
        for name, value in mail_settings(port).items():
            monkeypatch.setenv("DIPLOMAT_" + name.upper(), str(value))
        code, out, err = run(
            capsys, "issue", "--csv", str(source), "--links-out", str(links), "--quiet"
        )
        assert code == 0, err
        assert json.loads(out)["issued"] == ROWS
        rows = check_export(links.read_text(encoding="utf-8"), "https://diplomas.kaznu.kz")
        code, out, err = run(capsys, "mail", "send")
        assert code == 0, err
        assert json.loads(out) == {"sent": ROWS, "retrying": 0, "failed": 0}
        messages = box.wait_for(ROWS)
    check_mail(messages, rows)
    app = create_app(IssuerConfig.from_env())
    app.testing = True
    try:
        opened = app.test_client().get(urlsplit(rows[0]["claim_url"]).path, headers=HTML)
        assert opened.status_code == 200 and rows[0]["name"] in opened.get_data(as_text=True)
    finally:
        app.extensions["diplomat.issuer"].service.close()
    print(f"cli: {ROWS} rows issued, exported and mailed in {time.monotonic() - started:.1f}s")
