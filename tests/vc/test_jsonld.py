"""vc.jsonld: safe-mode expansion, RDFC-1.0 canonicalization and its work bound (poison graphs)."""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vc import jsonld, ldoracle
from vc.errors import ParsingError, SafeModeError, WorkLimitError

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# Counts pyld's own expansions: the oracle of tests/vc/conftest.py would add its own.
NO_PYLD_ORACLE = ("test_canonize_reuses_the_safe_mode_expansion",)


def vc11(**overrides: Any) -> dict[str, Any]:
    """Factory: a minimal VC 1.1 credential (its context has no @vocab)."""
    document: dict[str, Any] = {
        "@context": [V1],
        "id": "urn:uuid:5d1c3a5e-8b7e-4a8e-9d0f-1a2b3c4d5e6f",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:student"},
    }
    document.update(overrides)
    return document


def degree(**overrides: Any) -> dict[str, Any]:
    """Factory: an Open Badges 3.0 degree credential under VC 2.0."""
    document: dict[str, Any] = {
        "@context": [V2, OB],
        "id": "urn:uuid:3b2e5c90-83ec-87b9-bd0b-9ff96dd0209e",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": {"id": "did:example:university", "type": ["Profile"], "name": "Example U"},
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "Bachelor of Science",
        "credentialSubject": {
            "id": "did:example:student",
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
    document.update(overrides)
    return document


def _edit(document: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    change(copied)
    return copied


def test_valid_documents_expand_and_canonize() -> None:
    for document in (vc11(), degree()):
        expanded = jsonld.expand(document)
        assert expanded and isinstance(expanded[0], dict)
        nquads = jsonld.canonize(document)
        assert nquads.endswith("\n")
        assert nquads == "".join(sorted(nquads.splitlines(keepends=True)))  # canonical order


def test_expand_does_not_modify_its_input() -> None:
    document = degree()
    before = copy.deepcopy(document)
    jsonld.expand(document)
    jsonld.canonize(document)
    assert document == before


SAFE_MODE_CASES: dict[str, dict[str, Any]] = {
    "undefined term in a VC 1.1 subject": vc11(credentialSubject={"id": "did:example:s", "degreeName": "BSc"}),
    "undefined top-level term in VC 1.1": vc11(gpa="4.0"),
    "relative type under VC 1.1": vc11(type=["VerifiableCredential", "UniversityDegreeCredential"]),
    "undefined term in an OB AchievementSubject": _edit(degree(), lambda d: d["credentialSubject"].update(gpa="4.0")),
    "undefined term in an OB Achievement": _edit(degree(), lambda d: d["credentialSubject"]["achievement"].update(honours="first")),
    "undefined type under VC 2.0": degree(type=["VerifiableCredential", "AchievementCredential", "Diploma"]),
    "relative @id": degree(id="credentials/42"),
    "relative subject id": _edit(degree(), lambda d: d["credentialSubject"].update(id="student-1")),
    "keyword-like @foo": degree(**{"@foo": "bar"}),
    "keyword-like @foo nested": _edit(degree(), lambda d: d["credentialSubject"].update({"@foo": 1})),
    "term mapped to null": vc11(**{"@context": [V1, {"gpa": None}], "gpa": "4.0"}),
}  # fmt: skip


@pytest.mark.parametrize("document", SAFE_MODE_CASES.values(), ids=SAFE_MODE_CASES.keys())
def test_safe_mode(document: dict[str, Any]) -> None:
    with pytest.raises(SafeModeError) as caught:
        jsonld.expand(document)
    assert caught.value.to_problem()["type"].endswith("MALFORMED_VALUE_ERROR")
    with pytest.raises(SafeModeError):
        jsonld.canonize(document)


@pytest.mark.parametrize(
    "document",
    [
        {"@context": 42, "type": "X"},
        {"@context": [V2, {"@version": 2.0}], "type": "VerifiableCredential"},
        {"@context": [V2], "id": 5, "type": "VerifiableCredential"},
        {"@context": [V2, [1]], "type": "VerifiableCredential"},
        {"@context": [V2], "type": "VerifiableCredential", "name": {"@value": {"a": 1}}},
        {"@context": [V2, OB, {"name": None}], "type": "VerifiableCredential"},
    ],
    ids=[
        "context-number",
        "bad-version",
        "id-number",
        "nested-list-context",
        "object-value",
        "redefine-protected",
    ],
)
def test_invalid_json_ld_is_a_parsing_error(document: dict[str, Any]) -> None:
    with pytest.raises(ParsingError):
        jsonld.canonize(document)


@pytest.mark.parametrize("value", [[], [[]]], ids=["empty", "nested-empty"])
def test_value_object_with_array_value_is_refused(value: list[Any]) -> None:
    document = {"@context": [V2], "type": "VerifiableCredential", "name": {"@value": value}}
    with pytest.raises((ParsingError, SafeModeError)):
        jsonld.canonize(document)


# --- RDFC-1.0 work bound ----------------------------------------------------------------------------
def poison_clique(size: int) -> dict[str, Any]:
    """A "poison" graph (RDFC-1.0 test-suite clique shape, cf. test074): `size` blank nodes, each
    pointing to all the others through one predicate, so every node looks alike and Hash N-Degree
    Quads has to explore permutations (factorial work without a bound)."""
    context = {"p": {"@id": "http://example.org/vocab#p", "@type": "@id"}}
    nodes = [
        {"@id": f"_:b{i}", "p": [f"_:b{j}" for j in range(size) if j != i]} for i in range(size)
    ]
    return {"@context": context, "@graph": nodes}


def poison_ladder(rungs: int) -> dict[str, Any]:
    """Two interlinked rails of blank nodes: another symmetric shape."""
    context = {"p": {"@id": "http://example.org/vocab#p", "@type": "@id"}}
    nodes = []
    for i in range(rungs):
        nxt = (i + 1) % rungs
        nodes.append({"@id": f"_:a{i}", "p": [f"_:a{nxt}", f"_:b{i}"]})
        nodes.append({"@id": f"_:b{i}", "p": [f"_:b{nxt}", f"_:a{i}"]})
    return {"@context": context, "@graph": nodes}


@pytest.mark.parametrize("document", [poison_clique(10)], ids=["clique10"])
def test_poison_graph_hits_the_work_limit_quickly(document: dict[str, Any]) -> None:
    started = time.perf_counter()
    with pytest.raises(WorkLimitError) as caught:
        jsonld.canonize(document)
    elapsed = time.perf_counter() - started
    assert elapsed < 10, f"the bound took {elapsed:.1f}s: is it still there?"
    assert caught.value.status == 422


def test_poison_ladder_is_bounded() -> None:
    """A ring ladder of 12 rungs (24 look-alike blank nodes) is refused, and quickly."""
    started = time.perf_counter()
    with pytest.raises(WorkLimitError):
        jsonld.canonize(poison_ladder(12))
    assert time.perf_counter() - started < 10
    # a short ladder is still canonicalized: 4 rungs, 8 nodes, 2 quads each
    assert len(jsonld.canonize(poison_ladder(4)).splitlines()) == 16


def test_small_symmetric_graph_is_still_canonicalized() -> None:
    """The bound is not a ban on blank nodes: a 4-clique is canonical, and stable under relabelling."""
    first = jsonld.canonize(poison_clique(4))
    relabelled = json.loads(json.dumps(poison_clique(4)).replace("_:b", "_:x"))
    assert jsonld.canonize(relabelled) == first
    assert first.count("\n") == 12
    assert "_:c14n0" in first


def test_explicit_work_limit_is_honoured() -> None:
    with pytest.raises(WorkLimitError):
        jsonld.canonize(poison_clique(4), work_limit=0)
    # a document without blank-node ties needs no Hash N-Degree Quads at all
    assert jsonld.canonize(degree(), work_limit=0) == jsonld.canonize(degree())


def test_internal_hash_changes_blank_node_labels_only(vectors: Path, vector_loader: Any) -> None:
    document = json.loads((vectors / "vc-di-ecdsa" / "employmentAuth.json").read_text("utf-8"))
    sha256 = jsonld.canonize(document, vector_loader)
    sha384 = jsonld.canonize(document, vector_loader, hash_name="sha384")
    assert sha256 != sha384
    assert len(sha256.splitlines()) == len(sha384.splitlines())
    # and without blank nodes the hash makes no difference
    assert jsonld.canonize(degree(), hash_name="sha384") == jsonld.canonize(degree())


# --- one expansion per document -------------------------------------------------------------------
def test_canonize_reuses_the_safe_mode_expansion(monkeypatch: pytest.MonkeyPatch) -> None:
    pyld_calls: list[int] = []
    walks: list[int] = []
    original_expand = ldoracle.SafeProcessor.expand
    original_walk = jsonld.document_quads

    def counting_expand(self: Any, *args: Any, **kwargs: Any) -> Any:
        pyld_calls.append(1)
        return original_expand(self, *args, **kwargs)

    def counting_walk(*args: Any, **kwargs: Any) -> Any:
        walks.append(1)
        return original_walk(*args, **kwargs)

    monkeypatch.setattr(ldoracle.SafeProcessor, "expand", counting_expand)
    monkeypatch.setattr(jsonld, "document_quads", counting_walk)
    loader = jsonld.StaticDocumentLoader()
    document = {"@context": [V2], "type": "VerifiableCredential", "name": "cache probe 1"}
    signed = {**document, "proof": {"type": "DataIntegrityProof", "proofValue": "z1"}}
    expected = jsonld.canonize(document, jsonld.StaticDocumentLoader())
    walks.clear()
    jsonld.check_safe_mode(signed, loader)  # the verifier's safe-mode check, proof included
    assert jsonld.canonize(document, loader) == expected  # the proof's canonicalization
    assert jsonld.canonize(signed, loader) != expected
    # The document was walked once, into quads, and never expanded by pyld.
    assert (len(walks), len(pyld_calls)) == (1, 0)
    changed = {**document, "name": "cache probe 2"}
    assert jsonld.canonize(changed, loader) != expected  # another text, another expansion
    assert len(walks) == 2


def test_a_flat_document_is_canonicalized_once_per_text_and_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A proof configuration (a flat document) is kept in canonical form: an issuer signing a
    cohort canonicalizes the same one for every credential of the same second."""
    walks: list[int] = []
    original_walk = jsonld.document_quads

    def counting_walk(*args: Any, **kwargs: Any) -> Any:
        walks.append(1)
        return original_walk(*args, **kwargs)

    monkeypatch.setattr(jsonld, "document_quads", counting_walk)
    loader = jsonld.StaticDocumentLoader()
    vm = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    config = {
        "@context": [V2],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-07-01T09:00:00Z",
        "verificationMethod": f"{vm}#{vm.removeprefix('did:key:')}",
        "proofPurpose": "assertionMethod",
    }
    first = jsonld.canonize(config, loader)
    assert first == jsonld.canonize(config, jsonld.StaticDocumentLoader())  # another loader
    walks.clear()
    assert jsonld.canonize(dict(reversed(config.items())), loader) == first  # same JSON
    assert walks == []
    later = {**config, "created": "2025-07-01T09:00:01Z"}
    assert jsonld.canonize(later, loader) == first.replace("09:00:00Z", "09:00:01Z")
    assert jsonld.canonize(config, loader, hash_name="sha384") == first  # no blank nodes
    assert len(walks) == 2  # another text, another hash: each walked once
    # A document with a node object in it (a credential) is walked every time.
    nested = {"@context": [V2], "type": "VerifiableCredential", "credentialSubject": {"name": "N"}}
    assert jsonld.canonize(nested, loader) == jsonld.canonize(nested, loader)
    assert len(walks) == 4
    loader.forget_expansions()
    assert jsonld.canonize(config, loader) == first
    assert len(walks) == 5


def test_cached_expansion_is_a_copy() -> None:
    loader = jsonld.StaticDocumentLoader()
    document = {"@context": [V2], "type": "VerifiableCredential", "name": "copy probe"}
    first = jsonld.expand(document, loader)
    first[0]["https://schema.org/name"][0]["@value"] = "mutated by a caller"
    assert (
        jsonld.expand(document, loader)[0]["https://schema.org/name"][0]["@value"] == "copy probe"
    )


def test_an_inline_term_copied_from_a_vendored_context_passes_but_a_changed_copy_does_not() -> None:
    """Safe mode's context policy accepts an inline definition identical to a vendored one (it
    adds no meaning), and refuses the same definition with its scoped context altered."""
    from vc.status import vc1_status_context

    pinned = vc1_status_context()
    document = {
        "@context": ["https://www.w3.org/2018/credentials/v1", pinned],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
        "credentialStatus": {
            "id": "https://example.edu/status/1#5",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "5",
            "statusListCredential": "https://example.edu/status/1",
        },
    }
    jsonld.expand(document)
    changed = copy.deepcopy(pinned)
    entry = changed["BitstringStatusListEntry"]
    entry["@context"] = {**entry["@context"], "statusPurpose": "https://evil.example/purpose"}
    with pytest.raises(SafeModeError):
        jsonld.expand({**document, "@context": ["https://www.w3.org/2018/credentials/v1", changed]})


def test_an_embedded_context_document_is_read_under_the_same_policy() -> None:
    """{"@context": {...}} inline (as the W3C Data Integrity suites send it) is the object it
    wraps: additive terms pass, a wrapped @vocab is refused like an unwrapped one."""
    base = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            {"@context": {"alumniOf": "https://www.example.org/alumniOf"}},
        ],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "alumniOf": "The School of Examples"},
    }
    expanded = jsonld.expand(base)
    assert "https://www.example.org/alumniOf" in json.dumps(expanded)
    hostile = {
        **base,
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            {"@context": {"@vocab": "https://evil.example/#"}},
        ],
    }
    with pytest.raises(SafeModeError):
        jsonld.expand(hostile)


def test_cache_keys_are_the_sorted_json_and_never_confuse_two_documents() -> None:
    key = jsonld._cache_key
    assert key({"b": 1, "a": "x"}) == key({"a": "x", "b": 1})
    assert key({"a": 1}) != key({"a": 1.0}) != key({"a": True})
    # orjson writes NaN and infinities as null: json.dumps decides, and refuses them.
    assert key({"a": None}) is not None
    assert key({"a": float("nan")}) is None
    assert key({"a": float("inf")}) is None
    # Beyond orjson's 64 bits, and text no JSON can carry (a lone surrogate).
    big = hashlib.sha256(b'{"a": 1180591620717411303424}').digest()
    assert key({"a": 2**70}) == big
    assert key({"a": "\ud800"}) is None
    assert key({"a": object()}) is None


@pytest.mark.parametrize("operation", [jsonld.canonize, jsonld.expand, jsonld.check_safe_mode])
def test_a_top_level_array_is_refused_in_words_not_by_an_assertion(
    operation: Callable[..., Any],
) -> None:
    """Valid JSON-LD, but never a credential, presentation or proof: a ParsingError (a 4xx for a
    shell), with nothing counted as a fallback."""
    before = jsonld.compiled_counts()["fallbacks"]
    document = [
        {"@context": "https://www.w3.org/ns/credentials/v2", "type": "VerifiableCredential"}
    ]
    with pytest.raises(ParsingError, match="a JSON object, not list"):
        operation(document)
    assert jsonld.compiled_counts()["fallbacks"] == before
