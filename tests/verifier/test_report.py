"""The verification report: every check, section verdicts, the overall verdict and its messages."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from vc import proofs, strictjson
from vc.dids import DidResolver
from vc.errors import ParsingError, ProofVerificationError, StatusListError
from vc.fetch import SafeHttpFetcher, StaticFetcher
from verifier.checks.model import Section, Severity, Status
from verifier.checks.pipeline import CREDENTIAL_CHECKS
from verifier.context import VerifierContext
from verifier.presentation import verify_presentation
from verifier.report import Report, Verdict, verify_credential
from verifier.statuscache import StatusListCache, freshness_seconds

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO.parent / "shared" / "vectors" / "reference-outputs"

P, F, IND, NA = Status.PASS, Status.FAIL, Status.INDETERMINATE, Status.NOT_APPLICABLE
AUTH, VALID, LEGIT, RECOG = (
    Section.AUTHENTICITY,
    Section.VALIDITY,
    Section.ISSUER_LEGITIMACY,
    Section.RECOGNITION,
)


def sections(report: Report) -> tuple[Status, Status, Status, Status]:
    return tuple(report.section(s) for s in (AUTH, VALID, LEGIT, RECOG))  # type: ignore[return-value]


def untrusted_ids(report: Report) -> set[str]:
    return {c.id for c in report.checks if c.computed_on_untrusted_data}


def outside_authenticity(report: Report) -> set[str]:
    return {c.id for c in report.checks if c.section is not AUTH}


# --- the happy path ----------------------------------------------------------------------------


def test_valid_degree_is_verified_with_every_check_reported(kit: ModuleType) -> None:
    ctx = kit.context(destination="JP", lists={kit.LIST_URL: kit.status_list(set_indexes=[9])})
    credential = kit.signed_degree(status=[("revocation", kit.LIST_URL, 5)])
    report = verify_credential(credential, ctx)

    assert [c.id for c in report.checks] == [spec.id for spec in CREDENTIAL_CHECKS]
    statuses = {c.id: c.status for c in report.checks}
    assert statuses == {
        "format": P,
        "data_model": P,
        "jsonld.safe_mode": P,
        "schema": P,
        "key_resolution": P,
        "proof.signature": P,
        "proof.issuer_binding": P,
        "recipient": NA,  # no candidate identity was given
        "validity.valid_from": P,
        "validity.valid_until": P,
        "status.revocation": P,
        "status.suspension": NA,
        "status.message": NA,
        "issuer.registered": P,
        "accreditation.scope_at_award_date": P,
        "accreditation.current": P,
        "recognition.convention": P,
        "display.text": P,
    }
    assert sections(report) == (P, P, P, P)
    assert report.verdict is Verdict.VERIFIED
    assert report.verified and report.authentic_and_valid and report.trusted
    assert report.headline.startswith("Verified")
    assert not untrusted_ids(report)

    revocation = report.check("status.revocation")
    assert revocation.message.startswith("Not revoked")
    [evidence] = revocation.evidence
    assert evidence.kind == "status-list" and evidence.source == kit.LIST_URL
    assert evidence.signed_by == kit.ISSUER.public.did_key and evidence.signature_verified is True
    assert evidence.fetched_at == kit.NOW and evidence.cache_age_seconds == 0.0
    assert "no status entry" not in report.check("status.suspension").message
    assert (
        report.check("status.suspension").message
        == "The credential has no suspension status entry."
    )

    assert report.check("proof.signature").aliases["dcc"] == "valid_signature"
    assert report.check("proof.signature").aliases["blockcerts"] == "checkDocumentSignature"
    assert report.check("validity.valid_until").aliases["waltid"] == "expiration"
    assert report.check("status.revocation").aliases["vcapi"] == "results.credentialStatus"
    assert report.check("issuer.registered").aliases["dcc"] == "registered_issuer"

    summary = report.summary
    assert summary.holder_name == "Aigerim Sarsenbayeva"
    assert summary.degree_title == "Master of Science in Software Engineering"
    assert summary.achievement_type == "MasterDegree"
    assert (summary.isced_level, summary.isced_field) == ("7", "0613")
    assert summary.awarded is not None and summary.awarded.isoformat() == "2024-06-30"
    assert summary.issuer_did == kit.ISSUER.public.did_key
    assert summary.issuer_name == "Test University"
    # The country comes from the registry (AU); the credential's own claim (FR) is kept apart.
    assert (summary.issuer_country, summary.issuer_country_claimed) == ("AU", "FR")

    assert report.recognition is not None and report.recognition.outcome.value == "covered"
    assert report.dataset_as_of is not None

    data = report.to_dict()
    assert json.loads(strictjson.dumps(data)) == data
    assert data["verdict"] == "verified" and data["verified"] is True
    assert data["sections"]["recognition"]["status"] == "pass"
    assert data["summary"]["issuer_country_source"] == "registry"
    assert data["recognition"]["destination_country"] == "JP"
    assert data["problem_details"] == []
    record = data["checks"][0]
    assert set(record) == {
        "id",
        "section",
        "status",
        "severity",
        "computed_on_untrusted_data",
        "message",
        "problem",
        "evidence",
        "aliases",
    }
    assert record["message"] == {"en": report.checks[0].message}


def test_credential_without_status_says_so(kit: ModuleType) -> None:
    report = verify_credential(kit.signed_degree(), kit.context(destination="JP"))
    revocation = report.check("status.revocation")
    assert revocation.status is NA
    assert "no status entry, so it cannot be revoked" in revocation.message
    assert report.section(VALID) is P
    assert report.verdict is Verdict.VERIFIED


def test_bytes_input_is_parsed_strictly(kit: ModuleType) -> None:
    raw = json.dumps(kit.signed_degree()).encode()
    report = verify_credential(raw, kit.context(destination="JP"))
    assert report.verdict is Verdict.VERIFIED and report.input_kind == "json-ld"


# --- authenticity --------------------------------------------------------------------------------


def test_tampered_credential_fails_authenticity_and_flags_the_rest(kit: ModuleType) -> None:
    credential = kit.signed_degree()
    credential["credentialSubject"]["name"] = "Someone Else"
    report = verify_credential(credential, kit.context(destination="JP"))

    signature = report.check("proof.signature")
    assert signature.status is F and signature.severity is Severity.ERROR
    assert "changed after signing" in signature.message
    assert signature.problem is not None
    assert signature.problem["type"].endswith("PROOF_VERIFICATION_ERROR")
    assert report.section(AUTH) is F
    assert report.verdict is Verdict.NOT_VERIFIED
    assert not report.verified and not report.authentic_and_valid and not report.trusted
    assert report.headline.startswith("Not verified")
    # Everything else is still computed and shown, but flagged.
    assert untrusted_ids(report) == outside_authenticity(report)
    assert report.check("validity.valid_until").status is P
    assert report.check("issuer.registered").status is P
    data = report.to_dict()
    assert data["untrusted_note"] is not None and data["trusted"] is False
    assert any(p["type"].endswith("PROOF_VERIFICATION_ERROR") for p in data["problem_details"])


def test_wrong_key_signature_does_not_verify(kit: ModuleType) -> None:
    # The proof names the issuer's key, but the bytes were signed with another one.
    credential = kit.signed_degree(signer=kit.OTHER, method=kit.vm(kit.ISSUER))
    report = verify_credential(credential, kit.context())
    assert report.check("key_resolution").status is P
    assert report.check("proof.signature").status is F
    assert report.verdict is Verdict.NOT_VERIFIED
    assert untrusted_ids(report) == outside_authenticity(report)


def _two_proofs(kit: ModuleType, *, first: Any, second: Any, chained: bool) -> dict[str, Any]:
    """The degree signed by ``first`` (proof id urn:test:first), then by ``second``, chained to
    the first proof or not (a plain proof set)."""
    document = proofs.sign(
        kit.degree(),
        first,
        verification_method=kit.vm(first),
        created=kit.SIGNED_AT,
        proof_id="urn:test:first",
    )
    return proofs.sign(
        document,
        second,
        verification_method=kit.vm(second),
        created=kit.SIGNED_AT,
        previous_proof="urn:test:first" if chained else None,
    )


def test_a_proof_the_issuer_chains_onto_is_endorsed(kit: ModuleType) -> None:
    # A notary signed first; the issuer's proof names it in previousProof (VC-DI §4.5).
    credential = _two_proofs(kit, first=kit.OTHER, second=kit.ISSUER, chained=True)
    report = verify_credential(credential, kit.context())
    assert report.check("proof.signature").status is P
    assert report.check("proof.issuer_binding").status is P


@pytest.mark.parametrize(
    ("first", "second", "chained"),
    [("OTHER", "ISSUER", False), ("ISSUER", "OTHER", True), ("ISSUER", "OTHER", False)],
)
def test_a_strangers_proof_nobody_of_the_issuer_endorses_fails_the_binding(
    kit: ModuleType, first: str, second: str, chained: bool
) -> None:
    credential = _two_proofs(
        kit, first=getattr(kit, first), second=getattr(kit, second), chained=chained
    )
    report = verify_credential(credential, kit.context())
    assert report.check("proof.signature").status is P
    binding = report.check("proof.issuer_binding")
    assert binding.status is F
    assert kit.OTHER.public.did_key in binding.message


def test_key_not_controlled_by_the_issuer(kit: ModuleType) -> None:
    # Issuer is did:key A; the proof is a perfectly good signature by did:key B.
    credential = kit.signed_degree(signer=kit.OTHER)
    report = verify_credential(credential, kit.context())
    assert report.check("proof.signature").status is P
    binding = report.check("proof.issuer_binding")
    assert binding.status is F
    assert kit.OTHER.public.did_key in binding.message
    assert f"not by its issuer {kit.ISSUER.public.did_key}" in binding.message
    assert binding.problem is not None
    assert binding.problem["type"].endswith("CRYPTOGRAPHIC_SECURITY_ERROR")
    assert report.section(AUTH) is F and report.verdict is Verdict.NOT_VERIFIED
    assert untrusted_ids(report) == outside_authenticity(report)


def test_unsigned_credential_fails(kit: ModuleType) -> None:
    report = verify_credential(kit.degree(), kit.context())
    signature = report.check("proof.signature")
    assert signature.status is F and "no proof" in signature.message
    assert report.check("key_resolution").status is NA
    assert report.verdict is Verdict.NOT_VERIFIED


def test_unreachable_did_web_key_is_indeterminate(kit: ModuleType) -> None:
    did = "did:web:uni.test.example"
    document = kit.degree(issuer={"id": did, "type": ["Profile"], "name": "Web University"})
    credential = kit.sign(document, kit.ISSUER, method=did + "#key-1")
    offline = StaticFetcher({})
    base = kit.context()
    ctx = VerifierContext(
        resolver=DidResolver(lambda url: offline(url).body),
        status_lists=base.status_lists,
        registries=base.registries,
        conventions=base.conventions,
        now=kit.NOW,
    )
    report = verify_credential(credential, ctx)
    assert report.check("key_resolution").status is IND
    assert "could not be fetched" in report.check("key_resolution").message
    assert report.check("proof.signature").status is IND
    assert report.check("proof.issuer_binding").status is IND
    assert report.section(AUTH) is IND
    assert report.verdict is Verdict.COULD_NOT_VERIFY
    assert not report.verified
    assert "not a confirmation" in report.headline


def test_unknown_did_method_fails(kit: ModuleType) -> None:
    document = kit.degree(issuer="did:example:university")
    credential = kit.sign(document, kit.ISSUER, method="did:example:university#key-1")
    report = verify_credential(credential, kit.context())
    resolution = report.check("key_resolution")
    assert resolution.status is F and "unsupported DID method" in resolution.message
    assert report.verdict is Verdict.NOT_VERIFIED


def test_safe_mode_violation_in_a_vc11_credential(kit: ModuleType) -> None:
    vc11 = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            kit.OB_V3P0,
            "https://w3id.org/security/suites/ed25519-2020/v1",
        ],
        "id": "urn:uuid:4a1b0c52-2f3e-4d8e-9a57-0d6c1e2b3f40",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": {"id": kit.ISSUER.public.did_key, "type": ["Profile"], "name": "Test University"},
        "issuanceDate": "2024-07-01T00:00:00Z",
        "name": "Bachelor of Arts",
        "credentialSubject": copy.deepcopy(kit.degree()["credentialSubject"]),
    }
    signed = kit.sign(vc11, kit.ISSUER, suite="Ed25519Signature2020")
    clean = verify_credential(signed, kit.context())
    assert clean.check("jsonld.safe_mode").status is P
    assert clean.check("proof.signature").status is P
    assert clean.check("schema").status is NA and "VC 1.1" in clean.check("schema").message

    signed["favouriteColour"] = "blue"  # defined by no context: JSON-LD would drop it
    report = verify_credential(signed, kit.context())
    safe = report.check("jsonld.safe_mode")
    assert safe.status is F
    assert "favouriteColour" in safe.message
    assert safe.problem is not None and safe.problem["title"] == "JSON-LD safe mode violation"
    assert report.section(AUTH) is F and report.verdict is Verdict.NOT_VERIFIED


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"this is not JSON {", "not JSON"),
        (b'[{"@context": []}]', "not a JSON array"),
        (b'{"a": 1, "a": 2}', "duplicate key"),
        (b"\xff\xfe", "not UTF-8"),
        (b'"eyJhbGciOiJub25lIn0"', "not a JSON string"),
    ],
)
def test_unreadable_input_is_a_failed_format_check_not_an_exception(
    kit: ModuleType, raw: bytes, fragment: str
) -> None:
    report = verify_credential(raw, kit.context())
    fmt = report.check("format")
    assert fmt.status is F
    assert fragment in fmt.message
    assert fmt.problem is not None and fmt.problem["type"].endswith("PARSING_ERROR")
    assert report.input_kind == "unreadable"
    assert report.verdict is Verdict.NOT_VERIFIED
    assert {c.status for c in report.checks if c.id != "format"} <= {NA, IND}
    assert json.loads(json.dumps(report.to_dict()))["checks"][0]["status"] == "fail"


def test_wrong_argument_type_raises_parsing_error(kit: ModuleType) -> None:
    with pytest.raises(ParsingError):
        verify_credential(42, kit.context())  # type: ignore[arg-type]


def test_presentation_given_as_a_credential_fails_format(kit: ModuleType) -> None:
    vp = {"@context": [kit.VC2], "type": ["VerifiablePresentation"]}
    report = verify_credential(vp, kit.context())
    assert report.check("format").status is F
    assert "presentation" in report.check("format").message


def test_non_degree_shape_fails_the_schema(kit: ModuleType) -> None:
    document = kit.degree()
    document["credentialSubject"]["achievement"]["achievementType"] = "Badge"
    report = verify_credential(kit.sign(document), kit.context())
    schema = report.check("schema")
    assert schema.status is F and "shape of a degree" in schema.message
    assert schema.problem is not None and schema.problem["pointer"].endswith("achievementType")
    assert report.check("proof.signature").status is P
    assert report.verdict is Verdict.NOT_VERIFIED


# --- validity ------------------------------------------------------------------------------------


def test_expired(kit: ModuleType) -> None:
    report = verify_credential(
        kit.signed_degree(validUntil="2025-07-01T00:00:00Z"), kit.context(destination="JP")
    )
    check = report.check("validity.valid_until")
    assert check.status is F and check.severity is Severity.WARNING
    assert check.message == "Expired on 2025-07-01T00:00:00Z."
    assert check.problem is not None and check.problem["title"] == "Credential expired"
    assert sections(report)[:2] == (P, F)
    assert report.verdict is Verdict.NOT_VERIFIED
    assert not report.verified  # an expired credential is not verified to a VC API client either
    assert not report.authentic_and_valid
    assert "Expired on" in report.headline


def test_not_yet_valid(kit: ModuleType) -> None:
    report = verify_credential(kit.signed_degree(validFrom="2027-01-01T00:00:00Z"), kit.context())
    check = report.check("validity.valid_from")
    assert check.status is F
    assert check.message == "Not yet valid: it is valid only from 2027-01-01T00:00:00Z."
    assert report.section(VALID) is F and report.verdict is Verdict.NOT_VERIFIED


def test_revoked(kit: ModuleType) -> None:
    ctx = kit.context(lists={kit.LIST_URL: kit.status_list(set_indexes=[5])})
    report = verify_credential(kit.signed_degree(status=[("revocation", kit.LIST_URL, 5)]), ctx)
    check = report.check("status.revocation")
    assert check.status is F
    assert check.message == "The issuer has revoked this credential."
    assert check.problem is not None and check.problem["title"] == "Credential revoked"
    assert check.evidence[0].signature_verified is True
    assert report.section(VALID) is F and report.verdict is Verdict.NOT_VERIFIED
    assert report.section(AUTH) is P and not untrusted_ids(report)


def test_suspended(kit: ModuleType) -> None:
    lists = {
        kit.LIST_URL: kit.status_list(),
        kit.SUSPENSION_URL: kit.status_list(
            url=kit.SUSPENSION_URL, purpose="suspension", set_indexes=[3]
        ),
    }
    credential = kit.signed_degree(
        status=[("revocation", kit.LIST_URL, 3), ("suspension", kit.SUSPENSION_URL, 3)]
    )
    report = verify_credential(credential, kit.context(lists=lists))
    assert report.check("status.revocation").status is P
    suspension = report.check("status.suspension")
    assert suspension.status is F
    assert suspension.message == "The issuer has suspended this credential."
    assert suspension.problem is not None and suspension.problem["title"] == "Credential suspended"
    assert report.verdict is Verdict.NOT_VERIFIED


def test_status_list_unreachable_is_never_valid(kit: ModuleType) -> None:
    report = verify_credential(
        kit.signed_degree(status=[("revocation", kit.LIST_URL, 5)]), kit.context(lists={})
    )
    check = report.check("status.revocation")
    assert check.status is IND
    assert "could not be fetched" in check.message and "not a sign" in check.message
    assert check.problem is not None and check.problem["type"].endswith("STATUS_RETRIEVAL_ERROR")
    assert report.section(VALID) is IND
    assert report.verdict is Verdict.COULD_NOT_VERIFY
    assert not report.authentic_and_valid
    assert report.headline.startswith("Could not be fully verified")
    assert "valid" not in report.to_dict()["verdict"]


def test_status_list_signed_by_another_issuer_fails(kit: ModuleType) -> None:
    foreign = kit.status_list(kit.OTHER)  # issued and signed by OTHER
    report = verify_credential(
        kit.signed_degree(status=[("revocation", kit.LIST_URL, 5)]),
        kit.context(lists={kit.LIST_URL: foreign}),
    )
    check = report.check("status.revocation")
    assert check.status is F
    assert f"signed by {kit.OTHER.public.did_key}, not by the issuer" in check.message
    assert check.problem is not None and check.problem["title"] == StatusListError.title
    assert report.verdict is Verdict.NOT_VERIFIED


def test_status_list_claiming_the_issuer_but_signed_by_another_fails(kit: ModuleType) -> None:
    forged = kit.status_list(kit.ISSUER, signer=kit.OTHER)  # names ISSUER, signed by OTHER
    report = verify_credential(
        kit.signed_degree(status=[("revocation", kit.LIST_URL, 5)]),
        kit.context(lists={kit.LIST_URL: forged}),
    )
    check = report.check("status.revocation")
    assert check.status is F and "cannot be trusted" in check.message
    assert check.problem is not None
    assert check.problem["title"] == ProofVerificationError.title


def test_unsupported_status_type_is_indeterminate(kit: ModuleType) -> None:
    entry = {
        "id": "https://uni.test.example/revocations#1",
        "type": "1EdTechRevocationList",
    }
    # The type is defined by none of our contexts, so such a credential cannot even be signed
    # under safe mode; the status check still says "cannot check", never "not revoked".
    report = verify_credential(kit.degree(credentialStatus=entry), kit.context())
    check = report.check("status.revocation")
    assert check.status is IND and "does not support" in check.message
    assert check.computed_on_untrusted_data
    assert report.check("jsonld.safe_mode").status is F
    assert report.verdict is Verdict.NOT_VERIFIED


# --- issuer legitimacy ---------------------------------------------------------------------------


def test_issuer_not_in_any_registry(kit: ModuleType) -> None:
    report = verify_credential(kit.signed_degree(kit.UNLISTED), kit.context(destination="JP"))
    registered = report.check("issuer.registered")
    assert registered.status is F and registered.severity is Severity.WARNING
    assert "not listed in any accreditation registry" in registered.message
    assert registered.problem is not None
    assert registered.problem["title"] == "Issuer not in any registry"
    assert registered.evidence and registered.evidence[0].signature_verified is True
    assert registered.evidence[0].signed_by == kit.OPERATOR.public.did_key
    assert report.check("accreditation.scope_at_award_date").status is F
    # Without a registry country there is no recognition assessment: unknown, not "covered".
    recognition = report.check("recognition.convention")
    assert recognition.status is IND and "country is not known" in recognition.message
    assert sections(report) == (P, P, F, IND)
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    assert report.verified and report.authentic_and_valid
    assert "Is the issuer an accredited institution?" in report.headline
    assert report.summary.issuer_country is None
    assert report.summary.issuer_country_claimed == "FR"


def test_accreditation_ended_before_the_award_date(kit: ModuleType) -> None:
    report = verify_credential(kit.signed_degree(kit.LAPSED), kit.context())
    assert report.check("issuer.registered").status is P
    at_award = report.check("accreditation.scope_at_award_date")
    assert at_award.status is F
    assert "2024-06-30" in at_award.message and "ended on 2022-12-31" in at_award.message
    assert at_award.evidence and at_award.evidence[0].kind == "accreditation"
    assert at_award.evidence[0].source == "https://agency.test.example/decisions/1"
    assert report.check("accreditation.current").severity is Severity.INFO
    assert report.section(LEGIT) is F
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS


def test_degree_level_outside_the_accredited_scope(kit: ModuleType) -> None:
    report = verify_credential(kit.signed_degree(kit.NARROW), kit.context())
    at_award = report.check("accreditation.scope_at_award_date")
    assert at_award.status is F
    assert "ISCED level 7" in at_award.message and "only for" in at_award.message
    assert at_award.problem is not None
    assert at_award.problem["title"] == "Issuer not accredited for this degree"
    assert report.section(LEGIT) is F


def test_level_from_achievement_type_when_no_alignment(kit: ModuleType) -> None:
    document = kit.degree(kit.NARROW)
    achievement = document["credentialSubject"]["achievement"]
    achievement["achievementType"] = "BachelorDegree"
    del achievement["alignment"]
    report = verify_credential(kit.sign(document, kit.NARROW), kit.context())
    assert report.summary.isced_level == "6"
    assert report.check("accreditation.scope_at_award_date").status is P


def test_no_registry_configured_is_indeterminate(kit: ModuleType) -> None:
    report = verify_credential(kit.signed_degree(), kit.context(registries=None, destination="JP"))
    for check_id in ("issuer.registered", "accreditation.scope_at_award_date"):
        check = report.check(check_id)
        assert check.status is IND
        assert check.message.startswith("No accreditation registry is configured")
    assert report.section(LEGIT) is IND
    assert report.check("recognition.convention").status is IND
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS  # never plain "verified"


# --- recognition ---------------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["AU", "AM"])
def test_both_countries_party_to_the_tokyo_convention(kit: ModuleType, country: str) -> None:
    ctx = kit.context(registries=kit.registry_lookup(country), destination="JP")
    report = verify_credential(kit.signed_degree(), ctx)
    check = report.check("recognition.convention")
    assert check.status is P
    assert check.message.startswith("Covered by the Tokyo Convention")
    assert f"in force for {country} since" in check.message
    assert check.evidence[0].kind == "conventions-dataset"
    assert report.recognition is not None
    assert "tokyo-2011" in report.recognition.covered_by
    assert report.summary.issuer_country == country


def test_only_one_country_is_a_party(kit: ModuleType) -> None:
    report = verify_credential(kit.signed_degree(), kit.context(destination="US"))
    check = report.check("recognition.convention")
    assert check.status is F and check.severity is Severity.WARNING
    assert check.message.startswith("Not covered")
    assert "says nothing about whether the degree is genuine" in check.message
    assert (
        check.problem is not None and check.problem["title"] == "No recognition convention applies"
    )
    assert sections(report) == (P, P, P, F)
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    assert report.verified


def test_unconfirmed_party_data_and_kazakhstan_reservation(kit: ModuleType) -> None:
    report = verify_credential(kit.signed_degree(kit.KZ_UNI), kit.context(destination="JP"))
    check = report.check("recognition.convention")
    assert check.status is IND
    assert "nconfirmed — check with the national information centre" in check.message
    assert "KZ has a reservation to the Tokyo Convention" in check.message
    assert report.section(RECOG) is IND
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    assert report.recognition is not None
    data = report.to_dict()["recognition"]
    assert data["outcome"] == "unconfirmed"
    tokyo = next(f for f in data["findings"] if f["convention_id"] == "tokyo-2011")
    assert tokyo["reservations"][0]["country"] == "KZ"


def test_destination_parameter_overrides_the_default(kit: ModuleType) -> None:
    ctx = kit.context(destination="US")
    assert verify_credential(kit.signed_degree(), ctx).check("recognition.convention").status is F
    report = verify_credential(kit.signed_degree(), ctx, destination="JP")
    assert report.destination_country == "JP"
    assert report.check("recognition.convention").status is P


def test_no_destination_means_not_applicable_and_domestic_too(kit: ModuleType) -> None:
    report = verify_credential(kit.signed_degree(), kit.context())
    assert report.check("recognition.convention").status is NA
    assert report.section(RECOG) is NA and report.verdict is Verdict.VERIFIED
    domestic = verify_credential(kit.signed_degree(), kit.context(destination="AU"))
    assert domestic.check("recognition.convention").status is NA
    assert "domestic" in domestic.check("recognition.convention").message


def test_malformed_destination_is_rejected(kit: ModuleType) -> None:
    from vc.errors import MalformedValueError

    with pytest.raises(MalformedValueError):
        verify_credential(kit.signed_degree(), kit.context(), destination="japan")


# --- VC-JWT --------------------------------------------------------------------------------------


def test_vc_jwt_input(kit: ModuleType) -> None:
    from vc import jose

    token = jose.sign_vc_jwt(kit.degree(), kit.ISSUER, kit.vm(kit.ISSUER))
    report = verify_credential(token, kit.context(destination="JP"))
    assert report.input_kind == "vc-jwt"
    assert report.check("proof.signature").status is P
    assert report.check("proof.signature").evidence[0].kind == "jws"
    assert report.check("proof.issuer_binding").status is P
    assert report.verdict is Verdict.VERIFIED

    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    bad = verify_credential(f"{header}.{payload}.{flipped}", kit.context())
    assert bad.check("proof.signature").status is F
    assert bad.verdict is Verdict.NOT_VERIFIED
    assert untrusted_ids(bad) == outside_authenticity(bad)


# --- presentations -------------------------------------------------------------------------------


def _presentation(
    kit: ModuleType, holder: Any, *, challenge: str, credential: Any
) -> dict[str, Any]:
    vp = {
        "@context": [kit.VC2],
        "type": ["VerifiablePresentation"],
        "holder": holder.public.did_key,
        "verifiableCredential": [credential],
    }
    return proofs.sign(
        vp,
        holder,
        verification_method=kit.vm(holder),
        created=kit.NOW,
        proof_purpose="authentication",
        challenge=challenge,
    )


def test_presentation_by_the_graduate(kit: ModuleType) -> None:
    vp = _presentation(kit, kit.HOLDER, challenge="c-123", credential=kit.signed_degree())
    report = verify_presentation(vp, kit.context(destination="JP"), challenge="c-123")
    assert report.check("presentation.proof").status is P
    binding = report.check("presentation.holder_binding")
    assert binding.status is P and binding.aliases["waltid"] == "holder-binding"
    assert [r.verdict for r in report.credentials] == [Verdict.VERIFIED]
    assert report.verdict is Verdict.VERIFIED and report.verified
    assert report.to_dict()["credentials"][0]["verdict"] == "verified"


def test_presentation_with_the_wrong_challenge(kit: ModuleType) -> None:
    vp = _presentation(kit, kit.HOLDER, challenge="old", credential=kit.signed_degree())
    report = verify_presentation(vp, kit.context(), challenge="fresh")
    check = report.check("presentation.proof")
    assert check.status is F and "challenge" in check.message
    assert report.verdict is Verdict.NOT_VERIFIED and not report.verified


def test_presentation_by_someone_who_is_not_the_subject(kit: ModuleType) -> None:
    vp = _presentation(kit, kit.OTHER, challenge="c", credential=kit.signed_degree())
    report = verify_presentation(vp, kit.context(), challenge="c")
    assert report.check("presentation.proof").status is P
    binding = report.check("presentation.holder_binding")
    assert binding.status is F and binding.severity is Severity.WARNING
    assert "is not the person the degree was awarded to" in binding.message
    # A warning a reader sees by name, not a failed proof (VC-DM 2.0: holders may present
    # credentials about others).
    assert report.verified
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS


def test_presentation_without_credentials_verifies_its_proof_only(kit: ModuleType) -> None:
    vp = proofs.sign(
        {"@context": [kit.VC2], "type": ["VerifiablePresentation"]},
        kit.HOLDER,
        verification_method=kit.vm(kit.HOLDER),
        created=kit.NOW,
        proof_purpose="authentication",
        challenge="c",
    )
    report = verify_presentation(vp, kit.context(), challenge="c")
    assert report.check("presentation.holder_binding").status is Status.NOT_APPLICABLE
    assert report.verified and report.verdict is Verdict.VERIFIED
    assert not verify_presentation(vp, kit.context(), challenge="other").verified


def test_presentation_needs_a_challenge_and_a_presentation(kit: ModuleType) -> None:
    from vc.errors import MalformedValueError

    vp = _presentation(kit, kit.HOLDER, challenge="c", credential=kit.signed_degree())
    with pytest.raises(MalformedValueError):
        verify_presentation(vp, kit.context(), challenge="")
    with pytest.raises(ParsingError):
        verify_presentation(kit.signed_degree(), kit.context(), challenge="c")


# --- the status list cache -----------------------------------------------------------------------


def test_status_cache_over_real_http_honours_max_age_and_etag(
    kit: ModuleType, status_server: Any
) -> None:
    url = status_server.url("/status/1")
    status_server.documents["/status/1"] = kit.status_list(url=url, set_indexes=[5])
    clock = {"now": kit.NOW}
    resolver = DidResolver()
    fetcher = SafeHttpFetcher(
        allow_loopback=True, allow_http_loopback=True, clock=lambda: clock["now"]
    )
    cache = StatusListCache(fetcher, resolver=resolver)

    def verify_at(moment: datetime) -> Report:
        clock["now"] = moment
        ctx = VerifierContext(resolver=resolver, status_lists=cache, now=moment)
        return verify_credential(kit.signed_degree(status=[("revocation", url, 5)]), ctx)

    first = verify_at(kit.NOW)
    assert first.check("status.revocation").status is F
    assert status_server.requests == [("/status/1", None)]

    later = verify_at(kit.NOW + timedelta(seconds=30))  # within max-age=60: from the cache
    assert later.check("status.revocation").status is F
    assert later.check("status.revocation").evidence[0].cache_age_seconds == 30.0
    assert len(status_server.requests) == 1

    stale = verify_at(kit.NOW + timedelta(seconds=90))  # stale: revalidated with the ETag
    assert stale.check("status.revocation").status is F
    assert len(status_server.requests) == 2
    path, if_none_match = status_server.requests[1]
    assert path == "/status/1" and if_none_match is not None and if_none_match.startswith('"')
    assert stale.check("status.revocation").evidence[0].cache_age_seconds == 0.0

    status_server.cache_control = "no-store"
    cache.clear()
    verify_at(kit.NOW + timedelta(seconds=100))
    verify_at(kit.NOW + timedelta(seconds=101))
    assert len(status_server.requests) == 4


def test_status_cache_unreachable_server_is_indeterminate(
    kit: ModuleType, status_server: Any
) -> None:
    url = status_server.url("/missing")
    fetcher = SafeHttpFetcher(allow_loopback=True, allow_http_loopback=True)
    resolver = DidResolver()
    ctx = VerifierContext(
        resolver=resolver, status_lists=StatusListCache(fetcher, resolver=resolver), now=kit.NOW
    )
    report = verify_credential(kit.signed_degree(status=[("revocation", url, 5)]), ctx)
    assert report.check("status.revocation").status is IND
    assert report.verdict is Verdict.COULD_NOT_VERIFY


def test_freshness_rules() -> None:
    listed = {"credentialSubject": {"ttl": 120_000}}
    assert freshness_seconds({"cache-control": "public, max-age=45"}, listed, 300, 3600) == 45
    assert freshness_seconds({"cache-control": "no-cache"}, listed, 300, 3600) == 0
    assert freshness_seconds({}, listed, 300, 3600) == 120
    assert freshness_seconds({}, {}, 300, 3600) == 300
    assert freshness_seconds({"cache-control": "max-age=999999"}, {}, 300, 3600) == 3600


def test_expired_status_list_is_indeterminate(kit: ModuleType) -> None:
    stale = kit.status_list(valid_until=datetime(2025, 1, 1, tzinfo=UTC))
    report = verify_credential(
        kit.signed_degree(status=[("revocation", kit.LIST_URL, 5)]),
        kit.context(lists={kit.LIST_URL: stale}),
    )
    check = report.check("status.revocation")
    assert check.status is IND and "expired" in check.message


# --- the shared reference vectors ----------------------------------------------------------------


def _manifest() -> dict[str, Any]:
    if not (VECTORS / "manifest.json").is_file():
        pytest.skip(f"shared vectors not found at {VECTORS}")
    manifest: dict[str, Any] = json.loads((VECTORS / "manifest.json").read_text("utf-8"))
    return manifest


def _vector_ids() -> list[str]:
    path = VECTORS / "manifest.json"
    if not path.is_file():
        return ["absent"]
    return [entry["file"] for entry in json.loads(path.read_text("utf-8"))["credentials"]]


@pytest.mark.parametrize("name", _vector_ids())
def test_reference_vectors_get_the_expected_report(name: str) -> None:
    manifest = _manifest()
    entry = next(e for e in manifest["credentials"] if e["file"] == name)
    status_list = manifest["statusList"]
    lists = {status_list["id"]: (VECTORS / status_list["file"]).read_bytes()}
    now = datetime(2026, 5, 10, tzinfo=UTC)
    resolver = DidResolver()
    ctx = VerifierContext(
        resolver=resolver,
        status_lists=StatusListCache(StaticFetcher(lists, clock=lambda: now), resolver=resolver),
        now=now,
    )
    report = verify_credential((VECTORS / name).read_bytes(), ctx)
    assert report.section(AUTH) is P, [c.message for c in report.checks if c.section is AUTH]
    assert report.check("proof.signature").evidence[0].detail is not None
    assert entry["suite"] in (report.check("proof.signature").evidence[0].detail or "")
    if entry["expect"] == "valid":
        assert report.section(VALID) is P
        expected_status = P if "statusList" in entry else NA
        assert report.check("status.revocation").status is expected_status
        # No registry is configured: issuer legitimacy is unknown, never "pass".
        assert report.section(LEGIT) is IND
        assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    else:
        assert entry["expect"] == "revoked"
        revocation = report.check("status.revocation")
        assert revocation.status is F and "revoked" in revocation.message
        assert report.section(VALID) is F
        assert report.verdict is Verdict.NOT_VERIFIED


@pytest.mark.parametrize(
    ("overrides", "section"),
    [
        ({"termsOfUse": {"id": "https://example.org/policy"}}, "VC-DM 2.0 §5.5 Terms of Use"),
        ({"evidence": [{"id": "https://example.org/evidence"}]}, "VC-DM 2.0 §5.6 Evidence"),
        ({"refreshService": {"id": "https://example.org/r"}}, "VC-DM 2.0 §5.4 Refreshing"),
        ({"credentialSchema": {"id": "https://example.org/s.json"}}, "VC-DM 2.0 §4.11"),
        ({"relatedResource": [{"id": "https://example.org/r"}]}, "VC-DM 2.0 §5.3"),
    ],
)
def test_data_model_errors_fail_the_data_model_check_naming_the_section(
    kit: ModuleType, overrides: dict[str, Any], section: str
) -> None:
    # Signed as they are: the signature is good, the credential still breaks the data model.
    credential = kit.signed_degree(**overrides)
    report = verify_credential(credential, kit.context())
    check = report.check("data_model")
    assert check.status is F
    assert check.problem is not None and check.problem["detail"].startswith(section)
    assert section in check.message
    assert not report.verified and report.verdict is Verdict.NOT_VERIFIED


def test_a_null_issuer_is_a_data_model_error(kit: ModuleType) -> None:
    credential = kit.degree()
    credential["issuer"] = None
    report = verify_credential(credential, kit.context())
    check = report.check("data_model")
    assert check.status is F and "§4.7 Issuer" in check.message
    assert not report.verified


def test_a_verification_expands_the_credential_once(
    kit: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vc import jsonld

    walked: list[Any] = []
    original = jsonld.document_quads

    def counting(root: Any, document: Any, **kwargs: Any) -> Any:
        walked.append(document)
        return original(root, document, **kwargs)

    monkeypatch.setattr(jsonld, "document_quads", counting)
    ctx = kit.context(destination="JP", lists={kit.LIST_URL: kit.status_list(set_indexes=[9])})
    credential = kit.signed_degree(status=[("revocation", kit.LIST_URL, 5)])
    ctx.loader.forget_expansions()
    walked.clear()  # signing walked the credential too
    assert verify_credential(credential, ctx).verdict is Verdict.VERIFIED
    # The credential (safe mode, whose quads of the unsecured form the proof check reuses) and
    # the proof configuration: nothing is expanded twice.
    degree = [d for d in walked if "AchievementCredential" in d.get("type", ())]
    configs = [d for d in walked if d.get("type") == "DataIntegrityProof"]
    assert len(degree) == 1, [sorted(d) for d in walked]
    assert degree[0]["proof"] == credential["proof"]  # walked with its proof, once
    assert len(configs) >= 1
