"""The conventions dataset file: validated against its JSON Schema and parsed into the model.

``load_dataset`` is the one function that reads a file; ``default_dataset`` reads the shipped one.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from vc import strictjson
from vc.errors import MalformedValueError, ParsingError
from vc.schemas import CONVENTIONS, schema_matches, schema_validator
from verifier.recognition.model import (
    Convention,
    ConventionsDataset,
    KeyArticle,
    Party,
    SourceRef,
)

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "conventions.json"

# The lists of a convention entry that hold per-country rows; the row's own status is what counts.
_PARTY_LISTS = ("parties", "candidates", "checked_non_parties", "signatories_not_parties")


def parse_dataset(data: Mapping[str, Any]) -> ConventionsDataset:
    """Validate parsed JSON against ``schemas/conventions.schema.json`` and build the dataset.

    Raises MalformedValueError when the data does not match the schema, a date is not a real
    date, a country appears twice in one convention, a convention id repeats, a convention marks
    more than one core article, or a State's dates contradict each other.
    """
    if not isinstance(data, Mapping):
        raise MalformedValueError(
            f"conventions dataset must be a JSON object, not {type(data).__name__}"
        )
    document = dict(data)
    # The fast check first; the Python validator (imported then) only to say what is wrong.
    error = None
    if not schema_matches(CONVENTIONS, document):
        import jsonschema  # type: ignore[import-untyped, unused-ignore]  # no type information

        error = jsonschema.exceptions.best_match(
            schema_validator(CONVENTIONS).iter_errors(document)
        )
    if error is not None:
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        detail = error.message if len(error.message) <= 300 else error.message[:297] + "..."
        raise MalformedValueError(
            f"conventions dataset does not match its schema at {pointer}: {detail}",
            pointer=pointer,
        )
    conventions = tuple(
        _parse_convention(entry, f"/conventions/{index}")
        for index, entry in enumerate(document["conventions"])
    )
    ids = [convention.id for convention in conventions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise MalformedValueError(f"conventions dataset repeats convention id(s) {duplicates}")
    unknown = sorted(
        c.superseded_by for c in conventions if c.superseded_by and c.superseded_by not in ids
    )
    if unknown:
        raise MalformedValueError(f"superseded_by names unknown convention(s) {unknown}")
    as_of_note = document.get("as_of_note")
    return ConventionsDataset(
        as_of=_date(document["as_of"], "/as_of"),
        version=document["dataset_version"],
        conventions=conventions,
        as_of_note=as_of_note if isinstance(as_of_note, str) else None,
    )


def load_dataset(path: str | Path) -> ConventionsDataset:
    """Read, strictly parse and validate a conventions dataset file.

    Raises MalformedValueError when the file cannot be read, is not JSON, or is not a valid dataset.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise MalformedValueError(
            f"cannot read conventions dataset {path}: {exc.strerror or exc}"
        ) from exc
    try:
        data = strictjson.loads_object(raw, "conventions dataset")
    except ParsingError as exc:
        raise MalformedValueError(f"conventions dataset {path} is not valid JSON: {exc}") from exc
    return parse_dataset(data)


@functools.cache
def default_dataset() -> ConventionsDataset:
    """The dataset shipped with Diplomat (``verifier/data/conventions.json``), read once."""
    return load_dataset(DATA_FILE)


def _parse_convention(entry: Mapping[str, Any], pointer: str) -> Convention:
    convention_id: str = entry["id"]
    general = _optional_date(entry.get("in_force"), f"{pointer}/in_force")
    articles = tuple(
        KeyArticle(
            article=item["article"],
            topic=item["topic"],
            paraphrase=item["paraphrase"],
            confidence=item["confidence"],
            source=item["source"],
            verified=item.get("verified"),
            core_rule=bool(item.get("core_rule", False)),
            plain_meaning=item.get("plain_meaning"),
            refusal_ground=item.get("refusal_ground"),
            diplomat_check=item.get("diplomat_check"),
        )
        for item in entry.get("key_articles", [])
    )
    if sum(article.core_rule for article in articles) > 1:
        raise MalformedValueError(
            f"convention {convention_id} marks more than one key article as core_rule",
            pointer=f"{pointer}/key_articles",
        )
    rows: list[Party] = []
    for list_name in _PARTY_LISTS:
        for index, row in enumerate(entry.get(list_name, [])):
            rows.append(_parse_party(row, f"{pointer}/{list_name}/{index}", general))
    countries = [row.country for row in rows]
    repeated = sorted({c for c in countries if countries.count(c) > 1})
    if repeated:
        raise MalformedValueError(
            f"convention {convention_id} lists {repeated} more than once", pointer=pointer
        )
    successor = entry.get("superseded_by") or {}
    return Convention(
        id=convention_id,
        name=entry["name"],
        short_name=entry["short_name"],
        in_force=general,
        key_articles=articles,
        parties=tuple(rows),
        adopted=_optional_date(entry.get("adopted"), f"{pointer}/adopted"),
        depositary=entry.get("depositary"),
        superseded_by=successor.get("convention"),
        superseded_note=successor.get("note"),
        superseded_source=successor.get("source"),
    )


def _parse_party(row: Mapping[str, Any], pointer: str, general: date | None) -> Party:
    deposited = _optional_date(row["deposited"], f"{pointer}/deposited")
    in_force = _optional_date(row["in_force"], f"{pointer}/in_force")
    if deposited is not None and in_force is not None and in_force < deposited:
        raise MalformedValueError(
            f"{row['country']}: in_force {in_force} is before deposit {deposited}", pointer=pointer
        )
    if general is not None and in_force is not None and in_force < general:
        raise MalformedValueError(
            f"{row['country']}: in_force {in_force} is before the convention's general entry "
            f"into force {general}",
            pointer=pointer,
        )
    return Party(
        country=row["country"],
        status=row["status"],
        deposited=deposited,
        in_force=in_force,
        confidence=row["confidence"],
        source=row["source"],
        note=row.get("note", ""),
        reservations=tuple(row.get("reservations", ())),
        in_force_basis=row.get("in_force_basis"),
        name=row.get("name"),
        instrument=row.get("instrument"),
        deposited_source=row.get("deposited_source"),
        deposited_confidence=row.get("deposited_confidence"),
        in_force_source=row.get("in_force_source"),
        in_force_confidence=row.get("in_force_confidence"),
        other_sources=tuple(_source_ref(item) for item in row.get("other_sources", ())),
        quote=row.get("quote"),
        status_confidence=row.get("status_confidence"),
        domestic_approval=row.get("domestic_approval"),
        party_as_of=_optional_date(row.get("party_as_of"), f"{pointer}/party_as_of"),
        party_as_of_basis=row.get("party_as_of_basis"),
    )


def _source_ref(item: str | Mapping[str, Any]) -> SourceRef:
    if isinstance(item, str):
        return SourceRef(item)
    return SourceRef(item["source"], item.get("quote"), item.get("role"))


def _date(value: str, pointer: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise MalformedValueError(f"{value!r} is not a real date", pointer=pointer) from exc


def _optional_date(value: str | None, pointer: str) -> date | None:
    return None if value is None else _date(value, pointer)
