"""vc.schemas: jsonschema-rs (``schema_matches``) against the Python validator, on every schema
the hot paths use, with valid documents and thousands of mutations of them.

The fast check may only say "valid" when the Python validator finds no error (it skips the
Python validator then); the other way round (jsonschema-rs refuses, Python accepts) the Python
validator is asked and decides, so that only costs time, and happens only where the two regular
expression engines differ: ``$`` matching before a final newline in Python.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.transcripts import ROW
from issuer.degree import IssuerProfile, build_credential, parse_input
from vc.schemas import DEGREE_CREDENTIAL, DEGREE_INPUT, schema_matches, schema_validator
from vc.status import status_entry

INPUT: dict[str, Any] = dict(ROW)  # the benchmark's degree row (bench.transcripts)


def credential() -> dict[str, Any]:
    profile = IssuerProfile(
        did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        legal_name="Example State University",
        url="https://university.example",
        country="KZ",
    )
    return build_credential(
        parse_input(dict(INPUT)),
        profile,
        credential_id="urn:uuid:51f4c2f8-98a1-4f5e-9e5d-2f0c4a1b7d10",
        valid_from=datetime(2025, 7, 1, tzinfo=UTC),
        status_entries=[
            status_entry(list_id="https://u.example/status/1", index=7, purpose="revocation")
        ],
        salt="5f1c0d2e9a7b4c3d",
    )


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``node`` (object keys and array positions)."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


REPLACEMENTS: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    "",
    " ",
    "x",
    "not a URI",
    "urn:uuid:1",
    "https://example.org/a",
    "2025-13-01T00:00:00Z",
    "2025-07-01T00:00:00Z",
    "KZ",
    "kz",
    "Zz",
    "BachelorDegree",
    "Achievement",
    [],
    ["Achievement"],
    {},
    {"id": "urn:x"},
    "\u0000",
    "١٢٣",  # Arabic-Indic digits: \\d in both engines?
]
NEWLINE_REPLACEMENTS: list[Any] = ["KZ\n", "7\n", "2025-07-01T00:00:00Z\n", "0613\n"]
DELETE = object()


def mutate(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    parent: Any = changed
    for part in path[:-1]:
        parent = parent[part]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(value)
    return changed


DOCUMENTS = {DEGREE_CREDENTIAL: credential(), DEGREE_INPUT: dict(INPUT)}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_unchanged_documents_match_in_both(name: str) -> None:
    assert schema_matches(name, DOCUMENTS[name])
    assert list(schema_validator(name).iter_errors(DOCUMENTS[name])) == []


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_single_change_gets_the_same_answer_from_both(name: str) -> None:
    document = DOCUMENTS[name]
    checked = 0
    for path in paths(document):
        for value in [*REPLACEMENTS, DELETE]:
            changed = mutate(document, path, value)
            python = schema_validator(name).is_valid(changed)
            assert schema_matches(name, changed) == python, (path, value)
            checked += 1
    assert checked >= len(paths(document)) * 25  # every path, every replacement


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_final_newline_never_makes_the_fast_check_more_lenient(name: str) -> None:
    document = DOCUMENTS[name]
    for path in paths(document):
        for value in NEWLINE_REPLACEMENTS:
            changed = mutate(document, path, value)
            if schema_matches(name, changed):
                assert schema_validator(name).is_valid(changed), (path, value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_changes_get_the_same_answer_from_both(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(DOCUMENTS)))
    changed = DOCUMENTS[name]
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=6,
    )
    for _ in range(data.draw(st.integers(1, 3))):
        options = paths(changed)
        if not options:
            break
        path = data.draw(st.sampled_from(options))
        value = data.draw(st.one_of(st.sampled_from([*REPLACEMENTS, DELETE]), json_values))
        changed = mutate(changed, path, value)
    if schema_matches(name, changed):
        assert schema_validator(name).is_valid(changed)
    elif schema_validator(name).is_valid(changed):
        # Only the one known difference of the regular expression engines may lead here.
        assert "\n" in repr(changed)


def test_a_value_that_is_not_json_is_left_to_the_python_validator() -> None:
    changed = mutate(DOCUMENTS[DEGREE_INPUT], ("gpa",), object())
    assert schema_matches(DEGREE_INPUT, changed) is False
