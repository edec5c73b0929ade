"""The candidate's identity through the shells: /api/verify, VC API options, the pages' forms.

The value is personal data: it may come in a request body only, and no response, URL or log line
may carry it back (only its masked form, a***@student.example.kz).
"""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import webkit as kit
from flask import Flask
from flask.testing import FlaskClient

from verifier.web import create_app

PROBLEM = "application/problem+json"
MASKED = "a***@student.example.kz"
TYPED = "  Aigerim.Sarsenbayeva@Student.Example.KZ "  # as a job application might spell it
OTHER = "a.sarsenbayeva@mail.example"


@dataclass
class World:
    app: Flask
    client: FlaskClient
    server: kit.DocumentServer
    identified: dict[str, Any]
    share_url: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("recipient")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    with kit.DocumentServer() as server:
        identified = kit.identified_degree()
        share_url = server.put("/share/identified", identified)
        cfg = kit.config(registry, database_url=f"sqlite:///{tmp / 'verifier.sqlite3'}")
        app = create_app(cfg, context_factory=kit.context_factory(cfg))
        yield World(app, app.test_client(), server, identified, share_url)


def email_recipient(value: str = TYPED) -> dict[str, str]:
    return {"identityType": "emailAddress", "identity": value}


def leaks(text: str, *values: str) -> bool:
    low = text.lower()
    return any(v.strip().lower() in low for v in (kit.CANDIDATE_EMAIL, *values))


def recipient_check(report: dict[str, Any]) -> dict[str, Any]:
    [check] = [c for c in report["checks"] if c["id"] == "recipient"]
    return check


# --- /api/verify ---------------------------------------------------------------------------------


def test_api_takes_the_recipient_beside_the_credential(world: World) -> None:
    response = world.client.post(
        "/api/verify?for=KZ",
        json={"verifiableCredential": world.identified, "recipient": email_recipient()},
    )
    assert response.status_code == 200
    report = response.get_json()
    check = recipient_check(report)
    assert check["status"] == "pass" and MASKED in check["message"]["en"]
    assert "hashed with salt (sha256)" in check["message"]["en"]
    assert report["verdict"] == "verified"
    assert not leaks(response.get_data(as_text=True), TYPED)


def test_api_takes_the_recipient_beside_a_share_url(world: World) -> None:
    response = world.client.post(
        "/api/verify",
        json={"url": world.share_url, "recipient": {"identityType": "sisSourcedId",
                                                    "identity": kit.STUDENT_NUMBER}},
    )  # fmt: skip
    assert recipient_check(response.get_json())["status"] == "pass"


def test_api_reports_another_email_as_a_warning_with_200(world: World) -> None:
    response = world.client.post(
        "/api/verify?for=KZ",
        json={"verifiableCredential": world.identified, "recipient": email_recipient(OTHER)},
    )
    assert response.status_code == 200
    report = response.get_json()
    check = recipient_check(report)
    assert check["status"] == "fail"
    assert "not issued to the e-mail address a***@mail.example" in check["message"]["en"]
    assert report["verdict"] == "verified_with_warnings" and report["verified"] is True
    assert [p["type"] for p in report["problem_details"]] == [
        "urn:diplomat:problem:recipient-mismatch"
    ]
    assert not leaks(response.get_data(as_text=True), OTHER)


def test_api_without_a_recipient_leaves_the_check_not_applicable(world: World) -> None:
    for body in (world.identified, {"verifiableCredential": world.identified}):
        report = world.client.post("/api/verify", json=body).get_json()
        assert recipient_check(report)["status"] == "not_applicable"


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        ("aigerim@example.org", "exactly 'identityType' and 'identity'"),
        ({"identityType": "emailAddress"}, "exactly 'identityType' and 'identity'"),
        ({**email_recipient(), "extra": 1}, "exactly 'identityType' and 'identity'"),
        ({"identityType": "emailAddress", "identity": 42}, "must be strings"),
        (email_recipient("aigerim-at-example.org"), "name@domain.tld"),
        (email_recipient("aigerim\u0000@example.org"), "control"),
        ({"identityType": "phone", "identity": "+7 701 000 0000"}, "identifier type"),
    ],
)
def test_api_refuses_a_malformed_recipient_without_echoing_it(
    world: World, recipient: Any, expected: str
) -> None:
    response = world.client.post(
        "/api/verify", json={"verifiableCredential": world.identified, "recipient": recipient}
    )
    assert response.status_code == 400 and response.content_type == PROBLEM
    problem = response.get_json()
    assert expected in problem["detail"] and problem["pointer"] == "/recipient"
    assert "example.org" not in problem["detail"] and "+7 701" not in problem["detail"]


@pytest.mark.parametrize("path", ["/api/verify", "/credentials/verify"])
def test_a_recipient_in_the_url_is_refused(world: World, path: str) -> None:
    query = urllib.parse.urlencode({"recipient": kit.CANDIDATE_EMAIL})
    response = world.client.post(f"{path}?{query}", json={"verifiableCredential": world.identified})
    assert response.status_code == 400
    assert "not accepted in a URL" in response.get_json()["detail"]
    assert not leaks(response.get_data(as_text=True))


# --- VC API: options.recipient ---------------------------------------------------------------------


def test_vcapi_takes_the_recipient_as_an_option(world: World) -> None:
    response = world.client.post(
        "/credentials/verify",
        json={
            "verifiableCredential": world.identified,
            "options": {"recipient": email_recipient(), "destinationCountry": "KZ"},
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True
    assert body["results"]["recipient"] == {
        "verified": True,
        "status": "pass",
        "identityType": "emailAddress",
        "input": MASKED,
    }
    assert recipient_check(body["diplomatReport"])["status"] == "pass"
    assert not leaks(response.get_data(as_text=True), TYPED)


def test_vcapi_mismatch_is_a_problem_but_not_unverified(world: World) -> None:
    response = world.client.post(
        "/credentials/verify",
        json={
            "verifiableCredential": world.identified,
            "options": {"recipient": email_recipient(OTHER), "destinationCountry": "KZ"},
        },
    )
    assert response.status_code == 200  # the credential itself verified
    body = response.get_json()
    assert body["verified"] is True
    assert body["results"]["recipient"]["verified"] is False
    assert body["results"]["recipient"]["status"] == "fail"
    [problem] = body["problemDetails"]
    assert problem["checkId"] == "recipient"
    assert problem["type"] == "urn:diplomat:problem:recipient-mismatch"
    assert not leaks(response.get_data(as_text=True), OTHER)


def test_vcapi_without_the_option_has_no_recipient_result(world: World) -> None:
    body = world.client.post(
        "/credentials/verify", json={"verifiableCredential": world.identified}
    ).get_json()
    assert "recipient" not in body["results"]
    assert recipient_check(body["diplomatReport"])["status"] == "not_applicable"


def test_vcapi_malformed_recipient_option_is_400(world: World) -> None:
    response = world.client.post(
        "/credentials/verify",
        json={"verifiableCredential": world.identified, "options": {"recipient": "x@y.org"}},
    )
    assert response.status_code == 400
    assert response.get_json()["pointer"] == "/options/recipient"


# --- the pages' forms (Flask test client) ---------------------------------------------------------


def _html(response: Any) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "Location" not in response.headers  # no redirect that could carry the value
    return str(response.get_data(as_text=True))


def _recipient_item(page: str) -> str:
    match = re.search(r'<li class="check status-(\w+)" data-check="recipient">(.*?)</li>\s*</ul>',
                      page, re.S)  # fmt: skip
    assert match is not None
    return match.group(1) + " " + match.group(2)


def test_landing_offers_the_field_on_the_paste_and_upload_forms_only(world: World) -> None:
    page = _html(world.client.get("/"))
    forms = re.findall(r"<form (.*?)</form>", page, re.S)
    by_action = {re.search(r'action="([^"]+)"', f).group(1): f for f in forms}  # type: ignore[union-attr]
    assert 'name="recipient"' in by_action["/verify/paste"]
    assert 'name="recipient"' in by_action["/verify/upload"]
    assert 'name="recipient"' not in by_action["/verify"]  # a GET form: it would land in the URL
    assert "Candidate's e-mail or student number" in page and "(optional; not stored)" in page


def test_paste_form_posts_the_email_and_the_report_shows_it_masked(world: World) -> None:
    response = world.client.post(
        "/verify/paste",
        data={"credential": json.dumps(world.identified), "for": "KZ", "recipient": TYPED},
    )
    page = _html(response)
    assert 'data-verdict="verified"' in page
    item = _recipient_item(page)
    assert item.startswith("pass ") and "Issued to your candidate" in item
    assert MASKED in item and "hashed with salt (sha256)" in item
    assert f"candidate <strong>{MASKED}</strong>" in page
    assert not leaks(page, TYPED)
    # The re-run form posts, and its field starts empty: the value is never echoed back.
    [rerun] = re.findall(r'<form class="rerun[^"]*" method="post"[^>]*>(.*?)</form>', page, re.S)
    field = re.search(r'<input type="text" name="recipient"[^>]*>', rerun)
    assert field is not None and "value=" not in field.group(0)


def test_upload_form_reports_another_email_in_plain_words(world: World) -> None:
    response = world.client.post(
        "/verify/upload",
        data={
            "file": (io.BytesIO(json.dumps(world.identified).encode()), "diploma.json"),
            "for": "KZ",
            "recipient": OTHER,
        },
        content_type="multipart/form-data",
    )
    page = _html(response)
    assert 'data-verdict="verified_with_warnings"' in page
    item = _recipient_item(page)
    assert item.startswith("fail ")
    assert "This credential was not issued to the e-mail address a***@mail.example" in item
    assert "Ask the candidate which e-mail address they gave the university" in item
    assert 'id="section-authenticity" data-status="pass"' in page
    assert not leaks(page, OTHER)


def test_student_number_and_no_identifier_outcomes_on_the_page(world: World) -> None:
    page = _html(
        world.client.post(
            "/verify/paste",
            data={"credential": json.dumps(world.identified), "recipient": kit.STUDENT_NUMBER},
        )
    )
    assert _recipient_item(page).startswith("pass ") and "student number ***17" in page
    bare = _html(
        world.client.post(
            "/verify/paste",
            data={"credential": json.dumps(kit.signed_degree()), "recipient": TYPED},
        )
    )
    item = _recipient_item(bare)
    assert item.startswith("indeterminate ") and "carries no emailAddress identifier" in item
    assert not leaks(bare, TYPED)


def test_the_rerun_form_for_a_link_posts_url_country_and_recipient(world: World) -> None:
    page = _html(world.client.get(kit.verifier_link("", world.share_url, "JP")))
    assert 'form class="rerun no-print" method="post" action="/verify"' in page
    assert _recipient_item(page).startswith("not_applicable ")
    rerun = _html(
        world.client.post("/verify", data={"url": world.share_url, "for": "KZ", "recipient": TYPED})
    )
    assert _recipient_item(rerun).startswith("pass ") and '<option value="KZ" selected>' in rerun
    assert not leaks(rerun, TYPED)


def test_a_blank_field_is_no_recipient_and_a_bad_one_an_error_page(world: World) -> None:
    blank = _html(
        world.client.post(
            "/verify/paste", data={"credential": json.dumps(world.identified), "recipient": "  "}
        )
    )
    assert _recipient_item(blank).startswith("not_applicable ")
    bad = world.client.post(
        "/verify/paste",
        data={"credential": json.dumps(world.identified), "recipient": "me@@example.org"},
        headers={"Accept": "text/html"},
    )
    assert bad.status_code == 400 and bad.content_type.startswith("text/html")
    text = bad.get_data(as_text=True)
    assert "name@domain.tld" in text and "me@@example.org" not in text


def test_a_recipient_in_a_page_url_is_refused(world: World) -> None:
    link = kit.verifier_link("", world.share_url) + "&recipient=" + kit.CANDIDATE_EMAIL
    response = world.client.get(link, headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "not accepted in a URL" in response.get_data(as_text=True)
    assert not leaks(response.get_data(as_text=True))


def test_a_real_server_never_logs_the_value(world: World, caplog: pytest.LogCaptureFixture) -> None:
    body = urllib.parse.urlencode(
        {"credential": json.dumps(world.identified), "recipient": TYPED}
    ).encode()
    with kit.AppServer(world.app) as server, caplog.at_level(logging.DEBUG):
        logging.getLogger("werkzeug").setLevel(logging.INFO)  # one line per request, as deployed
        try:
            request = urllib.request.Request(server.base_url + "/verify/paste", data=body)
            with urllib.request.urlopen(request, timeout=30) as reply:  # the app on 127.0.0.1
                page = reply.read().decode()
        finally:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
    assert MASKED in page
    assert "POST /verify/paste" in caplog.text  # the request was logged ...
    assert not leaks(caplog.text, TYPED)  # ... without the candidate's address
