"""The status.message check (verifier.checks.validity.check_message): a Bitstring Status List
``message`` entry of several bits is read and its message reported without deciding the verdict;
a malformed entry fails and an unreadable list is "could not check", like every status entry."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from vc import strictjson
from vc.status import Bitstring, message_entry, status_entry, status_list_credential
from verifier.checks.model import Section, Status
from verifier.report import Verdict, verify_credential

MESSAGE_URL = "https://uni.test.example/status/message/1"
REFERENCE = "https://uni.test.example/status/message"
MESSAGES = [(0, "pending_review"), (1, "accepted"), (2, "rejected"), (3, "undefined")]


def message_list(kit: ModuleType, values: dict[int, int], *, purpose: str = "message") -> bytes:
    bits = Bitstring.new()
    for index, value in values.items():
        bits.set_value(index, 2, value)
    unsigned = status_list_credential(
        list_id=MESSAGE_URL,
        issuer=kit.ISSUER.public.did_key,
        purpose=purpose,
        bitstring=bits,
        valid_from=kit.SIGNED_AT,
    )
    return strictjson.dumps(kit.sign(unsigned, kit.ISSUER)).encode()


def credential_with(kit: ModuleType, *entries: dict[str, Any]) -> dict[str, Any]:
    document = kit.degree()
    document["credentialStatus"] = [
        status_entry(list_id=kit.LIST_URL, index=3, purpose="revocation"),
        *entries,
    ]
    return dict(kit.sign(document, kit.ISSUER))


def good_entry(index: int = 7) -> dict[str, Any]:
    return message_entry(
        list_id=MESSAGE_URL, index=index, messages=MESSAGES, size=2, reference=REFERENCE
    )


def lists(kit: ModuleType, values: dict[int, int]) -> dict[str, bytes]:
    return {kit.LIST_URL: kit.status_list(), MESSAGE_URL: message_list(kit, values)}


@pytest.mark.parametrize(
    ("value", "said"), [(0, "pending_review"), (1, "accepted"), (2, "rejected")]
)
def test_the_message_is_reported_and_does_not_decide(
    kit: ModuleType, value: int, said: str
) -> None:
    report = verify_credential(
        credential_with(kit, good_entry()), kit.context(lists=lists(kit, {7: value, 8: 3}))
    )
    check = report.check("status.message")
    assert check.status is Status.PASS
    assert f"is {said!r} (value {value:#x} of 2 bit(s))" in check.message
    assert REFERENCE in check.message
    [evidence] = check.evidence
    assert evidence.source == MESSAGE_URL and evidence.signature_verified is True
    assert report.section(Section.VALIDITY) is Status.PASS
    assert report.verdict is Verdict.VERIFIED


def test_two_message_entries_are_both_reported(kit: ModuleType) -> None:
    report = verify_credential(
        credential_with(kit, good_entry(7), good_entry(8)),
        kit.context(lists=lists(kit, {7: 1, 8: 2})),
    )
    check = report.check("status.message")
    assert check.status is Status.PASS
    assert "'accepted'" in check.message and "'rejected'" in check.message
    assert "Not " not in check.message
    assert len(check.evidence) == 2


def test_without_a_message_entry_the_check_does_not_apply(kit: ModuleType) -> None:
    report = verify_credential(credential_with(kit), kit.context(lists=lists(kit, {})))
    assert report.check("status.message").status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"statusMessage": None}, "statusMessage MUST be present"),
        ({"statusMessage": [{"status": "0x0", "message": "one"}]}, "needs exactly that many"),
        ({"statusSize": 0}, "greater than zero"),
        ({"statusReference": "https://"}, "statusReference has no host"),
    ],
)
def test_a_malformed_message_entry_fails_closed(
    kit: ModuleType, change: dict[str, Any], says: str
) -> None:
    entry = good_entry()
    for key, value in change.items():
        if value is None:
            del entry[key]
        else:
            entry[key] = value
    report = verify_credential(credential_with(kit, entry), kit.context(lists=lists(kit, {})))
    check = report.check("status.message")
    assert check.status is Status.FAIL
    assert check.problem is not None and "§2.1" in check.problem["detail"]
    assert says in check.problem["detail"]
    assert report.verdict is Verdict.NOT_VERIFIED


def test_an_entry_outside_the_list_is_a_range_error(kit: ModuleType) -> None:
    """131,072 bits hold 65,536 entries of 2 bits: index 65,536 is outside (§3.2)."""
    report = verify_credential(
        credential_with(kit, good_entry(65_536)), kit.context(lists=lists(kit, {}))
    )
    check = report.check("status.message")
    assert check.status is Status.FAIL
    assert check.problem is not None and "RANGE_ERROR" in check.problem["detail"]
    assert report.verdict is Verdict.NOT_VERIFIED


def test_a_list_of_another_purpose_fails(kit: ModuleType) -> None:
    documents = {
        kit.LIST_URL: kit.status_list(),
        MESSAGE_URL: message_list(kit, {}, purpose="revocation"),
    }
    report = verify_credential(credential_with(kit, good_entry()), kit.context(lists=documents))
    check = report.check("status.message")
    assert check.status is Status.FAIL
    assert check.problem is not None and "STATUS_VERIFICATION_ERROR" in check.problem["detail"]


def test_an_unreachable_message_list_is_could_not_check(kit: ModuleType) -> None:
    report = verify_credential(
        credential_with(kit, good_entry()), kit.context(lists={kit.LIST_URL: kit.status_list()})
    )
    assert report.check("status.message").status is Status.INDETERMINATE
    assert report.verdict is Verdict.COULD_NOT_VERIFY
