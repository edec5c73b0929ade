"""The registrar's CLI and claim links: `diplomat issue --links-out`, `--dry-run-mail`,
`diplomat mail send` against a real SMTP server on 127.0.0.1, `revoke --public-note`."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from smtpkit import free_port, recording_server
from test_claims import cohort_csv
from test_cli_issuer import home, init, run  # noqa: F401 - the fixture `home` is used by name

from issuer.config import IssuerConfig
from issuer.web import create_app


def smtp_env(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    monkeypatch.setenv("DIPLOMAT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DIPLOMAT_SMTP_PORT", str(port))
    monkeypatch.setenv("DIPLOMAT_SMTP_SECURITY", "none")
    monkeypatch.setenv("DIPLOMAT_SMTP_TIMEOUT", "5")
    monkeypatch.setenv("DIPLOMAT_MAIL_FROM", "diplomas@kaznu.kz")


def outbox(data_home: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data_home / "issuer.sqlite3") as conn:
        return conn.execute("SELECT state, recipient FROM mail_outbox ORDER BY id").fetchall()


def test_issue_writes_the_claim_links_once_and_mail_send_delivers(
    home: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    init(capsys)
    source = home / "cohort.csv"
    source.write_bytes(cohort_csv(5, "K"))
    links = home / "links.csv"
    with recording_server() as (port, box):
        smtp_env(monkeypatch, port)
        code, out, err = run(capsys, "issue", "--csv", str(source), "--links-out", str(links))
        assert code == 0, err
        assert "5 claim link(s) written" in err
        assert links.stat().st_mode & 0o777 == 0o600
        rows = list(csv.DictReader(io.StringIO(links.read_text(encoding="utf-8"))))
        assert [r["diploma_number"] for r in rows] == [f"K-{i:05d}" for i in range(5)]
        assert all(r["claim_url"].startswith("https://diplomas.kaznu.kz/claim/") for r in rows)
        assert json.loads(out)["issued"] == 5
        assert [state for state, _ in outbox(home)] == ["queued"] * 5, "issue does not send"
        code, out, err = run(capsys, "mail", "send")
        assert code == 0, err
        assert json.loads(out) == {"sent": 5, "retrying": 0, "failed": 0}
        box.wait_for(5)
    assert sorted(m["To"] for m in box.messages) == sorted(r["email"] for r in rows)
    by_address = {r["email"]: r["claim_url"] for r in rows}
    for message in box.messages:
        assert by_address[message["To"]] in message.get_body(("plain",)).get_content()
    # The file is never overwritten, and a second export is refused before anything is issued.
    again = home / "again.csv"
    again.write_bytes(cohort_csv(2, "L"))
    code, _, err = run(capsys, "issue", "--csv", str(again), "--links-out", str(links))
    assert code == 2 and "exists" in err
    with sqlite3.connect(home / "issuer.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM credentials").fetchone() == (5,)


def test_dry_run_mail_writes_eml_files_and_queues_nothing(
    home: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    init(capsys)
    smtp_env(monkeypatch, free_port())  # configured, but a dry run sends to no server
    source = home / "cohort.csv"
    source.write_bytes(cohort_csv(3, "D"))
    folder = home / "outbox"
    code, _, err = run(capsys, "issue", "--csv", str(source), "--dry-run-mail", str(folder))
    assert code == 0, err
    assert "3 message(s) written" in err
    files = sorted(folder.glob("*.eml"))
    assert [f.name for f in files] == [f"row-{i:05d}-D-{i - 1:05d}.eml" for i in (1, 2, 3)]
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "grad0@d.example"
    assert "/claim/" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert outbox(home) == []
    # The links are still waiting for the registrar: a dry run hands nothing out.
    links = home / "links.csv"
    config = IssuerConfig.from_env()
    from issuer.service import open_service

    with open_service(config) as service:
        assert len(service.claims.peek_batch_links(1)) == 3
    assert not links.exists()


def test_mail_send_reports_a_down_server_as_retry_not_a_crash(
    home: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    init(capsys)
    smtp_env(monkeypatch, free_port())
    source = home / "cohort.csv"
    source.write_bytes(cohort_csv(2, "X"))
    code, _, err = run(capsys, "issue", "--csv", str(source))
    assert code == 0, err
    code, out, err = run(capsys, "mail", "send")
    assert code == 0, err
    assert json.loads(out) == {"sent": 0, "retrying": 2, "failed": 0}
    assert "2 waiting in the outbox" in err


def test_revoke_with_a_public_note(
    home: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    init(capsys)
    source = home / "cohort.csv"
    source.write_bytes(cohort_csv(1, "R", email=False))
    code, out, _ = run(capsys, "issue", "--csv", str(source))
    credential_id = json.loads(out)["credentials"][0]["id"]
    code, _, err = run(
        capsys,
        "revoke",
        credential_id,
        "--reason",
        "internal case 17",
        "--public-note",
        "Withdrawn",
    )
    assert code == 0, err
    app = create_app(IssuerConfig.from_env())
    found = app.extensions["diplomat.issuer"].service.issuing.get_credential(credential_id)
    assert (found.public_note, found.status_reason) == ("Withdrawn", "internal case 17")
    app.extensions["diplomat.issuer"].service.close()


def test_issue_refuses_a_second_degree_of_a_programme_unless_allowed(
    home: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    init(capsys)
    source = home / "cohort.csv"
    source.write_bytes(cohort_csv(2, "Z").replace(b"S-Z-1", b"S-Z-0"))
    code, _, err = run(capsys, "issue", "--csv", str(source))
    assert code == 2
    assert "row 3: student number S-Z-0 already holds diploma Z-00000" in err
    assert "--allow-duplicates" in err
    with sqlite3.connect(home / "issuer.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM credentials").fetchone() == (0,)
    code, out, err = run(capsys, "issue", "--csv", str(source), "--allow-duplicates")
    assert code == 0, err
    assert json.loads(out)["issued"] == 2
