"""vc.strictjson: what a verifier must refuse that Python's json module accepts."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vc import strictjson
from vc.errors import ParsingError

BAD = {
    "duplicate key": '{"a": 1, "a": 2}',
    "nested duplicate key": '{"a": {"b": 1, "b": 1}}',
    "NaN": '{"a": NaN}',
    "Infinity": "[Infinity]",
    "-Infinity": "[-Infinity]",
    "2**53+1": f"[{2**53 + 1}]",
    "-(2**53+1)": f"[{-(2**53 + 1)}]",
    "huge integer": "1" + "0" * 400,
    "float overflow": "[1e400]",
    "lone high surrogate": '["\\ud800"]',
    "lone low surrogate": '["\\udc00"]',
    "lone surrogate in a key": '{"\\ud800": 1}',
    "depth 1000": "[" * 1000 + "]" * 1000,
    "depth 1000 objects": '{"a":' * 1000 + "1" + "}" * 1000,
    "depth 65": "[" * 65 + "]" * 65,
    "trailing data": '{"a": 1} x',
    "two documents": "{}{}",
    "empty": "",
    "single quotes": "{'a': 1}",
    "trailing comma": '{"a": 1,}',
    "comment": '{"a": 1 // no\n}',
}


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
def test_refused(text: str) -> None:
    with pytest.raises(ParsingError):
        strictjson.loads(text)
    with pytest.raises(ParsingError):
        strictjson.loads(text.encode("utf-8", "surrogatepass"))


def test_python_json_would_have_accepted_most_of_them() -> None:
    """The point of the module: the standard library is lenient."""
    for name in ("duplicate key", "NaN", "Infinity", "2**53+1", "lone high surrogate"):
        json.loads(BAD[name])


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfe{}", b'{"a": "\xc3"}', b'"\xed\xa0\x80"'],
    ids=["utf16-bom", "truncated", "encoded-surrogate"],
)
def test_invalid_utf8_refused(data: bytes) -> None:
    with pytest.raises(ParsingError):
        strictjson.loads(data)


def test_limits_are_exact() -> None:
    assert strictjson.loads(f"[{2**53 - 1}, {-(2**53 - 1)}]") == [2**53 - 1, -(2**53 - 1)]
    depth = strictjson.MAX_DEPTH
    assert strictjson.loads("[" * depth + "]" * depth) is not None
    with pytest.raises(ParsingError):
        strictjson.loads("[" * (depth + 1) + "]" * (depth + 1))


def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    text = json.dumps({"s": "[" * 1000 + '\\"{' * 100})
    assert strictjson.loads(text)["s"].startswith("[[[")


@pytest.mark.parametrize("data", [b'\xef\xbb\xbf{"a": 1}', '\ufeff{"a": 1}'], ids=["bytes", "str"])
def test_bom_accepted(data: str | bytes) -> None:
    assert strictjson.loads(data) == {"a": 1}


def test_valid_unicode_accepted() -> None:
    text = '{"name": "Ерлан Нұрлан 王小明 \\ud83c\\udf93", "n": 1.5, "ok": true, "x": null}'
    value = strictjson.loads(text)
    assert value["name"].endswith("🎓")
    assert strictjson.loads(strictjson.dumps(value)) == value
    assert "Ерлан" in strictjson.dumps(value)  # not ASCII-escaped


@pytest.mark.parametrize("text", ["[]", "1", '"s"', "null", "true"])
def test_loads_object_requires_an_object(text: str) -> None:
    with pytest.raises(ParsingError, match="must be a JSON object"):
        strictjson.loads_object(text, "credential")
    assert strictjson.loads_object("{}") == {}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_value_or_a_parsing_error(data: bytes) -> None:
    with contextlib.suppress(ParsingError):  # any other exception fails the property
        strictjson.loads(data)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=5), children, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_round_trip(value: object) -> None:
    assert strictjson.loads(strictjson.dumps(value)) == value


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0.0, -0.0, 1e-4, 9.99e-5, 1e15, 1e16, 9.999999999999998e15, 3.5, 240.0])
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_JSON_VALUES)
def test_dumps_is_exactly_the_text_json_writes(value: Any) -> None:
    # orjson writes it when it can be sure of the same text; anything else goes to json.
    assert strictjson.dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_dumps_of_a_degree_is_json_text_and_other_shapes_still_work() -> None:
    degree = {"name": "Bachelor", "gpa": 3.5, "credits": 240.0, "list": [], "map": {}, "n": None}
    assert strictjson.dumps(degree) == json.dumps(degree, ensure_ascii=False, indent=2)
    assert strictjson.dumps(("a", 1)) == '[\n  "a",\n  1\n]'  # a tuple, as json writes it
    assert strictjson.dumps({1: "x"}) == '{\n  "1": "x"\n}'  # a non-str key, likewise


def test_dumps_of_subclasses_and_deep_nesting_is_the_text_json_writes() -> None:
    class Mapping(dict[str, Any]):
        pass

    class Items(list[Any]):
        pass

    class Text(str):
        pass

    deep: Any = [1e-5]
    for _ in range(300):  # deeper than the check follows: json writes it
        deep = [deep, {"x": 0.5}]
    for value in (
        Mapping(a=1.5, b=Items([Text("t"), 2, None, 1e20])),
        Items([Mapping(z=Items([3.25]))]),
        {"k": Mapping(n=float("nan"))},
        deep,
    ):
        assert strictjson.dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)
