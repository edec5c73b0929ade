"""Degree input (JSON or CSV row) to an unsigned VC 2.0 + Open Badges 3.0.3 AchievementCredential.

Pure: no network, no clock, no randomness unless no salt is injected. The only file read is the two
JSON Schemas in the repository's ``schemas/`` folder, loaded once.

Where each input lands in the credential (OB 3.0 = 1EdTech Open Badges 3.0, §B.1 data models;
every term below is defined by https://www.w3.org/ns/credentials/v2 or the OB context-3.0.3.json,
under the type scope it is used in):

    full name                -> credentialSubject.name, identifier[] IdentityObject "name" (plain)
    student_number           -> identifier[] IdentityObject "sisSourcedId" (plain)
    email                    -> identifier[] IdentityObject "emailAddress", salted hash only
    subject_id               -> credentialSubject.id
    diploma_number           -> credentialSubject.licenseNumber ("issued with this credential")
    achievement_type, degree_title, field_of_study, specialization, programme_code, ects_available,
    language_of_instruction  -> credentialSubject.achievement.{achievementType, name, fieldOfStudy,
                                specialization, humanCode, creditsAvailable, inLanguage}
    isced_level, isced_field, eqf_level, national_level -> achievement.alignment[]
    ects_earned              -> credentialSubject.creditsEarned
    classification, gpa      -> achievement.resultDescription[] + credentialSubject.result[]
    awarded_date             -> awardedDate (credential level, xsd:dateTime at 00:00:00Z)
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import secrets
import unicodedata
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

# jsonschema ships no type stubs and types-jsonschema is not a project dependency.
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from vc.dates import format_datetime, parse_datetime
from vc.errors import MalformedValueError, RangeValueError
from vc.ob3 import (
    DEGREE_TYPES,
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
from vc.schemas import DEGREE_CREDENTIAL, DEGREE_INPUT, json_schema, schema_validator

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPES = ("VerifiableCredential", "AchievementCredential")
# VC 2.0 §5.4 / VC JSON Schema: "JsonSchema" is defined by the VC 2.0 context. OB 3.0's
# "1EdTechJsonSchemaValidator2019" is defined by neither context, so safe-mode JSON-LD refuses it.
CREDENTIAL_SCHEMA_TYPE = "JsonSchema"

# Levels an award type may carry. ISCED 2011 §3.7.3 counts "long first degrees" (5-6 years, e.g.
# medicine) as level 7, and some of those are called Bachelor's.
_ALLOWED_LEVELS: Mapping[str, frozenset[str]] = {
    "AssociateDegree": frozenset({"5"}),
    "BachelorDegree": frozenset({"6", "7"}),
    "MasterDegree": frozenset({"7"}),
    "DoctoralDegree": frozenset({"8"}),
    "ProfessionalDoctorate": frozenset({"8"}),
    "ResearchDoctorate": frozenset({"8"}),
    "Degree": frozenset({"5", "6", "7", "8"}),
    "Diploma": frozenset({"5", "6", "7", "8"}),
}

ISCED_URL = "https://uis.unesco.org/en/topic/international-standard-classification-education-isced"
EQF_URL = "https://europass.europa.eu/en/europass-digital-tools/european-qualifications-framework"

# ISCED 2011 level names (UNESCO Institute for Statistics, "International Standard Classification
# of Education: ISCED 2011", Montreal, 2012), tertiary levels only: the issuer refuses levels 0-4.
# Checked against Eurostat's code list CL_ISCED11 (ED5-ED8) and the UNESCO IBE glossary entry
# "Levels of education"; both print a typographic apostrophe, kept ASCII here as in the credentials
# already issued and the reference vectors.
# http://ec.europa.eu/eurostat/ramon/nomenclatures/index.cfm?TargetUrl=LST_NOM_DTL&StrNom=CL_ISCED11&StrLanguageCode=EN&IntPcKey=&StrLayoutCode=HIERARCHIC
ISCED_LEVEL_NAMES: Mapping[str, str] = {
    "5": "Short-cycle tertiary education",
    "6": "Bachelor's or equivalent level",
    "7": "Master's or equivalent level",
    "8": "Doctoral or equivalent level",
}

# ISCED-F 2013, every code UNESCO lists, in UNESCO's order and wording: broad fields (2 digits),
# narrow (3) and detailed (4). 12 broad (00-10 and 99), 58 narrow, 149 detailed.
#
# Source: UNESCO Institute for Statistics (UIS), "International Standard Classification of
# Education: Fields of education and training 2013 (ISCED-F 2013) - Detailed field descriptions",
# Montreal, 2015, ISBN 978-92-9189-179-5, Appendix I "ISCED-F 2013: List of possible codes" and
# Appendix II (numerical list),
# https://uis.unesco.org/sites/default/files/documents/international-standard-classification-of-education-fields-of-education-and-training-2013-detailed-field-descriptions-2015-en.pdf
# read from a TSV export of its numerical list (leading zeros dropped): github.com/benabel/
# archives.lyceum.fr, 2023-2024/src/blog/2023-09-28-domaines-education/
# ISDEC-FieldsOfEducationCodes.tsv at commit bb5f533d. Cross-checked against the EU Publications
# Office vocabulary http://data.europa.eu/snb/isced-f/25831c2 as generated into
# github.com/EuropeanUniversityFoundation/isced_php, data/isced.php at commit 73b0376b: the same
# codes and names, except that the EU list adds 0228 (in neither UNESCO list; left out here) and
# names 0619 "Information and communication technologies not elsewhere classified". The
# classification itself: UIS, "ISCED Fields of Education and Training 2013 (ISCED-F 2013)",
# Montreal, 2014, ISBN 978-92-9189-150-4.
#
# Narrow and detailed codes ending in 0 are "not further defined", in 9 "not elsewhere
# classified" (999/9999 "Field unknown" apart), in 8 "Inter-disciplinary programmes and
# qualifications involving ..."; UNESCO lists them only where they exist (there is no 0549, 0699,
# 1049 or 0088), so none is derived from a pattern. All are accepted as a degree's field except
# 99/999/9999 "Field unknown" (see ISCED_F_FIELD_UNKNOWN).
ISCED_F_FIELDS: Mapping[str, str] = {
    "00": "Generic programmes and qualifications",
    "000": "Generic programmes and qualifications not further defined",
    "0000": "Generic programmes and qualifications not further defined",
    "001": "Basic programmes and qualifications",
    "0011": "Basic programmes and qualifications",
    "002": "Literacy and numeracy",
    "0021": "Literacy and numeracy",
    "003": "Personal skills and development",
    "0031": "Personal skills and development",
    "009": "Generic programmes and qualifications not elsewhere classified",
    "0099": "Generic programmes and qualifications not elsewhere classified",
    "01": "Education",
    "011": "Education",
    "0110": "Education not further defined",
    "0111": "Education science",
    "0112": "Training for pre-school teachers",
    "0113": "Teacher training without subject specialisation",
    "0114": "Teacher training with subject specialisation",
    "0119": "Education not elsewhere classified",
    "018": "Inter-disciplinary programmes and qualifications involving education",
    "0188": "Inter-disciplinary programmes and qualifications involving education",
    "02": "Arts and humanities",
    "020": "Arts and humanities not further defined",
    "0200": "Arts and humanities not further defined",
    "021": "Arts",
    "0210": "Arts not further defined",
    "0211": "Audio-visual techniques and media production",
    "0212": "Fashion, interior and industrial design",
    "0213": "Fine arts",
    "0214": "Handicrafts",
    "0215": "Music and performing arts",
    "0219": "Arts not elsewhere classified",
    "022": "Humanities (except languages)",
    "0220": "Humanities (except languages) not further defined",
    "0221": "Religion and theology",
    "0222": "History and archaeology",
    "0223": "Philosophy and ethics",
    "0229": "Humanities (except languages) not elsewhere classified",
    "023": "Languages",
    "0230": "Languages not further defined",
    "0231": "Language acquisition",
    "0232": "Literature and linguistics",
    "0239": "Languages not elsewhere classified",
    "028": "Inter-disciplinary programmes and qualifications involving arts and humanities",
    "0288": "Inter-disciplinary programmes and qualifications involving arts and humanities",
    "029": "Arts and humanities not elsewhere classified",
    "0299": "Arts and humanities not elsewhere classified",
    "03": "Social sciences, journalism and information",
    "030": "Social sciences, journalism and information not further defined",
    "0300": "Social sciences, journalism and information not further defined",
    "031": "Social and behavioural sciences",
    "0310": "Social and behavioural sciences not further defined",
    "0311": "Economics",
    "0312": "Political sciences and civics",
    "0313": "Psychology",
    "0314": "Sociology and cultural studies",
    "0319": "Social and behavioural sciences not elsewhere classified",
    "032": "Journalism and information",
    "0320": "Journalism and information not further defined",
    "0321": "Journalism and reporting",
    "0322": "Library, information and archival studies",
    "0329": "Journalism and information not elsewhere classified",
    "038": "Inter-disciplinary programmes and qualifications involving social sciences, journalism and information",
    "0388": "Inter-disciplinary programmes and qualifications involving social sciences, journalism and information",
    "039": "Social sciences, journalism and information not elsewhere classified",
    "0399": "Social sciences, journalism and information not elsewhere classified",
    "04": "Business, administration and law",
    "040": "Business, administration and law not further defined",
    "0400": "Business, administration and law not further defined",
    "041": "Business and administration",
    "0410": "Business and administration not further defined",
    "0411": "Accounting and taxation",
    "0412": "Finance, banking and insurance",
    "0413": "Management and administration",
    "0414": "Marketing and advertising",
    "0415": "Secretarial and office work",
    "0416": "Wholesale and retail sales",
    "0417": "Work skills",
    "0419": "Business and administration not elsewhere classified",
    "042": "Law",
    "0421": "Law",
    "048": "Inter-disciplinary programmes and qualifications involving business, administration and law",
    "0488": "Inter-disciplinary programmes and qualifications involving business, administration and law",
    "049": "Business, administration and law not elsewhere classified",
    "0499": "Business, administration and law not elsewhere classified",
    "05": "Natural sciences, mathematics and statistics",
    "050": "Natural sciences, mathematics and statistics not further defined",
    "0500": "Natural sciences, mathematics and statistics not further defined",
    "051": "Biological and related sciences",
    "0510": "Biological and related sciences not further defined",
    "0511": "Biology",
    "0512": "Biochemistry",
    "0519": "Biological and related sciences not elsewhere classified",
    "052": "Environment",
    "0520": "Environment not further defined",
    "0521": "Environmental sciences",
    "0522": "Natural environments and wildlife",
    "0529": "Environment not elsewhere classified",
    "053": "Physical sciences",
    "0530": "Physical sciences not further defined",
    "0531": "Chemistry",
    "0532": "Earth sciences",
    "0533": "Physics",
    "0539": "Physical sciences not elsewhere classified",
    "054": "Mathematics and statistics",
    "0540": "Mathematics and statistics not further defined",
    "0541": "Mathematics",
    "0542": "Statistics",
    "058": "Inter-disciplinary programmes and qualifications involving natural sciences, mathematics and statistics",
    "0588": "Inter-disciplinary programmes and qualifications involving natural sciences, mathematics and statistics",
    "059": "Natural sciences, mathematics and statistics not elsewhere classified",
    "0599": "Natural sciences, mathematics and statistics not elsewhere classified",
    "06": "Information and Communication Technologies (ICTs)",
    "061": "Information and Communication Technologies (ICTs)",
    "0610": "Information and Communication Technologies (ICTs) not further defined",
    "0611": "Computer use",
    "0612": "Database and network design and administration",
    "0613": "Software and applications development and analysis",
    "0619": "Information and Communication Technologies (ICTs) not elsewhere classified",
    "068": "Inter-disciplinary programmes and qualifications involving Information and Communication Technologies (ICTs)",
    "0688": "Inter-disciplinary programmes and qualifications involving Information and Communication Technologies (ICTs)",
    "07": "Engineering, manufacturing and construction",
    "070": "Engineering, manufacturing and construction not further defined",
    "0700": "Engineering, manufacturing and construction not further defined",
    "071": "Engineering and engineering trades",
    "0710": "Engineering and engineering trades not further defined",
    "0711": "Chemical engineering and processes",
    "0712": "Environmental protection technology",
    "0713": "Electricity and energy",
    "0714": "Electronics and automation",
    "0715": "Mechanics and metal trades",
    "0716": "Motor vehicles, ships and aircraft",
    "0719": "Engineering and engineering trades not elsewhere classified",
    "072": "Manufacturing and processing",
    "0720": "Manufacturing and processing not further defined",
    "0721": "Food processing",
    "0722": "Materials (glass, paper, plastic and wood)",
    "0723": "Textiles (clothes, footwear and leather)",
    "0724": "Mining and extraction",
    "0729": "Manufacturing and processing not elsewhere classified",
    "073": "Architecture and construction",
    "0730": "Architecture and construction not further defined",
    "0731": "Architecture and town planning",
    "0732": "Building and civil engineering",
    "078": "Inter-disciplinary programmes and qualifications involving engineering, manufacturing and construction",
    "0788": "Inter-disciplinary programmes and qualifications involving engineering, manufacturing and construction",
    "079": "Engineering, manufacturing and construction not elsewhere classified",
    "0799": "Engineering, manufacturing and construction not elsewhere classified",
    "08": "Agriculture, forestry, fisheries and veterinary",
    "080": "Agriculture, forestry, fisheries and veterinary not further defined",
    "0800": "Agriculture, forestry, fisheries and veterinary not further defined",
    "081": "Agriculture",
    "0810": "Agriculture not further defined",
    "0811": "Crop and livestock production",
    "0812": "Horticulture",
    "0819": "Agriculture not elsewhere classified",
    "082": "Forestry",
    "0821": "Forestry",
    "083": "Fisheries",
    "0831": "Fisheries",
    "084": "Veterinary",
    "0841": "Veterinary",
    "088": "Inter-disciplinary programmes and qualifications involving agriculture, forestry, fisheries and veterinary",
    "0888": "Inter-disciplinary programmes and qualifications involving agriculture, forestry, fisheries and veterinary",
    "089": "Agriculture, forestry, fisheries and veterinary not elsewhere classified",
    "0899": "Agriculture, forestry, fisheries and veterinary not elsewhere classified",
    "09": "Health and welfare",
    "090": "Health and welfare not further defined",
    "0900": "Health and welfare not further defined",
    "091": "Health",
    "0910": "Health not further defined",
    "0911": "Dental studies",
    "0912": "Medicine",
    "0913": "Nursing and midwifery",
    "0914": "Medical diagnostic and treatment technology",
    "0915": "Therapy and rehabilitation",
    "0916": "Pharmacy",
    "0917": "Traditional and complementary medicine and therapy",
    "0919": "Health not elsewhere classified",
    "092": "Welfare",
    "0920": "Welfare not further defined",
    "0921": "Care of the elderly and of disabled adults",
    "0922": "Child care and youth services",
    "0923": "Social work and counselling",
    "0929": "Welfare not elsewhere classified",
    "098": "Inter-disciplinary programmes and qualifications involving health and welfare",
    "0988": "Inter-disciplinary programmes and qualifications involving health and welfare",
    "099": "Health and welfare not elsewhere classified",
    "0999": "Health and welfare not elsewhere classified",
    "10": "Services",
    "100": "Services not further defined",
    "1000": "Services not further defined",
    "101": "Personal services",
    "1010": "Personal services not further defined",
    "1011": "Domestic services",
    "1012": "Hair and beauty services",
    "1013": "Hotel, restaurants and catering",
    "1014": "Sports",
    "1015": "Travel, tourism and leisure",
    "1019": "Personal services not elsewhere classified",
    "102": "Hygiene and occupational health services",
    "1020": "Hygiene and occupational health services not further defined",
    "1021": "Community sanitation",
    "1022": "Occupational health and safety",
    "1029": "Hygiene and occupational health services not elsewhere classified",
    "103": "Security services",
    "1030": "Security services not further defined",
    "1031": "Military and defence",
    "1032": "Protection of persons and property",
    "1039": "Security services not elsewhere classified",
    "104": "Transport services",
    "1041": "Transport services",
    "108": "Inter-disciplinary programmes and qualifications involving services",
    "1088": "Inter-disciplinary programmes and qualifications involving services",
    "109": "Services not elsewhere classified",
    "1099": "Services not elsewhere classified",
    "99": "Field unknown",
    "999": "Field unknown",
    "9999": "Field unknown",
}

# "Field unknown" is a statistician's placeholder for a missing answer. The awarding institution
# knows what it taught, so an alignment to it would say nothing; a degree is refused with it.
ISCED_F_FIELD_UNKNOWN = frozenset({"99", "999", "9999"})


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

_NUMBER = re.compile(r"^(0|[1-9][0-9]{0,5})(\.[0-9]{1,6})?\Z")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+\Z")
_HTTP_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*\Z")


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
        if not self.did.startswith("did:") or _URI.match(self.did) is None:
            problems.append(f"issuer did {self.did!r} is not a DID")
        if not self.legal_name.strip():
            problems.append("issuer legal_name is empty")
        if _HTTP_URL.match(self.url) is None:
            problems.append(f"issuer url {self.url!r} is not an http(s) URL")
        if re.fullmatch(r"[A-Z]{2}", self.country) is None:
            problems.append(f"issuer country {self.country!r} is not ISO 3166-1 alpha-2 (e.g. KZ)")
        if self.name_language is not None and _LANGUAGE.match(self.name_language) is None:
            problems.append(f"issuer name_language {self.name_language!r} is not a BCP 47 tag")
        for tag, name in self.other_names:
            if _LANGUAGE.match(tag) is None or not name.strip():
                problems.append(
                    f"issuer other name ({tag!r}, {name!r}) needs a BCP 47 tag and text"
                )
        if (self.nqf_name is None) != (self.nqf_url is None):
            problems.append("issuer nqf_name and nqf_url go together")
        if self.nqf_url is not None and _HTTP_URL.match(self.nqf_url) is None:
            problems.append(f"issuer nqf_url {self.nqf_url!r} is not an http(s) URL")
        if problems:
            raise MalformedValueError("; ".join(problems))


# --- schemas -------------------------------------------------------------------------------------


def input_schema() -> dict[str, Any]:
    """The JSON Schema of the simple input (schemas/degree-input.schema.json)."""
    return json_schema(DEGREE_INPUT)


def credential_schema() -> dict[str, Any]:
    """The JSON Schema of the degree credential profile (schemas/degree-credential.schema.json)."""
    return json_schema(DEGREE_CREDENTIAL)


def _pointer(path: Sequence[object]) -> str:
    return "/".join(str(part) for part in path)


def _input_problems(error: ValidationError) -> list[tuple[str, str]]:
    """Turn one jsonschema error on the input into (field, reason) pairs that never echo the value
    (an e-mail address must not leak into logs through an error message)."""
    field = _pointer(error.absolute_path)
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


def isced_field_name(code: str) -> str:
    """The ISCED-F 2013 name of a broad, narrow or detailed field code ("0613" -> "Software and
    applications development and analysis"), looked up in ISCED_F_FIELDS: a code UNESCO does not
    list (0549, 0699, 0088, ...) is not made up from a pattern.

    Raises MalformedValueError for a code that is not in ISCED-F 2013.
    """
    name = ISCED_F_FIELDS.get(code)
    if name is None:
        raise MalformedValueError(f"{code!r} is not an ISCED-F 2013 field code")
    return name


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
        elif isinstance(level, str) and level not in _ALLOWED_LEVELS[kind]:
            allowed = ", ".join(sorted(_ALLOWED_LEVELS[kind]))
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
    if _NUMBER.match(cell) is None:
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
    if _URI.match(credential_id) is None:
        raise MalformedValueError(f"credential id {credential_id!r} is not an absolute URI")
    if schema_url is not None and _HTTP_URL.match(schema_url) is None:
        raise MalformedValueError(f"schema url {schema_url!r} is not an http(s) URL")
    if achievement_id is not None and _URI.match(achievement_id) is None:
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
        "@context": [VC_V2_CONTEXT, OB_CONTEXT],
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


# --- validation ----------------------------------------------------------------------------------


def validate_credential(doc: Mapping[str, Any]) -> None:
    """Check a degree credential (signed or unsigned) against schemas/degree-credential.schema.json
    and check its dates are real instants.

    Raises MalformedValueError listing every problem as "<json pointer>: <reason>".
    """
    if not isinstance(doc, Mapping):
        raise MalformedValueError("a credential must be a JSON object")
    instance = dict(doc)
    problems: list[str] = []
    errors = sorted(
        schema_validator(DEGREE_CREDENTIAL).iter_errors(instance),
        key=lambda e: (_pointer(e.absolute_path), e.message),
    )
    for error in errors:
        problems.append(f"/{_pointer(error.absolute_path)}: {_credential_reason(error)}")
    for key in ("validFrom", "validUntil", "awardedDate"):
        value = instance.get(key)
        if isinstance(value, str):
            try:
                parse_datetime(value, key)
            except MalformedValueError as exc:
                problems.append(f"/{key}: {exc.detail}")
    valid_from, valid_until = instance.get("validFrom"), instance.get("validUntil")
    if isinstance(valid_from, str) and isinstance(valid_until, str):
        try:
            if parse_datetime(valid_until) < parse_datetime(valid_from):
                problems.append("/validUntil: is before validFrom")
        except MalformedValueError:
            pass  # already reported above
    if problems:
        raise MalformedValueError(
            "degree credential does not match the profile: " + "; ".join(dict.fromkeys(problems))
        )


def _credential_reason(error: ValidationError) -> str:
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in error.validator_value if name not in instance]
        return "missing " + ", ".join(missing)
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = min(error.context, key=lambda sub: len(list(sub.absolute_path)))
        return str(best.message)
    return str(error.message)
