"""The registrar console: sessions, CSRF and form refusals through the Flask client, and the whole
flow in headless Chromium against a real HTTP server on 127.0.0.1 (log in, issue through the form,
upload samples/degrees.csv and watch the progress bar finish, revoke with a reason).

The browser tests skip, saying why, when /usr/bin/chromium or /usr/bin/chromedriver is absent
(`make test` installs them). Screenshots go to /tmp/diplomat-console.png and
/tmp/diplomat-share.png.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browserkit import chromium, submit, wait_for
from webfixtures import PASSWORD, SAMPLES, LiveServer, WebEnv, degree_input, live_env, make_env

SCREENSHOTS = Path("/tmp")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the form carries a CSRF token"
    return found.group(1)


def login(env: WebEnv, username: str = "registrar", password: str = PASSWORD) -> Any:
    token = csrf_of(env.client.get("/console/login").get_data(as_text=True))
    return env.client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token, "next": ""},
    )


def page_csrf(env: WebEnv, path: str = "/console/issue") -> str:
    return csrf_of(env.client.get(path).get_data(as_text=True))


# ------------------------------------------------------------------ sessions and CSRF (no browser)


def test_console_requires_login(env: WebEnv) -> None:
    response = env.client.get("/console/credentials?q=x")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=")
    before = env.counts()
    response = env.client.post("/console/issue", data=degree_input())
    assert response.status_code == 401
    assert env.counts() == before


def test_login_sets_a_hardened_session_cookie(env: WebEnv) -> None:
    response = login(env)
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" in cookie  # the public base URL is https
    assert env.client.get("/console/").status_code == 200


def test_session_cookie_not_secure_on_http(tmp_path: Path) -> None:
    made = make_env(tmp_path, base_url="http://127.0.0.1:8001")
    try:
        cookie = login(made).headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "Secure" not in cookie
    finally:
        made.service.close()


def test_wrong_password_and_missing_csrf_are_refused(env: WebEnv) -> None:
    response = login(env, password="not the password at all")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert login(env, username="nobody").status_code == 401
    assert env.client.get("/console/").status_code == 302
    response = env.client.post(
        "/console/login", data={"username": "registrar", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert env.client.get("/console/").status_code == 302


def test_login_never_redirects_off_site(env: WebEnv) -> None:
    token = csrf_of(env.client.get("/console/login").get_data(as_text=True))
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        env.client.post("/console/logout", data={"csrf_token": token})
        token = csrf_of(env.client.get("/console/login").get_data(as_text=True))
        response = env.client.post(
            "/console/login",
            data={
                "username": "registrar",
                "password": PASSWORD,
                "csrf_token": token,
                "next": target,
            },
        )
        assert response.status_code == 303
        assert response.headers["Location"] == "/console/", target
        token = page_csrf(env)


def test_console_posts_need_the_csrf_token(env: WebEnv) -> None:
    login(env)
    issued = env.client.post("/api/degrees", json=degree_input(), headers=env.auth()).get_json()
    before = env.counts()
    cid = issued["credentialId"]
    for path, data in (
        ("/console/issue", degree_input(diploma_number="CSRF-1")),
        (f"/console/credentials/{cid}/status", {"action": "revoke", "reason": "x"}),
        ("/console/logout", {}),
    ):
        response = env.client.post(path, data=data)
        assert response.status_code == 403, path
        response = env.client.post(path, data={**data, "csrf_token": "forged"})
        assert response.status_code == 403, path
    assert env.counts() == before
    assert not env.service.issuing.get_credential(cid).revoked


def test_issue_form_shows_field_errors_and_stores_nothing(env: WebEnv) -> None:
    login(env)
    token = page_csrf(env)
    before = env.counts()
    form = {k: str(v) for k, v in degree_input(awarded_date="2025-13-01", gpa="3,67").items()}
    form.pop("degree_title")
    response = env.client.post("/console/issue", data={**form, "csrf_token": token})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The degree was not issued" in html
    for field in ("degree_title", "awarded_date", "gpa"):
        assert f'href="#f-{field}"' in html
    assert env.counts() == before


def test_issue_form_issues_and_shows_links_once(env: WebEnv) -> None:
    env.client.environ_base["HTTP_HOST"] = "evil.example"  # every request, so cookies follow
    login(env)
    token = page_csrf(env)
    form = {k: str(v) for k, v in degree_input().items()}
    response = env.client.post("/console/issue", data={**form, "csrf_token": token})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    found = re.search(r'id="management-url" href="([^"]+)"', html)
    assert found is not None
    assert found.group(1).startswith(env.base + "/manage/")
    assert "evil.example" not in html
    assert env.counts()["credentials"] == 1
    again = env.client.post("/console/issue", data={**form, "csrf_token": token})
    assert again.status_code == 409
    assert env.counts()["credentials"] == 1


def test_upload_and_status_refusals_change_nothing(env: WebEnv) -> None:
    login(env)
    token = page_csrf(env, "/console/batches/new")
    issued = env.client.post("/api/degrees", json=degree_input(), headers=env.auth()).get_json()
    before = env.counts()
    import io

    for content, name in (
        (b"colour,shape\nred,round\n", "bad.csv"),
        (b"", "empty.csv"),
        (b"{}", "x.json"),
    ):
        response = env.client.post(
            "/console/batches/new",
            data={"csrf_token": token, "file": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, name
        assert 'role="alert"' in response.get_data(as_text=True)
    response = env.client.post(
        f"/console/credentials/{issued['credentialId']}/status",
        data={"csrf_token": token, "action": "revoke", "reason": "  "},
    )
    assert response.status_code == 400
    response = env.client.post(
        f"/console/credentials/{issued['credentialId']}/status",
        data={"csrf_token": token, "action": "explode", "reason": "why not"},
    )
    assert response.status_code == 400
    env.wait_for_batches()
    assert env.counts() == before


def test_admin_only_role_check_for_console(env: WebEnv) -> None:
    # Both roles may use the console (admin includes registrar).
    assert login(env, username="admin").status_code == 303
    assert env.client.get("/console/").status_code == 200


# ------------------------------------------------------------------ headless Chromium


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[WebEnv, LiveServer]]:
    yield from live_env(tmp_path, dev_mode=True)


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


@pytest.mark.browser
def test_console_flow_in_chromium(live: tuple[WebEnv, LiveServer], browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    env, server = live

    # Log in (the console redirects there first).
    browser.get(server.url + "/console/")
    assert "/console/login" in browser.current_url
    browser.find_element(By.ID, "username").send_keys("registrar")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    assert browser.find_elements(By.ID, "credential-count"), "logged in: the dashboard shows"
    assert "DEMO" in browser.find_element(By.CLASS_NAME, "demo-banner").text

    # Issue one degree through the form.
    browser.get(server.url + "/console/issue")
    sample = degree_input(diploma_number="FORM-0001")
    for name, value in sample.items():
        element = browser.find_element(By.NAME, name)
        if element.tag_name == "select":
            Select(element).select_by_value(str(value))
        elif element.get_attribute("type") == "date":
            browser.execute_script("arguments[0].value = arguments[1]", element, str(value))
        else:
            element.send_keys(str(value))
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.degree-form button[type=submit]"))
    assert browser.find_elements(By.ID, "issued-id"), "the issued page shows"
    management_url = browser.find_element(By.ID, "management-url").get_attribute("href")
    assert management_url.startswith(server.url + "/manage/")
    issued = env.service.store.credentials.get_by_diploma_number(
        env.service.context.issuer().id, "FORM-0001"
    )
    assert issued is not None and issued.subject_name == sample["full_name"]

    # Upload the sample cohort and watch the progress bar reach the end.
    browser.get(server.url + "/console/batches/new")
    browser.find_element(By.ID, "file").send_keys(str(SAMPLES / "degrees.csv"))
    submit(browser, browser.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]"))
    # Its first graduate (KZ-2021-00417) was just given FORM-0001 of the same programme through
    # the form: the console names the row and issues nothing until the registrar confirms.
    warning = browser.find_element(By.ID, "duplicate-rows").text
    assert "KZ-2021-00417" in warning and "FORM-0001" in warning
    assert env.counts()["credentials"] == 1
    submit(browser, browser.find_element(By.ID, "confirm-batch"))
    # The batch page shows its progress bar. A small batch may finish at once, and the page then
    # reloads itself: looked up while it reloads, the bar would seem missing, so wait for it.
    assert wait_for(browser, lambda d: d.find_elements(By.ID, "batch-progress")), (
        "the batch page shows its progress bar"
    )
    # The page polls, then reloads itself once the batch is done.
    wait_for(
        browser,
        lambda d: (
            d.find_element(By.ID, "batch-state").text.strip().lower() == "done"
            and d.find_elements(By.ID, "batch-rows")
        ),
    )
    bar = browser.find_element(By.ID, "batch-progress")
    assert bar.get_attribute("value") == bar.get_attribute("max")
    rows = browser.find_elements(By.CSS_SELECTOR, "#batch-rows tbody tr")
    source_rows = [
        ln
        for ln in (SAMPLES / "degrees.csv").read_text(encoding="utf-8").splitlines()[1:]
        if ln.strip()
    ]
    assert len(rows) == len(source_rows)
    assert int(browser.find_element(By.ID, "count-issued").text) == len(source_rows)
    browser.save_screenshot(str(SCREENSHOTS / "diplomat-console-batch.png"))

    # Find the form-issued credential and revoke it with a reason.
    browser.get(server.url + "/console/credentials")
    browser.find_element(By.ID, "q").send_keys("FORM-0001")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.search button"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.list tbody tr")) == 1
    submit(browser, browser.find_element(By.CSS_SELECTOR, "table.list tbody tr a"))
    assert browser.find_element(By.ID, "credential-status").text.lower() == "active"
    browser.find_element(By.ID, "reason").send_keys("Issued in error: wrong programme")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button[value=revoke]"))
    # Revoking is final: the console asks first, on a page of its own (no script needed).
    assert browser.find_element(By.ID, "confirm-revoke").is_displayed()
    assert env.service.issuing.get_credential(issued.id).revoked is False
    submit(browser, browser.find_element(By.ID, "confirm-revoke-button"))
    assert browser.find_element(By.ID, "credential-status").text.lower() == "revoked"
    assert "Issued in error" in browser.find_element(By.ID, "status-reason").text
    browser.save_screenshot(str(SCREENSHOTS / "diplomat-console.png"))
    stored = env.service.issuing.get_credential(issued.id)
    assert stored.revoked and stored.status_reason == "Issued in error: wrong programme"
    audit = env.service.store.audit.list_audit(action=None)
    assert any(e.actor == "user:registrar" and e.target == issued.id for e in audit)


@pytest.mark.browser
def test_share_page_in_chromium(live: tuple[WebEnv, LiveServer], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    env, server = live
    response = env.client.post("/api/degrees", json=degree_input(), headers=env.auth())
    management_url = response.get_json()["managementUrl"]
    browser.get(management_url)
    browser.find_element(By.ID, "expires_days").send_keys("30")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.inline-form button"))
    share_url = browser.find_element(By.ID, "new-share-url").get_attribute("href")
    assert share_url.startswith(server.url + "/share/")
    browser.get(share_url)
    assert browser.find_element(By.ID, "holder-name").text == "Серікова Айгерім Болатқызы"
    verify = browser.find_element(By.ID, "verify-link").get_attribute("href")
    query = parse_qs(urlsplit(verify).query)
    assert query["url"] == [share_url]
    qr = browser.find_element(By.CSS_SELECTOR, "img.qr")
    assert browser.execute_script("return arguments[0].naturalWidth", qr) > 0, "QR image loads"
    browser.save_screenshot(str(SCREENSHOTS / "diplomat-share.png"))
    browser.get(management_url)
    assert browser.find_element(By.CSS_SELECTOR, "#share-links td.views").text == "1"


def test_new_management_link_for_a_batch_issued_credential(env: WebEnv) -> None:
    login(env)
    token = page_csrf(env)
    body = json.dumps([degree_input(diploma_number="B-1")]).encode()
    accepted = env.client.post(
        "/api/batches", data=body, content_type="application/json", headers=env.auth()
    ).get_json()
    env.wait_for_batches()
    rows = env.client.get(f"/api/batches/{accepted['batchId']}", headers=env.auth()).get_json()
    cid = rows["rows"][0]["credentialId"]
    response = env.client.post(
        f"/console/credentials/{cid}/management-link", data={"csrf_token": token}
    )
    assert response.status_code == 200
    found = re.search(r'id="management-url" href="([^"]+)"', response.get_data(as_text=True))
    assert found is not None and found.group(1).startswith(env.base + "/manage/")
    holder_page = env.client.get(
        urlsplit(found.group(1)).path + "?" + urlsplit(found.group(1)).query
    )
    assert holder_page.status_code == 200
    before = env.counts()
    refused = env.client.post(f"/console/credentials/{cid}/management-link", data={})
    assert refused.status_code == 403
    assert env.counts() == before
