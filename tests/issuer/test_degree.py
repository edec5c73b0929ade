"""Tests for issuer/degree.py: input parsing (JSON, CSV), credential building, schema validation."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld

from issuer.degree import (
    CSV_COLUMNS,
    ISCED_F_FIELD_UNKNOWN,
    ISCED_F_FIELDS,
    DegreeInput,
    InputError,
    IssuerProfile,
    build_credential,
    credential_schema,
    degree_level_to_isced,
    email_identity_hash,
    input_schema,
    isced_field_name,
    parse_csv_row,
    parse_input,
    read_csv,
    validate_credential,
)
from vc.errors import DiplomatError, MalformedValueError, RangeValueError
from vc.ob3 import DEGREE_TYPES, RecipientIdentity, match_recipient

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
CONTEXTS = REPO / "schemas" / "contexts"
SHARED_UNSIGNED = REPO.parent / "shared" / "vectors" / "reference-outputs" / "unsigned"

VALID_FROM = datetime(2025, 7, 1, 9, 30, tzinfo=UTC)
SALT = "5f1c0d2e9a7b4c3d"
STATUS_ENTRY = {
    "id": "https://university.example.kz/status/revocation/1#7",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "7",
    "statusListCredential": "https://university.example.kz/status/revocation/1",
}


# --- factories -----------------------------------------------------------------------------------


def issuer_profile(**overrides: Any) -> IssuerProfile:
    fields: dict[str, Any] = {
        "did": "did:web:university.example.kz",
        "legal_name": "Example Kazakh National University",
        "url": "https://university.example.kz/",
        "country": "KZ",
        "name_language": "en",
        "other_names": (
            ("kk", "Мысал ұлттық университеті"),
            ("ru", "Примерный национальный университет"),
        ),
        "nqf_name": "National Qualifications Framework of the Republic of Kazakhstan",
        "nqf_url": "https://university.example.kz/about/nqf",
    }
    fields.update(overrides)
    return IssuerProfile(**fields)


def sample_input(**overrides: Any) -> dict[str, Any]:
    """The sample simple-input object, with fields replaced (None removes a field)."""
    obj: dict[str, Any] = json.loads((SAMPLES / "degree.json").read_text(encoding="utf-8"))
    for key, value in overrides.items():
        if value is None:
            obj.pop(key, None)
        else:
            obj[key] = value
    return obj


def built(inp: DegreeInput | None = None, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "credential_id": "urn:uuid:6f0d9c1e-2b8a-4b8e-9d3a-0c4f5e6a7b01",
        "valid_from": VALID_FROM,
        "status_entries": [STATUS_ENTRY],
        "schema_url": "https://university.example.kz/schemas/degree-credential.schema.json",
        "salt": SALT,
    }
    kwargs.update(overrides)
    return build_credential(inp or parse_input(sample_input()), issuer_profile(), **kwargs)


def csv_text(rows: list[dict[str, str]], columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    lines = [",".join(columns)]
    for row in rows:
        lines.append(",".join(_csv_cell(row.get(column, "")) for column in columns))
    return "\n".join(lines) + "\n"


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def sample_csv_rows() -> list[tuple[int, DegreeInput | InputError]]:
    return list(read_csv((SAMPLES / "degrees.csv").read_text(encoding="utf-8")))


# --- JSON-LD: every emitted term must be defined --------------------------------------------------


def _vendored_loader() -> Callable[..., dict[str, Any]]:
    manifest = json.loads((CONTEXTS / "manifest.json").read_text(encoding="utf-8"))
    documents = {
        entry["url"]: json.loads((CONTEXTS / entry["file"]).read_text(encoding="utf-8"))
        for entry in manifest["contexts"]
    }

    def load(url: str, options: object = None) -> dict[str, Any]:
        if url not in documents:
            raise ValueError(f"refusing to load {url}: not vendored")
        return {"contextUrl": None, "documentUrl": url, "document": documents[url]}

    return load


LOADER = _vendored_loader()
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def _compact_leaves(node: Any, types: list[str], values: list[str]) -> None:
    """Sort every scalar the issuer wrote (outside @context) into type names and other values."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "type":
                types.extend([value] if isinstance(value, str) else value)
            elif key != "@context":
                _compact_leaves(value, types, values)
    elif isinstance(node, list):
        for item in node:
            _compact_leaves(item, types, values)
    else:
        values.append(repr(node))


def _expanded_leaves(node: Any, types: list[str], values: list[str], keys: list[str]) -> None:
    """The same for the expanded form. The datatypes that term coercion adds to value objects
    (xsd:float, xsd:anyURI, ...) are not counted: the issuer did not write them."""
    if isinstance(node, dict):
        if "@value" in node:
            values.append(repr(node["@value"]))
            if "@language" in node:
                values.append(repr(node["@language"]))
            return
        for key, value in node.items():
            if key == "@type":
                types.extend(value)
            elif key == "@id":
                values.append(repr(value))
            else:
                keys.append(key)
                _expanded_leaves(value, types, values, keys)
    elif isinstance(node, list):
        for item in node:
            _expanded_leaves(item, types, values, keys)


def assert_all_terms_defined(credential: dict[str, Any]) -> None:
    """Expand with the vendored contexts only; JSON-LD drops a property whose term is undefined and
    leaves an undefined type name relative, so: every value must survive, one to one, and every
    property and type must become an absolute IRI."""
    expanded = jsonld.expand(copy.deepcopy(credential), {"documentLoader": LOADER, "base": None})
    types_before: list[str] = []
    values_before: list[str] = []
    _compact_leaves(credential, types_before, values_before)
    types_after: list[str] = []
    values_after: list[str] = []
    keys: list[str] = []
    _expanded_leaves(expanded, types_after, values_after, keys)
    assert sorted(values_after) == sorted(values_before), "expansion dropped or changed values"
    assert len(types_after) == len(types_before), "expansion dropped a type"
    for iri in keys + types_after:
        assert ABSOLUTE_IRI.match(iri), f"{iri!r} is not an absolute IRI: an undefined term"
        assert not iri.startswith("@"), iri


# --- building from the samples ---------------------------------------------------------------------


def test_sample_json_builds_a_valid_credential_with_only_defined_terms() -> None:
    credential = built()
    validate_credential(credential)
    assert_all_terms_defined(credential)
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "AchievementCredential"]
    achievement = credential["credentialSubject"]["achievement"]
    sample = sample_input()
    assert achievement["achievementType"] == sample["achievement_type"]
    assert achievement["name"] == sample["degree_title"]
    assert achievement["creditsAvailable"] == sample["ects_available"]
    assert credential["credentialSubject"]["licenseNumber"] == sample["diploma_number"]
    assert credential["awardedDate"] == sample["awarded_date"] + "T00:00:00Z"
    assert credential["validFrom"] == "2025-07-01T09:30:00Z"
    assert credential["credentialStatus"] == STATUS_ENTRY


def test_every_sample_csv_row_builds_a_valid_credential() -> None:
    rows = sample_csv_rows()
    assert len(rows) >= 10
    kinds = set()
    for row_number, result in rows:
        assert isinstance(result, DegreeInput), f"row {row_number}: {result}"
        kinds.add(result.achievement_type)
        credential = built(
            result, credential_id=f"urn:uuid:00000000-0000-4000-8000-{row_number:012d}"
        )
        validate_credential(credential)
        assert_all_terms_defined(credential)
    assert len(kinds) >= 5


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c["credentialSubject"].update(graduateName="X"),  # not in any context
        lambda c: c["credentialSubject"]["achievement"].update(licenseNumber="X"),  # wrong scope
        lambda c: c["issuer"].update(type=["Profile", "University"]),  # undefined type
        lambda c: c["credentialSchema"][0].update(type="1EdTechJsonSchemaValidator2019"),
    ],
)
def test_the_term_check_catches_undefined_terms(change: Callable[[dict[str, Any]], None]) -> None:
    credential = built()
    change(credential)
    with pytest.raises(AssertionError):
        assert_all_terms_defined(credential)


def test_language_tagged_issuer_names_are_defined_and_valid() -> None:
    credential = built(language_tagged_names=True)
    names = credential["issuer"]["name"]
    assert {"@value": "Мысал ұлттық университеті", "@language": "kk"} in names
    validate_credential(credential)
    assert_all_terms_defined(credential)


def test_alignments_carry_isced_level_field_eqf_and_national_level() -> None:
    alignment = built()["credentialSubject"]["achievement"]["alignment"]
    by_framework = {a["targetFramework"]: a for a in alignment}
    assert by_framework["ISCED 2011"]["targetCode"] == "6"
    assert by_framework["ISCED 2011"]["targetName"] == "Bachelor's or equivalent level"
    assert by_framework["ISCED-F 2013"]["targetCode"] == "0613"
    assert by_framework["ISCED-F 2013"]["targetName"] == (
        "Software and applications development and analysis"
    )
    assert by_framework["European Qualifications Framework"]["targetCode"] == "6"
    nqf = by_framework["National Qualifications Framework of the Republic of Kazakhstan"]
    assert nqf["targetCode"] == "6"


def test_results_link_to_result_descriptions_of_the_achievement() -> None:
    credential = built()
    ids = {rd["id"] for rd in credential["credentialSubject"]["achievement"]["resultDescription"]}
    results = credential["credentialSubject"]["result"]
    assert {r["resultDescription"] for r in results} == ids
    assert {r["value"] for r in results} == {"With honours", "3.67"}


def test_output_is_deterministic_for_the_same_inputs() -> None:
    first = json.dumps(built(), ensure_ascii=False)
    second = json.dumps(built(parse_input(sample_input())), ensure_ascii=False)
    assert first == second


def test_achievement_id_is_shared_by_a_cohort_and_differs_between_programmes() -> None:
    one = built(parse_input(sample_input(diploma_number="A-1", given_name="Asel")))
    two = built(parse_input(sample_input(diploma_number="A-2", given_name="Arman")))
    other = built(parse_input(sample_input(degree_title="Bachelor of Arts in Philology")))
    achievement_id = one["credentialSubject"]["achievement"]["id"]
    assert achievement_id.startswith("urn:uuid:")
    assert two["credentialSubject"]["achievement"]["id"] == achievement_id
    assert other["credentialSubject"]["achievement"]["id"] != achievement_id
    explicit = built(achievement_id="https://university.example.kz/programmes/6B06102")
    assert explicit["credentialSubject"]["achievement"]["id"].endswith("/6B06102")


def test_integral_floats_become_integers() -> None:
    inp = parse_input(sample_input(ects_available=240.0, ects_earned=239.5))
    assert inp.ects_available == 240 and isinstance(inp.ects_available, int)
    assert inp.ects_earned == 239.5


def test_several_status_entries_become_a_list() -> None:
    suspension = dict(STATUS_ENTRY, statusPurpose="suspension", id=STATUS_ENTRY["id"] + "s")
    credential = built(status_entries=[STATUS_ENTRY, suspension])
    assert credential["credentialStatus"] == [STATUS_ENTRY, suspension]
    validate_credential(credential)
    assert "credentialStatus" not in built(status_entries=())
    assert "credentialSchema" not in built(schema_url=None)


def test_credential_schema_uses_a_type_the_contexts_define() -> None:
    credential = built()
    assert credential["credentialSchema"][0]["type"] == "JsonSchema"
    assert_all_terms_defined(credential)


# --- e-mail is emitted only as a salted hash ------------------------------------------------------


def test_email_appears_only_hashed() -> None:
    email = "Aigerim.Serikova@Student.Example.KZ"
    credential = built(parse_input(sample_input(email=email)))
    text = json.dumps(credential, ensure_ascii=False)
    assert email not in text
    assert email.lower() not in text
    assert "aigerim.serikova" not in text.lower()
    [identity] = [
        i
        for i in credential["credentialSubject"]["identifier"]
        if i["identityType"] == "emailAddress"
    ]
    expected = hashlib.sha256((email.lower() + SALT).encode()).hexdigest()
    assert identity == {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": "sha256$" + expected,
        "salt": SALT,
    }


def test_without_an_injected_salt_a_random_salt_still_verifies() -> None:
    inp = parse_input(sample_input())
    first = built(inp, salt=None)["credentialSubject"]["identifier"][-1]
    second = built(inp, salt=None)["credentialSubject"]["identifier"][-1]
    assert first["salt"] != second["salt"]
    assert inp.email is not None
    assert first["identityHash"] == email_identity_hash(inp.email, first["salt"])


def test_the_verifiers_recipient_check_finds_what_the_issuer_wrote() -> None:
    # One normaliser (vc.ob3) for both: the e-mail as typed on a job application matches.
    email = "Aigerim.Serikova@Student.Example.KZ"
    inp = parse_input(sample_input(email=email, student_number="KZ-2019-04417"))
    subject = built(inp, salt=None)["credentialSubject"]
    assert match_recipient(subject, RecipientIdentity.email(f"  {email.upper()} ")).matched
    assert match_recipient(subject, RecipientIdentity.student_number("KZ-2019-04417")).matched
    assert not match_recipient(subject, RecipientIdentity.email("aigerim@other.example")).matched


def test_email_is_not_echoed_in_error_messages() -> None:
    with pytest.raises(InputError) as caught:
        parse_input(sample_input(email="not-an-address@nowhere"))
    assert "not-an-address" not in str(caught.value)
    assert ("email", "expected an e-mail address (local@domain.tld)") in caught.value.problems


def test_name_is_a_plain_identity_object() -> None:
    credential = built(parse_input(sample_input(full_name=None)))
    identifiers = credential["credentialSubject"]["identifier"]
    assert identifiers[0] == {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": "Айгерім Серікова",
    }
    assert credential["credentialSubject"]["name"] == "Айгерім Серікова"


# --- bad JSON input ---------------------------------------------------------------------------------


def _problems(obj: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as caught:
        parse_input(obj)
    assert isinstance(caught.value, MalformedValueError)
    return list(caught.value.problems)


def test_missing_diploma_number_is_named() -> None:
    assert ("diploma_number", "is required") in _problems(sample_input(diploma_number=None))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2025-02-30", "is not a real calendar date"),
        ("30.06.2025", "expected an ISO 8601 calendar date YYYY-MM-DD"),
        ("2025-6-30", "expected an ISO 8601 calendar date YYYY-MM-DD"),
        ("２０２５-06-30", "expected an ISO 8601 calendar date YYYY-MM-DD"),
    ],
)
def test_bad_awarded_date_is_named(value: str, reason: str) -> None:
    assert ("awarded_date", reason) in _problems(sample_input(awarded_date=value))


def test_unknown_degree_type_is_refused() -> None:
    [(field, reason)] = _problems(sample_input(achievement_type="Badge"))
    assert field == "achievement_type"
    assert reason.startswith("must be one of: AssociateDegree, BachelorDegree")


def test_non_numeric_ects_is_refused() -> None:
    assert ("ects_available", "must be a number, not text") in _problems(
        sample_input(ects_available="240")
    )


def test_all_problems_are_reported_at_once() -> None:
    problems = _problems(
        sample_input(diploma_number=None, awarded_date="2025-13-01", isced_field="0699", extra="x")
    )
    fields = [field for field, _ in problems]
    assert fields == ["awarded_date", "diploma_number", "isced_field", "extra"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"full_name": None, "given_name": None}, ("full_name", "a name is required")),
        ({"achievement_type": "Degree", "isced_level": None}, ("isced_level", "is required")),
        ({"achievement_type": "MasterDegree", "isced_level": "6"}, ("isced_level", "level 6")),
        ({"ects_earned": 300}, ("ects_earned", "is more than ects_available")),
        ({"gpa": 4.5}, ("gpa", "is more than gpa_scale")),
        ({"gpa": None}, ("gpa_scale", "is given without gpa")),
        ({"ects_available": float("nan")}, ("ects_available", "must be a finite number")),
        ({"ects_available": -1}, ("ects_available", "must be >= 0")),
        ({"isced_level": "4"}, ("isced_level", "expected an ISCED 2011 tertiary level")),
        ({"isced_field": "0614"}, ("isced_field", "is not an ISCED-F 2013 field code")),
        ({"language_of_instruction": "kazakh language"}, ("language_of_instruction", "expected")),
        ({"diploma_number": " 12"}, ("diploma_number", "expected 1-64 characters")),
        ({"degree_title": "Bachelor\u0007"}, ("degree_title", "expected text")),
        ({"subject_id": "not a uri"}, ("subject_id", "expected an absolute URI")),
        ({"given_name": ""}, ("given_name", "must not be empty")),
    ],
)
def test_bad_fields_are_named(overrides: dict[str, Any], expected: tuple[str, str]) -> None:
    problems = _problems(sample_input(**overrides))
    assert any(f == expected[0] and r.startswith(expected[1]) for f, r in problems), problems


def test_input_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InputError):
        parse_input(["not", "an", "object"])  # type: ignore[arg-type]


def test_default_isced_level_comes_from_the_degree_type() -> None:
    assert parse_input(sample_input(isced_level=None)).isced_level == "6"
    expected = {"AssociateDegree": "5", "BachelorDegree": "6", "MasterDegree": "7"}
    for kind, level in expected.items():
        assert degree_level_to_isced(kind) == level
    assert degree_level_to_isced("DoctoralDegree") == "8"
    with pytest.raises(MalformedValueError):
        degree_level_to_isced("Degree")
    with pytest.raises(MalformedValueError):
        degree_level_to_isced("Badge")


def test_isced_f_names() -> None:
    assert isced_field_name("06") == "Information and Communication Technologies (ICTs)"
    assert isced_field_name("0219") == "Arts not elsewhere classified"
    assert isced_field_name("0200") == "Arts and humanities not further defined"
    assert isced_field_name("0299") == "Arts and humanities not elsewhere classified"
    # UNESCO writes the broad field in lower case after "involving", except the ICTs.
    assert isced_field_name("0288") == (
        "Inter-disciplinary programmes and qualifications involving arts and humanities"
    )
    assert isced_field_name("068") == (
        "Inter-disciplinary programmes and qualifications involving Information and "
        "Communication Technologies (ICTs)"
    )
    # Codes that fit the x8/x9 patterns but that UNESCO does not list (0228 is only in the EU's
    # copy of the vocabulary), and codes that fit no pattern.
    unlisted = ("0699", "0019", "0088", "008", "0549", "0739", "1049", "0228")
    for bad in (*unlisted, "0614", "11", "9998"):
        with pytest.raises(MalformedValueError):
            isced_field_name(bad)


# ISCED-F 2013 as UNESCO lists it (Detailed field descriptions, 2015, Appendix I): per broad
# field, how many narrow and detailed codes it has. 12 broad, 58 narrow, 149 detailed in all.
ISCED_F_SOURCE_COUNTS = {
    "00": (5, 5),
    "01": (2, 7),
    "02": (6, 19),
    "03": (5, 13),
    "04": (5, 13),
    "05": (7, 19),
    "06": (2, 6),
    "07": (6, 20),
    "08": (7, 10),
    "09": (5, 17),
    "10": (7, 19),
    "99": (1, 1),
}
# SHA-256 of the table as "code<TAB>name<LF>" lines in UNESCO's order, taken when every line was
# checked against the sources named above ISCED_F_FIELDS. Re-check before changing either.
ISCED_F_TABLE_SHA256 = "5046ecbbb8acf993c6908104413fdcb1bc7995be41652a378ac181dff1879737"


def test_isced_f_table_has_the_shape_unesco_gives() -> None:
    codes = list(ISCED_F_FIELDS)
    broad = [c for c in codes if len(c) == 2]
    narrow = [c for c in codes if len(c) == 3]
    detailed = [c for c in codes if len(c) == 4]
    assert all(c.isdigit() and 2 <= len(c) <= 4 for c in codes)
    assert (len(broad), len(narrow), len(detailed)) == (12, 58, 149)
    assert broad == [f"{n:02d}" for n in range(11)] + ["99"]
    assert all(c[:3] in narrow for c in detailed), "a detailed field outside every narrow field"
    assert all(c[:2] in broad for c in narrow), "a narrow field outside every broad field"
    assert all(any(d[:3] == c for d in detailed) for c in narrow), "a narrow field with no detail"
    counts = {
        b: (sum(c[:2] == b for c in narrow), sum(c[:2] == b for c in detailed)) for b in broad
    }
    assert counts == ISCED_F_SOURCE_COUNTS
    assert codes == sorted(codes)  # UNESCO's order is the numeric one
    lines = "".join(f"{code}\t{name}\n" for code, name in ISCED_F_FIELDS.items())
    assert hashlib.sha256(lines.encode()).hexdigest() == ISCED_F_TABLE_SHA256


def test_isced_f_residual_codes_are_named_after_their_parent() -> None:
    """UNESCO's naming rules for the codes ending in 0, 8 and 9 hold for every one of them."""
    for code, name in ISCED_F_FIELDS.items():
        if code[:2] == "99" or len(code) == 2:
            continue
        parent = ISCED_F_FIELDS[code[:-1]] if code[-2] not in "089" else ISCED_F_FIELDS[code[:2]]
        if code.endswith("0"):
            assert name == f"{parent} not further defined", code
        elif code.endswith("9"):
            assert name == f"{parent} not elsewhere classified", code
        elif code.endswith("8"):
            prefix = "Inter-disciplinary programmes and qualifications involving "
            assert name.startswith(prefix), code
            assert name.removeprefix(prefix).lower() == parent.lower(), code
        else:
            assert not re.search(r"not (further defined|elsewhere classified)|Inter-disc", name)
    assert set(ISCED_F_FIELD_UNKNOWN) == {c for c in ISCED_F_FIELDS if c[:2] == "99"}
    assert {ISCED_F_FIELDS[c] for c in ISCED_F_FIELD_UNKNOWN} == {"Field unknown"}


@pytest.mark.parametrize("code", ["0200", "0119", "0299", "0188", "0688", "1099", "0000", "061"])
def test_residual_and_aggregate_isced_f_codes_are_accepted(code: str) -> None:
    credential = built(parse_input(sample_input(isced_field=code)))
    alignment = credential["credentialSubject"]["achievement"]["alignment"]
    field = next(a for a in alignment if a["targetFramework"] == "ISCED-F 2013")
    assert (field["targetCode"], field["targetName"]) == (code, ISCED_F_FIELDS[code])
    validate_credential(credential)


@pytest.mark.parametrize("code", sorted(ISCED_F_FIELD_UNKNOWN))
def test_field_unknown_is_refused_for_a_degree(code: str) -> None:
    assert ("isced_field", "is ISCED-F 2013 'Field unknown'; name the field") in _problems(
        sample_input(isced_field=code)
    )


def test_schemas_list_the_same_degree_types_as_the_code() -> None:
    assert input_schema()["properties"]["achievement_type"]["enum"] == list(DEGREE_TYPES)
    achievement = credential_schema()["$defs"]["achievement"]["properties"]
    assert achievement["achievementType"]["enum"] == list(DEGREE_TYPES)
    assert set(input_schema()["properties"]) == set(CSV_COLUMNS)


# --- issuer profile and build arguments -------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"did": "https://university.example.kz"},
        {"country": "Kazakhstan"},
        {"url": "university.example.kz"},
        {"nqf_url": None},
        {"other_names": (("", "Nameless"),)},
    ],
)
def test_bad_issuer_profile_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(MalformedValueError):
        issuer_profile(**overrides)


def test_national_level_needs_a_named_framework() -> None:
    inp = parse_input(sample_input())
    with pytest.raises(MalformedValueError, match="national framework"):
        build_credential(
            inp,
            issuer_profile(nqf_name=None, nqf_url=None),
            credential_id="urn:uuid:6f0d9c1e-2b8a-4b8e-9d3a-0c4f5e6a7b01",
            valid_from=VALID_FROM,
        )


@pytest.mark.parametrize(
    "overrides",
    [
        {"valid_from": datetime(2025, 7, 1)},  # a naive datetime, on purpose
        {"credential_id": "not a uri"},
        {"schema_url": "ftp://example.org/schema.json"},
        {"salt": ""},
        {"status_entries": [{"id": "https://x.example/1"}]},
    ],
)
def test_bad_build_arguments_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(MalformedValueError):
        built(**overrides)


# --- validate_credential ------------------------------------------------------------------------------


def _mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    credential = built()
    change(credential)
    return credential


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda c: c["credentialSubject"]["achievement"].pop("achievementType"), "achievement"),
        (
            lambda c: c["credentialSubject"]["achievement"].update(achievementType="Badge"),
            "achievementType",
        ),
        (lambda c: c["issuer"].pop("id"), "/issuer"),
        (lambda c: c.update(validFrom="2025-02-30T00:00:00Z"), "/validFrom"),
        (lambda c: c.update(validFrom="2025-07-01T00:00:00"), "/validFrom"),
        (lambda c: c.update(awardedDate="2025-06-27"), "/awardedDate"),
        (lambda c: c.update(validUntil="2024-01-01T00:00:00Z"), "/validUntil"),
        (lambda c: c.update(type=["VerifiableCredential"]), "/type"),
        (lambda c: c.update({"@context": ["https://www.w3.org/2018/credentials/v1"]}), "@context"),
        (lambda c: c["credentialSubject"].pop("identifier"), "/credentialSubject"),
        (
            lambda c: c["credentialSubject"]["identifier"][2].update(identityHash="a@b.example"),
            "identityHash",
        ),
    ],
)
def test_validate_credential_rejects(
    change: Callable[[dict[str, Any]], None], pointer: str
) -> None:
    with pytest.raises(MalformedValueError) as caught:
        validate_credential(_mutated(change))
    assert pointer in str(caught.value)


def test_validate_credential_lists_every_problem() -> None:
    def change(c: dict[str, Any]) -> None:
        c["issuer"].pop("id")
        c["validFrom"] = "yesterday"

    with pytest.raises(MalformedValueError) as caught:
        validate_credential(_mutated(change))
    assert "/issuer" in str(caught.value) and "/validFrom" in str(caught.value)


def test_validate_credential_refuses_a_non_object() -> None:
    with pytest.raises(MalformedValueError):
        validate_credential([])  # type: ignore[arg-type]


def test_validate_credential_accepts_a_signed_credential() -> None:
    credential = built()
    credential["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofValue": "z3FXQ",
    }
    validate_credential(credential)


@pytest.mark.skipif(not SHARED_UNSIGNED.is_dir(), reason=f"{SHARED_UNSIGNED} is absent")
def test_reference_signed_degree_credentials_are_accepted() -> None:
    files = sorted(SHARED_UNSIGNED.parent.glob("degree-vc2-*.json"))
    assert files
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert "proof" in document
        validate_credential(document)


@pytest.mark.skipif(not SHARED_UNSIGNED.is_dir(), reason=f"{SHARED_UNSIGNED} is absent")
def test_reference_unsigned_degree_credentials_are_accepted() -> None:
    files = sorted(SHARED_UNSIGNED.glob("degree-vc2-*.json"))
    assert files
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        validate_credential(document)
        assert_all_terms_defined(document)


# --- CSV ----------------------------------------------------------------------------------------------


def _good_row(**overrides: str) -> dict[str, str]:
    row = {key: "" if value is None else str(value) for key, value in sample_input().items()}
    row.update(overrides)
    return row


def test_csv_row_errors_name_row_and_column() -> None:
    text = csv_text(
        [
            _good_row(diploma_number="D-1"),
            _good_row(diploma_number="D-2", awarded_date="2025-06-31", ects_available="240 ECTS"),
            _good_row(diploma_number="D-3", gpa="3,5"),
        ]
    )
    results = dict(read_csv(text))
    assert isinstance(results[2], DegreeInput)
    error = results[3]
    assert isinstance(error, InputError) and error.row == 3
    assert ("awarded_date", "is not a real calendar date") in error.problems
    assert ("ects_available", "'240 ECTS' is not a number") in error.problems
    assert str(error).startswith("row 3: column ects_available:")
    decimal_comma = results[4]
    assert isinstance(decimal_comma, InputError)
    assert decimal_comma.problems == (
        ("gpa", "'3,5' is not a number (use a dot as the decimal separator)"),
    )


@pytest.mark.parametrize("cell", ["1e3", "-5", "+5", "0x10", "1_000", "240.", ".5", "NaN", "∞"])
def test_csv_numbers_are_parsed_strictly(cell: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_csv_row(_good_row(ects_earned=cell), 7)
    assert caught.value.row == 7
    assert [field for field, _ in caught.value.problems] == ["ects_earned"]


def test_csv_empty_optional_cells_are_absent() -> None:
    inp = parse_csv_row(_good_row(specialization="", gpa="", gpa_scale="  ", email=""), 2)
    assert inp.specialization is None and inp.gpa is None and inp.email is None


def test_csv_missing_column_is_one_header_error() -> None:
    columns = tuple(c for c in CSV_COLUMNS if c not in ("diploma_number", "awarded_date"))
    with pytest.raises(InputError) as caught:
        read_csv(csv_text([_good_row()], columns))
    [(field, reason)] = caught.value.problems
    assert field == "(header)"
    assert "diploma_number" in reason and "awarded_date" in reason


def test_csv_unknown_duplicate_and_unnamed_columns_are_header_errors() -> None:
    columns = (*CSV_COLUMNS, "favourite_colour", "email", "")
    with pytest.raises(InputError) as caught:
        read_csv(csv_text([], columns))
    reasons = " | ".join(reason for _, reason in caught.value.problems)
    assert "favourite_colour" in reasons
    assert "duplicate column(s): email" in reasons
    assert "without a name at position 28" in reasons


def test_csv_name_column_is_required() -> None:
    columns = tuple(c for c in CSV_COLUMNS if c not in ("full_name", "given_name"))
    with pytest.raises(InputError, match="full_name or given_name"):
        read_csv(csv_text([], columns))


def test_csv_with_bom_semicolons_and_blank_lines() -> None:
    text = "\ufeff" + csv_text([_good_row()]).replace(",", ";") + "\n;;;\n"
    [(row_number, result)] = list(read_csv(text))
    assert row_number == 2 and isinstance(result, DegreeInput)
    assert result.display_name == "Серікова Айгерім Болатқызы"


def test_csv_header_is_case_and_space_insensitive() -> None:
    header = ",".join(f" {c.upper()} " for c in CSV_COLUMNS)
    body = csv_text([_good_row()]).split("\n", 1)[1]
    [(_, result)] = list(read_csv(header + "\n" + body))
    assert isinstance(result, DegreeInput)


def test_csv_row_cap() -> None:
    rows = [_good_row(diploma_number=f"D-{n}") for n in range(4)]
    assert len(list(read_csv(csv_text(rows), max_rows=4))) == 4
    with pytest.raises(RangeValueError):
        read_csv(csv_text(rows), max_rows=3)


def test_csv_duplicate_diploma_number_is_an_error_for_the_later_row() -> None:
    results = dict(read_csv(csv_text([_good_row(), _good_row(), _good_row(diploma_number="Z")])))
    assert isinstance(results[2], DegreeInput) and isinstance(results[4], DegreeInput)
    error = results[3]
    assert isinstance(error, InputError)
    assert error.problems == (("diploma_number", "is already used by row 2"),)


def test_csv_surplus_cells_are_an_error() -> None:
    text = csv_text([_good_row()]).rstrip("\n") + ",surplus\n"
    [(_, result)] = list(read_csv(text))
    assert isinstance(result, InputError)
    assert "more cell(s) than the header has columns" in str(result)


@pytest.mark.parametrize("text", ["", "\ufeff", "\n\n", 'given_name,"unterminated\n'])
def test_csv_that_cannot_be_read_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        read_csv(text)


# --- no untyped failures ------------------------------------------------------------------------------

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["2025-06-30", "BachelorDegree", "Degree", "0613", "6", "a@b.co", "did:x:y"]),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dictionaries(st.sampled_from([*CSV_COLUMNS, "other"]), _values, max_size=12))
def test_any_json_input_parses_or_raises_input_error(obj: dict[str, Any]) -> None:
    base = sample_input()
    base.update(obj)
    try:
        inp = parse_input(base)
    except InputError:
        return
    credential = built(inp)
    validate_credential(credential)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_csv_text_reads_or_raises_a_typed_error(text: str) -> None:
    header = ",".join(CSV_COLUMNS) + "\n"
    for candidate in (text, header + text):
        try:
            for _, result in read_csv(candidate):
                assert isinstance(result, DegreeInput | InputError)
        except DiplomatError:
            pass
