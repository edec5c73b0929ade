"""The verifier with operator-pinned extra contexts: credentials that use them verify; a pinned
file that does not match its hash stops the verifier at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ISSUER, NOW, SIGNED_AT, vm
from contextkit import DEGREE_CONTEXT_URL, document_using_it, pinned_folder

from vc import proofs
from vc.extracontexts import ExtraContextError, loader_with_extra_contexts
from verifier.config import VerifierConfig, build_context
from verifier.report import verify_credential
from verifier.web import create_app


def _config(tmp_path: Path, folder: Path | None) -> VerifierConfig:
    return VerifierConfig.from_env(
        {
            "DIPLOMAT_HOME": str(tmp_path),
            **({"DIPLOMAT_EXTRA_CONTEXTS": str(folder)} if folder else {}),
        }
    )


def _signed_with_pinned_loader(tmp_path: Path) -> dict[str, object]:
    document = document_using_it()
    document["issuer"] = ISSUER.public.did_key
    return proofs.sign(
        document,
        ISSUER,
        verification_method=vm(ISSUER),
        created=SIGNED_AT,
        loader=loader_with_extra_contexts(pinned_folder(tmp_path / "signing")),
    )


def test_a_credential_using_a_pinned_context_verifies(tmp_path: Path) -> None:
    credential = _signed_with_pinned_loader(tmp_path)
    folder = pinned_folder(tmp_path / "contexts")
    with_folder = verify_credential(credential, build_context(_config(tmp_path, folder), NOW))
    assert with_folder.check("proof.signature").status.value == "pass"
    without = verify_credential(credential, build_context(_config(tmp_path, None), NOW))
    assert not without.verified
    assert DEGREE_CONTEXT_URL in str(without.to_dict())


def test_a_changed_context_file_stops_the_verifier_at_start_up(tmp_path: Path) -> None:
    folder = pinned_folder(tmp_path / "contexts")
    (folder / "degree-v1.jsonld").write_text('{"@context": {"thesisTitle": "urn:x"}}')
    config = _config(tmp_path, folder)
    with pytest.raises(ExtraContextError, match=DEGREE_CONTEXT_URL):
        build_context(config, NOW)
    with pytest.raises(ExtraContextError, match="but the manifest pins"):
        create_app(config)
