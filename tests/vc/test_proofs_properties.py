"""Property tests of the proof engine: sign-then-verify holds, and any single change breaks it.

Random degree-like credentials (unicode names, random strings and integers in Open Badges fields
that exist in the OB 3.0 context) for each suite. Changing any leaf of the credential, or any
field of the proof, must make verification fail with a DiplomatError, never an unhandled exception.
Example counts are modest so the suite stays fast on two cores.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vc import proofs
from vc.dids import DidResolver
from vc.errors import DiplomatError
from vc.keys import KeyPair, KeyType, generate

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ED2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
CREATED = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 1, tzinfo=UTC)

KEYS = {t: generate(t, bytes(range(1, 33))) for t in KeyType}
SUITES = [
    ("eddsa-rdfc-2022", KeyType.ED25519),
    ("eddsa-jcs-2022", KeyType.ED25519),
    ("ecdsa-rdfc-2019", KeyType.P256),
    ("Ed25519Signature2020", KeyType.ED25519),  # on a VC 1.1 document
]
PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Unicode text as it occurs in names (Kazakh, Russian, Chinese, accents, emoji), no surrogates.
text = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30)
safe_int = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
# Strings or integers for OB fields whose values are literals.
literal = st.one_of(text, safe_int)
# Any JSON value (no floats: JCS and RDFC format doubles differently from Python's repr).
json_value = st.recursive(
    st.none() | st.booleans() | safe_int | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def degree_fields(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "university": draw(text),
        "title": draw(text),
        "achievement_name": draw(literal),
        "description": draw(literal),
        "field_of_study": draw(literal),
        "narrative": draw(text),
        "student": draw(text),
        "credits": draw(st.integers(min_value=0, max_value=10_000)),
    }


def degree(key: KeyPair, version: str, fields: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": [V2, OB] if version == "2.0" else [V1, OB, ED2020],
        "id": "urn:uuid:7f0e1d2c-3b4a-4596-8877-665544332211",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.public.did_key, "type": ["Profile"], "name": fields["university"]},
        "name": fields["title"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": fields["student"],
                    "identityType": "name",
                    "hashed": False,
                }
            ],
            "achievement": {
                "id": "https://university.example/achievements/degree",
                "type": ["Achievement"],
                "name": fields["achievement_name"],
                "description": fields["description"],
                "criteria": {"narrative": fields["narrative"]},
                "fieldOfStudy": fields["field_of_study"],
                "creditsAvailable": fields["credits"],
            },
        },
    }
    document["validFrom" if version == "2.0" else "issuanceDate"] = "2025-01-01T00:00:00Z"
    return document


def sign(suite: str, key_type: KeyType, fields: dict[str, Any]) -> dict[str, Any]:
    key = KEYS[key_type]
    version = "1.1" if suite == "Ed25519Signature2020" else "2.0"
    return proofs.sign(
        degree(key, version, fields),
        key,
        verification_method=f"{key.public.did_key}#{key.public.multikey}",
        created=CREATED,
        suite=suite,
    )


def verify(document: dict[str, Any]) -> proofs.ProofsResult:
    """Verify; any exception escaping here fails the property (verify must never raise)."""
    return proofs.verify(document, resolver=DidResolver(), now=NOW)


def assert_fails_typed(document: dict[str, Any]) -> None:
    result = verify(document)
    assert not result.verified
    assert result.errors
    assert all(isinstance(error, DiplomatError) for error in result.errors)


Path = tuple[str | int, ...]


def leaf_paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every path to a scalar inside a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, (*prefix, index))
    else:
        yield prefix


def get_at(document: Any, path: Path) -> Any:
    for step in path:
        document = document[step]
    return document


def set_at(document: Any, path: Path, value: Any) -> None:
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


def changed(original: Any) -> st.SearchStrategy[Any]:
    """A value different from `original`: a small edit of it, or any other JSON value."""
    edits: list[st.SearchStrategy[Any]] = [json_value]
    if isinstance(original, str):
        edits.append(st.text(min_size=1, max_size=3).map(lambda s: original + s))
        if original:
            edits.append(st.just(original[:-1]))
    elif isinstance(original, bool):
        edits.append(st.just(not original))
    elif isinstance(original, int):
        edits.append(st.integers(1, 1000).map(lambda d: original + d))
    # `!=` is conservative: it also rejects True for 1, which JSON would tell apart.
    return st.one_of(edits).filter(lambda v: not _same_meaning(v, original))


def _flattened(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [leaf for item in value for leaf in _flattened(item)]
    return [value]


def _same_meaning(value: Any, original: Any) -> bool:
    """Whether ``value`` says what ``original`` says. Besides the value itself: JSON-LD 1.1
    expansion (§13.1) reads ``[x]``, ``[[x]]`` and ``[x, x]`` outside a ``@list`` as ``x`` (arrays
    are flattened, and RDF has no duplicate triples), so the RDFC suites rightly sign them alike."""
    leaves = _flattened(value)
    return bool(leaves) and all(
        leaf == original and type(leaf) is type(original) for leaf in leaves
    )


@pytest.mark.parametrize(("suite", "key_type"), SUITES)
@PROPERTY_SETTINGS
@given(fields=degree_fields())
def test_sign_then_verify(suite: str, key_type: KeyType, fields: dict[str, Any]) -> None:
    signed = sign(suite, key_type, fields)
    result = verify(signed)
    assert result.verified, result.errors
    assert result.results[0].suite == suite


@pytest.mark.parametrize(("suite", "key_type"), SUITES)
@PROPERTY_SETTINGS
@given(fields=degree_fields(), data=st.data())
def test_changing_any_credential_value_fails(
    suite: str, key_type: KeyType, fields: dict[str, Any], data: st.DataObject
) -> None:
    signed = sign(suite, key_type, fields)
    paths = [p for p in leaf_paths(proofs.unsecured(signed))]
    path = data.draw(st.sampled_from(paths), label="path")
    replacement = data.draw(changed(get_at(signed, path)), label="replacement")
    tampered = copy.deepcopy(signed)
    set_at(tampered, path, replacement)
    assert_fails_typed(tampered)


@pytest.mark.parametrize(("suite", "key_type"), SUITES)
@PROPERTY_SETTINGS
@given(fields=degree_fields(), data=st.data())
def test_changing_any_proof_field_fails(
    suite: str, key_type: KeyType, fields: dict[str, Any], data: st.DataObject
) -> None:
    signed = sign(suite, key_type, fields)
    proof_paths = [("proof", *p[1:]) for p in leaf_paths({"proof": signed["proof"]})]
    path = data.draw(st.sampled_from(proof_paths), label="proof path")
    replacement = data.draw(changed(get_at(signed, path)), label="replacement")
    tampered = copy.deepcopy(signed)
    set_at(tampered, path, replacement)
    assert_fails_typed(tampered)


@pytest.mark.parametrize(("suite", "key_type"), SUITES)
@PROPERTY_SETTINGS
@given(fields=degree_fields(), data=st.data())
def test_removing_or_adding_a_proof_field_fails(
    suite: str, key_type: KeyType, fields: dict[str, Any], data: st.DataObject
) -> None:
    signed = sign(suite, key_type, fields)
    tampered = copy.deepcopy(signed)
    if data.draw(st.booleans(), label="remove"):
        field = data.draw(st.sampled_from(sorted(tampered["proof"])), label="field")
        del tampered["proof"][field]
    else:
        field = data.draw(
            st.sampled_from(["nonce", "domain", "challenge", "id", "expires", "extra"])
            | st.text(min_size=1, max_size=8).filter(lambda k: k not in signed["proof"]),
            label="field",
        )
        # A null (or empty-array) value means "no value" in JSON-LD and adds nothing to the RDF
        # graph, so only real values are added here; see test_null_field_is_no_data below.
        tampered["proof"][field] = data.draw(literal | st.booleans(), label="value")
    assert_fails_typed(tampered)


@pytest.mark.parametrize(("suite", "key_type"), SUITES)
def test_null_field_is_no_data(suite: str, key_type: KeyType) -> None:
    """RDFC suites sign the RDF graph: a field whose value is null is not part of it (JSON-LD 1.1
    §9: null "is used to indicate that a value is not set"), exactly as in the reference libraries.
    JCS suites sign the JSON text, so there the same addition breaks the proof."""
    fields = {"university": "U", "title": "T", "achievement_name": "A", "description": "D",
              "field_of_study": "F", "narrative": "N", "student": "S", "credits": 1}  # fmt: skip
    signed = sign(suite, key_type, fields)
    for where in ("proof", "document"):
        tampered = copy.deepcopy(signed)
        target = tampered["proof"] if where == "proof" else tampered["credentialSubject"]
        target["description"] = None
        if suite.endswith("jcs-2022"):
            assert_fails_typed(tampered)
        else:
            assert verify(tampered).verified, where


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_proof_field_is_checked(data: st.DataObject) -> None:
    """Deterministic sweep inside a property: each field of each suite's proof, one by one."""
    fields = data.draw(degree_fields())
    for suite, key_type in SUITES:
        signed = sign(suite, key_type, fields)
        for name in sorted(signed["proof"]):
            tampered = copy.deepcopy(signed)
            original = tampered["proof"][name]
            tampered["proof"][name] = data.draw(changed(original), label=f"{suite}.{name}")
            assert_fails_typed(tampered)
