"""The employer's pages: rendered by the app (test client) and driven in headless Chromium against
real 127.0.0.1 servers (the share link server and the verifier itself), as a QR code opens them."""

from __future__ import annotations

import io
import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import browserkit
import pytest
import webkit as kit
from flask import Flask

from verifier.web import create_app

SECTIONS = ("authenticity", "validity", "issuer_legitimacy", "recognition")


@dataclass
class Site:
    app: Flask
    server: kit.DocumentServer
    good_share: str
    tampered_share: str
    good: dict[str, Any]
    revoked_share: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("pages")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    with kit.DocumentServer() as server:
        list_url = server.url("/status/1")
        server.put("/status/1", kit.status_list(list_url, revoked=[3]), "application/vc")
        good = kit.signed_degree(status_url=list_url, index=7)
        good_share = server.put("/share/good", good)
        tampered_share = server.put("/share/tampered", kit.tampered(good))
        revoked_share = server.put(
            "/share/revoked", kit.signed_degree(status_url=list_url, index=3)
        )
        server.put("/share/page", b"<html>a diploma page</html>", "text/html")
        cfg = kit.config(registry, database_url=f"sqlite:///{tmp / 'verifier.sqlite3'}")
        app = create_app(cfg, context_factory=kit.context_factory(cfg))
        yield Site(app, server, good_share, tampered_share, good, revoked_share)


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# --- rendered pages (test client) -----------------------------------------------------------------


def test_landing_offers_three_ways_in_without_scripts(site: Site) -> None:
    page = _text(site.app.test_client().get("/"))
    assert 'action="/verify"' in page
    assert 'action="/verify/upload"' in page and 'enctype="multipart/form-data"' in page
    assert 'action="/verify/paste"' in page
    assert "<script" not in page
    assert not re.search(r'(src|href)="https?://', page)  # nothing from other origins
    assert "DEMO / DEVELOPMENT MODE" in page


def test_qr_link_page_shows_the_four_sections_and_the_degree(site: Site) -> None:
    client = site.app.test_client()
    page = _text(client.get(kit.verifier_link("", site.good_share, "JP")))
    assert 'data-verdict="verified_with_warnings"' in page
    for section in SECTIONS:
        assert f'id="section-{section}"' in page
    assert 'id="section-authenticity" data-status="pass"' in page
    assert 'id="section-recognition" data-status="indeterminate"' in page
    assert "Aigerim Sarsenbayeva" in page and "Master of Science in Software Engineering" in page
    assert "Tokyo Convention" in page and "Reservation:" in page
    assert "check with the national information centre" in page
    assert "Could not confirm" in page  # "could not check" has its own words, never "Passed"
    assert site.server.url("/status/1") in page  # evidence: where the status came from
    assert 'id="untrusted"' not in page


def test_recognition_follows_the_chosen_country(site: Site) -> None:
    page = _text(site.app.test_client().get(kit.verifier_link("", site.good_share, "KZ")))
    assert 'data-verdict="verified"' in page
    assert 'id="section-recognition" data-status="not_applicable"' in page
    assert '<option value="KZ" selected>' in page


def test_tampered_credential_page_warns_that_data_is_untrusted(site: Site) -> None:
    page = _text(site.app.test_client().get(kit.verifier_link("", site.tampered_share)))
    assert 'data-verdict="not_verified"' in page
    assert 'id="untrusted"' in page
    assert 'id="section-authenticity" data-status="fail"' in page
    assert "on untrusted data" in page


def test_paste_and_file_upload_give_the_same_report(site: Site) -> None:
    client = site.app.test_client()
    text = json.dumps(site.good)
    pasted = _text(client.post("/verify/paste", data={"credential": text, "for": "JP"}))
    uploaded = _text(
        client.post(
            "/verify/upload",
            data={"file": (io.BytesIO(text.encode()), "diploma.json"), "for": "JP"},
            content_type="multipart/form-data",
        )
    )
    for page in (pasted, uploaded):
        assert 'data-verdict="verified_with_warnings"' in page
        assert 'name="credential" hidden' in page  # re-run for another country without JS


def test_uploaded_qr_image_is_followed_to_the_share_link(site: Site) -> None:
    png = kit.qr_png(kit.verifier_link("http://127.0.0.1:8002", site.good_share))
    page = _text(
        site.app.test_client().post(
            "/verify/upload",
            data={"file": (io.BytesIO(png), "qr.png"), "for": "JP"},
            content_type="multipart/form-data",
        )
    )
    assert 'data-verdict="verified_with_warnings"' in page
    assert site.good_share in page


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (kit.noise_png(), "no QR code was found"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a readable PNG or JPEG"),
        (b"\xff\xd8\xff\xe0garbage", "not a readable PNG or JPEG"),
        (b"\x00\x01\x02\xff\xfe", "neither a credential"),
        (b"just some words", "not JSON"),
        (b"just some words", "Upload the credential file the graduate received (.json)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not a readable PDF"),
        (b"", "the uploaded file is empty. Upload the credential file"),
    ],
)
def test_bad_uploads_are_clear_400_pages(site: Site, upload: bytes, words: str) -> None:
    response = site.app.test_client().post(
        "/verify/upload",
        data={"file": (io.BytesIO(upload), "upload.png")},
        content_type="multipart/form-data",
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    page = _text(response)
    assert words in page
    assert "Nothing was verified" in page


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/verify?url=ftp://example.org/x", "must be an https"),
        ("/verify?url=http://10.0.0.1/x", "private address"),
        ("/verify?url=http://169.254.169.254/", "link-local address"),
        ("/verify?url=__SHARE_PAGE__", "returned a web page"),
        ("/verify?url=__SHARE_PAGE__&for=Japan", "ISO 3166-1"),
    ],
)
def test_bad_links_are_clear_error_pages(site: Site, path: str, words: str) -> None:
    path = path.replace("__SHARE_PAGE__", site.server.url("/share/page"))
    response = site.app.test_client().get(path, headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert words in _text(response)


def test_an_empty_link_form_says_no_link_given(site: Site) -> None:
    response = site.app.test_client().post(
        "/verify", data={"url": " "}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 400
    assert "no link given" in _text(response)


def test_verify_without_a_link_is_the_landing_page_saying_what_to_give(site: Site) -> None:
    for path in ("/verify", "/verify?url=", "/verify?for=JP"):
        response = site.app.test_client().get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200
        page = _text(response)
        assert 'role="status"' in page and "open the link under the diploma" in page
        assert 'action="/verify/upload"' in page
        assert "Parsing error" not in page


@pytest.mark.parametrize("path", ["/share/missing", "/share/withdrawn"])
def test_a_dead_share_link_reads_as_a_link_that_no_longer_works(site: Site, path: str) -> None:
    site.server.gone.add("/share/withdrawn")
    url = site.server.url(path)
    page_response = site.app.test_client().get(
        "/verify?url=" + url, headers={"Accept": "text/html"}
    )
    assert page_response.status_code == 422
    page = _text(page_response)
    assert "The link no longer works" in page
    assert "the graduate or issuer may have withdrawn it" in page
    assert "Remote document could not be retrieved" not in page
    api = site.app.test_client().post("/api/verify", json={"url": url})
    problem = api.get_json()
    assert api.status_code == 422
    assert problem["type"] == "urn:diplomat:problem:share-link-gone"
    assert "STATUS_RETRIEVAL" not in json.dumps(problem)


def test_a_share_link_that_cannot_be_reached_is_502(site: Site) -> None:
    with socket.socket() as probe:  # a port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    response = site.app.test_client().get(
        f"/verify?url=http://127.0.0.1:{port}/share/x", headers={"Accept": "text/html"}
    )
    assert response.status_code == 502
    page = _text(response)
    assert "The link could not be opened" in page and "try again later" in page


def test_empty_paste_is_400(site: Site) -> None:
    response = site.app.test_client().post("/verify/paste", data={"credential": "  "})
    assert response.status_code == 400


# --- headless Chromium ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with browserkit.chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def verifier_url(site: Site) -> Iterator[str]:
    with kit.AppServer(site.app) as server:
        yield server.base_url


def _submit(driver: Any, button: Any) -> None:
    """Click a submit button and wait until the next page has replaced this one."""
    browserkit.submit(driver, button)


def _sections(driver: Any) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    return {
        element.get_attribute("id").removeprefix("section-"): element.get_attribute("data-status")
        for element in driver.find_elements(By.CSS_SELECTOR, "section.section")
    }


@pytest.mark.browser
def test_browser_opens_the_qr_link_and_sees_four_verdicts(
    browser: Any, verifier_url: str, site: Site
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(kit.verifier_link(verifier_url, site.good_share, "JP"))
    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.get_attribute("data-verdict") == "verified_with_warnings"
    assert "Genuine, with warnings" in verdict.text
    assert _sections(browser) == {
        "authenticity": "pass",
        "validity": "pass",
        "issuer_legitimacy": "pass",
        "recognition": "indeterminate",
    }
    # One line per section, under the verdict: name, symbol and word.
    titles = browser.find_elements(By.CSS_SELECTOR, "section.section h3")
    assert [t.text.split(":")[0].lstrip("✓✗?– ") for t in titles] == [
        "Authenticity",
        "Validity",
        "Issuer legitimacy",
        "Recognition",
    ]
    # "Could not check" must not look like a pass: another colour and another symbol.
    sections = browser.find_elements(By.CSS_SELECTOR, "section.section")
    passed = sections[0].value_of_css_property("border-left-color")
    unknown = sections[3].value_of_css_property("border-left-color")
    assert passed != unknown and "?" in titles[3].text
    assert browser.find_element(By.ID, "degree").text.count("Aigerim Sarsenbayeva") == 1
    browser.save_screenshot("/tmp/diplomat-verifier-report.png")

    # Re-run for another country with the selector (no JavaScript involved).
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.CSS_SELECTOR, "form.rerun select[name=for]")).select_by_value(
        "KZ"
    )
    _submit(browser, browser.find_element(By.CSS_SELECTOR, "form.rerun button"))
    assert browser.find_element(By.ID, "verdict").get_attribute("data-verdict") == "verified"
    assert _sections(browser)["recognition"] == "not_applicable"


@pytest.mark.browser
def test_browser_tampered_and_revoked(browser: Any, verifier_url: str, site: Site) -> None:
    from selenium.webdriver.common.by import By

    browser.get(kit.verifier_link(verifier_url, site.tampered_share))
    assert browser.find_element(By.ID, "verdict").get_attribute("data-verdict") == "not_verified"
    assert "authenticity was not confirmed" in browser.find_element(By.ID, "untrusted").text
    browser.save_screenshot("/tmp/diplomat-verifier-tampered.png")
    browser.get(kit.verifier_link(verifier_url, site.revoked_share))
    assert _sections(browser)["validity"] == "fail"
    assert "revoked" in browser.find_element(By.ID, "section-validity").text.lower()


@pytest.mark.browser
def test_browser_uploads_a_qr_image(
    browser: Any, verifier_url: str, site: Site, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    image = tmp_path / "diploma-qr.png"
    image.write_bytes(kit.qr_png(kit.verifier_link(verifier_url, site.good_share)))
    browser.get(verifier_url + "/")
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/verify/upload']")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(image))
    Select(form.find_element(By.CSS_SELECTOR, "select[name=for]")).select_by_value("JP")
    browser.save_screenshot("/tmp/diplomat-verifier-landing.png")
    _submit(browser, form.find_element(By.CSS_SELECTOR, "button"))
    assert browser.find_element(By.ID, "verdict").get_attribute("data-verdict") == (
        "verified_with_warnings"
    )
    assert set(_sections(browser)) == set(SECTIONS)
    assert site.good_share in browser.find_element(By.ID, "verdict").text


@pytest.mark.browser
def test_browser_noise_image_gets_a_clear_message(
    browser: Any, verifier_url: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    image = tmp_path / "noise.png"
    image.write_bytes(kit.noise_png())
    browser.get(verifier_url + "/")
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/verify/upload']")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(image))
    _submit(browser, form.find_element(By.CSS_SELECTOR, "button"))
    problem = browser.find_element(By.CSS_SELECTOR, "section.problem")
    assert "no QR code was found" in problem.text


@pytest.mark.browser
def test_browser_checks_the_candidates_email_without_putting_it_in_a_url(
    browser: Any, verifier_url: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    diploma = tmp_path / "diploma.json"
    diploma.write_text(json.dumps(kit.identified_degree()), encoding="utf-8")
    browser.get(verifier_url + "/")
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/verify/upload']")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(diploma))
    typed = kit.CANDIDATE_EMAIL.title()  # as a job application might spell it
    form.find_element(By.CSS_SELECTOR, "input[name=recipient]").send_keys(typed)
    _submit(browser, form.find_element(By.CSS_SELECTOR, "button"))
    # The check's evidence is behind "Evidence" of the authenticity line: open it, as a reader.
    browser.find_element(By.CSS_SELECTOR, "#section-authenticity details summary").click()
    check = browser.find_element(By.CSS_SELECTOR, "li[data-check=recipient]")
    assert "Passed" in check.text and "Issued to your candidate" in check.text
    assert "a***@student.example.kz" in check.text and "hashed with salt" in check.text
    assert browser.current_url == verifier_url + "/verify/upload"  # POSTed: nothing in the URL
    assert kit.CANDIDATE_EMAIL not in browser.page_source.lower()
    # The re-run form's field is empty: the address is not carried into the next request.
    rerun = browser.find_element(By.CSS_SELECTOR, "form.rerun input[name=recipient]")
    assert rerun.get_attribute("value") == ""
    hidden = browser.find_element(By.CSS_SELECTOR, "form.rerun textarea[name=credential]")
    assert not hidden.is_displayed()  # the credential travels along, out of sight
    browser.save_screenshot("/tmp/diplomat-verifier-recipient.png")


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_mistyped_url_is_an_html_page_for_a_browser_and_a_problem_for_a_machine(
    site: Site,
) -> None:
    client = site.app.test_client()
    for path in ("/nothing-here", "/api/nothing", "/verify/nothing/here"):
        page = client.get(path, headers={"Accept": BROWSER_ACCEPT})
        assert page.status_code == 404 and page.mimetype == "text/html", path
        assert "Check another degree" in _text(page)
        for accept in ("application/json", "application/problem+json", "*/*"):
            machine = client.get(path, headers={"Accept": accept})
            if path.startswith("/verify") and accept == "*/*":
                continue  # the pages' own paths answer "*/*" with their HTML
            assert machine.status_code == 404
            assert machine.mimetype == "application/problem+json", (path, accept)
