"""The degree input and issuer profile values, the input columns and the award-type rules."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

# jsonschema ships no type stubs and types-jsonschema is not a project dependency.
from vc.errors import MalformedValueError

CREDENTIAL_TYPES = ("VerifiableCredential", "AchievementCredential")
# VC 2.0 §5.4 / VC JSON Schema: "JsonSchema" is defined by the VC 2.0 context. OB 3.0's
# "1EdTechJsonSchemaValidator2019" is defined by neither context, so safe-mode JSON-LD refuses it.
CREDENTIAL_SCHEMA_TYPE = "JsonSchema"

# Levels an award type may carry. ISCED 2011 §3.7.3 counts "long first degrees" (5-6 years, e.g.
# medicine) as level 7, and some of those are called Bachelor's.
ALLOWED_LEVELS: Mapping[str, frozenset[str]] = {
    "AssociateDegree": frozenset({"5"}),
    "BachelorDegree": frozenset({"6", "7"}),
    "MasterDegree": frozenset({"7"}),
    "DoctoralDegree": frozenset({"8"}),
    "ProfessionalDoctorate": frozenset({"8"}),
    "ResearchDoctorate": frozenset({"8"}),
    "Degree": frozenset({"5", "6", "7", "8"}),
    "Diploma": frozenset({"5", "6", "7", "8"}),
}

EQF_URL = "https://europass.europa.eu/en/europass-digital-tools/european-qualifications-framework"


# Columns of the cohort CSV: exactly the JSON field names of the simple input.
CSV_COLUMNS = (
    "given_name",
    "family_name",
    "full_name",
    "subject_id",
    "student_number",
    "email",
    "achievement_type",
    "degree_title",
    "field_of_study",
    "specialization",
    "programme_code",
    "description",
    "criteria",
    "ects_available",
    "ects_earned",
    "awarded_date",
    "classification",
    "gpa",
    "gpa_scale",
    "language_of_instruction",
    "diploma_number",
    "isced_level",
    "isced_field",
    "eqf_level",
    "national_level",
)
REQUIRED_COLUMNS = (
    "achievement_type",
    "degree_title",
    "field_of_study",
    "awarded_date",
    "diploma_number",
    "isced_field",
)
NUMERIC_COLUMNS = frozenset({"ects_available", "ects_earned", "gpa", "gpa_scale"})
DEFAULT_MAX_ROWS = 5000

NUMBER = re.compile(r"^(0|[1-9][0-9]{0,5})(\.[0-9]{1,6})?\Z")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+\Z")
HTTP_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*\Z")


class InputError(MalformedValueError):
    """Degree input that cannot be issued: every (field, reason) found, and the CSV row if any.

    ``field`` is the JSON field name, which is also the CSV column name ("" for the whole object,
    "(header)" for the CSV header).
    """

    title = "Invalid degree input"

    def __init__(self, problems: Sequence[tuple[str, str]], *, row: int | None = None) -> None:
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        self.row = row
        where = f"row {row}: " if row is not None else ""
        label = "column" if row is not None else "field"
        parts = [
            reason
            if not field
            else f"CSV header: {reason}"
            if field == "(header)"
            else f"{label} {field}: {reason}"
            for field, reason in self.problems
        ]
        super().__init__(where + "; ".join(parts) if parts else where + "invalid input")


@dataclass(frozen=True)
class DegreeInput:
    """One graduate's degree, validated. Numbers are ints when integral (stable across JSON-LD
    implementations: 180.0 would canonicalize as an xsd:double in Python but not in JavaScript)."""

    achievement_type: str
    degree_title: str
    field_of_study: str
    awarded_date: date
    diploma_number: str
    isced_level: str
    isced_field: str
    given_name: str | None = None
    family_name: str | None = None
    full_name: str | None = None
    subject_id: str | None = None
    student_number: str | None = None
    email: str | None = None
    specialization: str | None = None
    programme_code: str | None = None
    description: str | None = None
    criteria: str | None = None
    ects_available: int | float | None = None
    ects_earned: int | float | None = None
    classification: str | None = None
    gpa: int | float | None = None
    gpa_scale: int | float | None = None
    language_of_instruction: str | None = None
    eqf_level: str | None = None
    national_level: str | None = None

    @property
    def display_name(self) -> str:
        """The graduate's name as printed: full_name, else given and family name joined."""
        if self.full_name:
            return self.full_name
        return " ".join(part for part in (self.given_name, self.family_name) if part)


@dataclass(frozen=True)
class IssuerProfile:
    """The awarding institution as it appears in ``issuer`` (an OB 3.0 Profile).

    ``other_names`` are (BCP 47 tag, name) pairs, e.g. (("kk", "..."), ("ru", "...")); they are put
    in the credential only when build_credential is asked for language-tagged names.
    ``nqf_name`` and ``nqf_url`` name the national qualifications framework of ``national_level``.
    """

    did: str
    legal_name: str
    url: str
    country: str
    name_language: str | None = None
    other_names: tuple[tuple[str, str], ...] = ()
    nqf_name: str | None = None
    nqf_url: str | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.did.startswith("did:") or URI.match(self.did) is None:
            problems.append(f"issuer did {self.did!r} is not a DID")
        if not self.legal_name.strip():
            problems.append("issuer legal_name is empty")
        if HTTP_URL.match(self.url) is None:
            problems.append(f"issuer url {self.url!r} is not an http(s) URL")
        if re.fullmatch(r"[A-Z]{2}", self.country) is None:
            problems.append(f"issuer country {self.country!r} is not ISO 3166-1 alpha-2 (e.g. KZ)")
        if self.name_language is not None and LANGUAGE.match(self.name_language) is None:
            problems.append(f"issuer name_language {self.name_language!r} is not a BCP 47 tag")
        for tag, name in self.other_names:
            if LANGUAGE.match(tag) is None or not name.strip():
                problems.append(
                    f"issuer other name ({tag!r}, {name!r}) needs a BCP 47 tag and text"
                )
        if (self.nqf_name is None) != (self.nqf_url is None):
            problems.append("issuer nqf_name and nqf_url go together")
        if self.nqf_url is not None and HTTP_URL.match(self.nqf_url) is None:
            problems.append(f"issuer nqf_url {self.nqf_url!r} is not an http(s) URL")
        if problems:
            raise MalformedValueError("; ".join(problems))
