"""Shared test fixtures: where ../shared lives, the W3C vectors, and a loader for their contexts;
and every Flask test client's responses checked against the app's OpenAPI document.

The vectors and the two test-only contexts they need are read from ../shared beside the
repository (CI provides it); they are never vendored into the project.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import openapikit
import pytest
from flask.testing import FlaskClient
from sharedkit import REQUIRE_SHARED_ENV, is_missing_shared_skip, shared_required

from vc.jsonld import StaticDocumentLoader

VECTORS_ABSENT = "../shared/vectors is absent (it is provided beside the repository in CI)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[Any]:
    """Under DIPLOMAT_REQUIRE_SHARED, turn "../shared is absent" skips into failures."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or not shared_required():
        return
    reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if is_missing_shared_skip(reason):
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_SHARED_ENV} is set but the oracle is missing: {reason}"


def shared_path() -> Path:
    """../shared relative to the repository root (it may not exist)."""
    return Path(__file__).resolve().parents[2] / "shared"


def vectors_path() -> Path:
    """../shared/vectors; skips the calling test with a clear reason when it is absent."""
    path = shared_path() / "vectors"
    if not path.is_dir():
        pytest.skip(VECTORS_ABSENT)
    return path


def load_json(path: Path) -> Any:
    """Parse a JSON file of the test data (plain json: the data is trusted and well-formed)."""
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (may be absent: use `vectors` for the vector files)."""
    return shared_path()


@pytest.fixture(scope="session")
def vectors() -> Path:
    """../shared/vectors, or a skip with the reason when it is absent."""
    return vectors_path()


@pytest.fixture(scope="session")
def vector_loader(vectors: Path) -> StaticDocumentLoader:
    """The vendored contexts plus the two test-only contexts of ../shared/vectors/contexts."""
    contexts = vectors / "contexts"
    manifest = load_json(contexts / "manifest.json")
    extra = {entry["url"]: load_json(contexts / entry["file"]) for entry in manifest["contexts"]}
    return StaticDocumentLoader(extra=extra)


@pytest.fixture(autouse=True)
def _data_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data home (DIPLOMAT_HOME) and no inherited configuration file, so
    nothing a test runs writes into the checkout's ./diplomat-data or reads the developer's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("DIPLOMAT_HOME", str(home))
    monkeypatch.delenv("DIPLOMAT_CONFIG", raising=False)
    return home


@pytest.fixture(autouse=True)
def openapi_checked_responses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every response a Flask test client receives must be one the answering app's OpenAPI
    document allows (tests/openapikit.py): the documents stay true to what the tests see."""
    original = FlaskClient.open

    def open_and_check(self: FlaskClient, *args: Any, **kwargs: Any) -> Any:
        response = original(self, *args, **kwargs)
        openapikit.check_response(self.application, response)
        return response

    monkeypatch.setattr(FlaskClient, "open", open_and_check)
