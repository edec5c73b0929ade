"""The W3C Data Integrity test vectors (vc-di-eddsa, vc-di-ecdsa) reproduced byte for byte.

For every cryptosuite folder: canonical document, canonical proof configuration, the three hashes,
and for Ed25519 the signature, proofValue and whole signed document; ECDSA signatures are
randomized, so ours must verify and the vector's must verify. Every signed*.json verifies as a
proof.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from vc import jsonld, multibase, proofs
from vc.dids import DidResolver
from vc.errors import DiplomatError, ProofVerificationError
from vc.jsonld import StaticDocumentLoader
from vc.keys import KeyPair, KeyType, PublicKey
from vc.purposes import AssertionMethod
from vc.suites import get_suite

NOW = datetime(2025, 6, 1, tzinfo=UTC)

# The vectors' issuer (https://vc.example/issuers/5678, or a P-256 did:key in employ/) is not
# the key that signs them, so they are verified as proofs, without binding issuer to signer
# (the README's "--proof-only"; the reference libraries fail them otherwise for the same reason).
PROOF_ONLY = AssertionMethod(bind_issuer=False)


@dataclass(frozen=True)
class Vector:
    """One vector folder: where it is, the file suffix, its input document and key pair."""

    spec: str  # vc-di-eddsa | vc-di-ecdsa
    folder: str
    suffix: str
    suite: str
    document: str  # the unsigned input, relative to the spec folder
    key_file: str

    @property
    def id(self) -> str:
        return self.folder


VECTORS = [
    Vector("vc-di-eddsa", "eddsa-rdfc-2022", "DataInt", "eddsa-rdfc-2022", "unsigned.json", "keyPair.json"),
    Vector("vc-di-eddsa", "eddsa-rdfc-2022/employ", "DataInt", "eddsa-rdfc-2022", "employmentAuth.json", "keyPair.json"),
    Vector("vc-di-eddsa", "eddsa-jcs-2022", "JCS", "eddsa-jcs-2022", "unsigned.json", "keyPair.json"),
    Vector("vc-di-eddsa", "Ed25519Signature2020", "EdSig", "Ed25519Signature2020", "unsigned.json", "keyPair.json"),
    Vector("vc-di-ecdsa", "ecdsa-rdfc-2019-p256", "ECDSAP256", "ecdsa-rdfc-2019", "unsigned.json", "p256KeyPair.json"),
    Vector("vc-di-ecdsa", "ecdsa-rdfc-2019-p256/employ", "ECDSAP256", "ecdsa-rdfc-2019", "employmentAuth.json", "p256KeyPair.json"),
    Vector("vc-di-ecdsa", "ecdsa-rdfc-2019-p384", "ECDSAP384", "ecdsa-rdfc-2019", "unsigned.json", "p384KeyPair.json"),
    Vector("vc-di-ecdsa", "ecdsa-rdfc-2019-p384/employ", "ECDSAP384", "ecdsa-rdfc-2019", "employmentAuth.json", "p384KeyPair.json"),
    Vector("vc-di-ecdsa", "ecdsa-jcs-2019-p256", "JCSECDSAP256", "ecdsa-jcs-2019", "unsigned.json", "p256KeyPair.json"),
    Vector("vc-di-ecdsa", "ecdsa-jcs-2019-p384", "JCSECDSAP384", "ecdsa-jcs-2019", "unsigned.json", "p384KeyPair.json"),
]  # fmt: skip

ED25519_VECTORS = [v for v in VECTORS if v.spec == "vc-di-eddsa"]
ECDSA_VECTORS = [v for v in VECTORS if v.spec == "vc-di-ecdsa"]

# Deliberately skipped cases, with the reason (a named list, never a silent skip).
# The proof-chain vectors (previousProof, VC-DI §4.5 "Verify Proof Sets and Chains").
PROOF_CHAINS = ("signedProofChain1.json", "signedProofChain2.json")


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


class Files:
    """Accessors for one vector folder's files."""

    def __init__(self, root: Path, vector: Vector) -> None:
        self.vector = vector
        self.spec_dir = root / vector.spec
        self.dir = self.spec_dir / vector.folder

    def file(self, stem: str, ext: str = "txt") -> Path:
        return self.dir / f"{stem}{self.vector.suffix}.{ext}"

    def text(self, stem: str) -> str:
        return _text(self.file(stem))

    def hex(self, stem: str) -> bytes:
        return bytes.fromhex(self.text(stem).strip())

    @property
    def proof_config(self) -> dict[str, Any]:
        config: dict[str, Any] = _json(self.file("proofConfig", "json"))
        return config

    @property
    def signed(self) -> dict[str, Any]:
        signed: dict[str, Any] = _json(self.file("signed", "json"))
        return signed

    @property
    def unsecured(self) -> dict[str, Any]:
        """The document that is secured: the input, with the suite's context if it needs one."""
        document: dict[str, Any] = _json(self.spec_dir / self.vector.document)
        required = get_suite(self.vector.suite).required_context
        if required and required not in document["@context"]:
            document["@context"] = [*document["@context"], required]
        return document

    @property
    def key(self) -> KeyPair:
        pair = _json(self.spec_dir / self.vector.key_file)
        secret = pair.get("privateKeyMultibase") or pair["secretKeyMultibase"]
        key = KeyPair.from_secret_multikey(secret)
        assert key.public.multikey == pair["publicKeyMultibase"], "public key follows from secret"
        return key

    @property
    def public(self) -> PublicKey:
        return PublicKey.from_multikey(
            _json(self.spec_dir / self.vector.key_file)["publicKeyMultibase"]
        )


@pytest.fixture(params=VECTORS, ids=lambda v: v.id)
def files(request: pytest.FixtureRequest, vectors: Path) -> Files:
    vector: Vector = request.param
    return Files(vectors, vector)


def _verify_data(files: Files, loader: StaticDocumentLoader) -> Any:
    suite = get_suite(files.vector.suite)
    document = files.unsecured
    config = proofs.proof_configuration(suite, document, files.proof_config)
    return suite.verify_data(document, config, files.key.key_type, loader)


def test_signed_document_is_input_plus_proof(files: Files) -> None:
    assert proofs.unsecured(files.signed) == files.unsecured


def test_canonical_document(files: Files, vector_loader: StaticDocumentLoader) -> None:
    data = _verify_data(files, vector_loader)
    assert data.canonical_document.decode("utf-8") == files.text("canonDoc")


def test_canonical_proof_configuration(files: Files, vector_loader: StaticDocumentLoader) -> None:
    data = _verify_data(files, vector_loader)
    assert data.canonical_proof_config.decode("utf-8") == files.text("proofCanon")


def test_hashes(files: Files, vector_loader: StaticDocumentLoader) -> None:
    data = _verify_data(files, vector_loader)
    suite = get_suite(files.vector.suite)
    name = suite.hash_name(files.key.key_type)
    assert hashlib.new(name, data.canonical_document).digest() == files.hex("docHash")
    assert hashlib.new(name, data.canonical_proof_config).digest() == files.hex("proofHash")
    # VC-DI: proof hash first, then document hash.
    assert data.hash_data == files.hex("combinedHash")
    assert data.hash_data == files.hex("proofHash") + files.hex("docHash")


def test_proof_value_is_the_signature(files: Files) -> None:
    assert multibase.decode_base58btc(files.text("sigBTC58").strip()) == files.hex("sigHex")
    signed_value = files.signed["proof"]["proofValue"]
    assert signed_value == files.text("sigBTC58").strip()


def test_signed_document_verifies_as_a_proof(
    files: Files, vector_loader: StaticDocumentLoader
) -> None:
    result = proofs.verify(
        files.signed, resolver=DidResolver(), now=NOW, purpose=PROOF_ONLY, loader=vector_loader
    )
    assert result.errors == ()
    assert result.verified
    assert [r.suite for r in result.results] == [files.vector.suite]


def test_issuer_binding_rejects_vectors_signed_by_someone_else(
    files: Files, vector_loader: StaticDocumentLoader
) -> None:
    """With the default purpose (issuer must control the key) the vectors fail, as in the JS libs."""
    result = proofs.verify(files.signed, resolver=DidResolver(), now=NOW, loader=vector_loader)
    assert not result.verified
    assert "not by the issuer" in result.errors[0].detail


@pytest.mark.parametrize("vector", ED25519_VECTORS, ids=lambda v: v.id)
def test_ed25519_signature_reproduced(
    vector: Vector, vectors: Path, vector_loader: StaticDocumentLoader
) -> None:
    files = Files(vectors, vector)
    key = files.key
    assert key.key_type is KeyType.ED25519
    data = _verify_data(files, vector_loader)
    signature = key.sign(data.hash_data)
    assert signature == files.hex("sigHex")
    assert multibase.encode_base58btc(signature) == files.text("sigBTC58").strip()


@pytest.mark.parametrize("vector", ED25519_VECTORS, ids=lambda v: v.id)
def test_ed25519_signed_document_reproduced(
    vector: Vector, vectors: Path, vector_loader: StaticDocumentLoader
) -> None:
    files = Files(vectors, vector)
    config = files.proof_config
    signed = proofs.sign(
        files.unsecured,
        files.key,
        verification_method=config["verificationMethod"],
        created=datetime.fromisoformat(config["created"]),
        suite=vector.suite,
        loader=vector_loader,
    )
    assert signed == files.signed


@pytest.mark.parametrize("vector", ECDSA_VECTORS, ids=lambda v: v.id)
def test_ecdsa_vector_signature_verifies(
    vector: Vector, vectors: Path, vector_loader: StaticDocumentLoader
) -> None:
    files = Files(vectors, vector)
    data = _verify_data(files, vector_loader)
    size = 32 if files.public.key_type is KeyType.P256 else 48
    signature = files.hex("sigHex")
    assert len(signature) == 2 * size  # raw r||s, not DER
    files.public.verify(signature, data.hash_data)
    tampered = bytes([signature[0] ^ 1]) + signature[1:]
    with pytest.raises(ProofVerificationError):
        files.public.verify(tampered, data.hash_data)


@pytest.mark.parametrize("vector", ECDSA_VECTORS, ids=lambda v: v.id)
def test_ecdsa_our_signature_verifies(
    vector: Vector, vectors: Path, vector_loader: StaticDocumentLoader
) -> None:
    files = Files(vectors, vector)
    key = files.key
    data = _verify_data(files, vector_loader)
    signature = key.sign(data.hash_data)
    files.public.verify(signature, data.hash_data)  # with the vector's own public key
    config = files.proof_config
    signed = proofs.sign(
        files.unsecured,
        key,
        verification_method=config["verificationMethod"],
        created=datetime.fromisoformat(config["created"]),
        suite=vector.suite,
        loader=vector_loader,
    )
    # Same document and proof options as the vector; only the (randomized) proofValue differs.
    ours, theirs = dict(signed["proof"]), dict(files.signed["proof"])
    assert ours.pop("proofValue") != theirs.pop("proofValue")
    assert ours == theirs
    result = proofs.verify(
        signed, resolver=DidResolver(), now=NOW, purpose=PROOF_ONLY, loader=vector_loader
    )
    assert result.verified, result.errors


def test_p384_rdfc_uses_sha384_inside_canonicalization(
    vectors: Path, vector_loader: StaticDocumentLoader
) -> None:
    """The employ/ P-384 vector has blank nodes: RDFC-1.0 with SHA-256 gives other labels."""
    files = Files(vectors, next(v for v in VECTORS if v.id == "ecdsa-rdfc-2019-p384/employ"))
    expected = files.text("canonDoc")
    assert jsonld.canonize(files.unsecured, vector_loader, hash_name="sha384") == expected
    assert jsonld.canonize(files.unsecured, vector_loader, hash_name="sha256") != expected


# --- proof sets and chains -----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["signedProofSet1.json", "signedProofSet2.json"])
def test_proof_sets_verify(name: str, vectors: Path, vector_loader: StaticDocumentLoader) -> None:
    document = _json(vectors / "vc-di-eddsa" / "proof-set-chain" / name)
    result = proofs.verify(
        document, resolver=DidResolver(), now=NOW, purpose=PROOF_ONLY, loader=vector_loader
    )
    assert result.verified, result.errors
    expected = 1 if name.endswith("1.json") else 2
    assert len(result.results) == expected


def test_proof_set_reproduced(vectors: Path, vector_loader: StaticDocumentLoader) -> None:
    """Signing the unsigned Alumni credential with keys 1 then 2 gives signedProofSet2.json."""
    folder = vectors / "vc-di-eddsa" / "proof-set-chain"
    pairs = _json(folder / "multiKeyPairs.json")
    document: dict[str, Any] = _json(folder / "unsigned.json")
    for number in (1, 2):
        config = _json(folder / f"proofSetConfig{number}.json")
        key = KeyPair.from_secret_multikey(pairs[f"keyPair{number}"]["privateKeyMultibase"])
        document = proofs.sign(
            document,
            key,
            verification_method=config["verificationMethod"],
            created=datetime.fromisoformat(config["created"]),
            proof_id=config["id"],
            loader=vector_loader,
        )
        assert document == _json(folder / f"signedProofSet{number}.json")


@pytest.mark.parametrize("name", PROOF_CHAINS)
def test_proof_chains_verify(name: str, vectors: Path, vector_loader: StaticDocumentLoader) -> None:
    """Every proof of the chain vectors verifies: the chained ones over the document plus the
    proofs their previousProof names, as VC-DI §4.5 says."""
    document = _json(vectors / "vc-di-eddsa" / "proof-set-chain" / name)
    result = proofs.verify(
        document, resolver=DidResolver(), now=NOW, purpose=PROOF_ONLY, loader=vector_loader
    )
    assert result.verified, result.errors
    chained = [r for r in result.results if r.previous]
    assert chained, "the vector has chained proofs"


@pytest.mark.parametrize("name", PROOF_CHAINS)
def test_proof_chains_fail_when_a_link_is_broken(
    name: str, vectors: Path, vector_loader: StaticDocumentLoader
) -> None:
    document = _json(vectors / "vc-di-eddsa" / "proof-set-chain" / name)
    chained = next(i for i, p in enumerate(document["proof"]) if "previousProof" in p)
    for broken, fragment in (
        ("urn:uuid:not-a-proof-of-this-document", "names no proof of this document"),
        (12345, "must be a string"),
        ([], "must be a string"),
    ):
        changed = copy.deepcopy(document)
        changed["proof"][chained]["previousProof"] = broken
        result = proofs.verify(
            changed, resolver=DidResolver(), now=NOW, purpose=PROOF_ONLY, loader=vector_loader
        )
        assert not result.verified
        error = result.results[chained].error
        assert isinstance(error, DiplomatError) and fragment in error.detail
    # A proof the chain names was dropped: the chained proof no longer verifies.
    named = document["proof"][chained]["previousProof"]
    first = named if isinstance(named, str) else named[0]
    without = copy.deepcopy(document)
    without["proof"] = [p for p in without["proof"] if p.get("id") != first]
    assert not proofs.verify(
        without, resolver=DidResolver(), now=NOW, purpose=PROOF_ONLY, loader=vector_loader
    ).verified
