"""Claim links end to end through the web app: every issuance path gives one, the graduate's
page opens, a batch's links are handed out once, and dead links answer 404/410, never 500."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text
from webfixtures import PASSWORD, PROBLEM, WebEnv, degree_input, issue, make_env

from issuer.errors import ConflictError

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[WebEnv]:
    made = make_env(tmp_path, claim_link_days=30)
    yield made
    made.close()


def path_of(url: str) -> str:
    return urlsplit(url).path + (("?" + urlsplit(url).query) if urlsplit(url).query else "")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(env: WebEnv) -> None:
    token = csrf_of(env.client.get("/console/login").get_data(as_text=True))
    response = env.client.post(
        "/console/login",
        data={"username": "registrar", "password": PASSWORD, "csrf_token": token, "next": ""},
    )
    assert response.status_code in (302, 303)


def page_csrf(env: WebEnv, path: str) -> str:
    return csrf_of(env.client.get(path).get_data(as_text=True))


def cohort_csv(count: int, prefix: str = "B", email: bool = True) -> bytes:
    rows = [
        {
            "full_name": f"Graduate {prefix}{i}",
            "student_number": f"S-{prefix}-{i}",
            "email": f"grad{i}@{prefix.lower()}.example" if email else "",
            "achievement_type": "BachelorDegree",
            "degree_title": "Bachelor of Science in Computer Science",
            "field_of_study": "Computer Science",
            "awarded_date": "2025-06-27",
            "diploma_number": f"{prefix}-{i:05d}",
            "isced_field": "0613",
        }
        for i in range(count)
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload_batch(env: WebEnv, source: bytes) -> int:
    response = env.client.post(
        "/api/batches", data=source, headers={**env.auth(), "Content-Type": "text/csv"}
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    env.wait_for_batches()
    return int(response.get_json()["batchId"])


# ------------------------------------------------------------------ single issuance


def test_a_single_degree_gets_a_claim_link_that_opens_the_graduates_page(env: WebEnv) -> None:
    issued = issue(env)
    claim_url = issued["claimUrl"]
    assert claim_url.startswith(env.base + "/claim/")
    assert issued["claimExpiresAt"] is not None
    token = claim_url.rsplit("/", 1)[1]
    before = env.counts()
    for _ in range(2):  # a claim link is the graduate's page: opening it again is fine
        page = env.client.get(path_of(claim_url), headers=HTML)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Your diploma" in html and issued["credential"]["credentialSubject"]["name"] in html
        assert 'id="graduate-diploma"' in html and 'id="graduate-share"' in html
        assert page.headers["Cache-Control"] == "no-store"
    assert env.counts() == before, "opening a claim link issues and records nothing"
    # The older management address carries the same secret.
    assert issued["managementUrl"].endswith("token=" + token)
    with env.service.store.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash, pending_token FROM claim_links")).all()
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(), None)]


def test_dead_and_unknown_claim_links_answer_clearly_never_500(env: WebEnv) -> None:
    issued = issue(env)
    old = path_of(issued["claimUrl"])
    login(env)
    credential_page = "/console/credentials/" + issued["credentialId"]
    response = env.client.post(
        credential_page + "/management-link",
        data={"csrf_token": page_csrf(env, credential_page)},
    )
    assert response.status_code == 200
    new_url = re.search(r'id="claim-url" href="([^"]+)"', response.get_data(as_text=True))
    assert new_url is not None
    new = path_of(new_url.group(1))
    # The replaced link: an HTML page for a browser, problem details for a machine.
    page = env.client.get(old, headers=HTML)
    assert page.status_code == 410 and page.mimetype == "text/html"
    assert "replaced" in page.get_data(as_text=True)
    problem = env.client.get(old, headers=JSON)
    assert problem.status_code == 410 and problem.mimetype == PROBLEM
    assert json.loads(problem.data)["type"].endswith("claim-link-replaced")
    assert env.client.get(path_of(issued["managementUrl"]), headers=HTML).status_code == 410
    assert env.client.get(new, headers=HTML).status_code == 200
    # Expired: the clock passes claim_link_days (30 here).
    env.clock.advance(days=31)
    expired = env.client.get(new, headers=HTML)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert json.loads(env.client.get(new, headers=JSON).data)["type"].endswith("claim-link-expired")
    for unknown in ("/claim/" + "A" * 43, "/claim/short", "/claim/%00%ff"):
        response = env.client.get(unknown, headers=HTML)
        assert response.status_code == 404, unknown


# ------------------------------------------------------------------ batches


def test_the_batch_api_returns_every_claim_link_exactly_once(env: WebEnv) -> None:
    batch_id = upload_batch(env, cohort_csv(3))
    report = env.client.get(f"/api/batches/{batch_id}", headers=env.auth()).get_json()
    assert [r["claim"]["handedOut"] for r in report["rows"]] == [False] * 3
    taken = env.client.post(f"/api/batches/{batch_id}/claim-links", headers=env.auth())
    assert taken.status_code == 200
    links = taken.get_json()["links"]
    assert [link["row"] for link in links] == [1, 2, 3]
    assert [link["email"] for link in links] == [f"grad{i}@b.example" for i in range(3)]
    assert len({link["claimUrl"] for link in links}) == 3
    for link in links:
        page = env.client.get(path_of(link["claimUrl"]), headers=HTML)
        assert page.status_code == 200 and link["name"] in page.get_data(as_text=True)
    again = env.client.post(f"/api/batches/{batch_id}/claim-links", headers=env.auth())
    assert again.status_code == 410
    assert json.loads(again.data)["type"].endswith("claim-links-taken")
    with env.service.store.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM claim_links WHERE pending_token IS NOT NULL")
            ).scalar_one()
            == 0
        ), "no plaintext token is kept once they are handed out"
    report = env.client.get(f"/api/batches/{batch_id}", headers=env.auth()).get_json()
    assert all(r["claim"]["handedOut"] and r["claim"]["opened"] for r in report["rows"])
    assert env.client.post("/api/batches/999/claim-links", headers=env.auth()).status_code == 404


def test_links_of_a_batch_still_running_are_not_handed_out(env: WebEnv) -> None:
    batch = env.service.batches.create_batch(cohort_csv(2, "Q"), "csv", actor="test")
    with pytest.raises(ConflictError):
        env.service.claims.take_batch_links(batch.id, actor="test")
    response = env.client.post(f"/api/batches/{batch.id}/claim-links", headers=env.auth())
    assert response.status_code == 409


def test_the_console_downloads_a_batch_csv_once_and_can_make_new_links(env: WebEnv) -> None:
    batch_id = upload_batch(env, cohort_csv(4, "C"))
    login(env)
    page = env.client.get(f"/console/batches/{batch_id}").get_data(as_text=True)
    assert 'id="download-claim-links"' in page
    token = csrf_of(page)
    response = env.client.post(
        f"/console/batches/{batch_id}/claim-links", data={"csrf_token": token}
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == [
        "row",
        "student_number",
        "name",
        "email",
        "diploma_number",
        "credential_id",
        "claim_url",
        "expires_at",
    ]
    assert [r["student_number"] for r in rows] == [f"S-C-{i}" for i in range(4)]
    assert all(r["claim_url"].startswith(env.base + "/claim/") for r in rows)
    again = env.client.post(
        f"/console/batches/{batch_id}/claim-links", data={"csrf_token": token}, headers=HTML
    )
    assert again.status_code == 410 and "handed out" in again.get_data(as_text=True)
    page = env.client.get(f"/console/batches/{batch_id}").get_data(as_text=True)
    assert 'id="renew-claim-links"' in page
    renewed = env.client.post(
        f"/console/batches/{batch_id}/claim-links/renew", data={"csrf_token": token}
    )
    assert renewed.status_code in (302, 303)
    fresh = list(
        csv.DictReader(
            io.StringIO(
                env.client.post(
                    f"/console/batches/{batch_id}/claim-links", data={"csrf_token": token}
                ).get_data(as_text=True)
            )
        )
    )
    assert len(fresh) == 4
    assert env.client.get(path_of(rows[0]["claim_url"]), headers=HTML).status_code == 410
    assert env.client.get(path_of(fresh[0]["claim_url"]), headers=HTML).status_code == 200


# ------------------------------------------------------------------ care


def test_a_second_degree_of_a_programme_to_one_student_needs_confirmation(env: WebEnv) -> None:
    issue(env, diploma_number="FIRST-1", student_number="S-1")
    before = env.counts()
    body = degree_input(diploma_number="SECOND-1", student_number="S-1")
    refused = env.client.post("/api/degrees", json=body, headers=env.auth())
    assert refused.status_code == 409
    problem = json.loads(refused.data)
    assert problem["type"].endswith("possible-duplicate-degree") and "FIRST-1" in problem["detail"]
    assert env.counts() == before, "nothing is issued without the flag"
    bad = env.client.post(
        "/api/degrees", json={**body, "allowDuplicate": "yes"}, headers=env.auth()
    )
    assert bad.status_code == 400
    confirmed = env.client.post(
        "/api/degrees", json={**body, "allowDuplicate": True}, headers=env.auth()
    )
    assert confirmed.status_code == 201
    # The console warns, keeps the form filled in, and issues on confirmation.
    login(env)
    values = degree_input(diploma_number="THIRD-1", student_number="S-1")
    form: dict[str, Any] = {k: str(v) for k, v in values.items() if not isinstance(v, dict)}
    form["csrf_token"] = page_csrf(env, "/console/issue")
    warned = env.client.post("/console/issue", data=form)
    html = warned.get_data(as_text=True)
    assert warned.status_code == 409 and 'id="duplicate-warning"' in html
    assert 'name="confirm_duplicate" value="yes"' in html and "THIRD-1" in html
    done = env.client.post("/console/issue", data={**form, "confirm_duplicate": "yes"})
    assert done.status_code == 201 and 'id="claim-url"' in done.get_data(as_text=True)


def test_the_revocation_reason_stays_private_and_revoking_asks_first(env: WebEnv) -> None:
    issued = issue(env)
    share = env.service.sharing.create_share_link(issued["credentialId"], actor="test")[2]
    login(env)
    credential_page = "/console/credentials/" + issued["credentialId"]
    token = page_csrf(env, credential_page)
    form = {
        "csrf_token": token,
        "action": "revoke",
        "reason": "Disciplinary case 2025-17: plagiarism",
        "public_note": "Withdrawn by the university senate",
    }
    asked = env.client.post(credential_page + "/status", data=form)
    assert asked.status_code == 200 and 'id="confirm-revoke"' in asked.get_data(as_text=True)
    assert not env.service.issuing.get_credential(issued["credentialId"]).revoked
    done = env.client.post(credential_page + "/status", data={**form, "confirm": "yes"})
    assert done.status_code in (302, 303)
    assert env.service.issuing.get_credential(issued["credentialId"]).revoked
    public = env.client.get(path_of(share), headers=HTML).get_data(as_text=True)
    assert "Revoked." in public and "Withdrawn by the university senate" in public
    assert "plagiarism" not in public
    audit = env.service.store.audit.list_audit(target=issued["credentialId"])
    assert any("plagiarism" in json.dumps(dict(e.details)) for e in audit)


def test_without_a_public_note_the_share_page_gives_no_reason(env: WebEnv) -> None:
    issued = issue(env)
    share = env.service.sharing.create_share_link(issued["credentialId"], actor="test")[2]
    env.service.status.set_status(
        issued["credentialId"], "revocation", True, "secret internal reason", actor="test"
    )
    public = env.client.get(path_of(share), headers=HTML).get_data(as_text=True)
    assert "Revoked." in public and "secret internal reason" not in public


def test_a_cohort_with_a_second_degree_is_confirmed_before_anything_is_issued(
    env: WebEnv,
) -> None:
    cohort_programme = {
        "degree_title": "Bachelor of Science in Computer Science",
        "programme_code": None,
    }
    issue(env, diploma_number="OLD-1", student_number="S-D-1", **cohort_programme)
    source = cohort_csv(3, "D").replace(b"S-D-2", b"S-D-1")  # row 4 repeats the student too
    before = env.counts()["credentials"]
    headers = {**env.auth(), "Content-Type": "text/csv"}
    refused = env.client.post("/api/batches", data=source, headers=headers)
    assert refused.status_code == 409
    detail = json.loads(refused.data)["detail"]
    assert "row 3: student number S-D-1 already holds diploma OLD-1" in detail
    assert "row 4: student number S-D-1 already holds diploma OLD-1, D-00001" in detail
    env.wait_for_batches()
    assert env.counts()["credentials"] == before, "nothing issued before confirmation"
    bad = env.client.post("/api/batches?allowDuplicate=maybe", data=source, headers=headers)
    assert bad.status_code == 400
    confirmed = env.client.post("/api/batches?allowDuplicate=true", data=source, headers=headers)
    assert confirmed.status_code == 202
    env.wait_for_batches()
    assert env.counts()["credentials"] == before + 3
    # The console shows the rows and starts the batch only when asked.
    login(env)
    second = cohort_csv(1, "E").replace(b"S-E-0", b"S-D-1")
    response = env.client.post(
        "/console/batches/new",
        data={
            "csrf_token": page_csrf(env, "/console/batches/new"),
            "file": (io.BytesIO(second), "cohort.csv"),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="duplicate-rows"' in html and "OLD-1" in html
    env.wait_for_batches()
    assert env.counts()["credentials"] == before + 3
    start = re.search(r'action="(/console/batches/\d+/start)"', html)
    assert start is not None
    started = env.client.post(start.group(1), data={"csrf_token": csrf_of(html)})
    assert started.status_code in (302, 303)
    env.wait_for_batches()
    assert env.counts()["credentials"] == before + 4
