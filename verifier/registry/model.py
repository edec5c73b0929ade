"""The accreditation registry as values: institutions, their accreditations and where each came from."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from vc.errors import MalformedValueError
from vc.message import Message
from vc.schemas import REGISTRY, schema_matches, schema_validator

# ISCED 2011 levels are one digit; ISCED-P/A programme codes are three digits whose first is the level.
_LEVEL = re.compile(r"^[0-8]([0-9]{2})?\Z")
# ISCED-F 2013: broad field 2 digits, narrow 3, detailed 4 (e.g. 06 ICT > 061 > 0613 software).
_FIELD = re.compile(r"^[0-9]{2,4}\Z")


class AccreditationStatus(StrEnum):
    """The status the registry gives an accreditation record."""

    ACCREDITED = "accredited"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


# The statuses in words a report can translate (vc.message.Message).
STATUS_WORDS = {
    AccreditationStatus.ACCREDITED: Message("accredited"),
    AccreditationStatus.SUSPENDED: Message("suspended"),
    AccreditationStatus.WITHDRAWN: Message("withdrawn"),
}


@dataclass(frozen=True)
class Source:
    """Where a fact was read, and when."""

    url: str
    title: str
    retrieved: date

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title, "retrieved": self.retrieved.isoformat()}


@dataclass(frozen=True)
class AccreditingBody:
    name: str
    id: str | None = None


@dataclass(frozen=True)
class Scope:
    """ISCED levels and ISCED-F fields an accreditation covers; no fields means every field."""

    isced_levels: tuple[str, ...]
    isced_fields: tuple[str, ...] = ()

    @property
    def all_fields(self) -> bool:
        return not self.isced_fields

    def describe(self) -> str:
        """The scope in words (a ``vc.message.Message``: English, translatable)."""
        levels = ", ".join(self.isced_levels)
        if self.all_fields:
            fields = Message("all fields")
        elif len(self.isced_fields) > 1:
            fields = Message("ISCED-F fields %(codes)s", codes=", ".join(self.isced_fields))
        else:
            fields = Message("ISCED-F field %(codes)s", codes=", ".join(self.isced_fields))
        if len(self.isced_levels) > 1:
            return Message("ISCED levels %(levels)s; %(fields)s", levels=levels, fields=fields)
        return Message("ISCED level %(levels)s; %(fields)s", levels=levels, fields=fields)


@dataclass(frozen=True)
class Accreditation:
    """One accreditation decision: who decided, its status, its period and its scope."""

    accrediting_body: AccreditingBody
    status: AccreditationStatus
    valid_from: date
    valid_until: date | None
    scope: Scope
    source: Source
    status_since: date | None = None

    def covers(self, day: date) -> bool:
        """Whether `day` lies in the accreditation period (both ends inclusive)."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def status_on(self, day: date) -> AccreditationStatus:
        """The status in force on `day`.

        A suspension or withdrawal takes effect on `status_since`; before it the record was in
        force. With no `status_since` the whole period is affected (fail closed).
        """
        if self.status is AccreditationStatus.ACCREDITED:
            return self.status
        if self.status_since is not None and day < self.status_since:
            return AccreditationStatus.ACCREDITED
        return self.status

    def period(self) -> str:
        """The period in words (a ``vc.message.Message``)."""
        if self.valid_until is None:
            return Message("%(start)s to open-ended", start=self.valid_from)
        return Message("%(start)s to %(end)s", start=self.valid_from, end=self.valid_until)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accrediting_body": {
                "name": self.accrediting_body.name,
                "id": self.accrediting_body.id,
            },
            "status": self.status.value,
            "status_since": self.status_since.isoformat() if self.status_since else None,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "scope": {
                "isced_levels": list(self.scope.isced_levels),
                "isced_fields": list(self.scope.isced_fields),
            },
            "source": self.source.to_dict(),
        }


@dataclass(frozen=True)
class Institution:
    """A listed institution; its country is the registry's word, never the credential's."""

    dids: tuple[str, ...]
    names: tuple[tuple[str, str], ...]
    country: str
    accreditations: tuple[Accreditation, ...]
    source: Source
    url: str | None = None

    def name(self, lang: str | None = None) -> str:
        """The legal name in `lang` if listed, else in English, else the first one listed."""
        by_lang = dict(self.names)
        for tag in (lang, "en"):
            if tag is not None and tag in by_lang:
                return by_lang[tag]
        return self.names[0][1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "dids": list(self.dids),
            "names": dict(self.names),
            "country": self.country,
            "url": self.url,
            "source": self.source.to_dict(),
        }


@dataclass(frozen=True)
class Operator:
    id: str
    name: str


@dataclass(frozen=True)
class Registry:
    """A parsed accreditation registry."""

    id: str
    name: str
    description: str
    operator: Operator
    jurisdiction: str
    as_of: date
    institutions: tuple[Institution, ...]

    def find(self, did: str) -> Institution | None:
        """The institution that lists `did` among its DIDs, or None."""
        for institution in self.institutions:
            if did in institution.dids:
                return institution
        return None


def _pointer(path: Any) -> str:
    return "/" + "/".join(str(part) for part in path)


def schema_problems(doc: Any) -> list[str]:
    """Every JSON Schema violation of `doc`, each as 'pointer: message', in document order."""
    if schema_matches(REGISTRY, doc):  # the fast check; the Python validator words the errors
        return []
    errors = sorted(
        schema_validator(REGISTRY).iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]
    )
    return [f"{_pointer(e.absolute_path)}: {e.message}" for e in errors]


def parse_registry(doc: Mapping[str, Any]) -> Registry:
    """Validate a registry document against schemas/registry.schema.json and return its values.

    Raises MalformedValueError naming every problem found (schema violations first; then, on a
    well-shaped document, impossible dates, periods that end before they begin, and a DID listed
    for two institutions).
    """
    if not isinstance(doc, Mapping):
        raise MalformedValueError("a registry must be a JSON object")
    problems = schema_problems(dict(doc))
    if problems:
        raise _invalid(problems)
    registry = _build(doc, problems)
    if problems:
        raise _invalid(problems)
    return registry


def _invalid(problems: list[str]) -> MalformedValueError:
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return MalformedValueError(f"invalid accreditation registry ({count}): " + "; ".join(problems))


def _date(value: str, pointer: str, problems: list[str]) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{pointer}: {value!r} is not a real calendar date")
        return date.min


def _optional_date(value: str | None, pointer: str, problems: list[str]) -> date | None:
    return None if value is None else _date(value, pointer, problems)


def _source(raw: Mapping[str, Any], pointer: str, problems: list[str]) -> Source:
    return Source(
        raw["url"], raw["title"], _date(raw["retrieved"], pointer + "/retrieved", problems)
    )


def _build(doc: Mapping[str, Any], problems: list[str]) -> Registry:
    seen: dict[str, str] = {}
    institutions = []
    for i, raw in enumerate(doc["institutions"]):
        pointer = f"/institutions/{i}"
        for did in raw["dids"]:
            if did in seen:
                problems.append(f"{pointer}/dids: {did} is already listed at {seen[did]}")
            seen[did] = pointer
        accreditations = tuple(
            _accreditation(a, f"{pointer}/accreditations/{j}", problems)
            for j, a in enumerate(raw["accreditations"])
        )
        institutions.append(
            Institution(
                dids=tuple(raw["dids"]),
                names=tuple(raw["names"].items()),
                country=raw["country"],
                accreditations=accreditations,
                source=_source(raw["source"], pointer + "/source", problems),
                url=raw.get("url"),
            )
        )
    operator = doc["operator"]
    return Registry(
        id=doc["id"],
        name=doc["name"],
        description=doc["description"],
        operator=Operator(operator["id"], operator["name"]),
        jurisdiction=doc["jurisdiction"],
        as_of=_date(doc["as_of"], "/as_of", problems),
        institutions=tuple(institutions),
    )


def _accreditation(raw: Mapping[str, Any], pointer: str, problems: list[str]) -> Accreditation:
    valid_from = _date(raw["valid_from"], pointer + "/valid_from", problems)
    valid_until = _optional_date(raw["valid_until"], pointer + "/valid_until", problems)
    if valid_until is not None and valid_until < valid_from:
        problems.append(f"{pointer}/valid_until: {valid_until} is before valid_from {valid_from}")
    status = AccreditationStatus(raw["status"])
    status_since = _optional_date(raw.get("status_since"), pointer + "/status_since", problems)
    if status is AccreditationStatus.ACCREDITED and status_since is not None:
        problems.append(f"{pointer}/status_since: only a suspension or withdrawal has a start date")
    body = raw["accrediting_body"]
    scope = raw["scope"]
    return Accreditation(
        accrediting_body=AccreditingBody(body["name"], body.get("id")),
        status=status,
        valid_from=valid_from,
        valid_until=valid_until,
        scope=Scope(tuple(scope["isced_levels"]), tuple(scope.get("isced_fields") or ())),
        source=_source(raw["source"], pointer + "/source", problems),
        status_since=status_since,
    )


def isced_level(value: str) -> str:
    """The ISCED 2011 level digit of `value` ('6', or a programme code such as '645').

    Raises MalformedValueError for anything else.
    """
    if not isinstance(value, str) or not _LEVEL.match(value):
        raise MalformedValueError(f"degree level {value!r} is not an ISCED 2011 level (0-8)")
    return value[0]


def isced_field(value: str) -> str:
    """`value` checked as an ISCED-F 2013 code (2, 3 or 4 digits). Raises MalformedValueError."""
    if not isinstance(value, str) or not _FIELD.match(value):
        raise MalformedValueError(f"field {value!r} is not an ISCED-F 2013 code (2-4 digits)")
    return value
