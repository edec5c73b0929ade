"""VC data-model rules for the optional credential properties, shared by the issuer (before it
signs) and the verifier (its data_model check); no I/O.

One row per property: which section of VC-DM 2.0 (and of VC-DM 1.1, for 1.1 credentials) says
what, and the rule. Every error names the section, so a registrar or an employer can look it up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vc.errors import MalformedValueError

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+\Z")
# Subresource Integrity §3.5 hash-expression: an algorithm, "-", the base64 digest (the digest
# of each algorithm has a fixed length); several expressions are separated by white space.
_SRI = {
    "sha256": re.compile(r"[A-Za-z0-9+/_-]{43}=?\Z"),
    "sha384": re.compile(r"[A-Za-z0-9+/_-]{64}\Z"),
    "sha512": re.compile(r"[A-Za-z0-9+/_-]{86}(==)?\Z"),
}
# Multibase: "u" base64url (no padding) or "z" base58btc, then the encoded digest.
_MULTIBASE = re.compile(r"(u[A-Za-z0-9_-]{22,}|z[1-9A-HJ-NP-Za-km-z]{22,})\Z")


@dataclass(frozen=True)
class Rule:
    """The rule for one property: the sections that state it (2.0 and 1.1) and the check."""

    name: str
    section_v2: str
    section_v1: str | None  # None: the property is not part of VC-DM 1.1
    check: Callable[[Any, str], None]  # (value, pointer) -> raises ValueError with the reason


def _entries(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _types(value: Any) -> list[str]:
    found = _entries(value)
    return found if all(isinstance(t, str) and t for t in found) else []


def _typed_objects(what: str) -> Callable[[Any, str], None]:
    def check(value: Any, pointer: str) -> None:
        items = _entries(value)
        if not items:
            raise ValueError(f"{what} must not be empty")
        for item in items:
            if not isinstance(item, Mapping):
                raise ValueError(f"each {what} value must be an object, not {type(item).__name__}")
            if not _types(item.get("type")):
                raise ValueError(f"each {what} value must specify its type")
            if "id" in item and not _is_url(item["id"]):
                raise ValueError(f"{what}.id must be a URL")

    return check


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(_URL.match(value))


def _issuer(value: Any, pointer: str) -> None:
    issuer_id = value.get("id") if isinstance(value, Mapping) else value
    if not _is_url(issuer_id):
        raise ValueError(
            "issuer must be a URL or an object whose id is a URL"
            + (" (null is not an issuer)" if issuer_id is None else "")
        )


def _credential_schema(value: Any, pointer: str) -> None:
    _typed_objects("credentialSchema")(value, pointer)
    for item in _entries(value):
        if not _is_url(item.get("id")):
            raise ValueError("each credentialSchema must have an id that is a URL")


def _related_resource(value: Any, pointer: str) -> None:
    items = _entries(value)
    if not items:
        raise ValueError("relatedResource must not be empty")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, Mapping):
            raise ValueError("each relatedResource value must be an object with id and a digest")
        resource = item.get("id")
        if not isinstance(resource, str) or not _is_url(resource):
            raise ValueError("each relatedResource needs an id that is a URL")
        if resource in seen:
            raise ValueError(f"relatedResource id {resource} appears twice; ids must be unique")
        seen.add(resource)
        if "digestSRI" not in item and "digestMultibase" not in item:
            raise ValueError(f"relatedResource {resource} needs a digestSRI or digestMultibase")
        if "digestSRI" in item and not _valid_sri(item["digestSRI"]):
            raise ValueError(
                f"relatedResource {resource}: digestSRI must be SRI hash expressions "
                "(sha256-, sha384- or sha512- and the base64 digest)"
            )
        if "digestMultibase" in item and not all(
            isinstance(d, str) and _MULTIBASE.match(d) for d in _entries(item["digestMultibase"])
        ):
            raise ValueError(
                f"relatedResource {resource}: digestMultibase must be multibase-encoded digests"
            )
        if "mediaType" in item and not isinstance(item["mediaType"], str):
            raise ValueError(f"relatedResource {resource}: mediaType must be a string")


def _valid_sri(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    for expression in value.split():
        algorithm, _, digest = expression.partition("-")
        pattern = _SRI.get(algorithm)
        if pattern is None or not pattern.match(digest.split("?", 1)[0]):
            return False
    return True


RULES: tuple[Rule, ...] = (
    Rule("issuer", "§4.7 Issuer", "§4.5 Issuer", _issuer),
    Rule("credentialStatus", "§4.10 Status", "§4.9 Status", _typed_objects("credentialStatus")),
    Rule("credentialSchema", "§4.11 Data Schemas", "§5.4 Data Schemas", _credential_schema),
    Rule("relatedResource", "§5.3 Integrity of Related Resources", None, _related_resource),
    Rule("refreshService", "§5.4 Refreshing", "§5.5 Refreshing", _typed_objects("refreshService")),
    Rule("termsOfUse", "§5.5 Terms of Use", "§5.6 Terms of Use", _typed_objects("termsOfUse")),
    Rule("evidence", "§5.6 Evidence", "§5.7 Evidence", _typed_objects("evidence")),
)


def check_properties(document: Mapping[str, Any], version: str) -> None:
    """Check the properties of ``RULES`` that the credential has (``issuer`` always: it is
    required). ``version`` is "2.0" or "1.1".

    Raises MalformedValueError for the first problem: its detail names the specification and
    section ("VC-DM 2.0 §5.5 Terms of Use: …") and its pointer the property.
    """
    for rule in RULES:
        if rule.name not in document and rule.name != "issuer":
            continue
        section = rule.section_v2 if version == "2.0" else rule.section_v1
        if section is None:
            continue  # not a VC 1.1 property: JSON-LD safe mode decides whether it is defined
        try:
            rule.check(document.get(rule.name), "/" + rule.name)
        except ValueError as exc:
            raise MalformedValueError(
                f"VC-DM {version} {section}: {exc}", pointer="/" + rule.name
            ) from None
