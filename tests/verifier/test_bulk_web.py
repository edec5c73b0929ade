"""Bulk verification over HTTP: a 500-row CSV of share links through the JSON API and through the
page in headless Chromium, against a real issuer-like HTTP server on 127.0.0.1 serving good,
tampered, revoked and withdrawn share links; the results CSV is downloaded and checked row by row.
Also the bounds (rows, jobs per client, jobs per process) and a second app on the same database
answering for a job the first one runs, as another gunicorn worker would."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import browserkit
import pytest
import webkit as kit
from flask import Flask

from verifier.bulk.rows import COLUMNS
from verifier.bulk.runner import BulkBusyError
from verifier.web import create_app
from verifier.web.state import EXTENSION

ROWS = 500
GOOD = "verified"
TAMPERED, REVOKED, DEAD, WITHDRAWN, NOT_A_LINK = 7, 13, 29, 41, 57  # positions modulo 100


@dataclass
class World:
    app: Flask
    server: kit.DocumentServer
    cfg: Any
    csv: bytes
    expected: dict[str, dict[str, Any]]  # reference -> what its row must say


def _kind(position: int) -> int:
    return position % 100


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("bulk")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    with kit.DocumentServer() as server:
        list_url = server.url("/status/1")
        server.put("/status/1", kit.status_list(list_url, revoked=[3]), "application/vc")
        good = kit.signed_degree(status_url=list_url, index=7)
        tampered = server.put("/share/tampered", kit.tampered(good))
        revoked = server.put("/share/revoked", kit.signed_degree(status_url=list_url, index=3))
        server.gone.add("/share/withdrawn")
        lines = ["reference,url"]
        expected: dict[str, dict[str, Any]] = {}
        for position in range(1, ROWS + 1):
            reference = f"APP-{position:04d}"
            kind = _kind(position)
            if kind == TAMPERED:
                link, want = tampered, {"verdict": "not_verified", "failing": "proof.signature"}
            elif kind == REVOKED:
                link, want = revoked, {"verdict": "not_verified", "failing": "status.revocation"}
            elif kind == DEAD:
                link = server.url(f"/share/missing-{position}")
                want = {"verdict": "input_error", "detail": "the link no longer works"}
            elif kind == WITHDRAWN:
                link = server.url("/share/withdrawn")
                want = {"verdict": "input_error", "detail": "may have withdrawn it"}
            elif kind == NOT_A_LINK:
                link, want = (
                    "see attached diploma",
                    {"verdict": "input_error", "detail": "not a link"},
                )
            else:
                link = server.put(f"/share/{position}", good)
                want = {"verdict": GOOD, "failing": ""}
            want["input"] = link
            expected[reference] = want
            lines.append(f"{reference},{link}")
        cfg = kit.config(
            registry,
            database_url=f"sqlite:///{tmp / 'verifier.sqlite3'}",
            country="JP",
            bulk_jobs_per_client=1,
        )
        app = create_app(cfg, context_factory=kit.context_factory(cfg))
        yield World(app, server, cfg, "\n".join(lines).encode(), expected)


def _status_fetches(server: kit.DocumentServer) -> int:
    return sum(1 for path, _ in server.requests if path.startswith("/status/"))


def _check_rows(world: World, table: list[dict[str, str]]) -> None:
    """Every input has its row, in order, saying what it must; never a server error."""
    assert len(table) == ROWS
    for position, row in enumerate(table, start=1):
        reference = f"APP-{position:04d}"
        want = world.expected[reference]
        assert row["position"] == str(position)
        assert row["reference"] == reference
        assert row["input"] == want["input"]
        assert row["verdict"] == want["verdict"], (reference, row)
        if want["verdict"] == GOOD:
            assert row["authenticity"] == row["validity"] == row["issuer_legitimacy"] == "pass"
            assert row["recognition"] == "not_applicable"  # a Kazakh degree checked for KZ
            assert row["holder"] == "Aigerim Sarsenbayeva"
            assert row["degree"] == "Master of Science in Software Engineering"
            assert row["issuer"] == "Al-Farabi Test University"
            assert row["awarded"] == "2024-06-30"
        if "failing" in want:
            assert row["failing_checks"] == want["failing"]
        if "detail" in want:
            assert want["detail"] in row["detail"]
        if _kind(position) == TAMPERED:  # not genuine: nothing else reads as good news
            assert row["authenticity"] == "fail"
            assert {row["validity"], row["issuer_legitimacy"], row["recognition"]} == {"not_judged"}
        if _kind(position) == REVOKED:
            assert row["authenticity"] == "pass" and row["validity"] == "fail"
        if want["verdict"] == "input_error":
            assert row["authenticity"] == "" and row["holder"] == ""


def _wait_finished(client: Any, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        progress: dict[str, Any] = client.get(location).get_json()
        if progress["state"] != "running":
            return progress
        assert time.monotonic() < deadline, progress
        time.sleep(0.1)  # a client's poll interval; what is waited on is the job's state


# --- the API ----------------------------------------------------------------------------------


def test_a_500_row_csv_through_the_api(world: World) -> None:
    client = world.app.test_client()
    before = _status_fetches(world.server)
    response = client.post("/api/verify/bulk?for=KZ", data=world.csv, content_type="text/csv")
    assert response.status_code == 202
    started = response.get_json()
    assert started["total"] == ROWS and started["state"] == "running"
    location = response.headers["Location"]
    assert location == started["links"]["self"]
    progress = _wait_finished(client, location)
    assert progress == {**progress, "state": "done", "done": ROWS, "percent": 100}
    # One status list for 500 links to one issuer: fetched once, not per row.
    assert _status_fetches(world.server) - before <= 1

    results = client.get(progress["links"]["results"]).get_json()
    assert results["columns"] == list(COLUMNS)
    flat = [
        {
            **{k: str(v) for k, v in row.items() if k not in ("sections", "failing_checks")},
            **row["sections"],
            "failing_checks": " ".join(row["failing_checks"]),
        }
        for row in results["rows"]
    ]
    for row in flat:
        row.setdefault("authenticity", "")
    _check_rows(world, flat)

    download = client.get(progress["links"]["results_csv"])
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert list(table[0]) == list(COLUMNS)
    _check_rows(world, table)


def test_another_worker_on_the_same_database_serves_progress_and_results(world: World) -> None:
    other = create_app(world.cfg, context_factory=kit.context_factory(world.cfg))
    lines = b"url\n" + world.expected["APP-0001"]["input"].encode() + b"\nnot a link\n"
    response = world.app.test_client().post(
        "/api/verify/bulk?for=KZ", data=lines, content_type="text/csv"
    )
    assert response.status_code == 202
    progress = _wait_finished(other.test_client(), response.headers["Location"])
    assert progress["state"] == "done" and progress["done"] == 2
    rows = other.test_client().get(progress["links"]["results"]).get_json()["rows"]
    assert [row["verdict"] for row in rows] == ["verified", "input_error"]


def test_a_zip_of_credential_files_through_the_api(world: World) -> None:
    import json
    import zipfile

    good = world.server.documents["/share/1"][1]
    tampered = world.server.documents["/share/tampered"][1]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("applicants/APP-1.json", good)
        archive.writestr("APP-2.json", tampered)
        archive.writestr("notes.txt", "see attached")
        archive.writestr("../../etc/passwd.json", good)
        archive.writestr("__MACOSX/._APP-1.json", b"\x00\x05")
    response = world.app.test_client().post(
        "/api/verify/bulk?for=KZ", data=buffer.getvalue(), content_type="application/zip"
    )
    assert response.status_code == 202
    client = world.app.test_client()
    progress = _wait_finished(client, response.headers["Location"])
    rows = client.get(progress["links"]["results"]).get_json()["rows"]
    summary = [(row["reference"], row["verdict"]) for row in rows]
    assert summary == [
        ("APP-1.json", "verified"),
        ("APP-2.json", "not_verified"),
        ("notes.txt", "input_error"),
        ("passwd.json", "input_error"),
    ]
    assert "credential file" in rows[2]["detail"]  # what to upload instead
    assert "leaves the archive" in rows[3]["detail"]
    assert json.dumps(rows)  # plain JSON all the way


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        (b"", "text/csv", 400, "empty"),
        (b"url\n", "text/csv", 400, "no share links"),
        (b"a,b\nhttps://x.example/1,2\n", "text/csv", 400, "header"),
        (b"\xff\xfe\x00bad", "text/csv", 400, "not UTF-8"),
        (b"PK\x03\x04broken", "application/zip", 400, "ZIP"),
        (b"url\n" + b"https://x.example/s\n" * 1001, "text/csv", 413, "at most 1000"),
    ],
)
def test_unusable_uploads_are_problems_never_500(
    world: World, body: bytes, content_type: str, status: int, words: str
) -> None:
    response = world.app.test_client().post(
        "/api/verify/bulk", data=body, content_type=content_type
    )
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert words in response.get_json()["detail"]


def test_unknown_and_unfinished_jobs(world: World) -> None:
    client = world.app.test_client()
    missing = client.get("/api/verify/bulk/no-such-job")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    page = client.get("/verify/bulk/no-such-job", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    store = world.app.extensions[EXTENSION].bulk.store
    job_id = store.create(client="192.0.2.9", total=3, destination=None, max_running=5)
    early = client.get(f"/api/verify/bulk/{job_id}/results.csv")
    assert early.status_code == 409 and "0 of 3" in early.get_json()["detail"]
    store.finish(job_id)


def test_a_client_with_a_running_job_gets_429_with_retry_after(world: World) -> None:
    store = world.app.extensions[EXTENSION].bulk.store
    job_id = store.create(client="127.0.0.1", total=1, destination=None, max_running=5)
    try:
        response = world.app.test_client().post(
            "/api/verify/bulk", data=b"https://x.example/s\n", content_type="text/csv"
        )
        assert response.status_code == 429
        assert response.headers["Retry-After"].isdigit()
        assert "one client may run 1" in response.get_json()["detail"]
    finally:
        store.finish(job_id)


def test_a_process_holding_its_maximum_of_jobs_answers_429(world: World) -> None:
    runner = world.app.extensions[EXTENSION].bulk
    taken = 0
    try:
        while True:
            try:
                runner.reserve()
            except BulkBusyError:
                break
            taken += 1
        response = world.app.test_client().post(
            "/api/verify/bulk", data=b"https://x.example/s\n", content_type="text/csv"
        )
        assert response.status_code == 429 and "Retry-After" in response.headers
        assert taken == world.cfg.bulk_max_jobs
    finally:
        for _ in range(taken):
            runner.release()


# --- the page in headless Chromium --------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with browserkit.chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def verifier_url(world: World) -> Iterator[str]:
    with kit.AppServer(world.app) as server:
        yield server.base_url


def test_a_500_row_csv_through_the_page_with_progress_and_csv_download(
    world: World, browser: Any, verifier_url: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    upload = tmp_path / "applicants.csv"
    upload.write_bytes(world.csv)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    browser.get(verifier_url + "/")
    browserkit.submit(browser, browser.find_element(By.CSS_SELECTOR, ".bulk-link a"))
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/verify/bulk']")
    form.find_element(By.NAME, "file").send_keys(str(upload))
    Select(form.find_element(By.NAME, "for")).select_by_value("KZ")
    browserkit.submit(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    assert "/verify/bulk/" in browser.current_url
    job_page = browser.current_url
    bar = browser.find_element(By.ID, "bulk-progress")
    assert bar.get_attribute("max") == str(ROWS)
    # The script fills the table in this same document: no reload (the mark stays).
    browser.execute_script("document.documentElement.dataset.stay = 'yes'")
    browserkit.wait_for(
        browser,
        lambda d: d.find_element(By.ID, "bulk-job").get_attribute("data-state") == "done",
        timeout=120,
    )
    assert browser.execute_script("return document.documentElement.dataset.stay") == "yes"
    assert bar.get_attribute("value") == str(ROWS)
    assert "Finished: 500 checked." in browser.find_element(By.ID, "bulk-status").text
    shown = browser.find_elements(By.CSS_SELECTOR, "#bulk-rows tr")
    assert len(shown) == ROWS
    assert shown[TAMPERED - 1].get_attribute("data-verdict") == "not_verified"
    assert shown[DEAD - 1].get_attribute("data-verdict") == "input_error"

    browser.find_element(By.ID, "bulk-csv").click()
    found = browserkit.wait_for(
        browser,
        lambda _d: [p for p in downloads.iterdir() if p.suffix == ".csv"],
        timeout=60,
    )
    text = found[0].read_text(encoding="utf-8")
    _check_rows(world, list(csv.DictReader(io.StringIO(text))))

    # Without the script, the finished job's page shows the same table server-side.
    browser.get(job_page)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#bulk-rows tr")) == ROWS


def test_a_running_job_page_works_without_javascript_by_a_refresh_link(world: World) -> None:
    store = world.app.extensions[EXTENSION].bulk.store
    job_id = store.create(client="192.0.2.7", total=3, destination="KZ", max_running=5)
    try:
        response = world.app.test_client().get(f"/verify/bulk/{job_id}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert '<progress id="bulk-progress" max="3" value="0">' in page
        assert f'<a href="/verify/bulk/{job_id}?lang=en">Refresh</a>' in page
        assert 'id="bulk-download" hidden' in page  # the download appears when it is done
    finally:
        store.finish(job_id)
    done = world.app.test_client().get(f"/verify/bulk/{job_id}").get_data(as_text=True)
    assert "Refresh</a>" not in done and 'id="bulk-download" hidden' not in done


def test_the_bulk_pages_follow_the_readers_language(world: World) -> None:
    client = world.app.test_client()
    form = client.get("/verify/bulk?lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in form and "複数の学位をまとめて確認" in form
    assert "<code>url</code>" in form  # the column names stay as they are, not escaped
    assert '<input type="hidden" name="lang" value="ja">' in form
    store = world.app.extensions[EXTENSION].bulk.store
    job_id = store.create(client="192.0.2.8", total=4, destination="KZ", max_running=5)
    try:
        job = client.get(f"/verify/bulk/{job_id}?lang=ja").get_data(as_text=True)
        assert '<html lang="ja">' in job and "確認中：4件中0件完了。" in job
        # The script's sentences and verdict labels come from the page, in the same language.
        assert 'data-text-finished="完了：{total}件を確認しました。"' in job
        assert "検証されませんでした" in job
    finally:
        store.finish(job_id)


def test_an_upload_above_the_bulk_limit_is_413_and_the_single_api_keeps_its_own(
    world: World,
) -> None:
    client = world.app.test_client()
    limit = world.cfg.bulk_max_upload_bytes
    too_big = client.post("/api/verify/bulk", data=b"u" * (limit + 1), content_type="text/csv")
    assert too_big.status_code == 413
    assert too_big.mimetype == "application/problem+json"
    # Larger than one credential may be, within the bulk limit: read, then refused for content.
    big_csv = b"url\n" + b"https://uni.example/share/x\n" * 40_000  # about 1.1 MB, 40,000 rows
    assert world.cfg.max_body_bytes < len(big_csv) < limit
    response = client.post("/api/verify/bulk", data=big_csv, content_type="text/csv")
    assert response.status_code == 413 and "at most 1000" in response.get_json()["detail"]
    single = client.post("/api/verify", data=big_csv, content_type="application/json")
    assert single.status_code == 413
