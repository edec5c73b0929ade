"""The registrar's CLI in-process: issuer init, keys, tokens, users, issue --csv, revoke, errors."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from diplomat.cli import main
from issuer.config import IssuerConfig
from issuer.service import open_service

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CSV = REPO / "samples" / "degrees.csv"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DIPLOMAT_HOME", str(tmp_path))
    monkeypatch.setenv("DIPLOMAT_DATABASE_URL", f"sqlite:///{tmp_path / 'issuer.sqlite3'}")
    monkeypatch.setenv("DIPLOMAT_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("DIPLOMAT_ISSUER_BASE_URL", "https://diplomas.kaznu.kz")
    monkeypatch.setenv("DIPLOMAT_NQF_NAME", "National Qualifications Framework of Kazakhstan")
    monkeypatch.setenv("DIPLOMAT_NQF_URL", "https://kaznu.kz/about/nqf")
    monkeypatch.setenv("DIPLOMAT_SIGN_WORKERS", "1")
    for name in ("DIPLOMAT_KEY_PASSPHRASE", "DIPLOMAT_PASSWORD", "DIPLOMAT_SPOOL_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def init(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    code, out, err = run(
        capsys,
        "issuer",
        "init",
        "--name",
        "Al-Farabi Kazakh National University",
        "--domain",
        "kaznu.kz",
        "--country",
        "KZ",
        *extra,
    )
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


def db_rows(home: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(home / "issuer.sqlite3") as conn:
        return conn.execute(sql).fetchall()


def test_init_produces_a_did_web_document_and_a_0600_key(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = init(capsys, "--out", str(home / "did.json"))
    assert document["id"] == "did:web:diplomas.kaznu.kz"
    assert document["assertionMethod"] == ["did:web:diplomas.kaznu.kz#key-1"]
    assert document["verificationMethod"][0]["publicKeyMultibase"].startswith("z6Mk")
    assert json.loads((home / "did.json").read_text()) == document
    keys = list((home / "keys").glob("signing-*.pem"))
    assert len(keys) == 1
    assert keys[0].stat().st_mode & 0o777 == 0o600
    assert keys[0].read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    code, _, err = run(
        capsys, "issuer", "init", "--name", "X", "--domain", "x.kz", "--country", "KZ"
    )
    assert code == 2 and "already configured" in err


def test_init_with_a_passphrase_writes_encrypted_pkcs8(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIPLOMAT_KEY_PASSPHRASE", "correct horse battery")
    init(capsys, "--key-type", "p256")
    (key,) = (home / "keys").glob("signing-*.pem")
    assert key.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert key.stat().st_mode & 0o777 == 0o600
    code, out, _ = run(capsys, "issue", "--csv", str(SAMPLE_CSV), "--quiet")
    assert code == 0 and json.loads(out)["issued"] == 10
    monkeypatch.setenv("DIPLOMAT_KEY_PASSPHRASE", "wrong")
    other = home / "other.csv"
    other.write_text(
        SAMPLE_CSV.read_text(encoding="utf-8").replace("ЖБ-Б 1234567", "ЖБ-Б 7654321"),
        encoding="utf-8",
    )
    # The changed row is a second degree to its student: confirmed, to reach the key.
    code, _, err = run(capsys, "issue", "--csv", str(other), "--quiet", "--allow-duplicates")
    assert code == 2 and "wrong passphrase" in err
    assert db_rows(home, "SELECT count(*) FROM credentials") == [(10,)]


def test_did_key_init(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = init(capsys, "--did-method", "key")
    assert document["id"].startswith("did:key:z6Mk")
    code, _, err = run(capsys, "issuer", "rotate-key")
    assert code == 2 and "did:key" in err


def test_tokens_create_prints_the_token_and_stores_only_its_hash(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys)
    code, out, err = run(capsys, "tokens", "create", "--name", "sis", "--role", "registrar")
    assert code == 0 and "shown once" in err
    token = out.strip()
    assert len(token) >= 43
    assert db_rows(home, "SELECT name, role, token_hash FROM api_tokens") == [
        ("sis", "registrar", hashlib.sha256(token.encode()).hexdigest())
    ]
    assert token.encode() not in (home / "issuer.sqlite3").read_bytes()
    code, _, err = run(capsys, "tokens", "create", "--name", "x", "--role", "root")
    assert code == 2 and "invalid choice" in err


def test_users_create_takes_the_password_from_the_environment(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    init(capsys)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run(capsys, "users", "create", "--username", "alice", "--role", "admin")
    assert code == 2 and "DIPLOMAT_PASSWORD" in err
    monkeypatch.setenv("DIPLOMAT_PASSWORD", "correct horse battery staple")
    code, _, err = run(capsys, "users", "create", "--username", "alice", "--role", "admin")
    assert code == 0, err
    ((username, password_hash),) = db_rows(home, "SELECT username, password_hash FROM users")
    assert username == "alice" and password_hash.startswith("$argon2id$")
    code, _, err = run(capsys, "users", "create", "--username", "alice", "--role", "admin")
    assert code == 2 and "already exists" in err


def test_issue_csv_issues_every_sample_row_then_revoke(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys)
    code, out, err = run(capsys, "issue", "--csv", str(SAMPLE_CSV))
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["issued"], summary["errors"], summary["state"]) == (10, 0, "done")
    assert "\r[" in err and "10/10" in err
    numbers = sorted(r[0] for r in db_rows(home, "SELECT diploma_number FROM credentials"))
    csv_numbers = sorted(
        line.split(",")[20] for line in SAMPLE_CSV.read_text(encoding="utf-8").splitlines()[1:]
    )
    assert numbers == csv_numbers

    target = summary["credentials"][0]["id"]
    code, _, err = run(capsys, "revoke", target, "--reason", "issued in error")
    assert code == 0 and "done" in err
    code, _, err = run(capsys, "suspend", summary["credentials"][1]["id"], "--reason", "check")
    assert code == 0
    code, _, err = run(capsys, "reinstate", summary["credentials"][1]["id"], "--reason", "ok")
    assert code == 0
    with open_service(IssuerConfig.from_env()) as service:
        assert service.issuing.get_credential(target).revoked
        assert not service.issuing.get_credential(summary["credentials"][1]["id"]).suspended
    code, _, err = run(capsys, "reinstate", target, "--reason", "undo")
    assert code == 0  # the suspension bit was never set: no change
    code, _, err = run(capsys, "issue", "--csv", str(SAMPLE_CSV), "--quiet")
    assert code == 0 and "10 already issued" in err


def test_rotate_and_retire_keys(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init(capsys)
    code, out, _ = run(capsys, "issuer", "rotate-key")
    assert code == 0 and out.strip() == "did:web:diplomas.kaznu.kz#key-2"
    code, _, err = run(capsys, "issuer", "retire-key", "key-2")
    assert code == 2 and "active key" in err
    code, _, _ = run(capsys, "issuer", "retire-key", "key-1")
    assert code == 0
    code, out, _ = run(capsys, "issuer", "did-document")
    assert [m["id"] for m in json.loads(out)["verificationMethod"]] == [
        "did:web:diplomas.kaznu.kz#key-2"
    ]


def test_bad_input_exits_2_with_a_clear_message(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "issue", "--csv", str(SAMPLE_CSV))
    assert code == 2 and "issuer init" in err
    init(capsys)
    bad = home / "bad.csv"
    bad.write_text("name,number\nAliya,1\n", encoding="utf-8")
    code, out, err = run(capsys, "issue", "--csv", str(bad))
    assert code == 2 and "missing required column" in err and out == ""
    code, _, err = run(capsys, "issue", "--csv", str(home / "missing.csv"))
    assert code == 2 and "cannot read" in err
    broken = home / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    code, _, err = run(capsys, "issue", "--json", str(broken))
    assert code == 2 and "Parsing error" in err
    assert db_rows(home, "SELECT count(*) FROM batches") == [(0,)]
    code, _, err = run(capsys, "revoke", "urn:uuid:nope", "--reason", "x")
    assert code == 2 and "no credential" in err
    code, _, err = run(capsys, "revoke", "urn:uuid:nope")
    assert code == 2 and "--reason" in err
    partly = home / "partly.csv"
    lines = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    partly.write_text("\n".join([lines[0], lines[1], lines[2].replace(",3.67,", ",3.x,")]) + "\n")
    code, out, err = run(capsys, "issue", "--csv", str(partly))
    assert code in (0, 1)
    assert json.loads(out)["issued"] + json.loads(out)["errors"] == 2
