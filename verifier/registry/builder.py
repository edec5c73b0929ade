"""Pure helpers for the registry CLI: build a registry document step by step, and summarise one."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from vc.dates import format_datetime
from vc.errors import MalformedValueError
from verifier.registry.model import parse_registry
from verifier.registry.signed import LoadedRegistry


def _source(url: str, title: str, retrieved: date) -> dict[str, str]:
    return {"url": url, "title": title, "retrieved": retrieved.isoformat()}


def new_registry(
    *,
    registry_id: str,
    name: str,
    operator_did: str,
    operator_name: str,
    jurisdiction: str,
    as_of: date,
    description: str,
) -> dict[str, Any]:
    """A registry document with no institutions yet. Raises MalformedValueError if invalid."""
    doc: dict[str, Any] = {
        "id": registry_id,
        "name": name,
        "description": description,
        "operator": {"id": operator_did, "name": operator_name},
        "jurisdiction": jurisdiction,
        "as_of": as_of.isoformat(),
        "institutions": [],
    }
    parse_registry(doc)
    return doc


def accreditation_entry(
    *,
    accrediting_body: str,
    status: str,
    valid_from: date,
    valid_until: date | None,
    isced_levels: Sequence[str],
    source_url: str,
    source_title: str,
    retrieved: date,
    isced_fields: Sequence[str] = (),
    accrediting_body_id: str | None = None,
    status_since: date | None = None,
) -> dict[str, Any]:
    """One accreditation record, ready for `add_institution` (validated there)."""
    body: dict[str, Any] = {"name": accrediting_body}
    if accrediting_body_id is not None:
        body["id"] = accrediting_body_id
    entry: dict[str, Any] = {
        "accrediting_body": body,
        "status": status,
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "scope": {"isced_levels": list(isced_levels), "isced_fields": list(isced_fields)},
        "source": _source(source_url, source_title, retrieved),
    }
    if status_since is not None:
        entry["status_since"] = status_since.isoformat()
    return entry


def add_institution(
    doc: Mapping[str, Any],
    *,
    dids: Sequence[str],
    names: Mapping[str, str],
    country: str,
    source_url: str,
    source_title: str,
    retrieved: date,
    url: str | None = None,
    accreditations: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A copy of the registry `doc` with one more institution (`doc` itself is not changed).

    Raises MalformedValueError if the result is not a valid registry (e.g. a DID already listed).
    """
    result = copy.deepcopy(dict(doc))
    institution: dict[str, Any] = {
        "dids": list(dids),
        "names": dict(names),
        "country": country,
        "source": _source(source_url, source_title, retrieved),
        "accreditations": [copy.deepcopy(dict(a)) for a in accreditations],
    }
    if url is not None:
        institution["url"] = url
    if not isinstance(result.get("institutions"), list):
        raise MalformedValueError("the registry has no institutions list")
    result["institutions"].append(institution)
    parse_registry(result)
    return result


def inspect(loaded: LoadedRegistry) -> str:
    """A human summary of a loaded registry: provenance first, then one block per institution."""
    registry = loaded.registry
    if loaded.signed:
        trust = f"signed by {loaded.signed_by}, signature verified"
    else:
        trust = "UNSIGNED (development mode only)"
    window = "no validity period"
    if loaded.valid_from is not None:
        until = format_datetime(loaded.valid_until) if loaded.valid_until else "open-ended"
        window = f"valid {format_datetime(loaded.valid_from)} to {until} ({loaded.freshness.value})"
    lines = [
        f"{registry.name} <{registry.id}>",
        f"  operator: {registry.operator.name} ({registry.operator.id})",
        f"  jurisdiction: {registry.jurisdiction}; facts as of {registry.as_of.isoformat()}",
        f"  {trust}; {window}",
        f"  source: {loaded.source or 'not recorded'}",
        f"  {len(registry.institutions)} institution(s)",
    ]
    for institution in registry.institutions:
        names = "; ".join(f"{lang}: {name}" for lang, name in institution.names)
        lines.append(f"- {institution.name()} [{institution.country}] ({names})")
        lines.append(f"    DIDs: {', '.join(institution.dids)}")
        if not institution.accreditations:
            lines.append("    no accreditation records")
        for a in institution.accreditations:
            since = f" since {a.status_since.isoformat()}" if a.status_since else ""
            lines.append(
                f"    {a.status.value}{since}: {a.period()}; {a.scope.describe()}; "
                f"by {a.accrediting_body.name}; source {a.source.url} "
                f"(retrieved {a.source.retrieved.isoformat()})"
            )
    return "\n".join(lines)
