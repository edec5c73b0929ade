"""The issuer under hostile input: huge numbers and ids, unhashable status fields, sessions that
outlive a demotion, and key files others can read. Each answer is a 4xx (or a refusal to sign),
never a 500; each test fails on the code before its fix."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, update
from webfixtures import PASSWORD, WebEnv, assert_problem, degree_input, issue

from diplomat.cli import main
from issuer.keystore import KeyStore, read_private_file
from issuer.store.models import UserRow
from vc.errors import MalformedValueError, ProofGenerationError
from vc.keys import generate

HUGE = "9" * 5000
TOO_BIG_ID = str(2**63)


def _raw_post(env: WebEnv, path: str, body: str, role: str = "registrar") -> Any:
    headers = {**env.auth(role), "Content-Type": "application/json"}
    return env.client.post(path, data=body, headers=headers)


@pytest.mark.parametrize("path", ["/api/degrees", "/credentials/issue", "/credentials/status"])
def test_a_number_of_thousands_of_digits_is_a_400(env: WebEnv, path: str) -> None:
    assert_problem(_raw_post(env, path, '{"n": ' + HUGE + "}"), 400)


def test_a_huge_number_inside_a_valid_degree_input_is_a_400(env: WebEnv) -> None:
    data = json.dumps(degree_input())
    assert data.endswith("}")
    assert_problem(_raw_post(env, "/api/degrees", data[:-1] + ', "extra": ' + HUGE + "}"), 400)


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/api/credentials?limit=" + HUGE, "registrar"),
        ("/api/credentials?limit=²", "registrar"),
        ("/api/credentials?offset=" + TOO_BIG_ID + "0", "registrar"),
        ("/api/audit?limit=" + HUGE, "admin"),
    ],
)
def test_query_numbers_are_bounded(env: WebEnv, path: str, role: str) -> None:
    assert_problem(env.client.get(path, headers=env.auth(role)), 400)


@pytest.mark.parametrize(
    "path",
    [
        "/api/batches/" + TOO_BIG_ID,
        "/api/batches/" + HUGE,
        "/status/revocation/" + TOO_BIG_ID,
        "/status/suspension/" + HUGE,
    ],
)
def test_ids_beyond_a_database_integer_are_404(env: WebEnv, path: str) -> None:
    response = env.client.get(path, headers=env.auth())
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_largest_database_integer_is_still_a_plain_404(env: WebEnv) -> None:
    response = env.client.get(f"/api/batches/{2**63 - 1}", headers=env.auth())
    assert_problem(response, 404)


@pytest.mark.parametrize(
    "entry",
    [
        {"type": ["BitstringStatusListEntry"], "statusPurpose": "revocation"},
        {"type": {"a": 1}, "statusPurpose": "revocation"},
        {"type": "BitstringStatusListEntry", "statusPurpose": ["revocation"]},
        {"type": "BitstringStatusListEntry", "statusPurpose": {"x": "revocation"}},
    ],
    ids=["type-list", "type-object", "purpose-list", "purpose-object"],
)
def test_unhashable_status_fields_are_a_400(env: WebEnv, entry: dict[str, Any]) -> None:
    issued = issue(env)
    body = {"credentialId": issued["credentialId"], "credentialStatus": entry, "status": True}
    response = env.client.post("/credentials/status", json=body, headers=env.auth())
    assert_problem(response, 400)


# --- console sessions follow the store, not the cookie ---------------------------------------


def _login(env: WebEnv, username: str) -> None:
    page = env.client.get("/console/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    response = env.client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": found[1], "next": ""},
    )
    assert response.status_code == 303


def test_a_demoted_user_loses_the_role_at_once(env: WebEnv) -> None:
    _login(env, "admin")
    assert "Signed in as admin (admin)" in env.client.get("/console/").get_data(as_text=True)
    with env.service.store.engine.begin() as conn:
        conn.execute(update(UserRow).where(UserRow.username == "admin").values(role="registrar"))
    page = env.client.get("/console/").get_data(as_text=True)
    assert "Signed in as admin (registrar)" in page


def test_a_deleted_user_is_logged_out_at_once(env: WebEnv) -> None:
    _login(env, "registrar")
    assert env.client.get("/console/").status_code == 200
    with env.service.store.engine.begin() as conn:
        conn.execute(delete(UserRow).where(UserRow.username == "registrar"))
    response = env.client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert env.client.post("/console/issue", data=degree_input()).status_code == 401


def test_a_password_change_ends_the_sessions_opened_with_the_old_one(env: WebEnv) -> None:
    _login(env, "registrar")
    assert env.client.get("/console/").status_code == 200
    user = env.service.store.accounts.get_user("registrar")
    env.service.store.accounts.set_password_hash(user.username, user.password_hash + "x")
    response = env.client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


# --- key files --------------------------------------------------------------------------------


def _store_with_key(tmp_path: Path) -> tuple[KeyStore, str]:
    store = KeyStore(tmp_path / "keys")
    ref, _ = store.create()
    return KeyStore(tmp_path / "keys"), ref  # a fresh store: nothing cached


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_the_issuer_refuses_a_key_file_others_can_read(tmp_path: Path, mode: int) -> None:
    store, ref = _store_with_key(tmp_path)
    os.chmod(store.path(ref), mode)
    with pytest.raises(ProofGenerationError, match="chmod 600"):
        store.load(ref)


def test_the_issuer_refuses_a_key_reached_through_a_symlink(tmp_path: Path) -> None:
    store, ref = _store_with_key(tmp_path)
    real = tmp_path / "elsewhere.pem"
    store.path(ref).rename(real)
    os.chmod(real, 0o600)  # even a private target: the link itself is refused
    store.path(ref).symlink_to(real)
    with pytest.raises(ProofGenerationError, match="symbolic link"):
        store.load(ref)


def test_a_private_key_file_is_read(tmp_path: Path) -> None:
    store, ref = _store_with_key(tmp_path)
    assert store.load(ref).public.multikey
    with pytest.raises(MalformedValueError):
        read_private_file(tmp_path / "missing.pem")


def test_the_cli_refuses_to_sign_with_a_world_readable_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(generate(seed=bytes(32)).to_pkcs8_pem(None))
    os.chmod(key_file, 0o644)
    document = tmp_path / "vc.json"
    document.write_text(
        '{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],'
        ' "issuer": "did:example:1", "credentialSubject": {"id": "did:example:2"}}'
    )
    code = main(["sign", str(document), "--key", str(key_file)])
    assert code == 2
    assert "chmod 600" in capsys.readouterr().err
