"""Open Badges 3.0 terms shared by issuer and verifier: award types, alignments, recipient identity.

The recipient part is OB 3.0's optional, RECOMMENDED verification step "Recipient" (§9): compare a
value the verifier already knows (an e-mail address, a student number, a DID) with the credential's
``credentialSubject.identifier`` IdentityObjects (§B.1.12), hashing it the way the issuer did
(IdentityHash, §B.7: ``"sha256$" | "md5$"`` + hex of the UTF-8 identifier with the salt appended).
The issuer (``issuer.degree``) hashes with ``identity_hash`` below, so the two cannot drift.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from vc.errors import MalformedValueError
from vc.message import Message

# OB 3.0 AchievementType values that name a tertiary award, with the ISCED 2011 level the OB 3.0
# enumeration gives (AssociateDegree L5, BachelorDegree L6, MasterDegree L7, the doctorates L8).
# Degree and Diploma carry no level in OB 3.0: an issuer must state the level for them.
DEGREE_TYPES: Mapping[str, str | None] = {
    "AssociateDegree": "5",
    "BachelorDegree": "6",
    "MasterDegree": "7",
    "DoctoralDegree": "8",
    "ProfessionalDoctorate": "8",
    "ResearchDoctorate": "8",
    "Degree": None,
    "Diploma": None,
}

# Alignment frameworks (Alignment.targetFramework) and OB 3.0 extensible target types ("ext:").
ISCED_LEVEL_FRAMEWORK = "ISCED 2011"
ISCED_FIELD_FRAMEWORK = "ISCED-F 2013"
EQF_FRAMEWORK = "European Qualifications Framework"
TARGET_TYPE_ISCED_LEVEL = "ext:ISCED2011Level"
TARGET_TYPE_ISCED_FIELD = "ext:ISCEDF2013Field"
TARGET_TYPE_EQF = "ext:EQFLevel"
TARGET_TYPE_NQF = "ext:NQFLevel"

# --- recipient identity (OB 3.0 §B.1.12 IdentityObject, §B.7 IdentityHash, §9 step "Recipient") ---

# IdentifierTypeEnum (OB 3.0 §B.2), plus its extension form "ext:<name>".
IDENTIFIER_TYPES = frozenset(
    {
        "name",
        "sourcedId",
        "systemId",
        "productId",
        "userName",
        "accountId",
        "emailAddress",
        "nationalIdentityNumber",
        "isbn",
        "issn",
        "lisSourcedId",
        "oneRosterSourcedId",
        "sisSourcedId",
        "ltiContextId",
        "ltiDeploymentId",
        "ltiToolId",
        "ltiPlatformId",
        "ltiUserId",
        "identifier",
    }
)
EMAIL_ADDRESS = "emailAddress"
STUDENT_NUMBER = "sisSourcedId"
# Not an IdentifierTypeEnum value: the known value is compared with credentialSubject.id (OB 3.0
# §9 allows either), so it cannot collide with an IdentityObject's identityType.
SUBJECT_ID = "id"

_EXT_TYPE = re.compile(r"ext:[A-Za-z0-9._-]{1,64}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_HEX = re.compile(r"[0-9A-Fa-f]+")
_MAX_LENGTH = {EMAIL_ADDRESS: 254, SUBJECT_ID: 2000}  # RFC 5321 §4.5.3.1.3; a DID URL
_MAX_OTHER = 256


def _md5(data: bytes) -> str:
    # OB 3.0 §B.7 allows md5; here it only recomputes the issuer's value for comparison.
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# The only IdentityHash algorithms OB 3.0 §B.7 defines, with their hex digest lengths.
HASH_ALGORITHMS: Mapping[str, tuple[int, Callable[[bytes], str]]] = {
    "sha256": (64, _sha256),
    "md5": (32, _md5),
}


def normalize_identity(identity_type: str, value: str) -> str:
    """The form an identity is compared and hashed in: Unicode NFC, surrounding white space
    removed, and e-mail addresses lower-cased (as Diplomat's issuer stores them)."""
    text = unicodedata.normalize("NFC", value).strip()
    return text.lower() if identity_type == EMAIL_ADDRESS else text


def identity_hash(identity_type: str, value: str, salt: str, algorithm: str = "sha256") -> str:
    """OB 3.0 IdentityHash: ``algorithm + "$" + hex(hash(normalized value + salt))``.

    Raises MalformedValueError for an algorithm OB 3.0 does not define.
    """
    if algorithm not in HASH_ALGORITHMS:
        raise MalformedValueError(
            f"IdentityHash algorithm must be sha256 or md5, not {algorithm!r}"
        )
    digest = HASH_ALGORITHMS[algorithm][1]
    return algorithm + "$" + digest((normalize_identity(identity_type, value) + salt).encode())


@dataclass(frozen=True)
class RecipientIdentity:
    """A value the verifier knows about the person (from a job application, say): its identity
    type (an OB 3.0 IdentifierTypeEnum value, or ``SUBJECT_ID``) and the value, normalised.

    The value is personal data: it is left out of ``repr`` and every message shows ``masked``.
    Raises MalformedValueError (never quoting the value) for an unknown identity type, an
    e-mail address that is not ``local@domain.tld``, an over-long value or a control character.
    """

    identity_type: str
    value: str = field(repr=False)

    def __post_init__(self) -> None:
        kind = self.identity_type
        if not isinstance(kind, str) or not (
            kind in IDENTIFIER_TYPES or kind == SUBJECT_ID or _EXT_TYPE.fullmatch(kind)
        ):
            raise MalformedValueError(
                "identityType must be an Open Badges 3.0 identifier type (emailAddress, "
                "sisSourcedId, ...), an ext: type, or 'id' for credentialSubject.id"
            )
        if not isinstance(self.value, str):
            raise MalformedValueError("the recipient's identity must be a string")
        limit = _MAX_LENGTH.get(kind, _MAX_OTHER)
        if len(self.value) > 4 * limit:  # before normalising an absurdly long value
            raise MalformedValueError(f"the recipient's identity is longer than {limit} characters")
        value = normalize_identity(kind, self.value)
        noun = identity_noun(kind)
        if not value:
            raise MalformedValueError(f"the {noun} is empty")
        if len(value) > limit:
            raise MalformedValueError(f"the {noun} is longer than {limit} characters")
        if not value.isprintable():
            raise MalformedValueError(f"the {noun} contains control or invisible characters")
        if kind == EMAIL_ADDRESS and not _EMAIL.fullmatch(value):
            raise MalformedValueError(f"the {noun} is not of the form name@domain.tld")
        if kind == SUBJECT_ID and not _URI.fullmatch(value):
            raise MalformedValueError(f"the {noun} must be an absolute URI such as a DID")
        object.__setattr__(self, "value", value)

    @classmethod
    def email(cls, value: str) -> RecipientIdentity:
        return cls(EMAIL_ADDRESS, value)

    @classmethod
    def student_number(cls, value: str) -> RecipientIdentity:
        return cls(STUDENT_NUMBER, value)

    @classmethod
    def subject_id(cls, value: str) -> RecipientIdentity:
        return cls(SUBJECT_ID, value)

    @classmethod
    def from_text(cls, text: str) -> RecipientIdentity:
        """One free-text field: an e-mail address (has "@"), a DID or URN / http(s) URL
        (compared with credentialSubject.id), otherwise a student number."""
        stripped = text.strip() if isinstance(text, str) else text
        if isinstance(stripped, str) and "@" in stripped:
            return cls.email(stripped)
        if isinstance(stripped, str) and stripped.lower().startswith(
            ("did:", "urn:", "https://", "http://")
        ):
            return cls.subject_id(stripped)
        return cls.student_number(stripped)

    @property
    def noun(self) -> str:
        return identity_noun(self.identity_type)

    @property
    def masked(self) -> str:
        """What may be shown back: "a***@example.org", "***67", "did:key:***wXyZ"."""
        value = self.value
        if self.identity_type == EMAIL_ADDRESS:
            local, _, domain = value.rpartition("@")
            return f"{local[:1]}***@{domain}"
        if self.identity_type == SUBJECT_ID:
            parts = value.split(":")
            head = ":".join(parts[:2]) if parts[0] == "did" else parts[0]
            return f"{head}:***{value[-4:]}" if len(value) > 12 else "***"
        return f"***{value[-2:]}" if len(value) > 4 else "***"


def identity_noun(identity_type: str) -> str:
    """Plain words for an identity type ("e-mail address", "student number", ...)."""
    words = {
        EMAIL_ADDRESS: Message("e-mail address"),
        STUDENT_NUMBER: Message("student number"),
        SUBJECT_ID: Message("DID or URI"),
        "name": Message("name"),
    }
    return words.get(identity_type) or Message("%(type)s identifier", type=identity_type)


class MatchOutcome(StrEnum):
    MATCH = "match"  # an identifier of the type matched
    NO_MATCH = "no_match"  # identifiers of the type were compared, none matched
    NO_IDENTIFIER = "no_identifier"  # the credential carries no identifier of the type
    UNREADABLE = "unreadable"  # every identifier of the type was malformed


@dataclass(frozen=True)
class RecipientMatch:
    """What ``match_recipient`` found. ``algorithm`` and ``salted`` describe the identifier that
    matched (``algorithm`` None: compared as plain text); ``carried`` lists the identity types the
    credential carries (types only, never values)."""

    outcome: MatchOutcome
    identity_type: str
    compared: int
    unreadable: int
    algorithm: str | None = None
    salted: bool = False
    carried: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        return self.outcome is MatchOutcome.MATCH


class _Unreadable(Exception):
    """An IdentityObject of the wanted type that cannot be compared (never leaves this module)."""


def _same(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode("utf-8"), right.encode("utf-8"))


def _compare(item: Mapping[str, Any], known: RecipientIdentity) -> tuple[bool, str | None, bool]:
    """(matched, algorithm, salted) for one IdentityObject of the known value's type."""
    hashed, given = item.get("hashed"), item.get("identityHash")
    if not isinstance(hashed, bool) or not isinstance(given, str):
        raise _Unreadable
    if not hashed:
        return _same(normalize_identity(known.identity_type, given), known.value), None, False
    salt = item.get("salt", "")  # OB 3.0 §B.1.12: no salt means the hash was not salted
    if not isinstance(salt, str):
        raise _Unreadable
    name, separator, digest = given.partition("$")
    algorithm = name.lower()
    if not separator or algorithm not in HASH_ALGORITHMS:
        raise _Unreadable
    length, function = HASH_ALGORITHMS[algorithm]
    if len(digest) != length or not _HEX.fullmatch(digest):
        raise _Unreadable
    # §B.7: the identifier and salt are UTF-8 encoded; the hex may be upper or lower case.
    computed = function((known.value + salt).encode("utf-8"))
    return _same(computed, digest.lower()), algorithm, bool(salt)


def _subjects(credential_subject: object) -> list[Mapping[str, Any]]:
    if isinstance(credential_subject, Mapping):
        return [credential_subject]
    if isinstance(credential_subject, list):
        return [item for item in credential_subject if isinstance(item, Mapping)]
    return []


def _identity_objects(subject: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = subject.get("identifier")
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, Mapping)]


def match_recipient(credential_subject: object, known: RecipientIdentity) -> RecipientMatch:
    """OB 3.0 §9 "Recipient": does ``known`` identify the subject of this credential?

    ``credential_subject`` is the credential's ``credentialSubject`` as received (an object or a
    list of them). Identifiers of another identityType are skipped; a hashed one is recomputed
    from ``known`` and its ``salt``; a plain one is compared as text; every comparison is constant
    time and all are made. Never raises for what the credential contains: a malformed identifier
    is counted in ``unreadable``.
    """
    subjects = _subjects(credential_subject)
    carried = sorted(
        {
            kind
            for subject in subjects
            for item in _identity_objects(subject)
            if isinstance(kind := item.get("identityType"), str)
        }
    )
    if known.identity_type == SUBJECT_ID:
        ids = [s["id"] for s in subjects if isinstance(s.get("id"), str)]
        hits = [_same(normalize_identity(SUBJECT_ID, value), known.value) for value in ids]
        outcome = (
            MatchOutcome.MATCH
            if any(hits)
            else MatchOutcome.NO_MATCH
            if ids
            else MatchOutcome.NO_IDENTIFIER
        )
        return RecipientMatch(outcome, SUBJECT_ID, len(ids), 0, carried=tuple(carried))
    compared = unreadable = 0
    found: tuple[bool, str | None, bool] | None = None
    for subject in subjects:
        for item in _identity_objects(subject):
            if item.get("identityType") != known.identity_type:
                continue
            try:
                result = _compare(item, known)
            except _Unreadable:
                unreadable += 1
                continue
            compared += 1
            if result[0] and found is None:
                found = result
    if found is not None:
        outcome = MatchOutcome.MATCH
    elif compared:
        outcome = MatchOutcome.NO_MATCH
    elif unreadable:
        outcome = MatchOutcome.UNREADABLE
    else:
        outcome = MatchOutcome.NO_IDENTIFIER
    return RecipientMatch(
        outcome,
        known.identity_type,
        compared,
        unreadable,
        algorithm=None if found is None else found[1],
        salted=False if found is None else found[2],
        carried=tuple(carried),
    )
