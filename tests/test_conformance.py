"""The conformance runner's own logic (the suites themselves run in `make conformance`): it skips
with a reason when it cannot run, and writes a suite configuration that names our endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance import run
from conformance.deploy import Deployment, IssuerEndpoint
from conformance.suites import EXPLAINED, SUITES, explanation, local_config


def test_absent_suites_are_a_skip_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run.main(["--suites", str(tmp_path / "nowhere"), "--scratch", str(tmp_path / "s")])
    assert code == 0
    out = capsys.readouterr().out
    assert "skipped" in out and "absent" in out
    assert not (tmp_path / "s").exists()


def test_incomplete_suites_are_a_skip_naming_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "vc-data-model-2.0-test-suite").mkdir()
    assert run.main(["--suites", str(tmp_path), "--scratch", str(tmp_path / "s")]) == 0
    assert "vc-di-eddsa-test-suite" in capsys.readouterr().out


def _deployment() -> Deployment:
    issuers = {
        label: IssuerEndpoint(label, f"did:key:{label}", f"https://127.0.0.1:{port}", "t-" + label)
        for label, port in (("Ed25519", 1001), ("P-256", 1002), ("P-384", 1003))
    }
    return Deployment(issuers, "https://127.0.0.1:1004")


@pytest.mark.parametrize("suite", SUITES, ids=[s.folder for s in SUITES])
def test_local_config_names_our_endpoints_with_their_tokens(suite: object) -> None:
    text = local_config(suite, _deployment())  # type: ignore[arg-type]
    assert text.startswith("module.exports = ") and text.endswith(";\n")
    config = json.loads(text[len("module.exports = ") : -2])
    (implementation,) = config["implementations"]
    assert implementation["issuers"] and implementation["verifiers"]
    for issuer in implementation["issuers"]:
        label = issuer["id"].removeprefix("did:key:")
        assert issuer["endpoint"].endswith("/credentials/issue")
        assert issuer["headers"] == {"Authorization": f"Bearer t-{label}"}
        assert issuer["tags"]
    for verifier in implementation["verifiers"]:
        assert verifier["endpoint"] == "https://127.0.0.1:1004/credentials/verify"
        assert "headers" not in verifier


def test_ecdsa_config_has_one_issuer_per_curve_and_cryptosuite() -> None:
    suite = next(s for s in SUITES if "ecdsa" in s.folder)
    config = json.loads(local_config(suite, _deployment())[len("module.exports = ") : -2])
    issuers = config["implementations"][0]["issuers"]
    seen = {
        (i["tags"][0], i["supportedEcdsaKeyTypes"][0], i["options"]["cryptosuite"]) for i in issuers
    }
    assert seen == {
        (suite_name, curve, suite_name)
        for suite_name in ("ecdsa-rdfc-2019", "ecdsa-jcs-2019")
        for curve in ("P-256", "P-384")
    }


SUITE_SOURCES = Path(__file__).resolve().parents[1].parent / "shared" / "w3c-suites"


@pytest.mark.skipif(not SUITE_SOURCES.is_dir(), reason=f"W3C suites absent: {SUITE_SOURCES}")
@pytest.mark.parametrize(("folder", "end"), sorted(EXPLAINED), ids=lambda v: str(v)[:40])
def test_each_explained_outcome_names_a_real_test_title(folder: str, end: str) -> None:
    """An explanation must match a test the suite has (titles are built from string pieces in
    its source, so the words are checked, not the exact concatenation)."""
    source = " ".join(
        path.read_text(encoding="utf-8") for path in (SUITE_SOURCES / folder / "tests").glob("*.js")
    )
    words = " ".join(source.replace("'", " ").replace("+", " ").split())
    assert " ".join(end.split()[:6]) in words
    suite = next(s for s in SUITES if s.folder == folder)
    assert explanation(suite, "Data Model: X Diplomat " + end) == EXPLAINED[(folder, end)]
    assert explanation(suite, "Data Model: X Diplomat something else") is None
