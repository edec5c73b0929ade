"""A test-made operator context folder (vc.contexts), shared by the vc, issuer and verifier tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

DEGREE_CONTEXT_URL = "https://contexts.university.example/degree/v1"
DEGREE_CONTEXT: dict[str, Any] = {
    "@context": {
        "@protected": True,
        "thesisTitle": "https://contexts.university.example/vocab#thesisTitle",
    }
}


def pinned_folder(
    folder: Path,
    *,
    url: str = DEGREE_CONTEXT_URL,
    content: bytes | None = None,
    sha256: str | None = None,
    file: str = "degree-v1.jsonld",
) -> Path:
    """A test-made extra-context folder: one context file and its manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    data = content if content is not None else json.dumps(DEGREE_CONTEXT, indent=2).encode()
    (folder / "degree-v1.jsonld").write_bytes(data)
    manifest = {
        "contexts": [
            {"url": url, "file": file, "sha256": sha256 or hashlib.sha256(data).hexdigest()}
        ]
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def document_using_it() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", DEGREE_CONTEXT_URL],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:university",
        "credentialSubject": {"id": "did:example:alumna", "thesisTitle": "On pinned contexts"},
    }
