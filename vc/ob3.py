"""Open Badges 3.0 degree vocabulary shared by issuer and verifier: award types and alignments."""

from __future__ import annotations

from collections.abc import Mapping

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
