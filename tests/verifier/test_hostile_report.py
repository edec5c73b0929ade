"""The report on hostile credentials: each failure mode lands on the right named check, and only
the signature arithmetic may say "changed after signing"."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from vc import proofs
from vc.dids import DidResolver
from vc.errors import UnsafeUrlError
from vc.fetch import StaticFetcher
from vc.jose import sign_vc_jwt
from verifier.checks.model import Section, Status
from verifier.context import VerifierContext
from verifier.report import Verdict, verify_credential
from verifier.statuscache import StatusListCache

F, IND, P = Status.FAIL, Status.INDETERMINATE, Status.PASS
TAMPERED = "changed after signing"
WEB_DID = "did:web:uni.test.example"
WEB_VM = WEB_DID + "#key-1"


def web_context(kit: ModuleType, document: dict[str, Any] | Exception) -> VerifierContext:
    """A context whose did:web resolver serves ``document`` (or raises the exception)."""

    def fetch(url: str) -> bytes:
        if isinstance(document, Exception):
            raise document
        return json.dumps(document).encode()

    resolver = DidResolver(fetch)
    return VerifierContext(
        resolver=resolver,
        status_lists=StatusListCache(StaticFetcher({}), resolver=resolver),
        registries=None,
        conventions=None,
        destination_country=None,
        now=kit.NOW,
    )


def did_document(kit: ModuleType, **extra: Any) -> dict[str, Any]:
    method = {
        "id": WEB_VM,
        "type": "Multikey",
        "controller": WEB_DID,
        "publicKeyMultibase": kit.ISSUER.public.multikey,
        **extra,
    }
    return {"id": WEB_DID, "verificationMethod": [method], "assertionMethod": [WEB_VM]}


def web_degree(kit: ModuleType, created: datetime | None = None) -> dict[str, Any]:
    document = kit.degree()
    document["issuer"] = {**document["issuer"], "id": WEB_DID}
    return proofs.sign(
        document, kit.ISSUER, verification_method=WEB_VM, created=created or kit.SIGNED_AT
    )


def test_a_revoked_key_fails_key_resolution_not_as_tampering(kit: ModuleType) -> None:
    ctx = web_context(kit, did_document(kit, revoked="2025-01-01T00:00:00Z"))
    report = verify_credential(web_degree(kit), ctx)  # created 2024: backdated before revocation
    assert report.check("key_resolution").status is F
    assert "revoked" in report.check("key_resolution").message
    signature = report.check("proof.signature")
    assert signature.status is F and TAMPERED not in signature.message
    assert signature.problem is not None and signature.problem["title"] == (
        "Verification method revoked"
    )
    assert report.verdict is Verdict.NOT_VERIFIED


def test_published_private_key_material_is_an_alarm(kit: ModuleType) -> None:
    ctx = web_context(kit, did_document(kit, privateKeyMultibase="z3u2en7t5LR2WtQH5PfsRK"))
    report = verify_credential(web_degree(kit), ctx)
    assert report.check("key_resolution").status is F
    assert "ALARM" in report.check("key_resolution").message
    assert report.verdict is Verdict.NOT_VERIFIED


def test_a_refused_fetch_is_could_not_check_never_tampering(kit: ModuleType) -> None:
    ctx = web_context(kit, UnsafeUrlError("https://10.0.0.1/did.json: private address refused"))
    report = verify_credential(web_degree(kit), ctx)
    for check_id in ("key_resolution", "proof.signature"):
        check = report.check(check_id)
        assert check.status is IND, (check_id, check.message)
        assert TAMPERED not in check.message
    assert report.verdict is Verdict.COULD_NOT_VERIFY


def test_a_proof_from_the_future_fails_without_claiming_tampering(kit: ModuleType) -> None:
    credential = web_degree(kit, created=datetime(2099, 1, 1, tzinfo=UTC))
    report = verify_credential(credential, web_context(kit, did_document(kit)))
    signature = report.check("proof.signature")
    assert signature.status is F and TAMPERED not in signature.message
    assert "2099" in signature.message
    assert report.verdict is Verdict.NOT_VERIFIED


def test_tampering_is_still_called_tampering(kit: ModuleType) -> None:
    credential = web_degree(kit)
    credential["credentialSubject"]["name"] = "Someone Else"
    report = verify_credential(credential, web_context(kit, did_document(kit)))
    assert TAMPERED in report.check("proof.signature").message


@pytest.mark.parametrize("purpose", [None, ["revocation"], {"@value": "revocation"}, "revokation"])
def test_a_status_entry_without_a_usable_purpose_fails_closed(
    kit: ModuleType, purpose: Any
) -> None:
    entry: dict[str, Any] = {
        "id": kit.LIST_URL + "#5",
        "type": "BitstringStatusListEntry",
        "statusListIndex": "5",
        "statusListCredential": kit.LIST_URL,
    }
    if purpose is not None:
        entry["statusPurpose"] = purpose
    credential = kit.sign(kit.degree(credentialStatus=entry))
    ctx = kit.context(lists={kit.LIST_URL: kit.status_list()})
    report = verify_credential(credential, ctx)
    check = report.check("status.revocation")
    assert check.status is F, check.message
    assert "statusPurpose" in check.message
    assert report.verdict is Verdict.NOT_VERIFIED


def _not_degree_cases(kit: ModuleType) -> dict[str, dict[str, Any]]:
    subject = kit.degree()["credentialSubject"]
    return {
        "bare-vc": kit.degree(type=["VerifiableCredential"]),
        "empty-subject": kit.degree(credentialSubject={}),
        "two-subjects": kit.degree(credentialSubject=[subject, {**subject, "id": "did:example:2"}]),
        "no-degree-type": kit.degree(
            credentialSubject={
                **subject,
                "achievement": {
                    **subject["achievement"],
                    "achievementType": "Badge",
                    "alignment": [],
                },
            }
        ),
    }


@pytest.mark.parametrize("case", ["bare-vc", "empty-subject", "two-subjects", "no-degree-type"])
def test_nothing_is_called_an_accredited_degree_before_the_profile_holds(
    kit: ModuleType, case: str
) -> None:
    credential = kit.sign(_not_degree_cases(kit)[case])
    report = verify_credential(credential, kit.context(destination="JP"))
    assert report.verdict is not Verdict.VERIFIED
    for check_id in ("accreditation.scope_at_award_date", "recognition.convention"):
        check = report.check(check_id)
        assert check.status is not P, (check_id, check.message)
    at_award = report.check("accreditation.scope_at_award_date")
    if report.section(Section.AUTHENTICITY) is P:  # the profile gate, not a broken proof
        assert at_award.status is IND and "not a degree" in at_award.message
        assert at_award.problem is not None and at_award.problem["title"].startswith("Not a")
    assert report.summary.isced_level is None and report.summary.not_a_degree


def test_a_real_degree_is_still_an_accredited_degree(kit: ModuleType) -> None:
    report = verify_credential(kit.signed_degree(), kit.context(destination="JP"))
    assert report.check("accreditation.scope_at_award_date").status is P
    assert report.summary.not_a_degree is None and report.summary.isced_level == "7"


def test_hidden_and_direction_changing_characters_are_removed_and_flagged(
    kit: ModuleType,
) -> None:
    subject = kit.degree()["credentialSubject"]
    credential = kit.sign(
        kit.degree(credentialSubject={**subject, "name": "Aigerim\u200b Sars\u202eenbayeva"})
    )
    report = verify_credential(credential, kit.context())
    check = report.check("display.text")
    assert check.status is F
    assert "bidirectional" in check.message and "zero-width" in check.message
    assert report.summary.holder_name == "Aigerim Sarsenbayeva"
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS  # genuine, but read it carefully


def test_look_alike_letters_in_the_issuer_name_are_flagged(kit: ModuleType) -> None:
    document = kit.degree()
    document["issuer"] = {**document["issuer"], "name": "T\u0435st University"}  # Cyrillic ie
    report = verify_credential(kit.sign(document), kit.context())
    check = report.check("display.text")
    assert check.status is F and "look-alikes" in check.message and "T\u0435st" in check.message


def test_kazakh_and_english_names_in_their_own_scripts_are_not_flagged(kit: ModuleType) -> None:
    subject = kit.degree()["credentialSubject"]
    credential = kit.sign(
        kit.degree(credentialSubject={**subject, "name": "Әйгерім Сарсенбаева (Aigerim)"})
    )
    assert verify_credential(credential, kit.context()).check("display.text").status is P


def test_an_unlisted_issuer_name_is_labelled_as_the_credential_states_it(
    kit: ModuleType,
) -> None:
    report = verify_credential(kit.signed_degree(kit.UNLISTED), kit.context())
    assert report.summary.registry_institution_name is None
    assert "as the credential states it" in report.summary.issuer_display
    assert report.summary.to_dict()["issuer_display"] == report.summary.issuer_display
    listed = verify_credential(kit.signed_degree(), kit.context())
    assert listed.summary.issuer_display == "Test University"


def test_an_expired_vc2_jwt_fails_without_claiming_tampering(kit: ModuleType) -> None:
    document = kit.degree(exp=int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()))
    token = sign_vc_jwt(document, kit.ISSUER, kit.vm(kit.ISSUER))
    report = verify_credential(token, kit.context())
    signature = report.check("proof.signature")
    assert signature.status is F and "expired" in signature.message
    assert TAMPERED not in signature.message


def test_a_verification_method_array_is_reported_not_crashed(kit: ModuleType) -> None:
    credential = kit.signed_degree()
    credential["proof"]["verificationMethod"] = [kit.vm(kit.ISSUER)] * 2
    report = verify_credential(credential, kit.context())
    assert report.check("proof.signature").status is F
    for check in report.checks:
        for item in check.evidence:
            assert item.source is None or isinstance(item.source, str)


def test_the_cli_refuses_a_huge_number_with_exit_2_and_no_traceback(
    kit: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from diplomat.cli import main

    path = tmp_path / "huge.json"
    path.write_text(json.dumps(kit.signed_degree())[:-1] + ', "n": ' + "9" * 5000 + "}")
    code = main(["verify", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "precision" in err
