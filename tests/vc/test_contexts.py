"""The vendored JSON-LD contexts: pinned by SHA-256, identical to ../shared, served offline only."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from vc import jsonld
from vc.errors import ContextNotAllowedError, ParsingError
from vc.jsonld import CONTEXTS_DIR, StaticDocumentLoader, default_loader

MANIFEST = CONTEXTS_DIR / "manifest.json"
# The contexts the W3C vectors need only for tests; they must stay in ../shared, not in schemas/.
TEST_ONLY_CONTEXTS = (
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://w3id.org/citizenship/v4rc1",
)


def _entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(MANIFEST.read_text(encoding="utf-8"))["contexts"]
    return entries


ENTRIES = _entries()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make any socket connection fail loudly, and record attempts."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"network I/O attempted: connect({address!r})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    return attempts


def test_manifest_lists_every_file_and_only_those() -> None:
    files = {path.name for path in CONTEXTS_DIR.iterdir()} - {"manifest.json", "README.md"}
    assert files == {entry["file"] for entry in ENTRIES}
    urls = [entry["url"] for entry in ENTRIES]
    assert len(urls) == len(set(urls))


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["file"])
def test_file_has_manifest_sha256(entry: dict[str, Any]) -> None:
    data = (CONTEXTS_DIR / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert "@context" in json.loads(data)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["file"])
def test_file_identical_to_shared(entry: dict[str, Any], shared_dir: Path) -> None:
    shared = shared_dir / "contexts" / entry["file"]
    if not (shared_dir / "contexts").is_dir():
        pytest.skip("../shared/contexts is absent (it is provided beside the repository in CI)")
    assert shared.read_bytes() == (CONTEXTS_DIR / entry["file"]).read_bytes()


def test_manifest_identical_to_shared(shared_dir: Path) -> None:
    shared = shared_dir / "contexts" / "manifest.json"
    if not shared.is_file():
        pytest.skip("../shared/contexts is absent (it is provided beside the repository in CI)")
    assert json.loads(shared.read_bytes()) == json.loads(MANIFEST.read_bytes())


def test_test_only_contexts_are_not_vendored() -> None:
    loader = default_loader()
    for url in TEST_ONLY_CONTEXTS:
        assert url not in loader
        with pytest.raises(ContextNotAllowedError):
            loader(url)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["file"])
def test_loader_serves_every_manifest_url_offline(
    entry: dict[str, Any], no_network: list[object]
) -> None:
    loader = StaticDocumentLoader()
    result = loader(entry["url"])
    assert result["documentUrl"] == entry["url"]
    expected = json.loads((CONTEXTS_DIR / entry["file"]).read_text(encoding="utf-8"))
    assert result["document"] == expected
    assert no_network == []


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/context.jsonld",
        "https://www.w3.org/ns/credentials/v3",
        "http://www.w3.org/ns/credentials/v2",  # http is not https: another URL
        "https://www.w3.org/ns/credentials/v2/",
        "https://www.w3.org/ns/credentials/examples/v2",
        "file:///etc/passwd",
        "",
    ],
)
def test_loader_refuses_other_urls_without_network(url: str, no_network: list[object]) -> None:
    with pytest.raises(ContextNotAllowedError) as caught:
        StaticDocumentLoader()(url)
    assert caught.value.to_problem()["status"] == 400
    assert no_network == []


def test_expansion_with_unknown_context_refused_without_network(no_network: list[object]) -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx.jsonld"],
        "type": "VerifiableCredential",
    }
    with pytest.raises(ContextNotAllowedError):
        jsonld.expand(document)
    with pytest.raises(ContextNotAllowedError):
        jsonld.canonize(document)
    assert no_network == []


def test_remote_context_inside_a_context_refused(no_network: list[object]) -> None:
    """A scoped/nested context URL goes through the same loader."""
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"Thing": {"@id": "https://example.org/Thing", "@context": "https://evil.example/c"}},
        ],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"type": "Thing"},
    }
    with pytest.raises(ContextNotAllowedError) as caught:
        jsonld.canonize(document)
    assert isinstance(caught.value, ParsingError)  # rendered as PARSING_ERROR
    assert no_network == []


def test_extra_contexts_are_served(vector_loader: StaticDocumentLoader) -> None:
    for url in TEST_ONLY_CONTEXTS:
        assert url in vector_loader
        assert "@context" in vector_loader(url)["document"]
    # the vendored ones stay available
    assert "https://www.w3.org/ns/credentials/v2" in vector_loader
