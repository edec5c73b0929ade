"""The recipient check in the report: was the degree issued to the candidate the employer names?"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest

from vc import strictjson
from vc.errors import ParsingError
from vc.ob3 import EMAIL_ADDRESS, RecipientIdentity, identity_hash
from verifier.checks.model import Section, Severity, Status
from verifier.checks.pipeline import CREDENTIAL_CHECKS
from verifier.report import Verdict, verify_credential

P, F, IND, NA = Status.PASS, Status.FAIL, Status.INDETERMINATE, Status.NOT_APPLICABLE
EMAIL = "aigerim.sarsenbayeva@student.example.kz"
SALT = "c0ffee5a1t"
NUMBER = "KZ-2019-04417"
HASH = identity_hash(EMAIL_ADDRESS, EMAIL, SALT)


def identified_degree(kit: ModuleType, **overrides: Any) -> dict[str, Any]:
    """The kit's signed degree whose subject carries Diplomat's three IdentityObjects."""
    subject = kit.degree()["credentialSubject"]
    subject["identifier"] = [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "Aigerim Sarsenbayeva",
        },
        {
            "type": "IdentityObject",
            "identityType": "sisSourcedId",
            "hashed": False,
            "identityHash": NUMBER,
        },
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "identityHash": HASH,
            "salt": SALT,
        },
    ]
    return kit.signed_degree(credentialSubject=subject, **overrides)


def report_text(report: Any) -> str:
    return strictjson.dumps(report.to_dict())


def test_the_check_is_a_warning_in_authenticity_named_after_the_ob3_step() -> None:
    [spec] = [s for s in CREDENTIAL_CHECKS if s.id == "recipient"]
    assert (spec.section, spec.severity) == (Section.AUTHENTICITY, Severity.WARNING)
    assert spec.aliases["ob3"] == "recipient"
    assert {k: v for k, v in spec.aliases.items() if k != "ob3"} == dict.fromkeys(
        ("dcc", "blockcerts", "waltid", "vcjs", "vcapi", "ebsi")
    )
    ids = [s.id for s in CREDENTIAL_CHECKS]
    assert ids.index("recipient") == ids.index("proof.issuer_binding") + 1  # authenticity first


def test_without_a_known_identity_the_check_does_not_apply_and_says_how(kit: ModuleType) -> None:
    report = verify_credential(identified_degree(kit), kit.context(destination="JP"))
    check = report.check("recipient")
    assert check.status is NA and not check.evidence
    assert "no e-mail address or student number" in check.message
    assert "--recipient-email" in check.message and "not stored" in check.message
    assert report.verdict is Verdict.VERIFIED


def test_hashed_email_match_passes_and_says_how(kit: ModuleType) -> None:
    typed = RecipientIdentity.email("  Aigerim.Sarsenbayeva@Student.Example.KZ ")
    report = verify_credential(
        identified_degree(kit), kit.context(destination="JP"), recipient=typed
    )
    check = report.check("recipient")
    assert check.status is P
    assert "emailAddress" in check.message and "hashed with salt (sha256)" in check.message
    assert "a***@student.example.kz" in check.message
    [evidence] = check.evidence
    assert evidence.kind == "recipient"
    assert evidence.detail is not None and evidence.detail.startswith(
        "emailAddress: a***@student.example.kz"
    )
    assert report.verdict is Verdict.VERIFIED and report.verified and report.trusted
    assert check.message in report.headline  # the employer's question, answered up front
    assert not check.computed_on_untrusted_data


def test_plain_student_number_match_passes(kit: ModuleType) -> None:
    report = verify_credential(
        identified_degree(kit),
        kit.context(destination="JP"),
        recipient=RecipientIdentity.student_number(NUMBER),
    )
    check = report.check("recipient")
    assert check.status is P
    assert "student number ***17" in check.message and "sisSourcedId" in check.message
    assert "hashed" not in check.message


def test_subject_did_match_passes(kit: ModuleType) -> None:
    report = verify_credential(
        kit.signed_degree(),
        kit.context(destination="JP"),
        recipient=RecipientIdentity.subject_id(kit.HOLDER.public.did_key),
    )
    assert report.check("recipient").status is P
    assert "credentialSubject.id" in report.check("recipient").message
    stranger = verify_credential(
        kit.signed_degree(),
        kit.context(destination="JP"),
        recipient=RecipientIdentity.subject_id(kit.OTHER.public.did_key),
    ).check("recipient")
    assert stranger.status is F
    assert stranger.message.startswith("This credential was not issued to the DID or URI did:key:")
    assert stranger.message.endswith(
        "it does not match the credential's subject. Ask the candidate for a presentation "
        "signed by the holder."
    )
    assert kit.OTHER.public.did_key not in stranger.message


def test_another_email_fails_as_a_warning_in_plain_words(kit: ModuleType) -> None:
    report = verify_credential(
        identified_degree(kit),
        kit.context(destination="JP"),
        recipient=RecipientIdentity.email("a.sarsenbayeva@gmail.example"),
    )
    check = report.check("recipient")
    assert check.status is F
    assert check.message.startswith(
        "This credential was not issued to the e-mail address a***@gmail.example"
    )
    assert "Ask the candidate which e-mail address they gave the university" in check.message
    assert "presentation signed by the holder" in check.message
    assert check.problem is not None
    assert check.problem["type"] == "urn:diplomat:problem:recipient-mismatch"
    # The document is still genuine and in force: a warning, not "not verified".
    assert report.section(Section.AUTHENTICITY) is P
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    assert report.verified and report.authentic_and_valid
    assert check.message in report.headline
    assert report.to_dict()["problem_details"] == [check.problem]


def test_a_credential_without_that_identifier_cannot_be_checked(kit: ModuleType) -> None:
    report = verify_credential(
        kit.signed_degree(),  # no identifier at all
        kit.context(destination="JP"),
        recipient=RecipientIdentity.email(EMAIL),
    )
    check = report.check("recipient")
    assert check.status is IND
    assert "carries no emailAddress identifier" in check.message
    assert "it carries no identifiers" in check.message
    assert report.section(Section.AUTHENTICITY) is P
    # "Could not check" is never a plain "verified".
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    assert check.message in report.headline

    other_type = verify_credential(
        identified_degree(kit),
        kit.context(destination="JP"),
        recipient=RecipientIdentity("nationalIdentityNumber", "900101300123"),
    ).check("recipient")
    assert other_type.status is IND
    assert "(it carries: emailAddress, name, sisSourcedId)" in other_type.message


@pytest.mark.parametrize(
    "recipient",
    [RecipientIdentity.email(EMAIL), RecipientIdentity.email("someone@else.example")],
    ids=["matching", "other"],
)
def test_the_report_never_echoes_the_email_the_hash_or_the_salt(
    kit: ModuleType, recipient: RecipientIdentity
) -> None:
    report = verify_credential(identified_degree(kit), kit.context(), recipient=recipient)
    text = report_text(report).lower()
    assert recipient.value not in text
    assert recipient.value.split("@")[0] not in text
    assert HASH.removeprefix("sha256$") not in text and SALT not in text


def test_on_a_tampered_credential_the_match_rests_on_untrusted_data(kit: ModuleType) -> None:
    tampered = identified_degree(kit)
    tampered["credentialSubject"]["name"] = "Someone Else"
    report = verify_credential(
        tampered, kit.context(destination="JP"), recipient=RecipientIdentity.email(EMAIL)
    )
    check = report.check("recipient")
    assert report.check("proof.signature").status is F
    assert check.status is P and check.computed_on_untrusted_data
    assert report.verdict is Verdict.NOT_VERIFIED and not report.trusted
    assert report.to_dict()["checks"][7]["computed_on_untrusted_data"] is True
    # The integrity checks themselves are never "on untrusted data"; an unused recipient check
    # read nothing.
    plain = verify_credential(tampered, kit.context(destination="JP"))
    assert not plain.check("recipient").computed_on_untrusted_data
    assert not plain.check("proof.signature").computed_on_untrusted_data


def test_input_that_is_not_a_credential_is_not_matched(kit: ModuleType) -> None:
    report = verify_credential(b"[1, 2]", kit.context(), recipient=RecipientIdentity.email(EMAIL))
    assert report.check("recipient").status is NA
    assert "not a credential" in report.check("recipient").message


def test_a_recipient_of_the_wrong_type_is_a_caller_error(kit: ModuleType) -> None:
    with pytest.raises(ParsingError, match="RecipientIdentity"):
        verify_credential(kit.signed_degree(), kit.context(), recipient=EMAIL)  # type: ignore[arg-type]


def test_json_report_keeps_its_shape(kit: ModuleType) -> None:
    report = verify_credential(
        identified_degree(kit), kit.context(), recipient=RecipientIdentity.email(EMAIL)
    )
    data = json.loads(report_text(report))
    [record] = [c for c in data["checks"] if c["id"] == "recipient"]
    assert record["section"] == "authenticity" and record["severity"] == "warning"
    assert record["status"] == "pass" and record["aliases"]["ob3"] == "recipient"


def test_a_match_follows_the_warnings_in_the_headline(kit: ModuleType) -> None:
    # No registry: issuer legitimacy cannot be confirmed, so the verdict carries warnings; the
    # match is good news and must not read as one of them.
    typed = RecipientIdentity.email("aigerim.sarsenbayeva@student.example.kz")
    report = verify_credential(
        identified_degree(kit), kit.context(destination="JP", registries=None), recipient=typed
    )
    assert report.verdict is Verdict.VERIFIED_WITH_WARNINGS
    match = report.check("recipient").message
    assert report.headline.endswith(match)
    legitimacy = report.sections[Section.ISSUER_LEGITIMACY].message
    assert report.headline.index(legitimacy) < report.headline.index(match)
