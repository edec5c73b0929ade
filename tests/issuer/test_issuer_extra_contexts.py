"""The issuer with operator-pinned extra contexts: issues credentials that use them, and refuses
to start when a pinned file does not match its hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from contextkit import DEGREE_CONTEXT_URL, document_using_it, pinned_folder
from webfixtures import make_env

from issuer.config import IssuerConfig
from issuer.service import open_service
from issuer.web import create_app
from vc.dates import utcnow
from vc.dids import DidResolver
from vc.extracontexts import ExtraContextError
from vc.proofs import verify


def _unsigned() -> dict[str, object]:
    document = document_using_it()
    del document["issuer"]
    return document


def test_vcapi_issues_a_credential_with_a_pinned_context(tmp_path: Path) -> None:
    env = make_env(
        tmp_path, did_method="key", extra_contexts_dir=pinned_folder(tmp_path / "contexts")
    )
    try:
        response = env.client.post(
            "/credentials/issue", json={"credential": _unsigned()}, headers=env.auth()
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        signed = response.get_json()["verifiableCredential"]
        assert DEGREE_CONTEXT_URL in signed["@context"]
        report = verify(
            signed, resolver=DidResolver(), now=utcnow(), loader=env.service.context.loader
        )
        assert report.verified, report.errors
    finally:
        env.service.close()


def test_without_the_folder_the_context_is_refused(tmp_path: Path) -> None:
    env = make_env(tmp_path, did_method="key")
    try:
        response = env.client.post(
            "/credentials/issue", json={"credential": _unsigned()}, headers=env.auth()
        )
        assert response.status_code in (400, 422)
        assert DEGREE_CONTEXT_URL in response.get_json()["detail"]
    finally:
        env.service.close()


def test_a_changed_context_file_stops_the_issuer_at_start_up(tmp_path: Path) -> None:
    folder = pinned_folder(tmp_path / "contexts")
    (folder / "degree-v1.jsonld").write_text('{"@context": {"thesisTitle": "urn:x"}}')
    config = IssuerConfig.from_env(
        {
            "DIPLOMAT_HOME": str(tmp_path),
            "DIPLOMAT_SECRET_KEY": "s" * 40,
            "DIPLOMAT_EXTRA_CONTEXTS": str(folder),
        }
    )
    assert config.extra_contexts_dir == folder
    with pytest.raises(ExtraContextError, match=DEGREE_CONTEXT_URL):
        open_service(config)
    with pytest.raises(ExtraContextError, match="but the manifest pins"):
        create_app(config)
