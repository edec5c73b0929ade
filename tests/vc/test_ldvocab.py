"""vc.ldvocab: the constants and number forms the compiled path took from pyld are pyld's."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyld import jsonld as pyld

from vc import ldvocab

pytestmark = pytest.mark.timeout(60)

CONSTANTS = (
    "RDF_TYPE",
    "RDF_FIRST",
    "RDF_REST",
    "RDF_NIL",
    "RDF_LANGSTRING",
    "RDF_JSON_LITERAL",
    "XSD_BOOLEAN",
    "XSD_DOUBLE",
    "XSD_INTEGER",
    "XSD_STRING",
    "KEYWORD_PATTERN",
)


@pytest.mark.parametrize("name", CONSTANTS)
def test_constant_is_pyld_s(name: str) -> None:
    assert getattr(ldvocab, name) == getattr(pyld, name)


def test_keywords_are_pyld_s() -> None:
    assert frozenset(pyld.KEYWORDS) == ldvocab.KEYWORDS


EDGE_NUMBERS = [
    0,
    -0.0,
    1,
    1.0,
    1.5,
    -2.25,
    1e21,
    1e-7,
    123456789012345678901234567890,
    5e-324,
    1.7976931348623157e308,
    True,
    Decimal("1.5"),
    Fraction(1, 3),
]


@given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
def test_number_tests_and_double_form_are_pyld_s(value: float) -> None:
    assert ldvocab.is_integer(value) == pyld._is_integer(value)
    assert ldvocab.is_double(value) == pyld._is_double(value)
    if not isinstance(value, int) or abs(value) < 1e300:
        assert ldvocab.canonical_double(float(value)) == pyld._canonicalize_double(float(value))


@pytest.mark.parametrize("value", EDGE_NUMBERS, ids=repr)
def test_edge_numbers_are_pyld_s(value: float) -> None:
    assert ldvocab.is_integer(value) == pyld._is_integer(value)
    assert ldvocab.is_double(value) == pyld._is_double(value)
    number = float(value)
    if math.isfinite(number):
        assert ldvocab.canonical_double(number) == pyld._canonicalize_double(number)


@pytest.mark.parametrize(
    "value", [{"b": 1, "a": [1.5, "é", None, True]}, [], "text", 1e21, {"z": {"y": 0.1}}]
)
def test_json_literal_is_pyld_s(value: object) -> None:
    assert ldvocab.json_literal(value) == pyld.canonicalize(value).decode("utf-8")
