"""The degree credentials signed by the reference JS libraries: reproduced, verified, revoked.

../shared/vectors/reference-outputs/manifest.json lists each file. Signing the unsigned inputs with
the same seed and `created` must give the reference proofValue byte for byte for every Ed25519
suite; the RDFC intermediates must be reproduced; every credential must verify with issuer
binding (here the issuer is the signer); the revoked one must be found revoked.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from vc import multibase, proofs, status
from vc.dates import parse_datetime
from vc.dids import DidResolver
from vc.keys import KeyPair, KeyType, generate
from vc.suites import get_suite

NOW = datetime(2025, 6, 1, tzinfo=UTC)

# Manifest entries by file name (kept literal so the test ids exist without ../shared).
CREDENTIALS = [
    "status-list-revocation.json",
    "degree-vc2-ob3-eddsa-rdfc-2022.json",
    "degree-vc2-ob3-ecdsa-rdfc-2019.json",
    "degree-vc11-ob3-ed25519-signature-2020.json",
    "degree-vc2-ob3-eddsa-jcs-2022.json",
    "degree-vc2-ob3-eddsa-rdfc-2022-status-active.json",
    "degree-vc2-ob3-eddsa-rdfc-2022-status-revoked.json",
]
DETERMINISTIC = [
    name for name in CREDENTIALS if name != "degree-vc2-ob3-ecdsa-rdfc-2019.json"
]  # Ed25519 suites only: ECDSA signatures are randomized
WITH_INTERMEDIATES = [
    "degree-vc2-ob3-eddsa-rdfc-2022.json",
    "degree-vc2-ob3-ecdsa-rdfc-2019.json",
    "degree-vc11-ob3-ed25519-signature-2020.json",
    "degree-vc2-ob3-eddsa-rdfc-2022-status-active.json",
    "degree-vc2-ob3-eddsa-rdfc-2022-status-revoked.json",
]


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ref(vectors: Path) -> Path:
    return vectors / "reference-outputs"


@pytest.fixture(scope="module")
def manifest(ref: Path) -> dict[str, dict[str, Any]]:
    data = _json(ref / "manifest.json")
    return {entry["file"]: entry for entry in data["credentials"]}


@pytest.fixture(scope="module")
def keys(ref: Path) -> dict[str, KeyPair]:
    data = _json(ref / "keys.json")
    seed = bytes.fromhex(data["seedHex"])
    ed, p256 = generate(KeyType.ED25519, seed), generate(KeyType.P256, seed)
    # The harness derivation (keys.json "derivation") reproduces the published keys.
    assert ed.public.did_key == data["ed25519"]["did"]
    assert ed.secret_multikey == data["ed25519"]["secretKeyMultibase"]
    assert ed.public.raw.hex() == data["ed25519"]["publicKeyHex"]
    assert p256.public.did_key == data["p256"]["did"]
    assert p256.secret_multikey == data["p256"]["secretKeyMultibase"]
    assert p256.public.to_jwk() == data["p256"]["publicKeyJwk"]
    return {"Ed25519": ed, "P-256": p256}


def _key_for(suite: str, keys: dict[str, KeyPair]) -> KeyPair:
    return keys["P-256"] if suite.startswith("ecdsa") else keys["Ed25519"]


def test_manifest_lists_exactly_these_credentials(manifest: dict[str, dict[str, Any]]) -> None:
    assert sorted(manifest) == sorted(CREDENTIALS)
    assert sorted(n for n, e in manifest.items() if "intermediates" in e) == sorted(
        WITH_INTERMEDIATES
    )


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_ed25519_signing_reproduces_reference(
    name: str, ref: Path, manifest: dict[str, dict[str, Any]], keys: dict[str, KeyPair]
) -> None:
    entry = manifest[name]
    key = _key_for(entry["suite"], keys)
    assert key.key_type is KeyType.ED25519
    created = parse_datetime(_json(ref / "manifest.json")["created"])
    signed = proofs.sign(
        _json(ref / entry["unsigned"]),
        key,
        verification_method=f"{key.public.did_key}#{key.public.multikey}",
        created=created,
        suite=entry["suite"],
    )
    expected = _json(ref / name)
    assert signed["proof"]["proofValue"] == expected["proof"]["proofValue"]
    assert signed == expected


def test_ecdsa_signing_gives_a_verifying_credential(
    ref: Path, manifest: dict[str, dict[str, Any]], keys: dict[str, KeyPair]
) -> None:
    entry = manifest["degree-vc2-ob3-ecdsa-rdfc-2019.json"]
    key = keys["P-256"]
    signed = proofs.sign(
        _json(ref / entry["unsigned"]),
        key,
        verification_method=entry["verificationMethod"],
        created=datetime(2025, 1, 1, tzinfo=UTC),
        suite="ecdsa-rdfc-2019",
    )
    expected = _json(ref / entry["file"])
    ours, theirs = dict(signed.pop("proof")), dict(expected.pop("proof"))
    assert signed == expected
    ours_value = ours.pop("proofValue")
    assert ours_value != theirs.pop("proofValue")  # randomized
    assert ours == theirs
    signed["proof"] = {**ours, "proofValue": ours_value}
    result = proofs.verify(signed, resolver=DidResolver(), now=NOW)
    assert result.verified, result.errors


@pytest.mark.parametrize("name", WITH_INTERMEDIATES)
def test_intermediates_reproduced(
    name: str, ref: Path, manifest: dict[str, dict[str, Any]], keys: dict[str, KeyPair]
) -> None:
    entry = manifest[name]
    stem = ref / "intermediates" / name.removesuffix(".json")
    hashes = _json(stem.with_name(stem.name + ".hashes.json"))
    suite = get_suite(entry["suite"])
    key = _key_for(entry["suite"], keys)
    document = _json(ref / entry["unsigned"])
    config = proofs.proof_configuration(suite, document, hashes["proofConfig"])
    data = suite.verify_data(document, config, key.key_type)
    canonical_document = stem.with_name(stem.name + ".canonical-document.nq").read_bytes()
    canonical_config = stem.with_name(stem.name + ".canonical-proof-config.nq").read_bytes()
    assert data.canonical_document == canonical_document
    assert data.canonical_proof_config == canonical_config
    assert hashlib.sha256(canonical_document).hexdigest() == hashes["documentHashHex"]
    assert hashlib.sha256(canonical_config).hexdigest() == hashes["proofConfigHashHex"]
    assert data.hash_data.hex() == hashes["combinedHashHex"]
    # the reference proofValue is a signature over exactly these bytes
    signed = _json(ref / name)
    assert signed["proof"]["proofValue"] == hashes["proofValue"]
    key.public.verify(multibase.decode_base58btc(hashes["proofValue"]), data.hash_data)


@pytest.mark.parametrize("name", CREDENTIALS)
def test_reference_credential_verifies_with_issuer_binding(
    name: str, ref: Path, manifest: dict[str, dict[str, Any]]
) -> None:
    document = _json(ref / name)
    result = proofs.verify(document, resolver=DidResolver(), now=NOW)
    assert result.errors == ()
    assert result.verified
    [outcome] = result.results
    assert outcome.suite == manifest[name]["suite"]
    flavour = "p256" if manifest[name]["suite"].startswith("ecdsa") else "ed25519"
    assert outcome.controller == _json(ref / "manifest.json")["issuer"][flavour]


def test_status_list_credential_own_proof_verifies(ref: Path) -> None:
    status_list = _json(ref / "status-list-revocation.json")
    result = proofs.verify(status_list, resolver=DidResolver(), now=NOW)
    assert result.verified, result.errors
    assert result.results[0].controller == status_list["issuer"]


@pytest.mark.parametrize(
    ("name", "revoked"),
    [
        ("degree-vc2-ob3-eddsa-rdfc-2022-status-revoked.json", True),
        ("degree-vc2-ob3-eddsa-rdfc-2022-status-active.json", False),
    ],
)
def test_status_found_with_reference_list(
    name: str, revoked: bool, ref: Path, manifest: dict[str, dict[str, Any]]
) -> None:
    credential = _json(ref / name)
    status_list = _json(ref / manifest[name]["statusList"])
    entry = status.parse_entry(credential["credentialStatus"])
    issuer = (
        credential["issuer"]["id"]
        if isinstance(credential["issuer"], dict)
        else credential["issuer"]
    )
    result = status.check_status(entry, status_list, expected_issuer=issuer)
    assert result.set is revoked
    info = _json(ref / "manifest.json")["statusList"]
    expected_indexes = info["revokedIndexes"] if revoked else info["activeIndexes"]
    assert entry.index in expected_indexes
    assert entry.purpose == "revocation"
    assert entry.list_credential == info["id"]
    assert (manifest[name]["expect"] == "revoked") is revoked
