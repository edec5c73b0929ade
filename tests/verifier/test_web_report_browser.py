"""The redesigned report in headless Chromium: the first screen on a 390 × 844 phone, the page in
Japanese and Kazakh, the printed page on one A4 sheet, and axe-core finding no serious or
critical accessibility violation. Screenshots and printed PDFs go to tests/artefacts/ (git-ignored)
so a person can look at them."""

from __future__ import annotations

import base64
import copy
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import browserkit
import pytest
import webkit as kit

from verifier.web import create_app

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = (390, 844)
HOLDER = "Серікова Айгерім Болатқызы"


def kazakh_degree(status_url: str) -> dict[str, Any]:
    """The demo's degree shape: a Cyrillic name, a diploma number, a classification, credits."""
    credential = kit.degree(status_url=status_url, index=7)
    subject = copy.deepcopy(credential["credentialSubject"])
    subject["name"] = HOLDER
    subject["licenseNumber"] = "ЖБ-Б 1234567"
    subject["creditsEarned"] = 120
    subject["result"] = [
        {
            "type": ["Result"],
            "resultDescription": "urn:example:classification",
            "value": "With honours",
        }
    ]
    credential["credentialSubject"] = subject
    return kit.sign(credential)


@dataclass
class Site:
    base: str
    good: str
    tampered: str
    good_credential: dict[str, Any]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("report")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    with kit.DocumentServer() as server:
        list_url = server.url("/status/1")
        server.put("/status/1", kit.status_list(list_url), "application/vc")
        good = kazakh_degree(list_url)
        good_share = server.put("/share/good", good)
        tampered_share = server.put("/share/tampered", kit.tampered(good))
        cfg = kit.config(registry, database_url=f"sqlite:///{tmp / 'verifier.sqlite3'}")
        app = create_app(cfg, context_factory=kit.context_factory(cfg))
        with kit.AppServer(app) as verifier:
            yield Site(verifier.base_url, good_share, tampered_share, good)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with browserkit.chromium() as driver:
        yield driver


def _artefact(name: str) -> Path:
    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS / name


def _viewport(driver: Any, size: tuple[int, int] | None) -> None:
    """Emulate a device viewport (CSS pixels); None restores the window's own."""
    if size is None:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return
    width, height = size
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )


def _open(driver: Any, url: str) -> None:
    driver.get(url)
    browserkit.wait_for(
        driver, lambda d: d.execute_script("return document.readyState === 'complete'")
    )


def _link(site: Site, share: str, country: str = "JP", lang: str | None = None) -> str:
    url = kit.verifier_link(site.base, share, country)
    return url + (f"&lang={lang}" if lang else "")


def _box(driver: Any, selector: str) -> dict[str, float]:
    box: dict[str, float] = driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY};",
        selector,
    )
    return box


@pytest.mark.browser
def test_phone_first_screen_shows_verdict_holder_degree_and_institution(
    browser: Any, site: Site
) -> None:
    from selenium.webdriver.common.by import By

    _viewport(browser, PHONE)
    try:
        _open(browser, _link(site, site.good))
        assert browser.execute_script("return window.innerWidth") == PHONE[0]
        # Nothing wider than the phone: no sideways scrolling.
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth"
        )
        for selector in ("#verdict h1", ".sentence", "#degree .holder", "#degree .title",
                         "#degree .institution"):  # fmt: skip
            assert _box(browser, selector)["bottom"] <= PHONE[1], selector
        assert browser.find_element(By.CSS_SELECTOR, "#degree .holder").text == HOLDER
        assert browser.find_elements(By.TAG_NAME, "h1") == [
            browser.find_element(By.CSS_SELECTOR, "#verdict h1")
        ]
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.save_screenshot(str(_artefact("report-phone-en.png")))
        print(f"phone page height: {height} px")
        assert height <= 3 * PHONE[1]
    finally:
        _viewport(browser, None)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("lang", "verdict", "section_word"),
    [
        ("en", "Genuine, with warnings", "Could not confirm"),
        ("ja", "本物（警告あり）", "確認できません"),
        ("kk", "Түпнұсқа, ескертулермен", "Растау мүмкін болмады"),
    ],
)
def test_the_report_in_the_readers_language(
    browser: Any, site: Site, lang: str, verdict: str, section_word: str
) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, _link(site, site.good, lang=lang))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    assert verdict in browser.find_element(By.CSS_SELECTOR, "#verdict h1").text
    assert section_word in browser.find_element(By.ID, "section-recognition").text
    holder = browser.find_element(By.CSS_SELECTOR, "#degree .holder")
    # A Cyrillic name on a Japanese or English page says so; on a Kazakh page it needs nothing.
    tagged = holder.find_elements(By.CSS_SELECTOR, "[lang]")
    assert [t.get_attribute("lang") for t in tagged] == ([] if lang == "kk" else ["und-Cyrl"])
    browser.save_screenshot(str(_artefact(f"report-desktop-{lang}.png")))
    height = browser.execute_script("return document.documentElement.scrollHeight")
    print(f"desktop page height ({lang}): {height} px")
    _viewport(browser, PHONE)
    try:
        _open(browser, _link(site, site.good, lang=lang))
        assert _box(browser, "#degree .holder")["bottom"] <= PHONE[1]
        browser.save_screenshot(str(_artefact(f"report-phone-{lang}.png")))
    finally:
        _viewport(browser, None)


def _printed_pages(driver: Any, name: str) -> int:
    from pypdf import PdfReader

    printed = driver.execute_cdp_cmd(
        "Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True}
    )
    data = base64.b64decode(printed["data"])
    _artefact(name).write_bytes(data)
    return len(PdfReader(io.BytesIO(data)).pages)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "ja", "ru"])
def test_the_printed_report_fits_on_one_a4_page(browser: Any, site: Site, lang: str) -> None:
    _open(browser, _link(site, site.good, lang=lang))
    assert _printed_pages(browser, f"report-print-{lang}.pdf") == 1
    _open(browser, _link(site, site.tampered, lang=lang))
    assert _printed_pages(browser, f"report-print-tampered-{lang}.pdf") == 1


def _axe(driver: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page (WCAG 2 A and AA)."""
    if not AXE.is_file():
        pytest.skip(f"the accessibility test needs {AXE} (make test installs it with npm ci)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa',"
        " 'best-practice']}}).then(r => done({violations: r.violations.map(v => ({id: v.id,"
        " impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))}),"
        " e => done({error: String(e)}));"
    )
    assert "error" not in result, result
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.browser
@pytest.mark.parametrize(
    ("page", "lang"),
    [("landing", "en"), ("good", "en"), ("good", "ja"), ("good", "kk"), ("tampered", "en")],
)
def test_axe_finds_no_serious_violations(browser: Any, site: Site, page: str, lang: str) -> None:
    browser.set_script_timeout(60)
    if page == "landing":
        url = f"{site.base}/?lang={lang}"
    else:
        url = _link(site, site.good if page == "good" else site.tampered, lang=lang)
    _open(browser, url)
    # Evidence open too: what a reader sees after expanding it must pass as well.
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    if page != "landing":
        browser.execute_script("document.getElementById('section-recognition').scrollIntoView()")
    browser.save_screenshot(str(_artefact(f"evidence-open-{page}-{lang}.png")))
    violations = _axe(browser)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
