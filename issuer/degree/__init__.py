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

from issuer.degree.building import build_credential, default_achievement_id, email_identity_hash
from issuer.degree.model import (
    CSV_COLUMNS,
    REQUIRED_COLUMNS,
    DegreeInput,
    InputError,
    IssuerProfile,
)
from issuer.degree.parsing import (
    credential_schema,
    degree_level_to_isced,
    input_schema,
    parse_csv_row,
    parse_input,
    read_csv,
)
from issuer.degree.validation import validate_credential
from vc.isced import ISCED_F_FIELD_UNKNOWN, ISCED_F_FIELDS, isced_field_name

__all__ = [
    "CSV_COLUMNS",
    "ISCED_F_FIELDS",
    "ISCED_F_FIELD_UNKNOWN",
    "REQUIRED_COLUMNS",
    "DegreeInput",
    "InputError",
    "IssuerProfile",
    "build_credential",
    "credential_schema",
    "default_achievement_id",
    "degree_level_to_isced",
    "email_identity_hash",
    "input_schema",
    "isced_field_name",
    "parse_csv_row",
    "parse_input",
    "read_csv",
    "validate_credential",
]
