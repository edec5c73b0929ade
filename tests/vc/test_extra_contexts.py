"""Operator-pinned extra contexts (vc.contexts): served offline when every hash matches, and a
clear refusal at start-up for anything else."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from contextkit import DEGREE_CONTEXT_URL, document_using_it, pinned_folder

from vc import jsonld
from vc.errors import ContextNotAllowedError
from vc.extracontexts import ExtraContextError, load_extra_contexts, loader_with_extra_contexts
from vc.jsonld import vendored_contexts


def test_pinned_context_is_served_offline_and_expands(tmp_path: Path) -> None:
    loader = loader_with_extra_contexts(pinned_folder(tmp_path / "contexts"))
    assert DEGREE_CONTEXT_URL in loader
    expanded = jsonld.expand(document_using_it(), loader)
    assert "https://contexts.university.example/vocab#thesisTitle" in json.dumps(expanded)
    # The vendored contexts are still there, and nothing else is loaded.
    assert "https://www.w3.org/ns/credentials/v2" in loader
    with pytest.raises(ContextNotAllowedError):
        loader("https://contexts.university.example/other", None)


def test_without_the_folder_the_context_is_refused() -> None:
    with pytest.raises(ContextNotAllowedError):
        jsonld.expand(document_using_it(), loader_with_extra_contexts(None))


def test_changed_file_fails_naming_url_file_and_both_hashes(tmp_path: Path) -> None:
    folder = pinned_folder(tmp_path / "contexts", sha256="0" * 64)
    actual = hashlib.sha256((folder / "degree-v1.jsonld").read_bytes()).hexdigest()
    with pytest.raises(ExtraContextError) as caught:
        loader_with_extra_contexts(folder)
    message = str(caught.value)
    assert DEGREE_CONTEXT_URL in message
    assert "degree-v1.jsonld" in message
    assert actual in message and "0" * 64 in message


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"url": "https://www.w3.org/ns/credentials/v2"}, "cannot be replaced"),
        ({"url": "not a url"}, "absolute http(s) URL"),
        ({"file": "../degree-v1.jsonld"}, "plain file name"),
        ({"file": "missing.jsonld"}, "cannot read"),
        ({"sha256": "ABC"}, "64 lower-case hex"),
        ({"content": b"[1, 2]"}, "'@context' object"),
        ({"content": b"{not json"}, "not JSON"),
    ],
)
def test_unusable_entries_are_refused(tmp_path: Path, kwargs: Any, fragment: str) -> None:
    folder = pinned_folder(tmp_path / "contexts", **kwargs)
    with pytest.raises(ExtraContextError, match=None) as caught:
        load_extra_contexts(folder, vendored_contexts())
    assert fragment in str(caught.value)


def test_missing_or_malformed_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExtraContextError, match="cannot read"):
        load_extra_contexts(tmp_path, vendored_contexts())
    (tmp_path / "manifest.json").write_text('{"contexts": {}}', encoding="utf-8")
    with pytest.raises(ExtraContextError, match="'contexts' list"):
        load_extra_contexts(tmp_path, vendored_contexts())
    (tmp_path / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(ExtraContextError, match="not valid JSON"):
        load_extra_contexts(tmp_path, vendored_contexts())


def test_a_url_pinned_twice_is_refused(tmp_path: Path) -> None:
    folder = pinned_folder(tmp_path / "contexts")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["contexts"].append(dict(manifest["contexts"][0]))
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ExtraContextError, match="pinned twice"):
        load_extra_contexts(folder, vendored_contexts())
