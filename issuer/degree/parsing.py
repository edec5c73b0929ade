"""Degree input from JSON or a CSV row: schema validation, semantic checks, normalised values."""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

# jsonschema ships no type stubs and types-jsonschema is not a project dependency.
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from issuer.degree.model import (
    ALLOWED_LEVELS,
    CSV_COLUMNS,
    DEFAULT_MAX_ROWS,
    NUMBER,
    NUMERIC_COLUMNS,
    REQUIRED_COLUMNS,
    DegreeInput,
    InputError,
)
from vc.errors import MalformedValueError, RangeValueError
from vc.isced import ISCED_F_FIELD_UNKNOWN, ISCED_F_FIELDS
from vc.ob3 import (
    DEGREE_TYPES,
)
from vc.schemas import (
    DEGREE_CREDENTIAL,
    DEGREE_INPUT,
    json_schema,
    schema_matches,
    schema_validator,
)

# --- schemas -------------------------------------------------------------------------------------


def input_schema() -> dict[str, Any]:
    """The JSON Schema of the simple input (schemas/degree-input.schema.json)."""
    return json_schema(DEGREE_INPUT)


def credential_schema() -> dict[str, Any]:
    """The JSON Schema of the degree credential profile (schemas/degree-credential.schema.json)."""
    return json_schema(DEGREE_CREDENTIAL)


def json_pointer(path: Sequence[object]) -> str:
    return "/".join(str(part) for part in path)


def _input_problems(error: ValidationError) -> list[tuple[str, str]]:
    """Turn one jsonschema error on the input into (field, reason) pairs that never echo the value
    (an e-mail address must not leak into logs through an error message)."""
    field = json_pointer(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    validator = error.validator
    if validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        return [(name, "is required") for name in error.validator_value if name not in instance]
    if validator == "anyOf" and not field:
        return [("full_name", "a name is required: give full_name or given_name")]
    if validator == "additionalProperties":
        known = set(schema.get("properties", {}))
        instance = error.instance if isinstance(error.instance, dict) else {}
        return [
            (name, "is not a known field")
            for name in sorted(map(str, instance))
            if name not in known
        ]
    if validator == "type":
        if error.validator_value == "number" and isinstance(error.instance, str):
            return [(field, "must be a number, not text")]
        return [(field, f"must be of type {error.validator_value}")]
    if validator == "enum":
        return [(field, "must be one of: " + ", ".join(map(str, error.validator_value)))]
    if validator == "pattern":
        return [(field, "expected " + str(schema.get("x-expected", "a different format")))]
    if validator == "minLength":
        return [(field, "must not be empty")]
    if validator == "maxLength":
        return [(field, f"must be at most {error.validator_value} characters")]
    if validator in ("minimum", "exclusiveMinimum"):
        strict = validator == "exclusiveMinimum"
        return [(field, f"must be {'>' if strict else '>='} {error.validator_value}")]
    if validator in ("maximum", "exclusiveMaximum"):
        return [(field, f"must be <= {error.validator_value}")]
    return [(field or "", error.message)]


def _sort_problems(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    order = {name: index for index, name in enumerate(CSV_COLUMNS)}
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda item: (order.get(item[0], len(order)), item[0], item[1]))


# --- parsing -------------------------------------------------------------------------------------


def _number(value: object) -> int | float:
    """JSON number as an int when it is integral, so 180 and 180.0 give the same credential."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedValueError("not a number")  # unreachable after schema validation
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value: object) -> str:
    """Text as stored: Unicode NFC (one byte sequence per name), surrounding spaces removed."""
    return unicodedata.normalize("NFC", str(value)).strip()


def degree_level_to_isced(achievement_type: str) -> str:
    """The ISCED 2011 level OB 3.0 gives an award type ("BachelorDegree" -> "6").

    Raises MalformedValueError for a type that is not a degree, or that carries no level in OB 3.0
    (Degree, Diploma): for those the input must name isced_level.
    """
    if achievement_type not in DEGREE_TYPES:
        raise MalformedValueError(f"{achievement_type!r} is not a supported degree type")
    level = DEGREE_TYPES[achievement_type]
    if level is None:
        raise MalformedValueError(f"{achievement_type} has no default ISCED 2011 level")
    return level


def _semantic_problems(obj: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Checks a JSON Schema cannot express: real dates, known codes, consistent numbers."""
    problems: list[tuple[str, str]] = []
    awarded = obj.get("awarded_date")
    if isinstance(awarded, str):
        try:
            date.fromisoformat(awarded)
        except ValueError:
            problems.append(("awarded_date", "is not a real calendar date"))
    kind = obj.get("achievement_type")
    level = obj.get("isced_level")
    if isinstance(kind, str) and kind in DEGREE_TYPES:
        if level is None and DEGREE_TYPES[kind] is None:
            problems.append(("isced_level", f"is required when achievement_type is {kind}"))
        elif isinstance(level, str) and level not in ALLOWED_LEVELS[kind]:
            allowed = ", ".join(sorted(ALLOWED_LEVELS[kind]))
            problems.append(
                ("isced_level", f"level {level} does not fit {kind} (allowed: {allowed})")
            )
    code = obj.get("isced_field")
    if isinstance(code, str) and code.isdigit():
        if code not in ISCED_F_FIELDS:
            problems.append(("isced_field", "is not an ISCED-F 2013 field code"))
        elif code in ISCED_F_FIELD_UNKNOWN:
            problems.append(("isced_field", "is ISCED-F 2013 'Field unknown'; name the field"))
    available, earned = obj.get("ects_available"), obj.get("ects_earned")
    if (
        isinstance(available, int | float)
        and isinstance(earned, int | float)
        and earned > available
    ):
        problems.append(("ects_earned", "is more than ects_available"))
    for name in sorted(NUMERIC_COLUMNS):
        value = obj.get(name)
        if isinstance(value, float) and not math.isfinite(value):
            problems.append((name, "must be a finite number"))
    gpa, scale = obj.get("gpa"), obj.get("gpa_scale")
    if scale is not None and gpa is None:
        problems.append(("gpa_scale", "is given without gpa"))
    if isinstance(gpa, int | float) and isinstance(scale, int | float) and gpa > scale:
        problems.append(("gpa", "is more than gpa_scale"))
    return problems


def parse_input(obj: Mapping[str, Any]) -> DegreeInput:
    """Validate one simple-input object (schemas/degree-input.schema.json) into a DegreeInput.

    Raises InputError (a MalformedValueError) naming every bad field and why.
    """
    if not isinstance(obj, Mapping):
        raise InputError([("", "degree input must be a JSON object")])
    cleaned = {key: value for key, value in obj.items() if value is not None}
    problems: list[tuple[str, str]] = []
    if not schema_matches(DEGREE_INPUT, cleaned):  # the Python validator says what is wrong
        for error in schema_validator(DEGREE_INPUT).iter_errors(cleaned):
            problems.extend(_input_problems(error))
    problems.extend(_semantic_problems(cleaned))
    if problems:
        raise InputError(_sort_problems(problems))
    return _to_input(cleaned)


def _to_input(obj: Mapping[str, Any]) -> DegreeInput:
    def text(name: str) -> str | None:
        return _text(obj[name]) if name in obj else None

    def number(name: str) -> int | float | None:
        return _number(obj[name]) if name in obj else None

    kind = str(obj["achievement_type"])
    email = text("email")
    return DegreeInput(
        achievement_type=kind,
        degree_title=_text(obj["degree_title"]),
        field_of_study=_text(obj["field_of_study"]),
        awarded_date=date.fromisoformat(str(obj["awarded_date"])),
        diploma_number=_text(obj["diploma_number"]),
        isced_level=str(obj.get("isced_level") or degree_level_to_isced(kind)),
        isced_field=str(obj["isced_field"]),
        given_name=text("given_name"),
        family_name=text("family_name"),
        full_name=text("full_name"),
        subject_id=text("subject_id"),
        student_number=text("student_number"),
        email=email.lower() if email is not None else None,
        specialization=text("specialization"),
        programme_code=text("programme_code"),
        description=text("description"),
        criteria=text("criteria"),
        ects_available=number("ects_available"),
        ects_earned=number("ects_earned"),
        classification=text("classification"),
        gpa=number("gpa"),
        gpa_scale=number("gpa_scale"),
        language_of_instruction=text("language_of_instruction"),
        eqf_level=text("eqf_level"),
        national_level=text("national_level"),
    )


def _parse_cell_number(cell: str) -> int | float | None:
    """A CSV number: digits with an optional dot and decimals; nothing else (no sign, exponent,
    thousands separator or decimal comma). Returns None when the text is not such a number."""
    if NUMBER.match(cell) is None:
        return None
    return int(cell) if "." not in cell else _number(float(cell))


def parse_csv_row(row: Mapping[str, str], row_number: int) -> DegreeInput:
    """Validate one CSV row (column name -> cell text) into a DegreeInput.

    Empty cells are absent values; number columns are parsed strictly. Raises InputError carrying
    the row number and a (column, reason) pair for every problem.
    """
    return _parse_row(row, row_number, [])


def _parse_row(
    row: Mapping[str, str | None], row_number: int, problems: list[tuple[str, str]]
) -> DegreeInput:
    obj: dict[str, Any] = {}
    for column, cell in row.items():
        if cell is None:
            continue
        if not isinstance(cell, str):
            problems.append((column, "is not text"))
            continue
        value = cell.strip()
        if not value:
            continue
        if column in NUMERIC_COLUMNS:
            parsed = _parse_cell_number(value)
            if parsed is None:
                hint = " (use a dot as the decimal separator)" if "," in value else ""
                problems.append((column, f"{value!r} is not a number{hint}"))
                continue
            obj[column] = parsed
        else:
            obj[column] = value
    unreadable = {field for field, _ in problems if field}
    try:
        parsed_input = parse_input(obj)
    except InputError as exc:
        # A cell that is not a number is reported once, not again as a consequence of its absence
        # ("gpa_scale is given without gpa").
        problems.extend(
            (field, reason)
            for field, reason in exc.problems
            if field not in unreadable and not any(name in reason for name in unreadable)
        )
    if problems:
        raise InputError(_sort_problems(problems), row=row_number)
    return parsed_input


def _delimiter(header_line: str) -> str:
    """Comma, or the semicolon or tab a spreadsheet in a decimal-comma locale writes."""
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def read_csv(
    text: str, *, max_rows: int = DEFAULT_MAX_ROWS
) -> Iterator[tuple[int, DegreeInput | InputError]]:
    """Read a cohort CSV: yields (row number, DegreeInput or the InputError for that row).

    Row numbers are spreadsheet rows (the header is row 1). A BOM is ignored; fully empty rows are
    skipped. The header is checked before any row: unknown, duplicate or missing required columns
    raise one InputError (field "(header)"). More than ``max_rows`` data rows raise RangeValueError.
    A diploma_number already used by an earlier row of the file is an error for the later row.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InputError([("(header)", "the CSV is empty: the first line must name the columns")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[0]), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError([("(header)", f"the CSV cannot be read: {exc}")]) from exc
    header = [name.strip().lower() for name in rows[0]]
    _check_header(header)
    body = [
        (number, cells)
        for number, cells in enumerate(rows[1:], start=2)
        if any(map(str.strip, cells))
    ]
    if len(body) > max_rows:
        raise RangeValueError(f"the CSV has {len(body)} rows; at most {max_rows} are allowed")
    return _rows(header, body)


def _check_header(header: list[str]) -> None:
    problems: list[tuple[str, str]] = []
    unnamed = [str(index + 1) for index, name in enumerate(header) if not name]
    if unnamed:
        problems.append(("(header)", "column(s) without a name at position " + ", ".join(unnamed)))
    unknown = [name for name in header if name and name not in CSV_COLUMNS]
    if unknown:
        problems.append(("(header)", "unknown column(s): " + ", ".join(repr(n) for n in unknown)))
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        problems.append(("(header)", "duplicate column(s): " + ", ".join(duplicates)))
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if "full_name" not in header and "given_name" not in header:
        missing.append("full_name or given_name")
    if missing:
        problems.append(("(header)", "missing required column(s): " + ", ".join(missing)))
    if problems:
        raise InputError(problems)


def _rows(
    header: list[str], body: list[tuple[int, list[str]]]
) -> Iterator[tuple[int, DegreeInput | InputError]]:
    seen: dict[str, int] = {}
    for row_number, cells in body:
        row: dict[str, str | None] = dict(zip(header, cells, strict=False))
        extra: list[tuple[str, str]] = []
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            surplus = len(cells) - len(header)
            extra.append(("", f"{surplus} more cell(s) than the header has columns"))
        try:
            parsed = _parse_row(row, row_number, extra)
        except InputError as exc:
            yield row_number, exc
            continue
        first = seen.get(parsed.diploma_number)
        if first is not None:
            yield (
                row_number,
                InputError([("diploma_number", f"is already used by row {first}")], row=row_number),
            )
            continue
        seen[parsed.diploma_number] = row_number
        yield row_number, parsed
