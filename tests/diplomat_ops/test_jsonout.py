"""diplomat_ops.jsonout: orjson writes the same JSON as Flask's provider with the services'
settings, and hands over what it writes differently or cannot write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask import Flask

from diplomat_ops.jsonout import JSONProvider
from vc.message import Message


@dataclass
class _Row:
    name: str


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.json = JSONProvider(app)
    return app


def _flask_text(value: object, **kwargs: object) -> str:
    reference = Flask("reference")
    reference.json.ensure_ascii = False  # type: ignore[attr-defined]
    reference.json.sort_keys = False  # type: ignore[attr-defined]
    return reference.json.dumps(value, **kwargs)


VALUES = [
    {"b": 1, "a": [1.5, -0.0, True, None, "Алматы 東京"]},
    {"when": datetime(2026, 12, 3, 9, 30, tzinfo=UTC), "row": _Row("x")},
    {"price": Decimal("1.10"), 7: "int key"},
    {"big": 2**70},
    {"sentence": Message("Checked %(n)s lists.", n=2)},
]


@pytest.mark.parametrize("value", VALUES)
def test_same_value_as_flask(app: Flask, value: object) -> None:
    assert json.loads(app.json.dumps(value)) == json.loads(_flask_text(value))


def test_dates_are_http_dates_as_in_flask(app: Flask) -> None:
    written = json.loads(app.json.dumps({"at": datetime(2026, 12, 3, 9, 30, tzinfo=UTC)}))
    assert written == {"at": "Thu, 03 Dec 2026 09:30:00 GMT"}


def test_keys_keep_their_order_and_text_stays_utf8(app: Flask) -> None:
    assert app.json.dumps({"z": "é", "a": 1}) == '{"z":"é","a":1}'


def test_response_is_compact_or_indented_in_debug(app: Flask) -> None:
    with app.app_context():
        compact = app.json.response({"a": [1]})
        assert compact.get_data(as_text=True) == '{"a":[1]}\n'
        assert compact.mimetype == "application/json"
        app.debug = True
        pretty = app.json.response({"a": [1]}).get_data(as_text=True)
    assert pretty == '{\n  "a": [\n    1\n  ]\n}\n'
    assert json.loads(pretty) == {"a": [1]}


def test_what_json_cannot_write_is_still_refused(app: Flask) -> None:
    with pytest.raises(TypeError):
        app.json.dumps({"x": object()})
