"""vc.ob3 recipient matching (OB 3.0 §9 "Recipient", §B.1.12 IdentityObject, §B.7 IdentityHash)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from vc.errors import MalformedValueError
from vc.ob3 import (
    EMAIL_ADDRESS,
    STUDENT_NUMBER,
    SUBJECT_ID,
    MatchOutcome,
    RecipientIdentity,
    identity_hash,
    match_recipient,
    normalize_identity,
)

EMAIL = "aigerim.serikova@student.example.kz"
SALT = "5f1c0d2e9a7b4c3d"
DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def identity(kind: str, value: str, *, hashed: bool, salt: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "IdentityObject",
        "identityType": kind,
        "hashed": hashed,
        "identityHash": value,
    }
    if salt is not None:
        item["salt"] = salt
    return item


def hashed_email(email: str = EMAIL, salt: str = SALT) -> dict[str, Any]:
    """What Diplomat's issuer writes, computed here independently of vc.ob3."""
    digest = hashlib.sha256((email.lower() + salt).encode()).hexdigest()
    return identity(EMAIL_ADDRESS, "sha256$" + digest, hashed=True, salt=salt)


def subject(*identifiers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": ["AchievementSubject"],
        "identifier": list(identifiers),
        **extra,
    }


DIPLOMA = subject(
    identity("name", "Aigerim Serikova", hashed=False),
    identity(STUDENT_NUMBER, "KZ-2019-04417", hashed=False),
    hashed_email(),
)


# --- IdentityHash -------------------------------------------------------------------------------


def test_identity_hash_reproduces_the_spec_example() -> None:
    # OB 3.0 §B.7: "a@example.com" salted with "Kosher".
    assert identity_hash(EMAIL_ADDRESS, "a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )


def test_identity_hash_normalises_an_email_and_knows_only_two_algorithms() -> None:
    assert identity_hash(EMAIL_ADDRESS, "  A@Example.COM ", "Kosher") == identity_hash(
        EMAIL_ADDRESS, "a@example.com", "Kosher"
    )
    md5 = hashlib.md5(b"a@example.comKosher", usedforsecurity=False).hexdigest()
    assert identity_hash(EMAIL_ADDRESS, "a@example.com", "Kosher", "md5") == "md5$" + md5
    with pytest.raises(MalformedValueError, match="sha256 or md5"):
        identity_hash(EMAIL_ADDRESS, "a@example.com", "Kosher", "sha1")
    # Only e-mail addresses are case-folded; every type is NFC and stripped.
    assert normalize_identity(STUDENT_NUMBER, " AB-1\t") == "AB-1"
    assert normalize_identity("name", "Ame\u0301lie ") == "Am\u00e9lie"


# --- matching -----------------------------------------------------------------------------------


def test_hashed_email_matches_with_its_salt() -> None:
    result = match_recipient(DIPLOMA, RecipientIdentity.email(EMAIL))
    assert result.outcome is MatchOutcome.MATCH and result.matched
    assert (result.algorithm, result.salted, result.compared) == ("sha256", True, 1)
    assert result.carried == ("emailAddress", "name", "sisSourcedId")


@pytest.mark.parametrize(
    "typed",
    [
        "Aigerim.Serikova@Student.Example.KZ",
        "  aigerim.serikova@student.example.kz\t",
        EMAIL.upper(),
    ],
)
def test_case_and_surrounding_spaces_of_an_email_do_not_matter(typed: str) -> None:
    assert match_recipient(DIPLOMA, RecipientIdentity.email(typed)).matched


def test_another_email_does_not_match() -> None:
    result = match_recipient(DIPLOMA, RecipientIdentity.email("aigerim@gmail.example"))
    assert result.outcome is MatchOutcome.NO_MATCH
    assert (result.compared, result.unreadable, result.algorithm) == (1, 0, None)


def test_each_identifier_is_recomputed_with_its_own_salt() -> None:
    # Every credential has its own salt: the verifier uses the one stored beside the hash ...
    other = subject(hashed_email(salt="another-salt"))
    assert match_recipient(other, RecipientIdentity.email(EMAIL)).matched
    # ... so a hash made with another salt than the one stored never matches.
    swapped = hashed_email(salt="another-salt") | {"salt": SALT}
    assert match_recipient(subject(swapped), RecipientIdentity.email(EMAIL)).outcome is (
        MatchOutcome.NO_MATCH
    )


def test_plain_student_number_matches_exactly() -> None:
    result = match_recipient(DIPLOMA, RecipientIdentity.student_number(" KZ-2019-04417 "))
    assert result.outcome is MatchOutcome.MATCH
    assert (result.algorithm, result.salted) == (None, False)
    # Student numbers are not case-folded: only e-mail addresses are.
    wrong_case = match_recipient(DIPLOMA, RecipientIdentity.student_number("kz-2019-04417"))
    assert wrong_case.outcome is MatchOutcome.NO_MATCH


def test_other_identity_types_are_skipped() -> None:
    # A plain name equal to the value does not count for a student number.
    only_name = subject(identity("name", "KZ-2019-04417", hashed=False))
    result = match_recipient(only_name, RecipientIdentity.student_number("KZ-2019-04417"))
    assert result.outcome is MatchOutcome.NO_IDENTIFIER
    assert (result.compared, result.carried) == (0, ("name",))


@pytest.mark.parametrize(
    "credential_subject",
    [subject(), {"type": ["AchievementSubject"]}, {}, [], None, "did:example:1", 42],
    ids=["empty list", "no identifier", "empty subject", "no subject", "null", "string", "number"],
)
def test_no_identifiers_is_no_identifier(credential_subject: Any) -> None:
    result = match_recipient(credential_subject, RecipientIdentity.email(EMAIL))
    assert result.outcome is MatchOutcome.NO_IDENTIFIER
    assert (result.compared, result.unreadable, result.carried) == (0, 0, ())


GOOD = hashed_email()["identityHash"]
MALFORMED = [
    {"identityHash": GOOD.removeprefix("sha256$")},  # no algorithm
    {"identityHash": "sha1$" + "0" * 40},  # not an OB 3.0 algorithm
    {"identityHash": "sha512$" + "0" * 128},
    {"identityHash": GOOD[:-1]},  # one hex digit short
    {"identityHash": GOOD[:-1] + "g"},  # not hex
    {"identityHash": "md5$" + "0" * 64},  # md5 with a sha256-sized digest
    {"identityHash": ""},
    {"identityHash": 42},
    {"identityHash": None},
    {"hashed": "true"},  # a string, not a boolean
    {"hashed": None},
    {"salt": 7},
    {"salt": ["a"]},
]


@pytest.mark.parametrize("change", MALFORMED, ids=[repr(m)[:40] for m in MALFORMED])
def test_a_malformed_identity_never_matches_and_never_raises(change: dict[str, Any]) -> None:
    broken = hashed_email() | change
    result = match_recipient(subject(broken), RecipientIdentity.email(EMAIL))
    assert result.outcome is MatchOutcome.UNREADABLE
    assert (result.compared, result.unreadable) == (0, 1)
    # Next to a good one it is counted but does not stop the match ...
    both = match_recipient(subject(broken, hashed_email()), RecipientIdentity.email(EMAIL))
    assert both.outcome is MatchOutcome.MATCH and both.unreadable == 1
    # ... and next to a wrong one the answer is "no match", not "unreadable".
    wrong = match_recipient(
        subject(broken, hashed_email("someone@else.example")), RecipientIdentity.email(EMAIL)
    )
    assert wrong.outcome is MatchOutcome.NO_MATCH and wrong.unreadable == 1


def test_junk_in_the_identifier_list_is_ignored() -> None:
    junk = subject("a string", 7, None, ["nested"], {"identityType": 5}, hashed_email())
    assert match_recipient(junk, RecipientIdentity.email(EMAIL)).matched


def test_md5_form_is_accepted_and_reported() -> None:
    # OB 3.0 §B.7 defines md5 and sha256. md5 is broken for collisions, but here the verifier
    # recomputes the issuer's value from one it already knows: a match is still exact.
    digest = hashlib.md5((EMAIL + SALT).encode(), usedforsecurity=False).hexdigest()
    item = identity(EMAIL_ADDRESS, "md5$" + digest, hashed=True, salt=SALT)
    result = match_recipient(subject(item), RecipientIdentity.email(EMAIL))
    assert result.matched and result.algorithm == "md5"


def test_upper_case_hex_and_an_unsalted_hash_are_accepted() -> None:
    # §B.7: hex in either case; §B.1.12: no salt means the hash was not salted.
    upper = hashed_email() | {"identityHash": "sha256$" + GOOD.removeprefix("sha256$").upper()}
    assert match_recipient(subject(upper), RecipientIdentity.email(EMAIL)).matched
    unsalted = identity(
        EMAIL_ADDRESS, "sha256$" + hashlib.sha256(EMAIL.encode()).hexdigest(), hashed=True
    )
    result = match_recipient(subject(unsalted), RecipientIdentity.email(EMAIL))
    assert result.matched and not result.salted


def test_plain_email_identifier_is_compared_case_insensitively() -> None:
    plain = identity(EMAIL_ADDRESS, "Aigerim.Serikova@Student.Example.KZ", hashed=False)
    assert match_recipient(subject(plain), RecipientIdentity.email(EMAIL)).matched


def test_identifier_may_be_a_single_object_and_subject_a_list() -> None:
    single = {"type": ["AchievementSubject"], "identifier": hashed_email()}
    assert match_recipient(single, RecipientIdentity.email(EMAIL)).matched
    assert match_recipient([subject(), single], RecipientIdentity.email(EMAIL)).matched


def test_subject_id_is_compared_with_credential_subject_id() -> None:
    holder = subject(id=DID)
    assert match_recipient(holder, RecipientIdentity.subject_id(DID)).matched
    other = RecipientIdentity.subject_id("did:example:someone-else")
    assert match_recipient(holder, other).outcome is MatchOutcome.NO_MATCH
    assert match_recipient(DIPLOMA, other).outcome is MatchOutcome.NO_IDENTIFIER


# --- the known identity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Aigerim@Example.org", EMAIL_ADDRESS),
        ("KZ-2019-04417", STUDENT_NUMBER),
        ("20190441", STUDENT_NUMBER),
        (DID, SUBJECT_ID),
        ("urn:uuid:6f1a7c1e-0c1b-4a39-9d43-3b8a6c0e2f11", SUBJECT_ID),
    ],
)
def test_one_free_text_field_is_classified(text: str, kind: str) -> None:
    assert RecipientIdentity.from_text(text).identity_type == kind


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (EMAIL_ADDRESS, "not-an-email", "name@domain.tld"),
        (EMAIL_ADDRESS, "a@b", "name@domain.tld"),
        (EMAIL_ADDRESS, "two@at@signs.example", "name@domain.tld"),
        (EMAIL_ADDRESS, "sp ace@example.org", "name@domain.tld"),
        (EMAIL_ADDRESS, "x" * 250 + "@example.org", "longer than 254"),
        (EMAIL_ADDRESS, "x" * 5000 + "@example.org", "longer than 254"),
        (EMAIL_ADDRESS, "a\x00b@example.org", "control"),
        (EMAIL_ADDRESS, "a\u200bb@example.org", "control or invisible"),
        (EMAIL_ADDRESS, "   ", "empty"),
        (STUDENT_NUMBER, "KZ\n2019", "control"),
        (STUDENT_NUMBER, "x" * 257, "longer than 256"),
        (SUBJECT_ID, "not a uri", "absolute URI"),
        ("phoneNumber", "123", "identifier type"),
        ("ext:", "123", "identifier type"),
    ],
)
def test_a_malformed_known_identity_is_refused_without_quoting_it(
    kind: str, value: str, message: str
) -> None:
    with pytest.raises(MalformedValueError, match=message) as caught:
        RecipientIdentity(kind, value)
    if value.strip():
        assert value.strip() not in caught.value.detail


def test_non_string_values_are_refused() -> None:
    with pytest.raises(MalformedValueError):
        RecipientIdentity(EMAIL_ADDRESS, 42)  # type: ignore[arg-type]
    with pytest.raises(MalformedValueError):
        RecipientIdentity(None, EMAIL)  # type: ignore[arg-type]


def test_the_value_is_normalised_masked_and_kept_out_of_repr() -> None:
    known = RecipientIdentity.email("  Aigerim.Serikova@Student.Example.KZ ")
    assert known.value == EMAIL
    assert known.masked == "a***@student.example.kz"
    assert "aigerim" not in repr(known).lower() and "serikova" not in str(known).lower()
    assert RecipientIdentity.student_number("KZ-2019-04417").masked == "***17"
    assert RecipientIdentity.student_number("1234").masked == "***"
    assert RecipientIdentity.subject_id(DID).masked == "did:key:***2doK"
    assert RecipientIdentity("ext:StudentCard", "C-99881").noun == "ext:StudentCard identifier"
