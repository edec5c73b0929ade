"""vc.proofs and vc.suites: the Data Integrity engine, one named case at a time."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vc import proofs
from vc.dates import format_datetime, parse_datetime
from vc.dids import DidResolver
from vc.errors import (
    ContextNotAllowedError,
    CryptographicSecurityError,
    DiplomatError,
    MalformedValueError,
    ProofVerificationError,
    ResolutionError,
    SafeModeError,
    UnsupportedSuiteError,
)
from vc.keys import KeyPair, KeyType, generate
from vc.purposes import AssertionMethod
from vc.suites import DEFAULT_SUITE, SUITES, get_suite, suite_for_proof

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ED2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
CREATED = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 1, tzinfo=UTC)

KEYS = {t: generate(t, bytes(range(32))) for t in KeyType}

# (suite, key type, VC version): every combination the engine supports.
COMBINATIONS = [
    ("eddsa-rdfc-2022", KeyType.ED25519, "2.0"),
    ("eddsa-jcs-2022", KeyType.ED25519, "2.0"),
    ("Ed25519Signature2020", KeyType.ED25519, "1.1"),
    ("ecdsa-rdfc-2019", KeyType.P256, "2.0"),
    ("ecdsa-rdfc-2019", KeyType.P384, "2.0"),
    ("ecdsa-jcs-2019", KeyType.P256, "2.0"),
    ("ecdsa-jcs-2019", KeyType.P384, "2.0"),
]


def vm_of(key: KeyPair) -> str:
    return f"{key.public.did_key}#{key.public.multikey}"


def degree(key: KeyPair, version: str = "2.0", **overrides: object) -> dict[str, Any]:
    """Factory: an unsigned OB 3.0 degree credential issued by `key`'s did:key."""
    document: dict[str, Any] = {
        "@context": [V2, OB] if version == "2.0" else [V1, OB, ED2020],
        "id": "urn:uuid:3b2e5c90-83ec-87b9-bd0b-9ff96dd0209e",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.public.did_key, "type": ["Profile"], "name": "Example University"},
        "name": "Bachelor of Science",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://university.example/achievements/bsc",
                "type": ["Achievement"],
                "name": "Bachelor of Science",
                "description": "Three years.",
                "criteria": {"narrative": "180 ECTS."},
                "fieldOfStudy": "Computer Science",
            },
        },
    }
    document["validFrom" if version == "2.0" else "issuanceDate"] = "2025-01-01T00:00:00Z"
    document.update(overrides)
    return document


def signed_credential(
    suite: str = DEFAULT_SUITE, key_type: KeyType = KeyType.ED25519, **kwargs: Any
) -> dict[str, Any]:
    """Factory: a degree credential signed with the given suite."""
    key = KEYS[key_type]
    version = "1.1" if suite == "Ed25519Signature2020" else "2.0"
    return proofs.sign(
        degree(key, version), key, verification_method=vm_of(key), created=CREATED, suite=suite,
        **kwargs,
    )  # fmt: skip


def verify(document: dict[str, Any], **kwargs: Any) -> proofs.ProofsResult:
    return proofs.verify(document, resolver=DidResolver(), now=NOW, **kwargs)


def only_error(result: proofs.ProofsResult) -> DiplomatError:
    assert not result.verified
    [error] = result.errors
    return error


# --- happy paths -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("suite", "key_type", "version"), COMBINATIONS)
def test_sign_then_verify(suite: str, key_type: KeyType, version: str) -> None:
    signed = signed_credential(suite, key_type)
    proof = signed["proof"]
    assert proof["type"] == get_suite(suite).proof_type
    assert proof["created"] == "2025-01-01T00:00:00Z"
    assert proof["proofValue"].startswith("z")
    assert ("@context" in proof) == (get_suite(suite).canonicalization == "jcs")
    result = verify(signed)
    assert result.verified, result.errors
    [outcome] = result.results
    assert outcome.suite == suite
    assert outcome.controller == KEYS[key_type].public.did_key
    assert outcome.created == CREATED
    assert outcome.verification_method == vm_of(KEYS[key_type])


def test_registry() -> None:
    assert set(SUITES) == {
        "eddsa-rdfc-2022", "ecdsa-rdfc-2019", "eddsa-jcs-2022", "ecdsa-jcs-2019",
        "Ed25519Signature2020",
    }  # fmt: skip
    assert DEFAULT_SUITE == "eddsa-rdfc-2022"
    with pytest.raises(UnsupportedSuiteError):
        get_suite("bbs-2023")


def test_ed25519_signing_is_deterministic() -> None:
    assert signed_credential() == signed_credential()


def test_sign_does_not_modify_its_input() -> None:
    key = KEYS[KeyType.ED25519]
    document = degree(key)
    before = copy.deepcopy(document)
    proofs.sign(document, key, verification_method=vm_of(key), created=CREATED)
    assert document == before


def test_proof_set() -> None:
    ed, p256 = KEYS[KeyType.ED25519], KEYS[KeyType.P256]
    once = signed_credential()
    twice = proofs.sign(
        once, p256, verification_method=vm_of(p256), created=CREATED, suite="ecdsa-rdfc-2019"
    )
    assert isinstance(twice["proof"], list) and len(twice["proof"]) == 2
    # Only the issuer's key passes issuer binding; the second signer is not the issuer.
    result = verify(twice)
    assert [r.verified for r in result.results] == [True, False]
    assert not result.verified
    assert verify(twice, purpose=AssertionMethod(bind_issuer=False)).verified
    assert ed.public.did_key == result.results[0].controller


def test_optional_proof_options_are_signed() -> None:
    signed = signed_credential(
        expires=NOW + timedelta(days=1), proof_id="urn:uuid:p1", domain="example.org"
    )
    assert signed["proof"]["id"] == "urn:uuid:p1"
    assert verify(signed).verified
    for field in ("expires", "id", "domain"):
        tampered = copy.deepcopy(signed)
        tampered["proof"].pop(field)
        assert not verify(tampered).verified, field


# --- signing refusals --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("suite", "key_type"),
    [
        ("eddsa-rdfc-2022", KeyType.P256),
        ("eddsa-jcs-2022", KeyType.P384),
        ("Ed25519Signature2020", KeyType.P256),
        ("ecdsa-rdfc-2019", KeyType.ED25519),
        ("ecdsa-jcs-2019", KeyType.ED25519),
    ],
)
def test_suite_and_key_type_must_match(suite: str, key_type: KeyType) -> None:
    key = KEYS[key_type]
    version = "1.1" if suite == "Ed25519Signature2020" else "2.0"
    with pytest.raises(UnsupportedSuiteError):
        proofs.sign(
            degree(key, version), key, verification_method=vm_of(key), created=CREATED, suite=suite
        )


def test_unknown_suite_refused() -> None:
    key = KEYS[KeyType.ED25519]
    with pytest.raises(UnsupportedSuiteError):
        proofs.sign(degree(key), key, verification_method=vm_of(key), created=CREATED, suite="x")


def test_ed25519_signature_2020_needs_its_context() -> None:
    key = KEYS[KeyType.ED25519]
    document = degree(key, "1.1", **{"@context": [V1, OB]})
    with pytest.raises(MalformedValueError, match="ed25519-2020"):
        proofs.sign(
            document, key, verification_method=vm_of(key), created=CREATED,
            suite="Ed25519Signature2020",
        )  # fmt: skip


@pytest.mark.parametrize("context", [None, [], 42])
def test_document_without_context_refused(context: object) -> None:
    key = KEYS[KeyType.ED25519]
    with pytest.raises(MalformedValueError):
        proofs.sign(
            {**degree(key), "@context": context}, key, verification_method=vm_of(key),
            created=CREATED,
        )  # fmt: skip


def test_naive_created_refused() -> None:
    key = KEYS[KeyType.ED25519]
    with pytest.raises(MalformedValueError):
        proofs.sign(degree(key), key, verification_method=vm_of(key), created=datetime(2025, 1, 1))


def test_unsafe_document_cannot_be_signed() -> None:
    key = KEYS[KeyType.ED25519]
    with pytest.raises(SafeModeError):
        proofs.sign(degree(key, gpa="4.0"), key, verification_method=vm_of(key), created=CREATED)
    with pytest.raises(ContextNotAllowedError):
        proofs.sign(
            {**degree(key), "@context": [V2, "https://evil.example/c"]}, key,
            verification_method=vm_of(key), created=CREATED,
        )  # fmt: skip


# --- verification failures ---------------------------------------------------------------------------
def test_no_proof_is_not_verified() -> None:
    result = verify(degree(KEYS[KeyType.ED25519]))
    assert not result.verified
    assert "no proof" in only_error(result).detail
    assert not verify({**degree(KEYS[KeyType.ED25519]), "proof": []}).verified


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "Ed25519Signature2020"])
def test_field_added_after_signing_fails(suite: str) -> None:
    signed = signed_credential(suite)
    defined = copy.deepcopy(signed)
    defined["credentialSubject"]["achievement"]["description"] = "Five years."
    assert isinstance(only_error(verify(defined)), ProofVerificationError)
    added = copy.deepcopy(signed)
    added["credentialSubject"]["achievement"]["creditsAvailable"] = 240  # defined by OB
    assert isinstance(only_error(verify(added)), ProofVerificationError)
    undefined = copy.deepcopy(signed)
    undefined["credentialSubject"]["gpa"] = "4.0"  # not defined by any context
    error = only_error(verify(undefined))
    if suite.endswith("jcs-2022"):
        assert isinstance(error, ProofVerificationError)  # JCS signs the JSON as it is
    else:
        assert isinstance(error, SafeModeError)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "Ed25519Signature2020"])
def test_a_context_added_to_an_rdfc_proof_fails(suite: str) -> None:
    # rdfc canonicalizes the proof under the document's @context: a different @context placed
    # in the proof afterwards was never signed (found by test_proofs_properties).
    key_type = KeyType.P256 if suite.startswith("ecdsa") else KeyType.ED25519
    signed = signed_credential(suite, key_type)
    for added in ("0", ["https://www.w3.org/ns/credentials/v2", "https://example.org/x"]):
        tampered = copy.deepcopy(signed)
        tampered["proof"]["@context"] = added
        assert isinstance(only_error(verify(tampered)), ProofVerificationError)
    # The document's own @context in the proof changes nothing.
    same = copy.deepcopy(signed)
    same["proof"]["@context"] = signed["@context"]
    assert verify(same).verified


def test_created_without_time_zone_fails_with_malformed_value() -> None:
    signed = signed_credential()
    signed["proof"]["created"] = "2025-01-01T00:00:00"
    error = only_error(verify(signed))
    assert isinstance(error, MalformedValueError)
    assert "proof.created" in error.detail


def test_expired_proof_fails() -> None:
    signed = signed_credential(expires=NOW - timedelta(seconds=1))
    error = only_error(verify(signed))
    assert isinstance(error, ProofVerificationError)
    assert "expired" in error.detail
    assert proofs.verify(signed, resolver=DidResolver(), now=NOW - timedelta(days=1)).verified


@pytest.mark.parametrize(
    ("change", "error_type"),
    [
        (lambda p: p.update(type="RsaSignature2018"), UnsupportedSuiteError),
        (lambda p: p.update(cryptosuite="bbs-2023"), UnsupportedSuiteError),
        (lambda p: p.update(cryptosuite="Ed25519Signature2020"), UnsupportedSuiteError),
        (lambda p: p.pop("cryptosuite"), MalformedValueError),
        (lambda p: p.update(cryptosuite="eddsa-jcs-2022"), ProofVerificationError),
        (lambda p: p.update(cryptosuite="ecdsa-rdfc-2019"), UnsupportedSuiteError),
        (lambda p: p.pop("verificationMethod"), MalformedValueError),
        (lambda p: p.update(verificationMethod="did:web:nowhere.example#k"), ResolutionError),
        (lambda p: p.update(verificationMethod="did:key:z6MkNOPE#z6MkNOPE"), ResolutionError),
        (lambda p: p.update(proofPurpose="authentication"), CryptographicSecurityError),
        (lambda p: p.pop("proofPurpose"), CryptographicSecurityError),
        (lambda p: p.update(proofValue="not-multibase"), MalformedValueError),
        (lambda p: p.update(proofValue="u" + "A" * 86), MalformedValueError),
        (lambda p: p.update(proofValue="z" + "1" * 10), ProofVerificationError),
        (lambda p: p.pop("proofValue"), MalformedValueError),
        (lambda p: p.update(created=20250101), MalformedValueError),
        (lambda p: p.update(created="2025-02-30T00:00:00Z"), MalformedValueError),
        (lambda p: p.update(created="2025-01-01T00:00:01Z"), ProofVerificationError),
        (lambda p: p.update(expires="tomorrow"), MalformedValueError),
        (lambda p: p.update(previousProof="urn:uuid:x"), ProofVerificationError),
        (lambda p: p.update(nonce="abc"), ProofVerificationError),
    ],
)
def test_proof_tampering_gives_a_typed_error(change: Any, error_type: type[DiplomatError]) -> None:
    signed = signed_credential()
    change(signed["proof"])
    assert isinstance(only_error(verify(signed)), error_type)


@pytest.mark.parametrize("proof", ["a string", 42, None, [None], [[]], [{}]])
def test_proof_of_the_wrong_shape(proof: object) -> None:
    document = {**degree(KEYS[KeyType.ED25519]), "proof": proof}
    result = verify(document)
    assert not result.verified
    assert all(isinstance(e, DiplomatError) for e in result.errors)


def test_jcs_proof_context_must_be_the_documents() -> None:
    signed = signed_credential("eddsa-jcs-2022")
    signed["proof"]["@context"] = [V2, "https://w3id.org/security/data-integrity/v2"]
    error = only_error(verify(signed))
    assert isinstance(error, ProofVerificationError)
    assert "@context" in error.detail


def test_suite_key_mismatch_at_verification() -> None:
    """An eddsa proof that names a P-256 verification method is refused before any signature check."""
    signed = signed_credential()
    p256 = KEYS[KeyType.P256]
    signed["proof"]["verificationMethod"] = vm_of(p256)
    signed["issuer"]["id"] = p256.public.did_key
    assert isinstance(only_error(verify(signed)), UnsupportedSuiteError)


def test_signature_from_another_key_fails() -> None:
    signed = signed_credential()
    other = generate(KeyType.ED25519, bytes(32))
    forged = proofs.sign(
        proofs.unsecured(signed), other, verification_method=vm_of(KEYS[KeyType.ED25519]),
        created=CREATED,
    )  # fmt: skip
    assert isinstance(only_error(verify(forged)), ProofVerificationError)


def test_suite_for_proof() -> None:
    assert suite_for_proof({"type": "Ed25519Signature2020"}).name == "Ed25519Signature2020"
    assert (
        suite_for_proof({"type": "DataIntegrityProof", "cryptosuite": "ecdsa-jcs-2019"}).name
        == "ecdsa-jcs-2019"
    )
    with pytest.raises(UnsupportedSuiteError):
        suite_for_proof({"type": "Ed25519Signature2020", "cryptosuite": "eddsa-rdfc-2022"})
    with pytest.raises(UnsupportedSuiteError):
        suite_for_proof({"type": ["DataIntegrityProof"]})


def test_verify_data_intermediates_are_consistent() -> None:
    suite = get_suite("ecdsa-rdfc-2019")
    key = KEYS[KeyType.P384]
    document = degree(key)
    config = proofs.proof_configuration(
        suite, document, {"type": "DataIntegrityProof", "cryptosuite": "ecdsa-rdfc-2019"}
    )
    assert config["@context"] == document["@context"]
    data = suite.verify_data(document, config, KeyType.P384)
    assert data.hash_data == (
        hashlib.sha384(data.canonical_proof_config).digest()
        + hashlib.sha384(data.canonical_document).digest()
    )
    assert len(data.hash_data) == 96


# --- timestamps (vc.dates): xsd:dateTimeStamp, a time zone is required -------------------------------
@pytest.mark.parametrize(
    "value",
    [
        "2025-01-01T00:00:00",  # no time zone: "local time" is not a time
        "2025-01-01",
        "2025-01-01 00:00:00Z",
        "2025-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z",
        "2025-01-01T24:00:01Z",
        "2025-01-01T00:00:00+2:00",
        "",
        None,
        1735689600,
    ],
)
def test_timestamp_without_zone_or_invalid_is_malformed(value: object) -> None:
    with pytest.raises(MalformedValueError):
        parse_datetime(value, "validFrom")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-01T00:00:00Z", datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01T05:00:00+05:00", datetime(2025, 1, 1, tzinfo=UTC)),
        ("2024-12-31T19:00:00-05:00", datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01T00:00:00.123456789Z", datetime(2025, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_timestamp_with_zone(value: str, expected: datetime) -> None:
    parsed = parse_datetime(value)
    assert parsed == expected
    assert parsed.tzinfo is not None
    assert format_datetime(parsed) == "2025-01-01T00:00:00Z"
