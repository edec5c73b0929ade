"""Validating a built credential against the degree credential JSON Schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# jsonschema ships no type stubs and types-jsonschema is not a project dependency.
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from issuer.degree.parsing import json_pointer
from vc.dates import parse_datetime
from vc.errors import MalformedValueError
from vc.schemas import DEGREE_CREDENTIAL, schema_matches, schema_validator

# --- validation ----------------------------------------------------------------------------------


def validate_credential(doc: Mapping[str, Any]) -> None:
    """Check a degree credential (signed or unsigned) against schemas/degree-credential.schema.json
    and check its dates are real instants.

    Raises MalformedValueError listing every problem as "<json pointer>: <reason>".
    """
    if not isinstance(doc, Mapping):
        raise MalformedValueError("a credential must be a JSON object")
    instance = dict(doc)
    problems: list[str] = []
    # The fast check first; the Python validator only to say what is wrong.
    errors = (
        []
        if schema_matches(DEGREE_CREDENTIAL, instance)
        else sorted(
            schema_validator(DEGREE_CREDENTIAL).iter_errors(instance),
            key=lambda e: (json_pointer(e.absolute_path), e.message),
        )
    )
    for error in errors:
        problems.append(f"/{json_pointer(error.absolute_path)}: {_credential_reason(error)}")
    for key in ("validFrom", "validUntil", "awardedDate"):
        value = instance.get(key)
        if isinstance(value, str):
            try:
                parse_datetime(value, key)
            except MalformedValueError as exc:
                problems.append(f"/{key}: {exc.detail}")
    valid_from, valid_until = instance.get("validFrom"), instance.get("validUntil")
    if isinstance(valid_from, str) and isinstance(valid_until, str):
        try:
            if parse_datetime(valid_until) < parse_datetime(valid_from):
                problems.append("/validUntil: is before validFrom")
        except MalformedValueError:
            pass  # already reported above
    if problems:
        raise MalformedValueError(
            "degree credential does not match the profile: " + "; ".join(dict.fromkeys(problems))
        )


def _credential_reason(error: ValidationError) -> str:
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in error.validator_value if name not in instance]
        return "missing " + ", ".join(missing)
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = min(error.context, key=lambda sub: len(list(sub.absolute_path)))
        return str(best.message)
    return str(error.message)
