"""The core refuses what a hostile review found it accepting: huge numbers, revoked or published
keys, relative method ids, proofs from the future, loose JWT claims, foreign envelopes and
context tricks. Each test fails on the code before its fix."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vc import jose, jsonld, proofs, strictjson
from vc.dates import CLOCK_SKEW
from vc.dids import DidResolver, parse_did_document
from vc.errors import (
    CryptographicSecurityError,
    MalformedValueError,
    ParsingError,
    PrivateKeyPublishedError,
    ProofVerificationError,
    RevokedKeyError,
    SafeModeError,
    SignatureMismatchError,
)
from vc.keys import KeyPair, generate

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
KEY = generate(seed=bytes([7]) * 32)
DID = "did:web:uni.test.example"
VM = DID + "#key-1"
V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


# --- numbers beyond CPython's int-string limit -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"n": ' + "9" * 5000 + "}",
        '{"n": -' + "1" * 4301 + "}",
        '{"n": ' + "1" * 17 + "}",
        '{"n": 1.' + "0" * 5000 + "}",
        '{"n": 1' + "0" * 5000 + ".5e3}",
        "[" + ", ".join(["1" * 4400] * 3) + "]",
    ],
    ids=["5000-digits", "negative-4301", "17-digits", "long-fraction", "long-mantissa", "array"],
)
def test_huge_numbers_are_a_parsing_error_not_a_value_error(text: str) -> None:
    with pytest.raises(ParsingError):
        strictjson.loads(text)


def test_numbers_within_limits_still_parse() -> None:
    assert strictjson.loads('{"a": 9007199254740991, "b": -12, "c": 0.5}') == {
        "a": 2**53 - 1,
        "b": -12,
        "c": 0.5,
    }


# --- DID documents ---------------------------------------------------------------------------


def did_document(**method_extra: Any) -> dict[str, Any]:
    method = {
        "id": VM,
        "type": "Multikey",
        "controller": DID,
        "publicKeyMultibase": KEY.public.multikey,
        **method_extra,
    }
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": DID,
        "verificationMethod": [method],
        "assertionMethod": [VM],
    }


def resolver_for(document: dict[str, Any]) -> DidResolver:
    body = json.dumps(document).encode()
    return DidResolver(lambda url: body)


def signed(key: KeyPair = KEY, created: datetime = NOW - timedelta(days=30)) -> dict[str, Any]:
    credential = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "credentialSubject": {"id": "did:example:student"},
    }
    return proofs.sign(credential, key, verification_method=VM, created=created)


def test_a_revoked_method_verifies_nothing_even_with_a_backdated_created() -> None:
    resolver = resolver_for(did_document(revoked="2026-01-01T00:00:00Z"))
    for created in (NOW - timedelta(days=400), NOW - timedelta(days=1)):  # before and after
        result = proofs.verify(signed(created=created), resolver=resolver, now=NOW)
        assert not result.verified
        assert isinstance(result.results[0].error, RevokedKeyError)
        assert not isinstance(result.results[0].error, SignatureMismatchError)
    with pytest.raises(RevokedKeyError):
        resolver.resolve_method(VM)


def test_a_method_in_force_still_verifies() -> None:
    result = proofs.verify(signed(), resolver=resolver_for(did_document()), now=NOW)
    assert result.verified


@pytest.mark.parametrize(
    "secret",
    [
        {"privateKeyMultibase": "z3u2en7t5LR2WtQH5PfsRK"},
        {"privateKeyJwk": {"kty": "OKP", "crv": "Ed25519", "d": "AAAA", "x": "AAAA"}},
        {"privateKeyBase58": "3u2en7t5LR2WtQH5PfsRK"},
    ],
    ids=["privateKeyMultibase", "privateKeyJwk", "privateKeyBase58"],
)
def test_private_key_material_in_a_did_document_is_an_alarm(secret: dict[str, Any]) -> None:
    with pytest.raises(PrivateKeyPublishedError, match="ALARM"):
        parse_did_document(did_document(**secret), DID)


def test_a_jwk_with_its_private_member_d_is_an_alarm_anywhere_in_the_document() -> None:
    document = did_document()
    document["keyAgreement"] = [
        {
            "id": DID + "#agree",
            "type": "JsonWebKey",
            "controller": DID,
            "publicKeyJwk": {"kty": "OKP", "crv": "X25519", "x": "AAAA", "d": "BBBB"},
        }
    ]
    with pytest.raises(PrivateKeyPublishedError):
        parse_did_document(document, DID)


@pytest.mark.parametrize("vm_id", ["key-1", "https://uni.test.example/keys/1", DID])
def test_a_relative_or_non_did_method_id_is_refused(vm_id: str) -> None:
    document = did_document()
    document["verificationMethod"][0]["id"] = vm_id
    document["assertionMethod"] = [vm_id]
    with pytest.raises(MalformedValueError):
        parse_did_document(document, DID)


def test_a_fragment_method_id_is_made_absolute() -> None:
    document = did_document()
    document["verificationMethod"][0]["id"] = "#key-1"
    document["assertionMethod"] = ["#key-1"]
    assert parse_did_document(document, DID).assertion_method == (VM,)


# --- the clock-skew tolerance ------------------------------------------------------------------


def test_a_proof_created_within_the_clock_skew_verifies_and_beyond_it_does_not() -> None:
    resolver = resolver_for(did_document())
    near = signed(created=NOW + CLOCK_SKEW - timedelta(seconds=1))
    assert proofs.verify(near, resolver=resolver, now=NOW).verified
    far = signed(created=NOW + CLOCK_SKEW + timedelta(seconds=1))
    result = proofs.verify(far, resolver=resolver, now=NOW)
    assert not result.verified
    error = result.results[0].error
    assert isinstance(error, ProofVerificationError)
    assert not isinstance(error, SignatureMismatchError)
    assert "after now" in error.detail


def test_a_proof_from_2099_is_refused() -> None:
    proof = signed(created=datetime(2099, 1, 1, tzinfo=UTC))
    result = proofs.verify(proof, resolver=resolver_for(did_document()), now=NOW)
    assert not result.verified and "2099-01-01T00:00:00Z" in str(result.results[0].error)


def test_a_changed_credential_is_a_signature_mismatch() -> None:
    document = signed()
    document["credentialSubject"]["id"] = "did:example:someone-else"
    result = proofs.verify(document, resolver=resolver_for(did_document()), now=NOW)
    assert isinstance(result.results[0].error, SignatureMismatchError)


def test_a_verification_method_array_is_never_kept_as_the_method() -> None:
    document = signed()
    document["proof"]["verificationMethod"] = [VM, VM]
    result = proofs.verify(document, resolver=resolver_for(did_document()), now=NOW)
    assert result.results[0].verification_method is None
    assert isinstance(result.results[0].error, MalformedValueError)


# --- vc+jwt -------------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(header: dict[str, Any], payload: dict[str, Any], key: KeyPair = KEY) -> str:
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    return signing_input + "." + b64(key.sign(signing_input.encode("ascii")))


def kid() -> str:
    return f"{KEY.public.did_key}#{KEY.public.multikey}"


def vc2(**claims: Any) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": KEY.public.did_key,
        "credentialSubject": {"id": "did:example:student"},
        **claims,
    }


def verify_jwt(token: str) -> jose.JwtResult:
    return jose.verify_vc_jwt(token, resolver=DidResolver(), now=NOW)


HEADER = {"alg": "EdDSA", "typ": "vc+jwt"}


def test_exp_and_nbf_are_checked_on_the_vc2_path() -> None:
    header = {**HEADER, "kid": kid()}
    with pytest.raises(ProofVerificationError, match="expired"):
        verify_jwt(compact(header, vc2(exp=int((NOW - timedelta(hours=1)).timestamp()))))
    with pytest.raises(ProofVerificationError, match="not valid yet"):
        verify_jwt(compact(header, vc2(nbf=int((NOW + timedelta(hours=1)).timestamp()))))
    # within the tolerance, nbf is accepted
    assert verify_jwt(compact(header, vc2(nbf=int((NOW + timedelta(minutes=1)).timestamp()))))


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": "2099-01-01"},
        {"exp": True},
        {"nbf": [1]},
        {"iat": "yesterday"},
        {"exp": 10**15},
        {"sub": 5},
        {"iss": {"id": "x"}},
    ],
    ids=["exp-string", "exp-bool", "nbf-list", "iat-string", "exp-huge", "sub-number", "iss-obj"],
)
def test_claims_of_the_wrong_type_are_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(MalformedValueError):
        verify_jwt(compact({**HEADER, "kid": kid()}, vc2(**claims)))


def test_a_sub_that_is_not_the_subject_is_refused_on_both_paths() -> None:
    with pytest.raises(CryptographicSecurityError, match="sub"):
        verify_jwt(compact({**HEADER, "kid": kid()}, vc2(sub="did:example:other")))
    payload = {"iss": KEY.public.did_key, "sub": "did:example:other", "vc": vc2()}
    with pytest.raises(CryptographicSecurityError, match="sub"):
        verify_jwt(compact({"alg": "EdDSA", "kid": kid(), "typ": "JWT"}, payload))
    # a matching sub is fine
    assert verify_jwt(compact({**HEADER, "kid": kid()}, vc2(sub="did:example:student")))


@pytest.mark.parametrize("typ", ["dpop+jwt", "vp+jwt", "at+jwt", "vc+jwt"])
def test_typ_is_checked_on_the_vc11_path(typ: str) -> None:
    payload = {"iss": KEY.public.did_key, "vc": vc2()}
    with pytest.raises(MalformedValueError, match="typ"):
        verify_jwt(compact({"alg": "EdDSA", "kid": kid(), "typ": typ}, payload))


def test_typ_is_case_insensitive_and_may_carry_application() -> None:
    header = {"alg": "EdDSA", "kid": kid(), "typ": "application/VC+JWT"}
    assert verify_jwt(compact(header, vc2())).vc_version == "2.0"


def test_a_changed_jwt_is_a_signature_mismatch() -> None:
    token = compact({**HEADER, "kid": kid()}, vc2())
    head, _, signature = token.split(".")
    other = b64(json.dumps(vc2(name="changed")).encode())
    with pytest.raises(SignatureMismatchError):
        verify_jwt(f"{head}.{other}.{signature}")


@pytest.mark.parametrize(
    "media", ["text/html", "application/json", "application/vc+jwt;base64", "", "image/svg+xml"]
)
def test_an_envelope_of_another_media_type_is_refused(media: str) -> None:
    token = compact({**HEADER, "kid": kid()}, vc2())
    with pytest.raises(MalformedValueError, match="application/vc\\+jwt"):
        jose.enveloped_token(f"data:{media},{token}")


def test_a_vc_jwt_envelope_is_unwrapped() -> None:
    token = compact({**HEADER, "kid": kid()}, vc2())
    assert jose.enveloped_token(f"data:application/vc+jwt,{token}") == token
    with pytest.raises(MalformedValueError):
        jose.enveloped_token("data:application/vc+jwt,not-a-jwt")


# --- the context policy -----------------------------------------------------------------------


def credential(context: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "@context": context,
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:student", "name": "A"},
        **extra,
    }


@pytest.mark.parametrize(
    ("context", "fragment"),
    [
        ([V2, {"@vocab": "https://evil.example/#"}], "@vocab"),
        ([V2, {"@base": "https://evil.example/"}], "@base"),
        ([V2, {"@language": "ar"}], "@language"),
        ([V2, {"@import": OB}], "@import"),
        (
            [V2, {"thesis": "https://uni.example/#t"}, {"thesis": "https://evil.example/#t"}],
            "redefines",
        ),
        ([V2, {"fav": {"@id": "https://x.example/fav", "@context": {"@vocab": "x:"}}}], "@context"),
        ([V2, {"ident": "@id"}], "absolute IRI"),
        ([V2, {"colour": "relative"}], "absolute IRI"),
        ([V2, "https://www.w3.org/ns/credentials/undefined-terms/v2"], "catch-all"),
    ],
    ids=[
        "vocab-swap",
        "base",
        "language",
        "import",
        "redefine-inline-term",
        "scoped-in-inline",
        "keyword-alias",
        "relative-term",
        "undefined-terms",
    ],
)
def test_inline_contexts_that_change_meaning_are_refused(context: list[Any], fragment: str) -> None:
    with pytest.raises(SafeModeError, match=fragment):
        jsonld.expand(credential(context))


@pytest.mark.parametrize(
    "context",
    [[V2, OB, {"AchievementCredential": "https://evil.example/#"}], [V2, 42]],
    ids=["redefine-protected-ob-term", "number-entry"],
)
def test_what_pyld_refuses_as_invalid_json_ld_stays_refused(context: list[Any]) -> None:
    with pytest.raises(ParsingError):
        jsonld.expand(credential(context))


def test_a_nested_context_inside_the_subject_is_refused() -> None:
    document = credential([V2, OB])
    document["credentialSubject"] = {
        "@context": {"@vocab": "https://evil.example/#"},
        "id": "did:example:student",
        "degreeClass": "First",
    }
    with pytest.raises(SafeModeError, match="embedded @context at /credentialSubject"):
        jsonld.expand(document)
    with pytest.raises(SafeModeError):
        jsonld.canonize(document)


def test_a_purely_additive_inline_context_is_accepted() -> None:
    document = credential(
        [V2, {"@protected": True, "thesisTitle": "https://uni.test.example/vocab#thesisTitle"}]
    )
    document["credentialSubject"]["thesisTitle"] = "On safe modes"
    expanded = jsonld.expand(document)
    assert "https://uni.test.example/vocab#thesisTitle" in json.dumps(expanded)


def test_a_jcs_proof_context_is_allowed_but_not_elsewhere_in_the_proof() -> None:
    document = credential([V2])
    document["proof"] = {"type": "DataIntegrityProof", "@context": [V2], "created": "x"}
    jsonld.check_context_policy(document)
    document["proof"]["nested"] = {"@context": {"@vocab": "https://evil.example/#"}}
    with pytest.raises(SafeModeError):
        jsonld.check_context_policy(document)


def test_the_credentials_of_a_presentation_follow_the_same_policy() -> None:
    vp = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [credential([V2, OB])],
    }
    jsonld.check_context_policy(vp)
    vp["verifiableCredential"][0]["@context"].append({"@vocab": "https://evil.example/#"})
    with pytest.raises(SafeModeError, match="@vocab"):
        jsonld.check_context_policy(vp)
