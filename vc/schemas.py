"""The project's data folder ``schemas/``: the vendored JSON-LD contexts and Diplomat's JSON Schemas.

The one place that knows where ``schemas/`` is: installed (wheel or ``pip install .``) it is the
data-only package ``vc/_schemas`` (setup.py maps the repository's top-level folder there); in a
checkout or an editable install it is the repository's ``schemas/``. Each schema file is read and compiled once per
process (cached), never on a verification's hot path after the first.

    degree-input.schema.json        the issuer's simple input (one JSON object or CSV row)
    degree-credential.schema.json   the degree credential profile (OB 3.0 AchievementCredential)
    registry.schema.json            an accreditation registry document
    conventions.schema.json         the recognition conventions dataset
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

if TYPE_CHECKING:  # the Python validator is imported when an error must be worded
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

from vc import strictjson
from vc.errors import DiplomatError, MalformedValueError


def _schemas_dir() -> Path:
    installed = Path(__file__).resolve().parent / "_schemas"
    return installed if installed.is_dir() else Path(__file__).resolve().parents[1] / "schemas"


SCHEMAS_DIR = _schemas_dir()
CONTEXTS_DIR = SCHEMAS_DIR / "contexts"

DEGREE_INPUT = "degree-input.schema.json"
DEGREE_CREDENTIAL = "degree-credential.schema.json"
REGISTRY = "registry.schema.json"
CONVENTIONS = "conventions.schema.json"


@cache
def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``schemas/<name>`` (parsed strictly; shared: do not modify it).

    Raises MalformedValueError when the file is missing or is not a JSON object.
    """
    path = SCHEMAS_DIR / name
    try:
        return strictjson.loads_object(path.read_bytes(), f"JSON Schema {name}")
    except OSError as exc:
        raise MalformedValueError(f"cannot load JSON Schema {path}: {exc}") from exc
    except DiplomatError as exc:
        raise MalformedValueError(f"JSON Schema {path} is not valid: {exc}") from exc


@cache
def schema_validator(name: str) -> Draft202012Validator:
    """A compiled Draft 2020-12 validator of ``schemas/<name>`` (the Python jsonschema package,
    imported on first use). Raises MalformedValueError."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json_schema(name))


@cache
def _compiled(name: str) -> jsonschema_rs.Draft202012Validator:
    # Formats are not asserted, as in the Python validator made above without a format checker.
    return jsonschema_rs.Draft202012Validator(json_schema(name), validate_formats=False)


def schema_matches(name: str, instance: Any) -> bool:
    """Whether ``instance`` matches ``schemas/<name>``, decided by jsonschema-rs. False means
    "ask the Python validator": its ``iter_errors`` (``schema_validator``) says why, or finds
    nothing (a regular expression both read alike except at the edges: ``$`` before a final
    newline). Raises MalformedValueError when the schema cannot be loaded."""
    try:
        return bool(_compiled(name).is_valid(instance))
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return False  # not a JSON value jsonschema-rs takes: the Python validator decides
