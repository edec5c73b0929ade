"""What the public diploma page shows, read defensively out of a stored OB 3.0 credential."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from issuer.i18n import _
from vc import strictjson


@dataclass(frozen=True)
class DiplomaView:
    """Display strings for one degree credential ("" when the credential does not say)."""

    credential_id: str
    issuer_name: str
    issuer_id: str
    issuer_url: str
    holder_name: str
    degree_title: str
    achievement_type: str  # in English: DEGREE_KINDS' name, else the code spelled out
    achievement_code: str  # OB 3.0 achievementType as issued ("BachelorDegree")
    field_of_study: str
    specialization: str
    awarded_date: str
    valid_from: str
    diploma_number: str
    classification: str
    credits: str
    levels: tuple[str, ...]


def _text(value: object) -> str:
    """A display string from a plain or language-tagged JSON-LD value (first one wins)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        return _text(value.get("@value"))
    if isinstance(value, list) and value:
        return _text(value[0])
    return ""


def _object(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# OB 3.0 achievementType values of the degrees Diplomat issues, named for people (the issuer's
# catalogues translate them: degree_kind); any other code is spelled out ("ext:Foo" -> "Foo").
DEGREE_KINDS: Mapping[str, str] = {
    "AssociateDegree": _("Associate degree"),
    "BachelorDegree": _("Bachelor's degree"),
    "MasterDegree": _("Master's degree"),
    "DoctoralDegree": _("Doctoral degree"),
    "ProfessionalDoctorate": _("Professional doctorate"),
    "ResearchDoctorate": _("Research doctorate"),
    "Degree": _("Degree"),
    "Diploma": _("Diploma"),
}


def degree_kind(view: DiplomaView, translate: Callable[[str], str]) -> str:
    """The kind of degree in the reader's language (``translate``: a catalogue's gettext) when
    Diplomat names it, else the code spelled out as it is."""
    known = DEGREE_KINDS.get(view.achievement_code)
    return translate(known) if known is not None else view.achievement_type


def _spaced(name: str) -> str:
    """ "BachelorDegree" -> "Bachelor degree" (an OB 3.0 AchievementType for humans)."""
    out = "".join(f" {c.lower()}" if c.isupper() and i else c for i, c in enumerate(name))
    return out.removeprefix("ext:")


def _alignment_text(item: Mapping[str, Any]) -> str:
    """ "EQF level 6 (European Qualifications Framework)"; the framework once, not twice."""
    name, framework = _text(item.get("targetName")), _text(item.get("targetFramework"))
    return name if not framework or framework in name else f"{name} ({framework})"


def diploma_view(credential_json: str) -> DiplomaView:
    """Parse the stored credential text. Raises ParsingError when it is not a JSON object."""
    doc = strictjson.loads_object(credential_json, "stored credential")
    issuer = doc.get("issuer")
    issuer_obj = _object(issuer)
    subject_raw = doc.get("credentialSubject")
    if isinstance(subject_raw, list):
        subject_raw = subject_raw[0] if subject_raw else {}
    subject = _object(subject_raw)
    achievement = _object(subject.get("achievement"))
    classification = ""
    for result in subject.get("result", []) if isinstance(subject.get("result"), list) else []:
        if isinstance(result, Mapping) and str(result.get("resultDescription", "")).endswith(
            "classification"
        ):
            classification = _text(result.get("value"))
    levels = (
        tuple(
            _alignment_text(item)
            for item in achievement.get("alignment", [])
            if isinstance(item, Mapping) and _text(item.get("targetName"))
        )
        if isinstance(achievement.get("alignment"), list)
        else ()
    )
    credits = ""
    if subject.get("creditsEarned") is not None:
        credits = f"{_text(subject.get('creditsEarned'))} ECTS"
    awarded = _text(doc.get("awardedDate"))
    code = _text(achievement.get("achievementType"))
    return DiplomaView(
        credential_id=_text(doc.get("id")),
        issuer_name=_text(issuer_obj.get("name")) or _text(issuer),
        issuer_id=_text(issuer_obj.get("id")) or _text(issuer),
        issuer_url=_text(issuer_obj.get("url")),
        holder_name=_text(subject.get("name")),
        degree_title=_text(achievement.get("name")) or _text(doc.get("name")),
        achievement_type=DEGREE_KINDS.get(code) or _spaced(code),
        achievement_code=code,
        field_of_study=_text(achievement.get("fieldOfStudy")),
        specialization=_text(achievement.get("specialization")),
        awarded_date=awarded[:10] if awarded.endswith("T00:00:00Z") else awarded,
        valid_from=_text(doc.get("validFrom")),
        diploma_number=_text(subject.get("licenseNumber")),
        classification=classification,
        credits=credits,
        levels=levels,
    )
