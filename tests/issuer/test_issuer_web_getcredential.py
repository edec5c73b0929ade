"""VC-API getCredential, GET /credentials/{id}, over a real service and SQLite file: the printed id
URL and the URL-encoded full id resolve for registrar and admin tokens to the stored credential
byte for byte; everyone else gets 401 / 403 problem details; odd ids are 400 or 404, never 500;
and a GET changes nothing in the database.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select
from webfixtures import (
    PROBLEM,
    LiveServer,
    WebEnv,
    assert_problem,
    issue,
    live_env,
    make_env,
)

from issuer.store.models import Base
from issuer.web.auth import Principal
from vc.dates import utcnow
from vc.dids import DidResolver
from vc.proofs import verify

UNKNOWN = "https://diplomas.university.example/credentials/6f1c1f0e-0000-4000-8000-000000000000"


def resolver_for(env: WebEnv) -> DidResolver:
    """A DID resolver that fetches did:web documents from the app itself."""

    def fetch(url: str) -> bytes:
        response = env.client.get(urlsplit(url).path)
        assert response.status_code == 200
        return response.data

    return DidResolver(fetch)


def encoded(credential_id: str) -> str:
    """The path a VC-API client builds from a full id: /credentials/ + the id URL-encoded."""
    return "/credentials/" + quote(credential_id, safe="")


def snapshot(env: WebEnv) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, except the API token's last_used_at: authenticating stamps it
    on every API call (issuer.store authenticate_api_token), reads included."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with env.service.store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "last_used_at"]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            tables[table.name] = [tuple(row) for row in rows]
    return tables


# ------------------------------------------------------------------ 200


def test_the_printed_id_url_returns_the_stored_credential_byte_for_byte(env: WebEnv) -> None:
    issued = issue(env)
    cid = issued["credentialId"]
    assert cid.startswith(env.base + "/credentials/")
    stored = env.service.store.credentials.get_credential(cid).credential_json.encode("utf-8")
    before = snapshot(env)
    for role in ("registrar", "admin"):
        response = env.client.get(urlsplit(cid).path, headers=env.auth(role))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.data == stored
        assert response.mimetype == "application/json"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Access-Control-Allow-Origin" not in response.headers
        assert json.loads(response.data) == issued["credential"]
    report = verify(json.loads(response.data), resolver=resolver_for(env), now=utcnow())
    assert report.verified, report.errors
    assert snapshot(env) == before  # nothing written: no audit entry, the codebase audits no read


def test_the_url_encoded_full_id_resolves_too(env: WebEnv) -> None:
    cid = issue(env)["credentialId"]
    by_segment = env.client.get(urlsplit(cid).path, headers=env.auth())
    by_full_id = env.client.get(encoded(cid), headers=env.auth())
    assert by_full_id.status_code == 200
    assert by_full_id.data == by_segment.data


def test_a_vcapi_issued_credential_round_trips(env: WebEnv) -> None:
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": env.service.context.issuer().did,
        "credentialSubject": {"id": "did:example:alumnus", "name": "Test Alumnus"},
    }
    for chosen_id in ("urn:uuid:5b3f9a4e-0a51-4bb9-a3a5-6d8e3b2a1c01", None):
        credential = dict(unsigned, id=chosen_id) if chosen_id else dict(unsigned)
        response = env.client.post(
            "/credentials/issue", json={"credential": credential}, headers=env.auth()
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        signed = response.get_json()["verifiableCredential"]
        got = env.client.get(encoded(signed["id"]), headers=env.auth())
        assert got.status_code == 200
        assert json.loads(got.data) == signed
        assert verify(json.loads(got.data), resolver=resolver_for(env), now=utcnow()).verified
    # The id the issuer minted ({base}/credentials/<uuid>) resolves by its own URL.
    assert env.client.get(urlsplit(signed["id"]).path, headers=env.auth()).status_code == 200


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("application/vc", "application/vc"),
        ("application/vc+ld+json", "application/vc+ld+json"),
        ("application/ld+json", "application/ld+json"),
        ("text/html", "application/json"),  # an API, never a page
    ],
)
def test_media_type_follows_accept(env: WebEnv, accept: str | None, media: str) -> None:
    cid = issue(env)["credentialId"]
    headers = env.auth() | ({"Accept": accept} if accept else {})
    response = env.client.get(urlsplit(cid).path, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media
    assert response.headers["Vary"] == "Accept"


def test_a_revoked_credential_is_still_returned_unchanged(env: WebEnv) -> None:
    issued = issue(env)
    cid = issued["credentialId"]
    before = env.client.get(urlsplit(cid).path, headers=env.auth()).data
    env.service.status.revoke(cid, "diploma obtained by fraud", actor="test")
    assert env.service.issuing.get_credential(cid).revoked
    after = env.client.get(urlsplit(cid).path, headers=env.auth())
    assert after.status_code == 200
    assert after.data == before  # the status list, not the credential, says it is revoked


def test_an_issuer_mounted_under_a_path_resolves_its_ids(tmp_path: Path) -> None:
    made = make_env(tmp_path, base_url="https://uni.example/diplomas")
    try:
        cid = issue(made)["credentialId"]
        assert cid.startswith("https://uni.example/diplomas/credentials/")
        parts = urlsplit(cid)
        mounted = "/" + parts.path.split("/", 2)[2]  # the app sees the path below its mount
        response = made.client.get(
            mounted, base_url="https://uni.example/diplomas", headers=made.auth()
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        assert json.loads(response.data)["id"] == cid
    finally:
        made.service.close()


# ------------------------------------------------------------------ 401, 403


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic cmVnaXN0cmFyOnB3"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer not-a-real-token"},
    ],
    ids=["none", "basic", "empty", "unknown"],
)
def test_without_a_valid_token_it_is_401_and_shows_nothing(
    env: WebEnv, headers: dict[str, str]
) -> None:
    issued = issue(env)
    cid = issued["credentialId"]
    before = snapshot(env)
    for path in (
        urlsplit(cid).path,
        encoded(cid),
        encoded(UNKNOWN),
        "/credentials/%ff",
        "/credentials/..",
    ):
        response = env.client.get(path, headers=headers)
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert issued["credential"]["credentialSubject"]["name"] not in response.get_data(
            as_text=True
        )
    assert snapshot(env) == before


def test_a_revoked_token_is_401(env: WebEnv) -> None:
    cid = issue(env)["credentialId"]
    token = env.service.accounts.create_api_token("temp", "registrar")
    record = next(t for t in env.service.accounts.list_api_tokens() if t.name == "temp")
    env.service.accounts.revoke_api_token(record.id, actor="test")
    response = env.client.get(urlsplit(cid).path, headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401)


def test_a_role_below_registrar_is_403(env: WebEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both real roles may read (the store allows no other); this simulates a lower one to
    show the check runs, as for the other issuing endpoints, and its refusal leaks nothing."""
    issued = issue(env)
    monkeypatch.setattr(Principal, "may", lambda self, role: False)
    response = env.client.get(urlsplit(issued["credentialId"]).path, headers=env.auth())
    problem = assert_problem(response, 403)
    assert "registrar" in problem["detail"]
    assert issued["credential"]["credentialSubject"]["name"] not in response.get_data(as_text=True)
    response = env.client.post("/credentials/issue", json={}, headers=env.auth())
    assert_problem(response, 403)


# ------------------------------------------------------------------ 404, 400, 405


def test_an_unknown_id_is_404(env: WebEnv) -> None:
    issue(env)
    before = snapshot(env)
    for path in (
        urlsplit(UNKNOWN).path,
        encoded(UNKNOWN),
        encoded("urn:uuid:5b3f9a4e-0a51-4bb9-a3a5-6d8e3b2a1c01"),
        encoded("https://elsewhere.example/credentials/1"),
        "/credentials/x%3Ay",
    ):
        assert_problem(env.client.get(path, headers=env.auth()), 404)
    assert snapshot(env) == before


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/credentials/" + "a" * 513, "longer than any stored id"),
        ("/credentials/" + quote("https://x.example/" + "a" * 600, safe=""), "long full id"),
        ("/credentials/%ff%fe", "percent escapes that are not UTF-8"),
        ("/credentials/https%3A%2F%2Fx.example%2F%c3%28", "invalid UTF-8 in a full id"),
        ("/credentials/%00", "NUL"),
        ("/credentials/a%09b", "tab"),
        ("/credentials/%20", "blank"),
        ("/credentials/a%20b", "space"),
        ("/credentials/..", "dot-dot segment"),
        ("/credentials/%2e%2e", "encoded dot-dot"),
        ("/credentials/.", "dot segment"),
        ("/credentials/a/../b", "several segments and no scheme"),
        ("/credentials/x/", "trailing slash"),
        ("/credentials/%3Aabc", "a colon but no scheme"),
        ("/credentials/https%3A", "a scheme and nothing else"),
    ],
)
def test_a_malformed_id_is_400(env: WebEnv, path: str, why: str) -> None:
    issue(env)
    before = snapshot(env)
    assert_problem(env.client.get(path, headers=env.auth()), 400)
    assert snapshot(env) == before, why


def test_an_empty_id_and_the_post_only_paths_are_not_credentials(env: WebEnv) -> None:
    # No route matches an empty id, nor one with a line break (werkzeug's path converter stops
    # at it): both are the router's 404 problem.
    assert_problem(env.client.get("/credentials/", headers=env.auth()), 404)
    assert_problem(env.client.get("/credentials/a%0Ab", headers=env.auth()), 404)
    for path in ("/credentials/issue", "/credentials/status"):
        response = env.client.get(path, headers=env.auth())
        assert_problem(response, 405)
        assert response.headers["Allow"] == "POST"
    # Other methods on a credential id are not allowed.
    cid = issue(env)["credentialId"]
    assert_problem(env.client.delete(urlsplit(cid).path, headers=env.auth()), 405)


# ------------------------------------------------------------------ over real HTTP


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[WebEnv, LiveServer]]:
    yield from live_env(tmp_path)


def raw_get(server: LiveServer, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    """GET ``path`` sent exactly as written (no client-side normalisation of dots or escapes)."""
    host, port = urlsplit(server.url).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def test_odd_ids_over_real_http_are_never_500(live: tuple[WebEnv, LiveServer]) -> None:
    env, server = live
    cid = issue(env)["credentialId"]
    auth = env.auth()
    expected = {
        urlsplit(cid).path: 200,
        encoded(cid): 200,
        encoded(UNKNOWN): 404,
        "/credentials/%ff%fe%fd": 400,
        "/credentials/..": 400,
        "/credentials/%2e%2e/%2e%2e/etc/passwd": 400,
        "/credentials/" + "%41" * 5000: 400,
        "/credentials/%00": 400,
        "/credentials/": 404,
    }
    for path, status in expected.items():
        got, content_type, body = raw_get(server, path, auth)
        assert got == status, (path[:80], body[:200])
        wanted_type = "application/json" if status == 200 else PROBLEM
        assert content_type == wanted_type, path[:80]
    got, _type, body = raw_get(server, urlsplit(cid).path, {})
    assert got == 401
    assert b"credentialSubject" not in body
