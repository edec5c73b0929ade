"""Headless Chromium for the page tests: one driver recipe and one way to follow a form submission.

The tests skip, saying why, when Debian's /usr/bin/chromium or /usr/bin/chromedriver is absent
(`make test` installs them).

Following a navigation is the fragile part of browser tests. While Chromium swaps documents, a
command on an element of the old page can fail with a transient inspector error ("Node with given
id does not belong to the document") instead of the stale-element error Selenium's
``staleness_of`` expects. So a submission marks the current document, clicks, and waits for a
completely loaded document without the mark, treating errors raised mid-swap as "not yet".
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
TIMEOUT = 30.0

T = TypeVar("T")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium WebDriver with its own throw-away profile; skips when not installed."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(
            f"headless browser tests need {CHROMIUM} and {CHROMEDRIVER} (make test installs them)"
        )
    from selenium import webdriver

    profile = tempfile.mkdtemp(prefix="diplomat-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(
        options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    )
    driver.set_page_load_timeout(TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: Any, condition: Callable[[Any], T], timeout: float = TIMEOUT) -> T:
    """Wait until ``condition(driver)`` is truthy, retrying through errors of a page being swapped.

    Fails with the condition's last error (or a timeout) when it never holds.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,)).until(condition)


def submit(driver: Any, element: Any, timeout: float = TIMEOUT) -> None:
    """Click ``element`` (a submit button or link) and wait until the next page has fully loaded."""
    mark = secrets.token_hex(8)
    driver.execute_script("document.documentElement.dataset.leaving = arguments[0]", mark)
    element.click()
    wait_for(
        driver,
        lambda d: d.execute_script(
            "return document.readyState === 'complete'"
            " && document.documentElement.dataset.leaving !== arguments[0]",
            mark,
        ),
        timeout,
    )
