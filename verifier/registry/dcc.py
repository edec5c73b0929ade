"""Import of Digital Credentials Consortium known-issuer registries: known, which is not accredited.

The DCC "dcc-legacy" format (digitalcredentials/issuer-registry-client, community-registry
registry.json) is an unsigned JSON dictionary of DIDs::

    {"meta": {"created": "...", "updated": "..."},
     "registry": {"did:key:z6Mk...": {"name": "...", "location": "...", "url": "https://..."}}}

Older copies call the dictionary "entries". Only "name" is always present. The DCC itself says
the list makes no claim about the quality or value of what an issuer issues, so an entry here
is reported as "known issuer", never as accreditation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vc.errors import MalformedValueError

_MAX_ENTRIES = 100_000


@dataclass(frozen=True)
class KnownIssuer:
    """One DCC registry entry: the registry's word that this DID belongs to this organisation."""

    did: str
    name: str
    location: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"did": self.did, "name": self.name, "location": self.location, "url": self.url}


@dataclass(frozen=True)
class KnownIssuers:
    """A known-issuer list. Never signed in the DCC format; `signed` is there for the report."""

    name: str
    url: str | None
    created: str | None
    updated: str | None
    entries: tuple[KnownIssuer, ...]
    signed: bool = False

    def find(self, did: str) -> KnownIssuer | None:
        for entry in self.entries:
            if entry.did == did:
                return entry
        return None


@dataclass(frozen=True)
class KnownIssuerMatch:
    """An issuer found in a known-issuer list (it says who the issuer is, not that it is accredited)."""

    registry_name: str
    registry_url: str | None
    signed: bool
    entry: KnownIssuer

    @property
    def message(self) -> str:
        where = (
            f"{self.registry_name} ({self.registry_url})"
            if self.registry_url
            else self.registry_name
        )
        return (
            f"{self.entry.did} is listed as {self.entry.name!r} in the known-issuer registry "
            f"{where}, which is {'signed' if self.signed else 'unsigned'}; a known issuer is not "
            "an accreditation"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "registry_name": self.registry_name,
            "registry_url": self.registry_url,
            "signed": self.signed,
            "entry": self.entry.to_dict(),
            "message": self.message,
        }


def import_dcc_registry(
    doc: Mapping[str, Any], *, name: str = "DCC known-issuer registry", url: str | None = None
) -> KnownIssuers:
    """Read a DCC known-issuer registry document into KnownIssuers.

    `name` and `url` describe where the list came from (the DCC list-of-registries gives both).
    Raises MalformedValueError naming every problem found.
    """
    if not isinstance(doc, Mapping):
        raise MalformedValueError("a DCC registry must be a JSON object")
    problems: list[str] = []
    if "registry" in doc and "entries" in doc:
        problems.append("/: both 'registry' and 'entries' are present; expected one")
    key = "registry" if "registry" in doc else "entries"
    dictionary = doc.get(key)
    created = updated = None
    meta = doc.get("meta")
    if meta is not None:
        if not isinstance(meta, Mapping):
            problems.append("/meta: must be an object")
        else:
            created = _optional_text(meta, "created", "/meta", problems)
            updated = _optional_text(meta, "updated", "/meta", problems)
    entries: list[KnownIssuer] = []
    if not isinstance(dictionary, Mapping):
        problems.append(f"/{key}: must be an object mapping DIDs to issuer entries")
    elif len(dictionary) > _MAX_ENTRIES:
        problems.append(f"/{key}: more than {_MAX_ENTRIES} entries")
    else:
        for did, raw in dictionary.items():
            entry = _entry(did, raw, f"/{key}/{did}", problems)
            if entry is not None:
                entries.append(entry)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        raise MalformedValueError(f"invalid DCC registry ({count}): " + "; ".join(problems))
    return KnownIssuers(
        name=name, url=url, created=created, updated=updated, entries=tuple(entries)
    )


def _optional_text(
    raw: Mapping[str, Any], key: str, pointer: str, problems: list[str]
) -> str | None:
    value = raw.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        problems.append(f"{pointer}/{key}: must be a non-empty string")
        return None
    return value


def _entry(did: str, raw: Any, pointer: str, problems: list[str]) -> KnownIssuer | None:
    before = len(problems)
    if not did.startswith("did:") or any(c.isspace() for c in did):
        problems.append(f"{pointer}: the key must be a DID")
    if not isinstance(raw, Mapping):
        problems.append(f"{pointer}: must be an object with a name")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{pointer}/name: a non-empty string is required")
    location = _optional_text(raw, "location", pointer, problems)
    url = _optional_text(raw, "url", pointer, problems)
    if url is not None and not url.startswith(("https://", "http://")):
        problems.append(f"{pointer}/url: {url!r} is not an http(s) URL")
    if len(problems) > before or not isinstance(name, str):
        return None
    return KnownIssuer(did=did, name=name, location=location, url=url)


def known_issuer_matches(lists: Sequence[KnownIssuers], did: str) -> tuple[KnownIssuerMatch, ...]:
    """Every known-issuer list entry for `did`, in the order the lists were given."""
    matches = []
    for known in lists:
        entry = known.find(did)
        if entry is not None:
            matches.append(KnownIssuerMatch(known.name, known.url, known.signed, entry))
    return tuple(matches)
