"""Operator-pinned extra JSON-LD contexts: a folder of files plus a manifest of URL -> SHA-256.

A university with its own degree context (or a test deployment that needs the W3C examples
context) puts the context files in one folder with a ``manifest.json``, in the same shape as
``schemas/contexts/manifest.json``::

    {"contexts": [{"url": "https://…/v1", "file": "my-context.jsonld", "sha256": "<64 hex>"}]}

The folder is read once, when a service starts; every file must hash to its pinned SHA-256, or
start-up fails with a message naming the URL, the file and both hashes. The contexts are then
served by the offline loader next to the vendored ones, never fetched. An extra context may not
replace a vendored one (the W3C and Open Badges contexts stay what Diplomat ships).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vc.errors import DiplomatError, MalformedValueError
from vc.jsonld import StaticDocumentLoader, default_loader, vendored_contexts

MANIFEST = "manifest.json"
MAX_CONTEXT_BYTES = 1024 * 1024
MAX_CONTEXTS = 200
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_URL = re.compile(r"https?://[^\s/]+/\S*\Z")


class ExtraContextError(MalformedValueError):
    """The operator's extra-context folder is unusable: the service refuses to start."""


def _read(path: Path, what: str) -> bytes:
    try:
        if path.stat().st_size > MAX_CONTEXT_BYTES:
            raise ExtraContextError(f"{what} {path} is larger than {MAX_CONTEXT_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise ExtraContextError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc


def load_extra_contexts(folder: Path, vendored: Mapping[str, object]) -> dict[str, dict[str, Any]]:
    """The pinned contexts in ``folder``, by URL, each checked against its SHA-256.

    ``vendored`` holds the URLs the loader already serves (an extra context may not replace
    one). Raises ExtraContextError naming what is wrong: no or a malformed manifest, an entry
    without url / file / sha256, a file outside the folder, a hash mismatch, a file that is not
    a JSON object with "@context", a URL given twice or already vendored.
    """
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(_read(manifest_path, "extra-context manifest"))
    except ValueError as exc:  # not UTF-8, not JSON
        raise ExtraContextError(f"{manifest_path} is not valid JSON: {exc}") from exc
    entries = manifest.get("contexts") if isinstance(manifest, dict) else None
    if not isinstance(entries, list) or len(entries) > MAX_CONTEXTS:
        raise ExtraContextError(
            f"{manifest_path} needs a 'contexts' list (at most {MAX_CONTEXTS} entries)"
        )
    found: dict[str, dict[str, Any]] = {}
    for number, entry in enumerate(entries):
        where = f"{manifest_path} entry {number}"
        if not isinstance(entry, dict):
            raise ExtraContextError(f"{where} must be an object with url, file and sha256")
        url, name, pinned = entry.get("url"), entry.get("file"), entry.get("sha256")
        if not isinstance(url, str) or not _URL.match(url):
            raise ExtraContextError(f"{where}: url must be an absolute http(s) URL")
        if not isinstance(name, str) or not _FILE.match(name) or name == MANIFEST:
            raise ExtraContextError(f"{where}: file must be a plain file name in {folder}")
        if not isinstance(pinned, str) or not _SHA256.match(pinned):
            raise ExtraContextError(f"{where}: sha256 must be 64 lower-case hex digits")
        if url in vendored:
            raise ExtraContextError(
                f"{where}: {url} is a context Diplomat ships; it cannot be replaced"
            )
        if url in found:
            raise ExtraContextError(f"{where}: {url} is pinned twice")
        data = _read(folder / name, f"extra context {url}:")
        actual = hashlib.sha256(data).hexdigest()
        if actual != pinned:
            raise ExtraContextError(
                f"extra context {url}: {folder / name} has SHA-256 {actual}, but the manifest"
                f" pins {pinned}; the file changed, or the manifest is wrong"
            )
        try:
            document = json.loads(data)
        except (ValueError, DiplomatError) as exc:  # ValueError: not UTF-8, not JSON, huge ints
            raise ExtraContextError(f"extra context {url}: {name} is not JSON: {exc}") from exc
        if not isinstance(document, dict) or not isinstance(document.get("@context"), dict):
            raise ExtraContextError(
                f"extra context {url}: {name} must be a JSON object with an '@context' object"
            )
        found[url] = document
    return found


def loader_with_extra_contexts(folder: Path | None) -> StaticDocumentLoader:
    """The offline loader: the vendored contexts, plus the pinned ones in ``folder`` if given.

    Raises ExtraContextError (see load_extra_contexts).
    """
    if folder is None:
        return default_loader()
    return StaticDocumentLoader(load_extra_contexts(folder, vendored_contexts()))
