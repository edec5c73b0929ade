"""Building the unsigned VC 2.0 + OB 3.0 AchievementCredential from a DegreeInput."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

# jsonschema ships no type stubs and types-jsonschema is not a project dependency.
from issuer.degree.model import (
    CREDENTIAL_SCHEMA_TYPE,
    CREDENTIAL_TYPES,
    EQF_URL,
    HTTP_URL,
    URI,
    DegreeInput,
    IssuerProfile,
)
from vc.contexts import OB_V3P0, VC_V2
from vc.dates import format_datetime
from vc.errors import MalformedValueError
from vc.isced import ISCED_LEVEL_NAMES, ISCED_URL, isced_field_name
from vc.ob3 import (
    EMAIL_ADDRESS,
    EQF_FRAMEWORK,
    ISCED_FIELD_FRAMEWORK,
    ISCED_LEVEL_FRAMEWORK,
    TARGET_TYPE_EQF,
    TARGET_TYPE_ISCED_FIELD,
    TARGET_TYPE_ISCED_LEVEL,
    TARGET_TYPE_NQF,
    identity_hash,
)

# --- building ------------------------------------------------------------------------------------


def _alignment(framework: str, code: str, name: str, url: str, target_type: str) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetName": name,
        "targetCode": code,
        "targetFramework": framework,
        "targetType": target_type,
        "targetUrl": url,
    }


def _number_text(value: int | float) -> str:
    return str(value)


def email_identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityHash of an e-mail: "sha256$" + hex(sha256(lowercased email + salt)).

    The core's ``vc.ob3.identity_hash`` (NFC, stripped, lower-cased), which the verifier's
    recipient check recomputes: issuer and verifier share one normaliser.
    """
    return identity_hash(EMAIL_ADDRESS, email, salt)


def default_achievement_id(inp: DegreeInput, issuer: IssuerProfile) -> str:
    """A stable urn:uuid for the programme: the same issuer, type, title, field, specialization and
    levels give the same Achievement id for the whole cohort (UUIDv5, RFC 9562 §5.5)."""
    key = "\x1f".join(
        (
            issuer.did,
            inp.achievement_type,
            inp.degree_title,
            inp.field_of_study,
            inp.specialization or "",
            inp.isced_level,
            inp.isced_field,
        )
    )
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"


def _fragment_id(base: str, name: str) -> str:
    return f"{base}#{name}" if "#" not in base else f"{base}-{name}"


def _issuer(issuer: IssuerProfile, language_tagged_names: bool) -> dict[str, Any]:
    name: Any = issuer.legal_name
    if language_tagged_names and (issuer.other_names or issuer.name_language):
        # VC-DM 2.0 §11.1: a name in several languages is a list of language value objects.
        first: dict[str, str] = {"@value": issuer.legal_name}
        if issuer.name_language is not None:
            first["@language"] = issuer.name_language
        name = [first] + [{"@value": text, "@language": tag} for tag, text in issuer.other_names]
    return {
        "id": issuer.did,
        "type": ["Profile"],
        "name": name,
        "url": issuer.url,
        "address": {"type": ["Address"], "addressCountryCode": issuer.country},
    }


def _alignments(inp: DegreeInput, issuer: IssuerProfile) -> list[dict[str, Any]]:
    result = [
        _alignment(
            ISCED_LEVEL_FRAMEWORK,
            inp.isced_level,
            ISCED_LEVEL_NAMES[inp.isced_level],
            ISCED_URL,
            TARGET_TYPE_ISCED_LEVEL,
        ),
        _alignment(
            ISCED_FIELD_FRAMEWORK,
            inp.isced_field,
            isced_field_name(inp.isced_field),
            ISCED_URL,
            TARGET_TYPE_ISCED_FIELD,
        ),
    ]
    if inp.eqf_level is not None:
        result.append(
            _alignment(
                EQF_FRAMEWORK, inp.eqf_level, f"EQF level {inp.eqf_level}", EQF_URL, TARGET_TYPE_EQF
            )
        )
    if inp.national_level is not None:
        if issuer.nqf_name is None or issuer.nqf_url is None:
            raise MalformedValueError(
                "national_level is given but the issuer profile names no national framework:"
                " set the settings nqf_name and nqf_url (`diplomat issuer init --nqf-name …"
                " --nqf-url …`, or DIPLOMAT_NQF_NAME and DIPLOMAT_NQF_URL)"
            )
        result.append(
            _alignment(
                issuer.nqf_name,
                inp.national_level,
                f"{issuer.nqf_name} level {inp.national_level}",
                issuer.nqf_url,
                TARGET_TYPE_NQF,
            )
        )
    return result


def _results(
    inp: DegreeInput, achievement_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(achievement.resultDescription, credentialSubject.result): OB 3.0 links each Result to a
    ResultDescription of the achievement by id (§B.1 Result.resultDescription)."""
    descriptions: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    if inp.classification is not None:
        rd_id = _fragment_id(achievement_id, "classification")
        descriptions.append(
            {
                "id": rd_id,
                "type": ["ResultDescription"],
                "name": "Degree classification",
                "resultType": "Result",
            }
        )
        results.append(
            {"type": ["Result"], "resultDescription": rd_id, "value": inp.classification}
        )
    if inp.gpa is not None:
        rd_id = _fragment_id(achievement_id, "gpa")
        description: dict[str, Any] = {
            "id": rd_id,
            "type": ["ResultDescription"],
            "name": "Grade point average",
            "resultType": "GradePointAverage",
        }
        if inp.gpa_scale is not None:
            description["valueMin"] = "0"
            description["valueMax"] = _number_text(inp.gpa_scale)
        descriptions.append(description)
        results.append(
            {"type": ["Result"], "resultDescription": rd_id, "value": _number_text(inp.gpa)}
        )
    return descriptions, results


def _achievement(inp: DegreeInput, issuer: IssuerProfile, achievement_id: str) -> dict[str, Any]:
    description = inp.description or (
        f"{inp.degree_title} ({ISCED_LEVEL_NAMES[inp.isced_level]}, ISCED 2011 level "
        f"{inp.isced_level}) in {inp.field_of_study}, awarded by {issuer.legal_name}."
    )
    narrative = inp.criteria or (
        f"Completion of the {inp.degree_title} programme"
        + (f" ({_number_text(inp.ects_available)} ECTS credits)" if inp.ects_available else "")
        + "."
    )
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": inp.achievement_type,
        "name": inp.degree_title,
        "description": description,
        "criteria": {"narrative": narrative},
        "fieldOfStudy": inp.field_of_study,
    }
    if inp.specialization is not None:
        achievement["specialization"] = inp.specialization
    if inp.programme_code is not None:
        achievement["humanCode"] = inp.programme_code
    if inp.ects_available is not None:
        achievement["creditsAvailable"] = inp.ects_available
    if inp.language_of_instruction is not None:
        achievement["inLanguage"] = inp.language_of_instruction
    achievement["alignment"] = _alignments(inp, issuer)
    return achievement


def _identifiers(inp: DegreeInput, salt: str | None) -> list[dict[str, Any]]:
    identifiers: list[dict[str, Any]] = [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": inp.display_name,
        }
    ]
    if inp.student_number is not None:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "sisSourcedId",
                "hashed": False,
                "identityHash": inp.student_number,
            }
        )
    if inp.email is not None:
        used_salt = salt if salt is not None else secrets.token_hex(16)
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": email_identity_hash(inp.email, used_salt),
                "salt": used_salt,
            }
        )
    return identifiers


def build_credential(
    inp: DegreeInput,
    issuer: IssuerProfile,
    *,
    credential_id: str,
    valid_from: datetime,
    status_entries: Sequence[Mapping[str, Any]] = (),
    schema_url: str | None = None,
    achievement_id: str | None = None,
    salt: str | None = None,
    language_tagged_names: bool = False,
) -> dict[str, Any]:
    """The unsigned VC 2.0 + OB 3.0.3 AchievementCredential for one degree.

    Deterministic for the same arguments, except the e-mail salt: when the input has an e-mail and
    no ``salt`` is given, a random one is drawn (inject it to reproduce a credential byte for byte).
    ``status_entries`` (e.g. BitstringStatusListEntry objects) are copied in as given: one entry
    becomes an object, several a list. Raises MalformedValueError for a naive ``valid_from``, a bad
    credential id, schema URL or salt, or a national_level the issuer profile cannot name.
    """
    if URI.match(credential_id) is None:
        raise MalformedValueError(f"credential id {credential_id!r} is not an absolute URI")
    if schema_url is not None and HTTP_URL.match(schema_url) is None:
        raise MalformedValueError(f"schema url {schema_url!r} is not an http(s) URL")
    if achievement_id is not None and URI.match(achievement_id) is None:
        raise MalformedValueError(f"achievement id {achievement_id!r} is not an absolute URI")
    if salt is not None and not (0 < len(salt) <= 128 and salt.isprintable()):
        raise MalformedValueError("salt must be 1-128 printable characters")
    valid_from_text = format_datetime(valid_from)
    ach_id = achievement_id or default_achievement_id(inp, issuer)

    achievement = _achievement(inp, issuer, ach_id)
    descriptions, results = _results(inp, ach_id)
    if descriptions:
        achievement["resultDescription"] = descriptions

    subject: dict[str, Any] = {}
    if inp.subject_id is not None:
        subject["id"] = inp.subject_id
    subject["type"] = ["AchievementSubject"]
    # `name` is a top-level term of both contexts (schema:name); wallets display it. The OB 3.0
    # home of the recipient's name is the IdentityObject of identityType "name" below.
    subject["name"] = inp.display_name
    subject["identifier"] = _identifiers(inp, salt)
    subject["achievement"] = achievement
    if inp.ects_earned is not None:
        subject["creditsEarned"] = inp.ects_earned
    if results:
        subject["result"] = results
    subject["licenseNumber"] = inp.diploma_number

    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_V3P0],
        "id": credential_id,
        "type": list(CREDENTIAL_TYPES),
        "issuer": _issuer(issuer, language_tagged_names),
        "validFrom": valid_from_text,
        "awardedDate": f"{inp.awarded_date.isoformat()}T00:00:00Z",
        "name": inp.degree_title,
        "credentialSubject": subject,
    }
    if status_entries:
        entries = [_copy_status(entry) for entry in status_entries]
        credential["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    if schema_url is not None:
        credential["credentialSchema"] = [{"id": schema_url, "type": CREDENTIAL_SCHEMA_TYPE}]
    return credential


def _copy_status(entry: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("type"), str | list):
        raise MalformedValueError("a credentialStatus entry must be an object with a type")
    copied = json.loads(json.dumps(entry))
    if not isinstance(copied, dict):
        raise MalformedValueError("a credentialStatus entry must be an object")
    return copied
