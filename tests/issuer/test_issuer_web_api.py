"""The issuer's JSON APIs over a real service and SQLite file: the Diplomat API (/api/*) and the
VC-API (/credentials/issue, /credentials/status), their auth, and their refusals of bad input.

Every rejected request is checked to leave the database unchanged (credential, audit, batch and
share-link row counts before and after).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from webfixtures import SAMPLES, WebEnv, assert_problem, degree_input, issue, make_env

from vc.contexts import OB_V3P0, VC_V2
from vc.dates import utcnow
from vc.dids import DidResolver
from vc.proofs import verify
from vc.status import Bitstring


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def resolver_for(env: WebEnv) -> DidResolver:
    """A DID resolver that fetches did:web documents from the app itself."""

    def fetch(url: str) -> bytes:
        response = env.client.get(urlsplit(url).path)
        assert response.status_code == 200
        return response.data

    return DidResolver(fetch)


# ------------------------------------------------------------------ POST /api/degrees


def test_issue_degree_returns_a_verifiable_credential_and_urls_from_the_base(env: WebEnv) -> None:
    response = env.client.post(
        "/api/degrees",
        json=degree_input(),
        headers={**env.auth(), "Host": "evil.example"},
    )
    assert response.status_code == 201
    body = response.get_json()
    credential = body["credential"]
    assert credential["@context"] == [VC_V2, OB_V3P0]
    assert credential["credentialSubject"]["licenseNumber"] == "ЖБ-Б 1234567"
    assert body["credentialId"] == credential["id"]
    # Every absolute URL comes from config.public_base_url, never from the Host header.
    for url in (body["managementUrl"], response.headers["Location"], credential["id"]):
        assert url.startswith(env.base + "/"), url
        assert "evil.example" not in url
    for entry in credential["credentialStatus"]:
        assert entry["statusListCredential"].startswith(env.base + "/status/")
    assert credential["credentialSchema"][0]["id"] == (
        env.base + "/schemas/degree-credential.schema.json"
    )
    report = verify(credential, resolver=resolver_for(env), now=utcnow())
    assert report.verified, report.errors


def test_issue_degree_duplicate_diploma_number_is_409_and_stores_nothing(env: WebEnv) -> None:
    issue(env)
    before = env.counts()
    response = env.client.post("/api/degrees", json=degree_input(), headers=env.auth())
    problem = assert_problem(response, 409)
    assert problem["type"].endswith("duplicate-credential")
    assert env.counts() == before


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "no Authorization header"),
        ({"Authorization": "Basic cmVnaXN0cmFyOnB3"}, "wrong scheme"),
        ({"Authorization": "Bearer "}, "empty token"),
        ({"Authorization": "Bearer not-a-real-token"}, "unknown token"),
    ],
)
def test_unauthenticated_calls_are_401_with_bearer_challenge(
    env: WebEnv, headers: dict[str, str], reason: str
) -> None:
    before = env.counts()
    for method, path, kwargs in (
        ("post", "/api/degrees", {"json": degree_input()}),
        ("post", "/api/batches", {"data": b"x", "content_type": "text/csv"}),
        ("get", "/api/credentials", {}),
        ("post", "/credentials/issue", {"json": {"credential": {}}}),
        ("post", "/credentials/status", {"json": {}}),
    ):
        response = getattr(env.client, method)(path, headers=headers, **kwargs)
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), reason
    assert env.counts() == before


def test_revoked_api_token_is_401(env: WebEnv) -> None:
    token = env.service.accounts.create_api_token("temp", "registrar")
    record = next(t for t in env.service.accounts.list_api_tokens() if t.name == "temp")
    env.service.accounts.revoke_api_token(record.id, actor="test")
    response = env.client.get("/api/credentials", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401)


def test_wrong_role_is_403_and_admin_may_read_the_audit_log(env: WebEnv) -> None:
    before = env.counts()
    response = env.client.get("/api/audit", headers=env.auth("registrar"))
    problem = assert_problem(response, 403)
    assert "admin" in problem["detail"]
    assert env.counts() == before
    issue(env)
    response = env.client.get("/api/audit", headers=env.auth("admin"))
    assert response.status_code == 200
    actions = [item["action"] for item in response.get_json()["items"]]
    assert "credential.issue" in actions
    actor = next(
        i["actor"] for i in response.get_json()["items"] if i["action"] == "credential.issue"
    )
    assert actor == "token:registrar-ci"
    # No secret in the audit log.
    assert env.tokens["registrar"] not in json.dumps(response.get_json())


@pytest.mark.parametrize(
    ("body", "content_type", "status", "why"),
    [
        (b'{"given_name": "A",', "application/json", 400, "truncated JSON"),
        (b'{"a": 1, "a": 2}', "application/json", 400, "duplicate key"),
        (b"[1, 2, 3]", "application/json", 400, "array where an object is needed"),
        (b'"text"', "application/json", 400, "a string"),
        (b"", "application/json", 400, "empty body"),
        (b"\xff\xfe{}", "application/json", 400, "not UTF-8"),
        (b"given_name=A", "application/x-www-form-urlencoded", 415, "form body"),
        (b"{}", "text/plain", 415, "wrong media type"),
    ],
)
def test_malformed_degree_requests_are_4xx_and_change_nothing(
    env: WebEnv, body: bytes, content_type: str, status: int, why: str
) -> None:
    before = env.counts()
    response = env.client.post(
        "/api/degrees", data=body, content_type=content_type, headers=env.auth()
    )
    assert_problem(response, status)
    assert env.counts() == before, why


def test_invalid_degree_fields_are_named(env: WebEnv) -> None:
    before = env.counts()
    bad = degree_input(awarded_date="2025-02-30", isced_field="9876", diploma_number=None)
    response = env.client.post("/api/degrees", json=bad, headers=env.auth())
    problem = assert_problem(response, 400)
    for field in ("awarded_date", "isced_field", "diploma_number"):
        assert field in problem["detail"]
    unknown = degree_input(shoe_size=44)
    problem = assert_problem(env.client.post("/api/degrees", json=unknown, headers=env.auth()), 400)
    assert "shoe_size" in problem["detail"]
    assert env.counts() == before


# ------------------------------------------------------------------ credentials


def test_get_and_search_credentials(env: WebEnv) -> None:
    first = issue(env)
    issue(env, diploma_number="KZ-0002", full_name="Иванов Дмитрий Сергеевич")
    found = env.client.get("/api/credentials?q=Иванов", headers=env.auth()).get_json()["items"]
    assert [item["diplomaNumber"] for item in found] == ["KZ-0002"]
    by_number = env.client.get("/api/credentials?q=1234567", headers=env.auth()).get_json()
    assert [item["id"] for item in by_number["items"]] == [first["credentialId"]]
    response = env.client.get(path_of(by_number["items"][0]["url"]), headers=env.auth())
    assert response.status_code == 200
    body = response.get_json()
    assert body["credential"] == first["credential"]
    assert body["status"] == "active"


def test_unknown_credential_is_404_and_bad_paging_is_400(env: WebEnv) -> None:
    response = env.client.get(
        "/api/credentials/https%3A%2F%2Fnope.example%2Fcredentials%2F1", headers=env.auth()
    )
    assert_problem(response, 404)
    assert_problem(env.client.get("/api/credentials?limit=0", headers=env.auth()), 400)
    assert_problem(env.client.get("/api/credentials?offset=-1", headers=env.auth()), 400)
    assert_problem(env.client.get("/api/batches/999", headers=env.auth()), 404)


# ------------------------------------------------------------------ batches


def run_batch(env: WebEnv, data: bytes, content_type: str) -> dict[str, Any]:
    response = env.client.post(
        "/api/batches", data=data, content_type=content_type, headers=env.auth()
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    accepted = response.get_json()
    assert accepted["progressUrl"] == f"{env.base}/api/batches/{accepted['batchId']}"
    env.wait_for_batches()
    progress = env.client.get(path_of(accepted["progressUrl"]), headers=env.auth())
    assert progress.status_code == 200
    return dict(progress.get_json())


def test_csv_batch_issues_every_row_in_the_background(env: WebEnv) -> None:
    source = (SAMPLES / "degrees.csv").read_bytes()
    rows = len([line for line in source.decode().splitlines()[1:] if line.strip()])
    done = run_batch(env, source, "text/csv")
    assert done["state"] == "done" and done["done"] is True
    assert done["total"] == done["processed"] == done["issued"] == rows
    assert all(row["state"] == "issued" and row["credentialId"] for row in done["rows"])
    # The same file again: nothing issued twice, rows come out "duplicate".
    again = run_batch(env, source, "text/csv")
    assert again["duplicates"] == rows and again["issued"] == 0
    assert env.service.store.credentials.count_credentials(env.service.context.issuer().id) == rows


def test_batch_row_errors_name_row_field_and_reason(env: WebEnv) -> None:
    lines = (SAMPLES / "degrees.csv").read_text(encoding="utf-8").splitlines()
    header, good = lines[0], lines[1]
    columns = header.split(",")
    bad_cells = good.split(",")
    bad_cells[columns.index("awarded_date")] = "27.06.2025"
    bad_cells[columns.index("diploma_number")] = "ROW-3"
    bad_cells[columns.index("ects_earned")] = '"240,5"'  # decimal comma, quoted
    source = "\n".join([header, good, ",".join(bad_cells)]) + "\n"
    done = run_batch(env, source.encode(), "text/csv; charset=utf-8")
    assert (done["issued"], done["errors"]) == (1, 1)
    failed = next(row for row in done["rows"] if row["state"] == "error")
    fields = {error["field"] for error in failed["errors"]}
    assert {"awarded_date", "ects_earned"} <= fields
    for error in failed["errors"]:
        assert error["row"] == 3  # spreadsheet row: the header is row 1
        assert error["reason"]
    assert failed["credentialId"] is None


def test_json_batch(env: WebEnv) -> None:
    items = [degree_input(diploma_number=f"J-{n}", student_number=f"S-J-{n}") for n in range(3)]
    items.append(degree_input(diploma_number="J-bad", achievement_type="Knighthood"))
    done = run_batch(env, json.dumps(items).encode(), "application/json")
    assert (done["issued"], done["errors"]) == (3, 1)
    failed = next(row for row in done["rows"] if row["state"] == "error")
    assert failed["errors"][0]["field"] == "achievement_type"
    assert failed["errors"][0]["row"] == 4


@pytest.mark.parametrize(
    ("data", "content_type", "status", "why"),
    [
        (b"name,colour\nA,blue\n", "text/csv", 400, "unknown columns, no required ones"),
        (b"", "text/csv", 400, "empty upload"),
        (b"\xff\xfe\x00a", "text/csv", 400, "not UTF-8"),
        (b'given_name,"unterminated\n', "text/csv", 400, "broken quoting"),
        (b'{"rows": []}', "application/json", 400, "object where an array is needed"),
        (b"[]", "application/json", 400, "no rows"),
        (b"[1,", "application/json", 400, "truncated JSON"),
        (b"a,b", "application/pdf", 415, "wrong media type"),
    ],
)
def test_malformed_batches_are_refused_whole(
    env: WebEnv, data: bytes, content_type: str, status: int, why: str
) -> None:
    before = env.counts()
    response = env.client.post(
        "/api/batches", data=data, content_type=content_type, headers=env.auth()
    )
    assert_problem(response, status)
    env.wait_for_batches()
    assert env.counts() == before, why


def test_oversized_upload_is_413_problem_details(env: WebEnv) -> None:
    before = env.counts()
    big = b"x" * (env.config.max_upload_bytes + 1)
    response = env.client.post(
        "/api/batches", data=big, content_type="text/csv", headers=env.auth()
    )
    problem = assert_problem(response, 413)
    assert problem["type"] == "about:blank"
    response = env.client.post(
        "/api/degrees", data=big, content_type="application/json", headers=env.auth()
    )
    assert_problem(response, 413)
    assert env.counts() == before


# ------------------------------------------------------------------ VC-API


def unsigned_vc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [VC_V2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:alumnus", "name": "Test Alumnus"},
    }
    doc.update(overrides)
    return doc


def test_vcapi_issue_signs_a_conforming_credential(env: WebEnv) -> None:
    response = env.client.post(
        "/credentials/issue",
        json={
            "credential": unsigned_vc(id="urn:uuid:5b3f9a4e-0a51-4bb9-a3a5-6d8e3b2a1c01"),
            "options": {},
        },
        headers=env.auth(),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    signed = response.get_json()["verifiableCredential"]
    assert signed["issuer"] == env.service.context.issuer().did
    assert signed["proof"]["type"] == "DataIntegrityProof"
    report = verify(signed, resolver=resolver_for(env), now=utcnow())
    assert report.verified, report.errors


def test_vcapi_issue_honours_known_options_and_tolerates_unknown_ones(env: WebEnv) -> None:
    created = "2026-01-02T03:04:05Z"
    response = env.client.post(
        "/credentials/issue",
        json={
            "credential": unsigned_vc(),
            "options": {
                "cryptosuite": "eddsa-jcs-2022",
                "created": created,
                "credentialId": "urn:uuid:0c7f6a1e-8d2b-4b41-9a55-3f0e5c7d9b21",
                "proofType": "ignored: not an option this issuer knows",
            },
        },
        headers=env.auth(),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    signed = response.get_json()["verifiableCredential"]
    assert signed["id"] == "urn:uuid:0c7f6a1e-8d2b-4b41-9a55-3f0e5c7d9b21"
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert signed["proof"]["created"] == created
    report = verify(signed, resolver=resolver_for(env), now=utcnow())
    assert report.verified, report.errors


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ([unsigned_vc()], "array body"),
        ({"credential": [unsigned_vc()]}, "credential is an array"),
        ({"credential": "x"}, "credential is a string"),
        ({}, "no credential"),
        ({"credential": unsigned_vc(), "options": []}, "options is an array"),
        # Unknown options are tolerated (VC-API); a known one with a wrong value is refused.
        ({"credential": unsigned_vc(), "options": {"cryptosuite": "ecdsa-rdfc-2019"}}, "suite"),
        ({"credential": unsigned_vc(), "options": {"cryptosuite": "nope"}}, "unknown suite"),
        ({"credential": unsigned_vc(), "options": {"cryptosuite": 7}}, "suite not a string"),
        ({"credential": unsigned_vc(), "options": {"created": "yesterday"}}, "bad created"),
        ({"credential": unsigned_vc(), "options": {"created": "2999-01-01T00:00:00Z"}}, "future"),
        ({"credential": unsigned_vc(), "options": {"mandatoryPointers": ["/issuer"]}}, "SD"),
        ({"credential": unsigned_vc(type=["Diploma"])}, "no VerifiableCredential type"),
        ({"credential": unsigned_vc(**{"@context": ["https://example.org/ctx"]})}, "context"),
        ({"credential": unsigned_vc(issuer="did:example:someone-else")}, "another issuer"),
        ({"credential": unsigned_vc(validFrom="yesterday")}, "bad date"),
        ({"credential": unsigned_vc(credentialSubject={"shoeSize": 44})}, "undefined term"),
        ({"credential": unsigned_vc(proof={"type": "DataIntegrityProof"})}, "already signed"),
    ],
)
def test_vcapi_issue_refuses_non_conforming_requests(env: WebEnv, body: Any, why: str) -> None:
    before = env.counts()
    response = env.client.post("/credentials/issue", json=body, headers=env.auth())
    assert response.status_code in (400, 422), why
    assert_problem(response, response.status_code)
    assert env.counts() == before, why


def status_bit(env: WebEnv, entry: dict[str, Any]) -> bool:
    response = env.client.get(path_of(entry["statusListCredential"]))
    assert response.status_code == 200
    encoded = json.loads(response.data)["credentialSubject"]["encodedList"]
    return Bitstring.decode(encoded).get(int(entry["statusListIndex"]))


def entry_for(credential: dict[str, Any], purpose: str) -> dict[str, Any]:
    return next(e for e in credential["credentialStatus"] if e["statusPurpose"] == purpose)


def test_vcapi_status_suspend_reinstate_revoke(env: WebEnv) -> None:
    issued = issue(env)
    credential, cid = issued["credential"], issued["credentialId"]
    suspension, revocation = (
        entry_for(credential, "suspension"),
        entry_for(credential, "revocation"),
    )

    def post(purpose: str, value: bool, **extra: Any) -> Any:
        body = {
            "credentialId": cid,
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
            "status": value,
            **extra,
        }
        return env.client.post("/credentials/status", json=body, headers=env.auth())

    response = post("suspension", True)
    assert response.status_code == 200
    assert response.get_json()["credentialStatus"][0] == {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "status": True,
        "changed": True,
    }
    assert status_bit(env, suspension) is True
    assert post("suspension", False).status_code == 200
    assert status_bit(env, suspension) is False
    assert post("revocation", True, reason="diploma obtained by fraud").status_code == 200
    assert status_bit(env, revocation) is True
    stored = env.service.issuing.get_credential(cid)
    assert stored.revoked and stored.status_reason == "diploma obtained by fraud"
    before = env.counts()
    problem = assert_problem(post("revocation", False), 409)
    assert problem["type"].endswith("irreversible-status")
    assert env.counts() == before


@pytest.mark.parametrize(
    ("body", "status", "why"),
    [
        ([], 400, "array body"),
        (
            {
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                },
                "status": True,
            },
            400,
            "no credentialId",
        ),
        (
            {
                "credentialId": "X",
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                },
                "status": "yes",
            },
            400,
            "status not boolean",
        ),
        (
            {
                "credentialId": "X",
                "credentialStatus": {"type": "StatusList2021Entry", "statusPurpose": "revocation"},
                "status": True,
            },
            400,
            "wrong type",
        ),
        (
            {
                "credentialId": "X",
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "message",
                },
                "status": True,
            },
            400,
            "wrong purpose",
        ),
        (
            {"credentialId": "X", "credentialStatus": "revocation", "status": True},
            400,
            "status not an object",
        ),
        ({"credentialId": "X", "credentialStatus": [], "status": True}, 400, "empty list"),
        (
            {
                "credentialId": "X",
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                },
                "status": True,
                "colour": "red",
            },
            400,
            "unknown field",
        ),
        (
            {
                "credentialId": "https://nope.example/credentials/1",
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                },
                "status": True,
            },
            404,
            "unknown credential",
        ),
    ],
)
def test_vcapi_status_refuses_bad_requests(env: WebEnv, body: Any, status: int, why: str) -> None:
    issue(env)
    before = env.counts()
    response = env.client.post("/credentials/status", json=body, headers=env.auth())
    assert_problem(response, status)
    assert env.counts() == before, why


# ------------------------------------------------------------------ the error handler


def test_unknown_route_and_wrong_method_are_problem_details(env: WebEnv) -> None:
    assert_problem(env.client.get("/api/nothing-here"), 404)
    response = env.client.get("/credentials/issue", headers=env.auth())
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_unexpected_exception_is_a_500_without_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    made = make_env(tmp_path)
    made.app.testing = False  # let the handler run instead of propagating

    def boom() -> str:
        raise RuntimeError("secret internal detail")

    made.app.add_url_rule("/api/boom", view_func=boom)
    with caplog.at_level(logging.ERROR, logger="issuer.web"):
        response = made.client.get("/api/boom")
    problem = assert_problem(response, 500)
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert problem["type"] == "about:blank"
    assert any("secret internal detail" in (r.exc_text or str(r.exc_info)) for r in caplog.records)
    made.service.close()


# ------------------------------------------------------------------ shells: `diplomat serve`, wsgi


def test_serve_command_table_builds_the_issuer_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from diplomat.cli import build_parser
    from diplomat.commands.serve import APPS

    args = build_parser().parse_args(["serve", "issuer", "--port", "0"])
    assert (args.app, args.host, args.port) == ("issuer", "127.0.0.1", 0)
    assert APPS["issuer"][1] == 8001
    environ = {
        "DIPLOMAT_HOME": str(tmp_path),
        "DIPLOMAT_ISSUER_BASE_URL": "https://diplomas.university.example",
    }
    app = APPS["issuer"][0](environ)
    client = app.test_client()
    page = client.get("/console/login")
    assert page.status_code == 200
    assert "Diplomat issuer" in page.get_data(as_text=True)  # no issuer initialised yet
    assert client.get("/.well-known/did.json").status_code == 404
    assert (tmp_path / "keys" / "secret_key").stat().st_mode & 0o777 == 0o600
    state = app.extensions["diplomat.issuer"]
    state.service.close()


def test_wsgi_module_reads_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    monkeypatch.setenv("DIPLOMAT_HOME", str(tmp_path))
    monkeypatch.setenv("DIPLOMAT_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DIPLOMAT_ISSUER_BASE_URL", "https://diplomas.university.example")
    sys.modules.pop("issuer.wsgi", None)
    module = importlib.import_module("issuer.wsgi")
    try:
        assert module.app.config["SESSION_COOKIE_SECURE"] is True
        assert module.app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
        assert (tmp_path / "var" / "issuer.sqlite3").exists()
    finally:
        module.app.extensions["diplomat.issuer"].service.close()
        sys.modules.pop("issuer.wsgi", None)
