"""The opt-in message status lists (issuer.service.statusmessages): a third, 2-bit entry on each
new credential, the derived /status/message/<n> list (signed, re-signed on change, value 0/1/2 for
valid/suspended/revoked), its statusReference document, and nothing of it when switched off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from webfixtures import WebEnv, assert_problem, issue, make_env

from vc.dids import DidResolver
from vc.proofs import verify
from vc.status import check_status, parse_entry


@pytest.fixture
def on(tmp_path: Path) -> Iterator[WebEnv]:
    made = make_env(tmp_path, did_method="key", status_messages=True)
    yield made
    made.service.close()


def _path(url: str) -> str:
    return urlsplit(url).path


def _read(env: WebEnv, entry: dict[str, Any]) -> tuple[int, str | None, str]:
    """(value, message, ETag) of ``entry`` read from its signed list, whose proof is checked."""
    response = env.client.get(_path(entry["statusListCredential"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    document = json.loads(response.data)
    issuer = env.service.context.issuer().did
    checked = verify(document, resolver=DidResolver(), now=env.service.context.now())
    assert checked.verified, checked.errors
    assert document["credentialSubject"]["statusPurpose"] == "message"
    result = check_status(parse_entry(entry), document, expected_issuer=issuer)
    return result.value, result.message, response.headers["ETag"]


def test_each_degree_gets_a_message_entry_last(on: WebEnv) -> None:
    issued = issue(on)
    entries = issued["credential"]["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension", "message"]
    revocation, _, message = entries
    # The same random index as the revocation entry, in the list of the same number.
    assert message["statusListIndex"] == revocation["statusListIndex"]
    assert message["statusListCredential"] == revocation["statusListCredential"].replace(
        "/status/revocation/", "/status/message/"
    )
    assert message["statusSize"] == 2
    assert [row["status"] for row in message["statusMessage"]] == ["0x0", "0x1", "0x2", "0x3"]
    assert message["statusReference"] == on.base + "/status/message"
    assert message["id"] != message["statusListCredential"]
    parsed = parse_entry(message)
    assert (parsed.size, len(parsed.messages), parsed.references) == (
        2,
        4,
        (on.base + "/status/message",),
    )


def test_the_message_list_follows_suspension_and_revocation(on: WebEnv) -> None:
    issued = issue(on)
    other = issue(on, diploma_number="KZ-OTHER-0001")
    message = issued["credential"]["credentialStatus"][2]
    bystander = other["credential"]["credentialStatus"][2]
    value, text, etag = _read(on, message)
    assert (value, text) == (0, "valid")
    assert _read(on, message)[2] == etag, "not re-signed while nothing changed"
    status = on.service.status
    status.suspend(issued["credentialId"], "under review", actor="test")
    value, text, etag_suspended = _read(on, message)
    assert (value, text) == (1, "suspended")
    assert etag_suspended != etag
    status.revoke(issued["credentialId"], "issued in error", actor="test")
    assert _read(on, message)[:2] == (2, "revoked")  # revocation wins over the suspension
    status.reinstate(issued["credentialId"], "review closed", actor="test")
    assert _read(on, message)[:2] == (2, "revoked")
    assert _read(on, bystander)[:2] == (0, "valid")


def test_the_reference_explains_the_committed_messages(on: WebEnv) -> None:
    message = issue(on)["credential"]["credentialStatus"][2]
    response = on.client.get(_path(message["statusReference"]))
    assert response.status_code == 200
    document = response.get_json()
    assert document["statusMessage"] == message["statusMessage"]
    assert (document["statusPurpose"], document["statusSize"]) == ("message", 2)


def test_the_message_list_page_and_conditional_get(on: WebEnv) -> None:
    message = issue(on)["credential"]["credentialStatus"][2]
    path = _path(message["statusListCredential"])
    page = on.client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "262144 (0 set)" in page.get_data(as_text=True)  # 131,072 entries of 2 bits
    first = on.client.get(path)
    again = on.client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_vc_api_issue_adds_the_message_entry_after_the_callers(on: WebEnv) -> None:
    supplied = {
        "id": "https://status.example/lists/9#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": "5",
        "statusListCredential": "https://status.example/lists/9",
        "statusSize": 1,
        "statusMessage": [
            {"status": "0x0", "message": "pending"},
            {"status": "0x1", "message": "accepted"},
        ],
        "statusReference": ["https://status.example/dictionary"],
    }
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:subject"},
        "credentialStatus": supplied,
    }
    response = on.client.post(
        "/credentials/issue", json={"credential": credential}, headers=on.auth()
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    entries = response.get_json()["verifiableCredential"]["credentialStatus"]
    assert entries[0] == supplied
    assert [e["statusPurpose"] for e in entries[1:]] == ["revocation", "suspension", "message"]


@pytest.mark.parametrize(
    "bad",
    [
        {"statusSize": 2},  # §2.1: statusMessage must be present
        {"statusReference": "relative/dictionary"},
        {"statusMessage": [{"status": "0x0", "message": "only one"}]},
    ],
)
def test_vc_api_issue_refuses_a_malformed_message_entry(on: WebEnv, bad: dict[str, Any]) -> None:
    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": "5",
        "statusListCredential": "https://status.example/lists/9",
        **bad,
    }
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:subject"},
        "credentialStatus": entry,
    }
    response = on.client.post(
        "/credentials/issue", json={"credential": credential}, headers=on.auth()
    )
    problem = assert_problem(response, 400)
    assert "§2.1" in problem["detail"]


def test_switched_off_there_is_no_message_entry_nor_list(tmp_path: Path) -> None:
    off = make_env(tmp_path)
    try:
        entries = issue(off)["credential"]["credentialStatus"]
        assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
        for path in ("/status/message", "/status/message/0"):
            assert_problem(off.client.get(path), 404)
    finally:
        off.service.close()
