"""Tests for verifier.registry: accreditation registries, signed by their operator, judged by date."""

from __future__ import annotations

import copy
import hashlib
import inspect as pyinspect
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]  # ships no type information
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vc import jsonld, proofs
from vc.dids import DidResolver, did_web_for
from vc.errors import CryptographicSecurityError, MalformedValueError
from vc.keys import KeyPair, generate
from verifier import registry as reg
from verifier.registry import (
    AccreditationOutcome,
    Freshness,
    RegistryError,
    accreditation_entry,
    add_institution,
    evaluate,
    evaluate_all,
    import_dcc_registry,
    load_registry,
    new_registry,
    parse_registry,
    registry_credential,
)
from verifier.registry.model import schema_problems

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "samples" / "registry-demo.json"
DCC_SAMPLE = Path(__file__).resolve().parent / "data" / "dcc-registry-sample.json"

AWARD = date(2020, 6, 30)
TODAY = date(2026, 5, 10)
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
SIGNED_AT = datetime(2026, 5, 1, tzinfo=UTC)


def key(n: int) -> KeyPair:
    return generate(seed=bytes([n]) * 32)


OPERATOR = key(0x01)
STRANGER = key(0x02)
ACC, ENDED, SUSP, WDRN, BACH = (key(n).public.did_key for n in (0x11, 0x12, 0x13, 0x14, 0x15))
KNOWN_ONLY = key(0x21).public.did_key  # listed in the DCC sample, in no accreditation registry
SOURCE = "https://nic.test.example/decisions"


def vm(kp: KeyPair) -> str:
    return kp.public.did_key + "#" + kp.public.multikey


def record(status: str = "accredited", **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "accrediting_body": "Test Accreditation Agency",
        "status": status,
        "valid_from": date(2015, 1, 1),
        "valid_until": date(2030, 12, 31),
        "isced_levels": ["6", "7"],
        "source_url": f"{SOURCE}/{status}",
        "source_title": f"Test decision: {status}",
        "retrieved": date(2026, 4, 1),
    }
    fields.update(overrides)
    return accreditation_entry(**fields)


def registry_doc(operator: KeyPair = OPERATOR, **meta: Any) -> dict[str, Any]:
    """A registry with five institutions, one per situation under test (built with the builders)."""
    doc = new_registry(
        registry_id=meta.get("registry_id", "https://nic.test.example/registry.json"),
        name=meta.get("name", "Test National Information Centre registry"),
        operator_did=operator.public.did_key,
        operator_name="Test National Information Centre",
        jurisdiction="KZ",
        as_of=date(2026, 5, 1),
        description="Test data for the registry tests.",
    )
    rows: list[tuple[str, dict[str, str], list[dict[str, Any]]]] = [
        (
            ACC,
            {"en": "Test University", "kk": "Сынақ университеті", "ru": "Тестовый университет"},
            [record()],
        ),
        (
            ENDED,
            {"en": "Test Closed Academy"},
            [record(valid_from=date(2010, 1, 1), valid_until=date(2018, 6, 30))],
        ),
        (
            SUSP,
            {"en": "Test Suspended Institute"},
            [record("suspended", status_since=date(2024, 1, 1))],
        ),
        (WDRN, {"en": "Test Withdrawn College"}, [record("withdrawn")]),
        (
            BACH,
            {"en": "Test Bachelor School"},
            [record(isced_levels=["6"], isced_fields=["06", "0714", "041"])],
        ),
    ]
    for did, names, accreditations in rows:
        doc = add_institution(
            doc,
            dids=[did],
            names=names,
            country="KZ",
            source_url=f"{SOURCE}/institution",
            source_title="Test institution record",
            retrieved=date(2026, 4, 1),
            accreditations=accreditations,
        )
    return doc


def signed_registry(
    doc: dict[str, Any] | None = None,
    *,
    signer: KeyPair = OPERATOR,
    operator_did: str | None = None,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    doc = doc if doc is not None else registry_doc()
    credential = registry_credential(
        doc,
        operator_did=operator_did or signer.public.did_key,
        valid_from=SIGNED_AT,
        valid_until=valid_until,
    )
    return proofs.sign(credential, signer, verification_method=vm(signer), created=SIGNED_AT)


def load(document: dict[str, Any], **kwargs: Any) -> reg.LoadedRegistry:
    options: dict[str, Any] = {
        "resolver": DidResolver(),
        "now": NOW,
        "trusted_operators": {OPERATOR.public.did_key},
    }
    options.update(kwargs)
    return load_registry(document, **options)


@pytest.fixture(scope="module")
def registry() -> reg.Registry:
    return parse_registry(registry_doc())


def judge(registry: reg.Registry, did: str, **kwargs: Any) -> reg.RegistryFinding:
    options: dict[str, Any] = {"level": "6", "field": "0613", "award_date": AWARD, "today": TODAY}
    options.update(kwargs)
    return evaluate(registry, did, **options)


# --- evaluation at the award date and today ----------------------------------------------------


def test_accredited_at_award_date_and_today(registry: reg.Registry) -> None:
    finding = judge(registry, ACC)
    assert finding.issuer_known
    assert finding.at_award.outcome is AccreditationOutcome.ACCREDITED
    assert finding.today.outcome is AccreditationOutcome.ACCREDITED
    assert finding.at_award.on == AWARD and finding.today.on == TODAY
    assert finding.at_award.accreditation is not None
    assert finding.at_award.accreditation.accrediting_body.name == "Test Accreditation Agency"
    assert finding.at_award.source is not None
    assert finding.at_award.source.url == f"{SOURCE}/accredited"
    assert "Test University was accredited on 2020-06-30" in finding.at_award.message
    assert "is accredited on 2026-05-10" in finding.today.message
    assert finding.institution is not None
    assert finding.institution.name("kk") == "Сынақ университеті"
    assert finding.institution.name("fr") == "Test University"


def test_accreditation_ended_before_award_date(registry: reg.Registry) -> None:
    finding = judge(registry, ENDED)
    assert finding.issuer_known
    assert finding.at_award.outcome is AccreditationOutcome.NOT_ACCREDITED
    assert finding.today.outcome is AccreditationOutcome.NOT_ACCREDITED
    assert "ended on 2018-06-30" in finding.at_award.message
    # The record the hint refers to is given, so the report can cite its source.
    assert finding.at_award.accreditation is not None
    assert finding.at_award.accreditation.valid_until == date(2018, 6, 30)


def test_accreditation_period_end_is_inclusive(registry: reg.Registry) -> None:
    last_day = judge(registry, ENDED, award_date=date(2018, 6, 30))
    day_after = judge(registry, ENDED, award_date=date(2018, 7, 1))
    assert last_day.at_award.outcome is AccreditationOutcome.ACCREDITED
    assert day_after.at_award.outcome is AccreditationOutcome.NOT_ACCREDITED


def test_suspended_after_the_award(registry: reg.Registry) -> None:
    finding = judge(registry, SUSP)
    assert (
        finding.at_award.outcome is AccreditationOutcome.ACCREDITED
    )  # suspension began 2024-01-01
    assert finding.today.outcome is AccreditationOutcome.SUSPENDED
    assert "since 2024-01-01" in finding.today.message
    late = judge(registry, SUSP, award_date=date(2024, 6, 1))
    assert late.at_award.outcome is AccreditationOutcome.SUSPENDED


def test_withdrawn_without_a_date_affects_the_whole_period(registry: reg.Registry) -> None:
    finding = judge(registry, WDRN)
    assert finding.at_award.outcome is AccreditationOutcome.WITHDRAWN
    assert finding.today.outcome is AccreditationOutcome.WITHDRAWN
    assert "whole period" in finding.today.message


def test_level_outside_scope(registry: reg.Registry) -> None:
    finding = judge(registry, BACH, level="7", field="0613")
    assert finding.at_award.outcome is AccreditationOutcome.OUT_OF_SCOPE
    assert finding.today.outcome is AccreditationOutcome.OUT_OF_SCOPE
    assert "ISCED level 6" in finding.at_award.message
    assert "not for ISCED level 7" in finding.at_award.message
    # ISCED-P programme codes carry the level in their first digit.
    assert judge(registry, BACH, level="766").at_award.outcome is AccreditationOutcome.OUT_OF_SCOPE
    assert judge(registry, BACH, level="645").at_award.outcome is AccreditationOutcome.ACCREDITED


def test_field_outside_scope(registry: reg.Registry) -> None:
    finding = judge(registry, BACH, level="6", field="0521")
    assert finding.at_award.outcome is AccreditationOutcome.OUT_OF_SCOPE
    assert "field 0521" in finding.at_award.message


def test_field_covered_by_broad_and_narrow_prefixes(registry: reg.Registry) -> None:
    assert (
        judge(registry, BACH, field="0613").at_award.outcome is AccreditationOutcome.ACCREDITED
    )  # under 06
    assert (
        judge(registry, BACH, field="0412").at_award.outcome is AccreditationOutcome.ACCREDITED
    )  # under 041
    assert (
        judge(registry, BACH, field="0714").at_award.outcome is AccreditationOutcome.ACCREDITED
    )  # exact
    assert judge(registry, BACH, field="0715").at_award.outcome is AccreditationOutcome.OUT_OF_SCOPE


def test_field_broader_than_scope_cannot_be_decided(registry: reg.Registry) -> None:
    finding = judge(registry, BACH, field="07")  # only 0714 of broad field 07 is accredited
    assert finding.at_award.outcome is AccreditationOutcome.UNKNOWN
    assert "broader" in finding.at_award.message
    assert judge(registry, BACH, field=None).at_award.outcome is AccreditationOutcome.UNKNOWN
    # An accreditation for all fields needs no field.
    assert judge(registry, ACC, field=None).at_award.outcome is AccreditationOutcome.ACCREDITED


def test_unknown_award_date_is_reported_apart_from_today(registry: reg.Registry) -> None:
    finding = judge(registry, ACC, award_date=None)
    assert finding.at_award.outcome is AccreditationOutcome.UNKNOWN
    assert finding.at_award.on is None
    assert "award date is not known" in finding.at_award.message
    assert finding.today.outcome is AccreditationOutcome.ACCREDITED


def test_unknown_level_is_unknown_unless_nothing_was_in_force(registry: reg.Registry) -> None:
    assert judge(registry, ACC, level=None).at_award.outcome is AccreditationOutcome.UNKNOWN
    # No accreditation covers the date at all: that is decidable without the level.
    assert judge(registry, ENDED, level=None).today.outcome is AccreditationOutcome.NOT_ACCREDITED


def test_malformed_level_or_field_is_a_typed_error(registry: reg.Registry) -> None:
    with pytest.raises(MalformedValueError, match="ISCED 2011 level"):
        judge(registry, ACC, level="bachelor")
    with pytest.raises(MalformedValueError, match="ISCED-F"):
        judge(registry, ACC, field="computer science")


def test_issuer_not_in_registry(registry: reg.Registry) -> None:
    finding = judge(registry, KNOWN_ONLY)
    assert not finding.issuer_known
    assert finding.institution is None and finding.country is None
    assert finding.at_award.outcome is AccreditationOutcome.NOT_ACCREDITED
    assert finding.today.outcome is AccreditationOutcome.NOT_ACCREDITED
    assert "not listed" in finding.today.message


def test_country_comes_from_the_registry_only(registry: reg.Registry) -> None:
    # evaluate takes nothing a credential could use to claim a country.
    parameters = set(pyinspect.signature(evaluate).parameters)
    assert parameters == {
        "registry",
        "issuer_did",
        "level",
        "field",
        "award_date",
        "today",
        "known_issuers",
    }
    assert "country" not in pyinspect.signature(evaluate_all).parameters
    doc = registry_doc()
    doc["institutions"][0]["country"] = "UZ"  # what the operator says wins
    finding = judge(parse_registry(doc), ACC)
    assert finding.country == "UZ"
    assert finding.to_dict()["country"] == "UZ"


# --- signed registries -------------------------------------------------------------------------


def test_signed_registry_round_trip() -> None:
    credential = signed_registry()
    assert credential["type"] == ["VerifiableCredential", "DiplomatAccreditationRegistry"]
    assert credential["issuer"]["id"] == OPERATOR.public.did_key
    # The embedded registry is a JSON literal: it canonizes in safe mode, every byte signed.
    nquads = jsonld.canonize(proofs.unsecured(credential))
    assert "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON" in nquads
    assert "Test Closed Academy" in nquads
    loaded = load(credential, source="https://nic.test.example/registry.vc.json")
    assert loaded.signed and loaded.signature_verified and loaded.current
    assert loaded.signed_by == OPERATOR.public.did_key
    assert loaded.verification_methods == (vm(OPERATOR),)
    assert loaded.valid_from == SIGNED_AT and loaded.valid_until is None
    assert loaded.as_of == date(2026, 5, 1)
    assert loaded.operator_name == "Test National Information Centre"
    evidence = loaded.evidence.to_dict()
    assert evidence["source"] == "https://nic.test.example/registry.vc.json"
    assert evidence["signature_verified"] is True
    assert evidence["freshness"] == "current"


def test_registry_signed_by_an_untrusted_operator_is_rejected_before_any_resolution() -> None:
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        raise AssertionError("an untrusted operator's DID must not be resolved")

    untrusted = signed_registry(registry_doc(STRANGER), signer=STRANGER)
    with pytest.raises(RegistryError, match="not a trusted registry operator") as caught:
        load(untrusted, resolver=DidResolver(fetch))
    assert isinstance(caught.value, CryptographicSecurityError)
    # A did:web operator that is not trusted: still no fetch.
    web_operator = did_web_for("https://evil.test.example")
    credential = copy.deepcopy(untrusted)
    credential["issuer"]["id"] = web_operator
    with pytest.raises(RegistryError):
        load(credential, resolver=DidResolver(fetch))
    assert fetched == []


def test_tampered_registry_credential_is_rejected() -> None:
    credential = signed_registry()
    institutions = credential["credentialSubject"]["registry"]["institutions"]
    assert institutions[3]["accreditations"][0]["status"] == "withdrawn"
    institutions[3]["accreditations"][0]["status"] = "accredited"
    with pytest.raises(RegistryError, match="does not verify"):
        load(credential)
    # Sanity: the untouched credential verifies with the same configuration.
    assert load(signed_registry()).signature_verified


def test_trusted_issuer_name_with_a_strangers_signature_is_rejected() -> None:
    credential = registry_credential(
        registry_doc(), operator_did=OPERATOR.public.did_key, valid_from=SIGNED_AT
    )
    forged = proofs.sign(credential, STRANGER, verification_method=vm(STRANGER), created=SIGNED_AT)
    with pytest.raises(RegistryError, match="not by the issuer"):
        load(forged)


def test_credential_without_proof_is_rejected() -> None:
    credential = registry_credential(
        registry_doc(), operator_did=OPERATOR.public.did_key, valid_from=SIGNED_AT
    )
    with pytest.raises(RegistryError, match="no proof"):
        load(credential)


def test_operator_in_registry_must_be_the_signer() -> None:
    with pytest.raises(MalformedValueError, match="as its operator"):
        registry_credential(registry_doc(), operator_did=STRANGER.public.did_key, valid_from=NOW)
    # Hand-built: a trusted operator signs a registry that names someone else as operator.
    credential = registry_credential(
        registry_doc(), operator_did=OPERATOR.public.did_key, valid_from=SIGNED_AT
    )
    credential["credentialSubject"]["registry"]["operator"]["id"] = STRANGER.public.did_key
    signed = proofs.sign(credential, OPERATOR, verification_method=vm(OPERATOR), created=SIGNED_AT)
    with pytest.raises(RegistryError, match="signed by"):
        load(signed)


def test_unsigned_registry_refused_unless_allowed() -> None:
    doc = registry_doc()
    with pytest.raises(RegistryError, match="not signed"):
        load(doc)
    loaded = load(doc, allow_unsigned=True, source="registry.json")
    assert not loaded.signed and not loaded.signature_verified
    assert loaded.signed_by is None
    assert loaded.evidence.to_dict()["signed"] is False
    assessment = evaluate_all([loaded], ACC, level="6", field="0613", award_date=AWARD, today=TODAY)
    assert assessment.matched[0].signed is False
    assert "UNSIGNED" in reg.inspect(loaded)


def test_other_credentials_are_not_registries() -> None:
    credential = signed_registry()
    credential["type"] = ["VerifiableCredential"]
    with pytest.raises(MalformedValueError, match="cannot be used as a registry"):
        load(credential, allow_unsigned=True)


def _without_issuer(c: dict[str, Any]) -> None:
    del c["issuer"]


def _subject_list(c: dict[str, Any]) -> None:
    c["credentialSubject"]["registry"] = []


def _bad_proof(c: dict[str, Any]) -> None:
    c["proof"] = "signed, trust me"


def _bad_valid_from(c: dict[str, Any]) -> None:
    c["validFrom"] = "2026-05-01"


def _subject_id(c: dict[str, Any]) -> None:
    c["credentialSubject"]["id"] = "https://elsewhere.test.example/"


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (_without_issuer, MalformedValueError),
        (_subject_list, RegistryError),  # changing the subject breaks the proof first
        (_bad_proof, RegistryError),
        (_bad_valid_from, RegistryError),
        (_subject_id, RegistryError),
    ],
)
def test_damaged_registry_credentials_are_typed_errors(damage: Any, error: type[Exception]) -> None:
    credential = signed_registry()
    damage(credential)
    with pytest.raises(error):
        load(credential)


def test_shape_errors_after_a_valid_signature_are_malformed_values() -> None:
    credential = registry_credential(
        registry_doc(), operator_did=OPERATOR.public.did_key, valid_from=SIGNED_AT
    )
    credential["validFrom"] = "1 May 2026"
    signed = proofs.sign(credential, OPERATOR, verification_method=vm(OPERATOR), created=SIGNED_AT)
    with pytest.raises(MalformedValueError, match="validFrom"):
        load(signed)
    credential["validFrom"] = "2026-05-01T00:00:00Z"
    credential["credentialSubject"]["id"] = "https://elsewhere.test.example/"
    signed = proofs.sign(credential, OPERATOR, verification_method=vm(OPERATOR), created=SIGNED_AT)
    with pytest.raises(MalformedValueError, match="registry's id"):
        load(signed)


def test_expired_registry_is_loaded_but_not_relied_on() -> None:
    credential = signed_registry(valid_until=NOW - timedelta(days=1))
    loaded = load(credential)
    assert loaded.freshness is Freshness.EXPIRED and not loaded.current
    assessment = evaluate_all([loaded], ACC, level="6", field="0613", award_date=AWARD, today=TODAY)
    assert assessment.consulted == ()
    assert len(assessment.unchecked) == 1
    assert "expired" in assessment.unchecked[0].reason
    assert (
        assessment.at_award.outcome is AccreditationOutcome.UNKNOWN
    )  # could not check, not a pass or fail
    assert not assessment.issuer_known
    early = load(signed_registry(), now=SIGNED_AT - timedelta(days=1))
    assert early.freshness is Freshness.NOT_YET_VALID


# --- several registries, known-issuer lists ------------------------------------------------------


def test_evaluate_all_reports_which_registry_matched() -> None:
    first = load(signed_registry())
    other_doc = registry_doc(registry_id="https://agency.test.example/r.json", name="Agency list")
    other_doc["institutions"] = other_doc["institutions"][3:]  # WDRN and BACH only
    second = load(signed_registry(other_doc))
    assessment = evaluate_all(
        [second, first], ACC, level="6", field="0613", award_date=AWARD, today=TODAY
    )
    assert assessment.issuer_known
    assert [e.registry_id for e in assessment.matched] == ["https://nic.test.example/registry.json"]
    assert len(assessment.consulted) == 2
    assert assessment.at_award.outcome is AccreditationOutcome.ACCREDITED
    assert assessment.at_award.registry_id == "https://nic.test.example/registry.json"
    assert assessment.country == "KZ"
    json.dumps(assessment.to_dict())  # the report can serialise every part


def test_evaluate_all_prefers_a_pass_over_another_registrys_negative() -> None:
    first = load(signed_registry())  # WDRN withdrawn here
    other_doc = registry_doc(registry_id="https://agency.test.example/r.json", name="Agency list")
    other_doc["institutions"][3]["accreditations"][0]["status"] = "accredited"
    second = load(signed_registry(other_doc))
    assessment = evaluate_all(
        [first, second], WDRN, level="6", field="0613", award_date=AWARD, today=TODAY
    )
    outcomes = [c.finding.today.outcome for c in assessment.consulted]
    assert outcomes == [AccreditationOutcome.WITHDRAWN, AccreditationOutcome.ACCREDITED]
    assert assessment.today.outcome is AccreditationOutcome.ACCREDITED
    assert assessment.today.registry_id == "https://agency.test.example/r.json"


def test_issuer_in_no_registry_and_no_registry_at_all() -> None:
    loaded = load(signed_registry())
    assessment = evaluate_all(
        [loaded], KNOWN_ONLY, level="6", field=None, award_date=AWARD, today=TODAY
    )
    assert not assessment.issuer_known
    assert assessment.matched == ()
    assert assessment.today.outcome is AccreditationOutcome.NOT_ACCREDITED
    nothing = evaluate_all([], ACC, level="6", field=None, award_date=AWARD, today=TODAY)
    assert nothing.today.outcome is AccreditationOutcome.UNKNOWN  # fail closed: nothing was checked
    assert "no accreditation registry" in nothing.today.message


def test_dcc_known_issuer_import_is_not_accreditation() -> None:
    known = import_dcc_registry(
        json.loads(DCC_SAMPLE.read_text(encoding="utf-8")),
        name="Sample DCC registry",
        url="https://registry.test.example/registry.json",
    )
    assert len(known.entries) == 3
    assert known.updated == "2026-03-02T12:30:00+00:00"
    entry = known.find(KNOWN_ONLY)
    assert entry is not None
    assert entry.location == "Almaty, Kazakhstan"
    minimal = known.find("did:web:minimal.test.example")
    assert minimal is not None and minimal.url is None and minimal.location is None
    loaded = load(signed_registry())
    assessment = evaluate_all(
        [loaded],
        KNOWN_ONLY,
        level="6",
        field="0613",
        award_date=AWARD,
        today=TODAY,
        known_issuers=[known],
    )
    assert [m.entry.name for m in assessment.known_issuer] == [
        "Sample Known-Only College (TEST DATA)"
    ]
    assert not assessment.issuer_known  # known is not accredited
    assert assessment.today.outcome is AccreditationOutcome.NOT_ACCREDITED
    assert "not an accreditation" in assessment.known_issuer[0].message
    single = evaluate(
        loaded.registry,
        KNOWN_ONLY,
        level="6",
        field=None,
        award_date=AWARD,
        today=TODAY,
        known_issuers=[known],
    )
    assert single.known_issuer[0].registry_url == "https://registry.test.example/registry.json"
    assert not single.issuer_known


def test_dcc_older_entries_key_and_bad_documents() -> None:
    older = import_dcc_registry({"entries": {"did:web:old.test.example": {"name": "Old"}}})
    assert older.entries[0].name == "Old"
    with pytest.raises(MalformedValueError) as caught:
        import_dcc_registry(
            {
                "meta": "yesterday",
                "registry": {
                    "not-a-did": {"name": "X"},
                    "did:web:a.test.example": {"location": "Nowhere"},
                    "did:web:b.test.example": {"name": "B", "url": "ftp://b"},
                },
            }
        )
    detail = caught.value.detail
    assert "4 problems" in detail
    for part in ("/meta", "not-a-did: the key must be a DID", "/name", "/url"):
        assert part in detail
    with pytest.raises(MalformedValueError, match="must be an object"):
        import_dcc_registry({"meta": {}})


# --- bad registry files --------------------------------------------------------------------------


def test_bad_registry_lists_every_problem() -> None:
    doc = registry_doc()
    doc["institutions"][0]["country"] = "kz"
    doc["institutions"][1]["accreditations"][0]["status"] = "pending"
    del doc["institutions"][2]["names"]
    doc["institutions"][4]["accreditations"][0]["scope"]["isced_fields"] = ["6"]
    doc["as_of"] = "1 May 2026"
    with pytest.raises(MalformedValueError) as caught:
        parse_registry(doc)
    detail = caught.value.detail
    assert "5 problems" in detail
    for pointer in (
        "/as_of",
        "/institutions/0/country",
        "/institutions/1/accreditations/0/status",
        "/institutions/2: 'names' is a required property",
        "/institutions/4/accreditations/0/scope/isced_fields/0",
    ):
        assert pointer in detail
    assert caught.value.to_problem()["status"] == 400


def test_impossible_dates_and_duplicate_dids_are_reported() -> None:
    doc = registry_doc()
    doc["institutions"][0]["accreditations"][0]["valid_until"] = "2014-12-31"
    doc["institutions"][1]["accreditations"][0]["valid_from"] = "2011-02-30"
    doc["institutions"][2]["dids"] = [ACC]
    doc["institutions"][0]["accreditations"][0]["status_since"] = "2020-01-01"
    with pytest.raises(MalformedValueError) as caught:
        parse_registry(doc)
    detail = caught.value.detail
    assert "before valid_from" in detail
    assert "'2011-02-30' is not a real calendar date" in detail
    assert f"{ACC} is already listed at /institutions/0" in detail
    assert "only a suspension or withdrawal" in detail
    with pytest.raises(MalformedValueError, match="JSON object"):
        parse_registry([])  # type: ignore[arg-type]


def test_add_institution_does_not_change_its_input_and_refuses_a_listed_did() -> None:
    doc = registry_doc()
    before = copy.deepcopy(doc)
    with pytest.raises(MalformedValueError, match="already listed"):
        add_institution(
            doc,
            dids=[ACC],
            names={"en": "Impostor"},
            country="KZ",
            source_url="https://x.test.example",
            source_title="x",
            retrieved=date(2026, 1, 1),
        )
    assert doc == before
    with pytest.raises(MalformedValueError, match="operator"):
        new_registry(
            registry_id="https://x.test.example/r.json",
            name="x",
            operator_did="not a did",
            operator_name="x",
            jurisdiction="KZ",
            as_of=date(2026, 1, 1),
            description="x",
        )


def test_inspect_summarises_provenance_and_institutions() -> None:
    text = reg.inspect(load(signed_registry(), source="https://nic.test.example/r.vc.json"))
    assert f"signed by {OPERATOR.public.did_key}, signature verified" in text
    assert "5 institution(s)" in text
    assert "Test University [KZ]" in text
    assert "kk: Сынақ университеті" in text
    assert "suspended since 2024-01-01" in text
    assert "source https://nic.test.example/decisions/withdrawn" in text


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*prefix, i))
    return found


BASE_DOC = registry_doc()
BASE_PATHS = _paths(BASE_DOC)[1:]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(BASE_PATHS), JSON_VALUES)
def test_any_corruption_is_a_typed_error_or_a_valid_registry(
    path: tuple[Any, ...], value: Any
) -> None:
    doc = copy.deepcopy(BASE_DOC)
    target: Any = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    try:
        parsed = parse_registry(doc)
    except MalformedValueError as exc:
        assert exc.detail.startswith("invalid accreditation registry")
    else:  # accepted only when the corrupted value happens to be valid where it was put
        assert schema_problems(doc) == []
        assert len(parsed.institutions) == len(doc["institutions"])


def test_schema_is_a_valid_json_schema() -> None:
    schema = json.loads((REPO / "schemas" / "registry.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


# --- the demo sample -----------------------------------------------------------------------------


def demo_key(name: str) -> KeyPair:
    return generate(seed=hashlib.sha256(f"diplomat demo registry: {name}".encode()).digest())


def test_demo_sample_is_a_labelled_valid_registry_its_operator_can_sign() -> None:
    doc = json.loads(DEMO.read_text(encoding="utf-8"))
    demo = parse_registry(doc)
    assert "DEMO" in demo.name and "DEMO" in demo.description
    assert demo.operator.name == "Demo National Information Centre (DEMO)"
    assert all("(DEMO)" in i.name() for i in demo.institutions)
    kaznu = demo.find(demo_key("kaznu").public.did_key)
    assert kaznu is not None and kaznu.country == "KZ"
    assert kaznu.name() == "Demo Kazakh National University (DEMO)"
    operator = demo_key("operator")
    assert demo.operator.id == operator.public.did_key
    loaded = load(
        signed_registry(doc, signer=operator),
        trusted_operators={operator.public.did_key},
    )
    outcomes = {
        name: evaluate(
            loaded.registry,
            demo_key(name).public.did_key,
            level="7",
            field="0613",
            award_date=date(2022, 6, 30),
            today=TODAY,
        ).today.outcome
        for name in ("kaznu", "tech", "closed", "arts")
    }
    assert (
        outcomes
        == {
            "kaznu": AccreditationOutcome.ACCREDITED,
            "tech": AccreditationOutcome.OUT_OF_SCOPE,  # ISCED 6 only
            "closed": AccreditationOutcome.NOT_ACCREDITED,  # ended 2018
            "arts": AccreditationOutcome.OUT_OF_SCOPE,  # suspended, and only for arts (02): scope decides first
        }
    )
