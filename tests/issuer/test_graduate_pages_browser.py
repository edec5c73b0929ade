"""The graduate's pages in headless Chromium: on a 390 × 844 phone nothing scrolls sideways (the
holder page with its share links, a new link with its QR code, the public share page); the copy
button copies the new link, and without JavaScript the link is a plain text field; the same in
Russian, Kazakh, French and Korean (longer words, other scripts); the printed
share page is one A4 page with the diploma and its QR code, without buttons.
"""

from __future__ import annotations

import base64
import io
import itertools
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from browserkit import chromium, submit, wait_for
from PIL import Image
from pypdf import PdfReader
from test_issuer_i18n import catalogue
from webfixtures import LiveServer, WebEnv, degree_input, live_env

PHONE = (390, 844)
QR = zxingcpp.BarcodeFormat.QRCode  # a QR code's modules can also read as a 1D barcode
HOLDER = "Серікова Айгерім Болатқызы"
ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebEnv, LiveServer]]:
    yield from live_env(tmp_path_factory.mktemp("graduate"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def _phone(driver: Any, on: bool = True) -> None:
    if not on:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return
    width, height = PHONE
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True},
    )


def _open(driver: Any, url: str) -> None:
    driver.get(url)
    wait_for(driver, lambda d: d.execute_script("return document.readyState === 'complete'"))


def _overflow(driver: Any) -> dict[str, Any]:
    """How far the page reaches past the screen's right edge, and what sticks out."""
    found: dict[str, Any] = driver.execute_script(
        "const w = document.documentElement.clientWidth;"
        "const wide = [...document.querySelectorAll('body *')]"
        "  .filter(e => e.getBoundingClientRect().right > w + 0.5)"
        "  .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className).slice(0, 5);"
        "return {viewport: w, scroll: document.documentElement.scrollWidth, wide: wide};"
    )
    return found


def _no_sideways_scroll(driver: Any, name: str) -> None:
    found = _overflow(driver)
    ARTEFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTEFACTS / f"graduate-phone-{name}.png"))
    assert found["viewport"] == PHONE[0]
    assert found["scroll"] <= PHONE[0], found
    assert found["wide"] == [], found


_SERIAL = itertools.count(1)


def _issue(env: WebEnv) -> str:
    """A new degree for a new graduate (the module shares one issuer)."""
    n = next(_SERIAL)
    body = degree_input(diploma_number=f"ЖБ-Б {n:07d}", student_number=f"KZ-2021-{n:05d}")
    response = env.client.post("/api/degrees", json=body, headers=env.auth())
    assert response.status_code == 201
    return str(response.get_json()["managementUrl"])


def _new_link(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    submit(driver, driver.find_element(By.CSS_SELECTOR, "form.inline-form button"))
    return str(driver.find_element(By.ID, "new-share-field").get_attribute("value"))


@pytest.mark.browser
def test_the_holder_page_fits_a_phone(live: tuple[WebEnv, LiveServer], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    env, _server = live
    management_url = _issue(env)
    _phone(browser)
    try:
        _open(browser, management_url)
        _no_sideways_scroll(browser, "manage-empty")
        _new_link(browser)
        _new_link(browser)
        _no_sideways_scroll(browser, "manage-new-link")
        stops = browser.find_elements(By.CSS_SELECTOR, "#share-links button.danger")
        assert len(stops) == 2
        for stop in stops:
            box = browser.execute_script(
                "const r = arguments[0].getBoundingClientRect(); return [r.left, r.right];", stop
            )
            assert box[0] >= 0 and box[1] <= PHONE[0], box
        # Each stacked row still says what its values are.
        labels = browser.execute_script(
            "return [...document.querySelectorAll('#share-links tbody tr:first-child td')]"
            ".slice(0, 5).map(td => getComputedStyle(td, '::before').content);"
        )
        assert labels == ['"Created"', '"Expires"', '"Views"', '"Last viewed"', '"State"']
    finally:
        _phone(browser, on=False)


@pytest.mark.browser
def test_the_share_page_fits_a_phone(live: tuple[WebEnv, LiveServer], browser: Any) -> None:
    env, _server = live
    _open(browser, _issue(env))
    share_url = _new_link(browser)
    _phone(browser)
    try:
        _open(browser, share_url)
        _no_sideways_scroll(browser, "share")
    finally:
        _phone(browser, on=False)


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ru", "kk", "fr", "ko"])
def test_the_translated_pages_fit_a_phone(
    live: tuple[WebEnv, LiveServer], browser: Any, language: str
) -> None:
    """Longer words and other scripts (issuer.web.i18n): still no sideways scroll, and each
    stacked share-link row labels its values in the page's language."""
    from selenium.webdriver.common.by import By

    env, _server = live
    texts = catalogue(language)
    _phone(browser)
    try:
        _open(browser, _issue(env) + f"&lang={language}")
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
        _no_sideways_scroll(browser, f"manage-empty-{language}")
        _new_link(browser)
        share_url = _new_link(browser)
        assert browser.find_element(By.TAG_NAME, "h1").text == texts["Your diploma"]
        _no_sideways_scroll(browser, f"manage-new-link-{language}")
        labels = browser.execute_script(
            "return [...document.querySelectorAll('#share-links tbody tr:first-child td')]"
            ".slice(0, 5).map(td => getComputedStyle(td, '::before').content);"
        )
        headings = ("Created", "Expires", "Views", "Last viewed", "State")
        assert labels == [f'"{texts[heading]}"' for heading in headings]
        _open(browser, f"{share_url}?lang={language}")
        assert texts["Verify this diploma"] in browser.page_source
        _no_sideways_scroll(browser, f"share-{language}")
    finally:
        _phone(browser, on=False)


@pytest.mark.browser
def test_a_new_link_comes_with_its_qr_code_and_a_copy_button(
    live: tuple[WebEnv, LiveServer], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    env, server = live
    _open(browser, _issue(env))
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {
            "origin": server.url,
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        },
    )
    share_url = _new_link(browser)
    assert share_url.startswith(server.url + "/share/")
    assert browser.find_element(By.ID, "new-share-url").get_attribute("href") == share_url
    qr = browser.find_element(By.ID, "new-share-qr")
    wait_for(browser, lambda d: d.execute_script("return arguments[0].naturalWidth > 0", qr))
    png = base64.b64decode(qr.screenshot_as_base64)
    (decoded,) = [c.text for c in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=QR)]
    assert parse_qs(urlsplit(decoded).query)["url"] == [share_url]

    button = browser.find_element(By.CSS_SELECTOR, "button[data-copy]")
    assert button.is_displayed()
    button.click()
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".copy-state").text == "Copied.")
    copied = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, e => done('error: ' + e));"
    )
    assert copied == share_url


@pytest.mark.browser
def test_without_javascript_the_link_is_a_text_field(
    live: tuple[WebEnv, LiveServer], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    env, _server = live
    management_url = _issue(env)
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        _open(browser, management_url)
        share_url = _new_link(browser)
        assert share_url.startswith(env.base + "/share/")
        field = browser.find_element(By.ID, "new-share-field")
        assert field.is_displayed() and field.get_attribute("readonly") is not None
        assert not browser.find_element(By.CSS_SELECTOR, "button[data-copy]").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


@pytest.mark.browser
def test_the_printed_share_page_is_one_page_with_the_qr_code_and_no_buttons(
    live: tuple[WebEnv, LiveServer], browser: Any, tmp_path: Path
) -> None:
    import shutil
    import subprocess

    env, _server = live
    _open(browser, _issue(env))
    share_url = _new_link(browser)
    _open(browser, share_url)
    printed = browser.execute_cdp_cmd(
        "Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True}
    )
    data = base64.b64decode(printed["data"])
    ARTEFACTS.mkdir(exist_ok=True)
    (ARTEFACTS / "graduate-share-print.pdf").write_bytes(data)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    # Compared without spaces (the extractor splits some Cyrillic words of the printed fonts) and
    # NFKC-normalised: the printed fonts set "fl" and "fi" as ligatures, which a random share
    # token may contain ("oflw" came out as "o\ufb02w").
    text = unicodedata.normalize("NFKC", "".join(reader.pages[0].extract_text().split()))
    for shown in (HOLDER, "Bachelor of Engineering and Technology in Software Engineering"):
        assert "".join(shown.split()) in text
    assert share_url in text
    for gone in ("Verify this diploma", "Download the credential (JSON)"):
        assert "".join(gone.split()) not in text
    if not shutil.which("pdftoppm"):
        pytest.skip("decoding the printed QR code needs pdftoppm (make browser-deps)")
    path = tmp_path / "print.pdf"
    path.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "p")],
        capture_output=True,
        timeout=60,
        check=True,
    )
    codes = [c.text for c in zxingcpp.read_barcodes(Image.open(tmp_path / "p.png"), formats=QR)]
    assert len(codes) == 1
    assert parse_qs(urlsplit(codes[0]).query)["url"] == [share_url]
