"""The verifier's HTTP APIs against the real app: VC API (credentials, challenges, presentations),
/api/verify, and bad input that must end in clear 4xx problem details, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import webkit as kit
from flask import Flask
from flask.testing import FlaskClient

from vc import proofs
from vc.jose import sign_vc_jwt
from vc.keys import KeyPair
from verifier.web import create_app
from verifier.web.state import EXTENSION


@dataclass
class World:
    app: Flask
    client: FlaskClient
    server: kit.DocumentServer
    good: dict[str, Any]
    revoked: dict[str, Any]
    share_url: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("webapi")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    with kit.DocumentServer() as server:
        list_url = server.url("/status/1")
        server.put("/status/1", kit.status_list(list_url, revoked=[3]), "application/vc")
        good = kit.signed_degree(status_url=list_url, index=7)
        revoked = kit.signed_degree(status_url=list_url, index=3)
        share_url = server.put("/share/good", good)
        cfg = kit.config(registry, database_url=f"sqlite:///{tmp / 'verifier.sqlite3'}")
        app = create_app(cfg, context_factory=kit.context_factory(cfg))
        yield World(app, app.test_client(), server, good, revoked, share_url)


# --- VC API: POST /credentials/verify -----------------------------------------------------------


def test_vcapi_verifies_a_good_credential_with_200(world: World) -> None:
    response = world.client.post("/credentials/verify", json={"verifiableCredential": world.good})
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True
    assert body["credential"]["id"] == world.good["id"]
    assert body["problemDetails"] == [
        p for p in body["problemDetails"] if p["checkId"] == "recognition.convention"
    ]  # only the recognition warning (KZ → JP is unconfirmed in the dataset)
    assert body["results"]["proof"][0]["verified"] is True
    assert body["results"]["credentialStatus"][0]["verified"] is True
    report = body["diplomatReport"]
    assert report["sections"]["authenticity"]["status"] == "pass"
    assert report["sections"]["issuer_legitimacy"]["status"] == "pass"
    assert report["destination_country"] == "JP"


def test_vcapi_tampered_credential_is_422_with_the_result_body(world: World) -> None:
    response = world.client.post(
        "/credentials/verify", json={"verifiableCredential": kit.tampered(world.good)}
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["verified"] is False
    types = [p["type"] for p in body["problemDetails"]]
    assert "https://w3id.org/security#PROOF_VERIFICATION_ERROR" in types
    assert body["results"]["proof"][0]["verified"] is False
    assert body["diplomatReport"]["verdict"] == "not_verified"
    assert body["diplomatReport"]["trusted"] is False


def test_vcapi_malformed_credential_is_400_with_the_result_body(world: World) -> None:
    response = world.client.post(
        "/credentials/verify", json={"verifiableCredential": {"type": ["VerifiableCredential"]}}
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["verified"] is False
    assert body["problemDetails"]
    assert body["diplomatReport"]["verdict"] == "not_verified"


def test_vcapi_honours_options_checks(world: World) -> None:
    def verify(credential: dict[str, Any], checks: list[str]) -> Any:
        return world.client.post(
            "/credentials/verify",
            json={"verifiableCredential": credential, "options": {"checks": checks}},
        )

    # Only the proof asked for: the revocation is reported, but does not count.
    proof_only = verify(world.revoked, ["proof"])
    body = proof_only.get_json()
    assert proof_only.status_code == 200, body["problemDetails"]
    assert body["verified"] is True and body["checks"] == ["proof"]
    assert any(p["checkId"] == "status.revocation" for p in body["problemDetails"])
    assert body["diplomatReport"]["verdict"] == "not_verified"
    # Asked for the status too: not verified.
    with_status = verify(world.revoked, ["proof", "credentialStatus"])
    assert with_status.status_code == 422 and with_status.get_json()["verified"] is False
    # A tampered credential fails whatever is asked; a malformed one is still malformed.
    assert verify(kit.tampered(world.good), ["proof"]).status_code == 422
    assert verify({"type": ["VerifiableCredential"]}, ["credentialStatus"]).status_code == 400


@pytest.mark.parametrize(
    "checks", [["proof", "teleportation"], [], "proof", [7]], ids=["unknown", "empty", "str", "int"]
)
def test_vcapi_refuses_unknown_or_malformed_checks(world: World, checks: Any) -> None:
    problem = kit.assert_problem(
        world.client.post(
            "/credentials/verify",
            json={"verifiableCredential": world.good, "options": {"checks": checks}},
        ),
        400,
    )
    assert problem["pointer"] == "/options/checks"


def test_vcapi_revoked_credential_is_not_verified(world: World) -> None:
    response = world.client.post(
        "/credentials/verify", json={"verifiableCredential": world.revoked}
    )
    body = response.get_json()
    assert response.status_code == 422
    assert body["verified"] is False
    assert any(p["checkId"] == "status.revocation" for p in body["problemDetails"])
    assert body["results"]["credentialStatus"][0]["verified"] is False
    assert body["diplomatReport"]["verdict"] == "not_verified"


def test_vcapi_accepts_a_vc_jwt_string_and_an_enveloped_credential(world: World) -> None:
    unsigned = kit.degree()
    token = sign_vc_jwt(unsigned, kit.UNIVERSITY, kit.vm(kit.UNIVERSITY))
    for value in (
        token,
        {
            "@context": [kit.VC2],
            "type": "EnvelopedVerifiableCredential",
            "id": "data:application/vc+jwt," + token,
        },
    ):
        response = world.client.post("/credentials/verify", json={"verifiableCredential": value})
        body = response.get_json()
        assert response.status_code == 200, body["problemDetails"]
        assert body["diplomatReport"]["input_kind"] == "vc-jwt"
        assert body["diplomatReport"]["sections"]["authenticity"]["status"] == "pass"


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        ({}, "/verifiableCredential"),
        ({"verifiableCredential": 5}, "/verifiableCredential"),
        ({"verifiableCredential": "not a jwt"}, "/verifiableCredential"),
        ({"verifiableCredential": {}, "options": {"bogus": 1}}, "/options/bogus"),
        ({"verifiableCredential": {}, "options": []}, "/options"),
    ],
)
def test_vcapi_rejects_malformed_requests(world: World, payload: Any, pointer: str) -> None:
    problem = kit.assert_problem(world.client.post("/credentials/verify", json=payload), 400)
    assert problem["pointer"] == pointer


# --- /api/verify ----------------------------------------------------------------------------------


def test_api_verify_returns_the_full_report_for_the_chosen_country(world: World) -> None:
    response = world.client.post("/api/verify?for=JP", json=world.good)
    assert response.status_code == 200
    report = response.get_json()
    assert report["verdict"] == "verified_with_warnings"
    assert set(report["sections"]) == {
        "authenticity",
        "validity",
        "issuer_legitimacy",
        "recognition",
    }
    assert report["summary"]["issuer_country"] == "KZ"
    assert report["summary"]["holder_name"] == "Aigerim Sarsenbayeva"
    recognition = report["recognition"]
    assert recognition["destination_country"] == "JP"
    assert recognition["outcome"] == "unconfirmed"
    assert "tokyo-2011" in [f["convention_id"] for f in recognition["findings"]]
    status = next(c for c in report["checks"] if c["id"] == "status.revocation")
    assert status["evidence"][0]["source"] == world.server.url("/status/1")
    # The same credential used at home: recognition does not apply.
    home = world.client.post("/api/verify?for=KZ", json=world.good).get_json()
    assert home["sections"]["recognition"]["status"] == "not_applicable"
    assert home["verdict"] == "verified"


def test_api_verify_reports_a_failing_credential_with_200(world: World) -> None:
    response = world.client.post("/api/verify", json=kit.tampered(world.good))
    assert response.status_code == 200
    assert response.get_json()["verdict"] == "not_verified"
    revoked = world.client.post("/api/verify", json=world.revoked).get_json()
    assert revoked["sections"]["validity"]["status"] == "fail"


def test_api_verify_follows_a_share_url(world: World) -> None:
    response = world.client.post("/api/verify", json={"url": world.share_url})
    assert response.status_code == 200
    assert response.get_json()["sections"]["authenticity"]["status"] == "pass"


def test_api_verify_accepts_a_jwt_body(world: World) -> None:
    token = sign_vc_jwt(kit.degree(), kit.UNIVERSITY, kit.vm(kit.UNIVERSITY))
    response = world.client.post("/api/verify", data=token, content_type="application/vc+jwt")
    assert response.status_code == 200
    assert response.get_json()["input_kind"] == "vc-jwt"


# --- bad input: clear 4xx problems, never a 500 ---------------------------------------------------


@pytest.mark.parametrize("path", ["/api/verify", "/credentials/verify", "/presentations/verify"])
def test_not_json_is_a_400assert_problem(world: World, path: str) -> None:
    problem = kit.assert_problem(
        world.client.post(path, data=b"{this is not json", content_type="application/json"), 400
    )
    assert "JSON" in problem["detail"] or "json" in problem["detail"]


@pytest.mark.parametrize("path", ["/api/verify", "/credentials/verify"])
def test_empty_body_and_json_array_are_400(world: World, path: str) -> None:
    kit.assert_problem(world.client.post(path, data=b"", content_type="application/json"), 400)
    kit.assert_problem(
        world.client.post(path, data=b"[1, 2]", content_type="application/json"), 400
    )


@pytest.mark.parametrize("path", ["/api/verify", "/credentials/verify", "/presentations/verify"])
def test_a_50_mb_body_is_413(world: World, path: str) -> None:
    body = b"{" + b" " * (50 * 1024 * 1024) + b"}"
    problem = kit.assert_problem(
        world.client.post(path, data=body, content_type="application/json"), 413
    )
    assert str(1024 * 1024) in problem["detail"]


def test_a_50_mb_upload_is_a_413_page(world: World) -> None:
    boundary = "diplomat-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.json"\r\n'
        "Content-Type: application/json\r\n\r\n".encode()
        + b"x" * (50 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = world.client.post(
        "/verify/upload",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 413
    assert response.content_type.startswith("text/html")
    assert "larger than this verifier accepts" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/verify", "/credentials/verify"])
def test_deeply_nested_json_is_400(world: World, path: str) -> None:
    body = b'{"verifiableCredential": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    problem = kit.assert_problem(
        world.client.post(path, data=body, content_type="application/json"), 400
    )
    assert "nested" in problem["detail"]


@pytest.mark.parametrize("url", ["http://10.0.0.1/x", "http://169.254.169.254/latest/meta-data/"])
def test_share_urls_to_private_addresses_are_refused(world: World, url: str) -> None:
    # The safe fetcher refuses them before any connection (dev mode allows only 127.0.0.1).
    problem = kit.assert_problem(world.client.post("/api/verify", json={"url": url}), 400)
    assert "address" in problem["detail"]
    page = world.client.get(f"/verify?url={url}", headers={"Accept": "text/html"})
    assert page.status_code == 400
    assert page.content_type.startswith("text/html")
    assert "address" in page.get_data(as_text=True)


def test_bad_destination_country_is_400(world: World) -> None:
    problem = kit.assert_problem(world.client.post("/api/verify?for=Japan", json=world.good), 400)
    assert "ISO 3166-1" in problem["detail"]


@pytest.mark.parametrize("code", ["XX", "xx", "ZZ", "EU"])
def test_unknown_country_code_is_refused_naming_the_list(world: World, code: str) -> None:
    problem = kit.assert_problem(world.client.post(f"/api/verify?for={code}", json=world.good), 400)
    assert f"'{code.upper()}' is not a country code in ISO 3166-1 alpha-2" in problem["detail"]
    vcapi = world.client.post(
        f"/credentials/verify?for={code}", json={"verifiableCredential": world.good}
    )
    assert "ISO 3166-1 alpha-2" in kit.assert_problem(vcapi, 400)["detail"]


def test_unknown_route_and_method_are_problems(world: World) -> None:
    kit.assert_problem(world.client.get("/nothing-here"), 404)
    response = world.client.get("/api/verify")
    kit.assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_an_unexpected_exception_is_a_500_problem_without_traceback(tmp_path: Path) -> None:
    cfg = kit.config(None, database_url=f"sqlite:///{tmp_path / 'verifier.sqlite3'}")
    app = create_app(cfg, context_factory=kit.context_factory(cfg))

    def boom() -> str:
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/boom", "boom", boom)
    response = app.test_client().get("/boom")
    problem = kit.assert_problem(response, 500)
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert problem["title"] == "Internal Server Error"


def test_pages_and_apis_send_security_headers(world: World) -> None:
    response = world.client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- presentations with a challenge ---------------------------------------------------------------


def _presentation(
    credential: dict[str, Any], signer: KeyPair, challenge: str, domain: str | None = None
) -> dict[str, Any]:
    vp = {
        "@context": [kit.VC2],
        "type": ["VerifiablePresentation"],
        "holder": signer.public.did_key,
        "verifiableCredential": [credential],
    }
    return proofs.sign(
        vp,
        signer,
        verification_method=kit.vm(signer),
        created=kit.SIGNED_AT,
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )


def _challenge(client: FlaskClient) -> str:
    response = client.post("/challenges")
    assert response.status_code == 200
    challenge: str = response.get_json()["challenge"]
    assert len(challenge) >= 20
    return challenge


def _verify_vp(client: FlaskClient, vp: dict[str, Any], challenge: str, **options: Any) -> Any:
    return client.post(
        "/presentations/verify",
        json={"verifiablePresentation": vp, "options": {"challenge": challenge, **options}},
    )


def test_challenges_are_random(world: World) -> None:
    assert len({_challenge(world.client) for _ in range(5)}) == 5


def test_presentation_with_a_fresh_challenge_verifies(world: World) -> None:
    challenge = _challenge(world.client)
    vp = _presentation(world.good, kit.HOLDER, challenge, domain="verifier.test.example")
    response = _verify_vp(world.client, vp, challenge, domain="verifier.test.example")
    body = response.get_json()
    assert response.status_code == 200, body["problemDetails"]
    assert body["verified"] is True
    assert body["results"]["challenge"] == {"valid": True, "input": challenge}
    assert body["results"]["holder"]["valid"] is True
    assert body["diplomatReport"]["challenge"]["accepted"] is True
    assert body["diplomatReport"]["credentials"][0]["sections"]["authenticity"]["status"] == "pass"


def test_presentation_signed_for_another_challenge_fails(world: World) -> None:
    issued = _challenge(world.client)
    vp = _presentation(world.good, kit.HOLDER, "a-challenge-the-holder-made-up")
    response = _verify_vp(world.client, vp, issued)
    body = response.get_json()
    assert response.status_code == 422
    assert body["verified"] is False
    assert body["results"]["challenge"]["valid"] is False
    assert any(p["checkId"] == "presentation.proof" for p in body["problemDetails"])


def test_a_challenge_cannot_be_used_twice(world: World) -> None:
    challenge = _challenge(world.client)
    vp = _presentation(world.good, kit.HOLDER, challenge)
    assert _verify_vp(world.client, vp, challenge).status_code == 200
    replay = _verify_vp(world.client, vp, challenge)
    body = replay.get_json()
    assert replay.status_code == 422
    assert body["verified"] is False
    assert body["problemDetails"][0]["type"].endswith("INVALID_CHALLENGE_ERROR")
    assert "already used" in body["diplomatReport"]["challenge"]["reason"]


def test_a_challenge_of_the_callers_own_is_checked_against_the_proof(world: World) -> None:
    # VC-API: the caller may bring its own challenge (and answers for its freshness); it must
    # still be the one the presentation was signed for.
    own = "the-relying-partys-own-challenge-0123456789"
    vp = _presentation(world.good, kit.HOLDER, own)
    response = _verify_vp(world.client, vp, own)
    body = response.get_json()
    assert response.status_code == 200, body["problemDetails"]
    assert body["verified"] is True
    assert body["diplomatReport"]["challenge"] == {
        "accepted": True,
        "reason": None,
        "source": "caller",
    }
    other = _verify_vp(world.client, vp, "another-challenge-of-the-caller")
    assert other.status_code == 422
    assert other.get_json()["results"]["challenge"]["valid"] is False


def test_an_expired_challenge_fails(world: World) -> None:
    store = world.app.extensions[EXTENSION].challenges
    challenge = _challenge(world.client)
    real_clock = store.clock
    store.clock = lambda: real_clock() + store.ttl + 1
    try:
        vp = _presentation(world.good, kit.HOLDER, challenge)
        body = _verify_vp(world.client, vp, challenge).get_json()
    finally:
        store.clock = real_clock
    assert body["verified"] is False
    assert "expired" in body["diplomatReport"]["challenge"]["reason"]


def test_presentation_by_someone_who_is_not_the_graduate_is_a_named_warning(
    world: World,
) -> None:
    # VC-DM 2.0 lets a holder present credentials about someone else: the proof is sound, and
    # the reader sees "presentation.holder_binding" failed as a warning, by name.
    challenge = _challenge(world.client)
    vp = _presentation(world.good, kit.STRANGER, challenge)
    response = _verify_vp(world.client, vp, challenge)
    body = response.get_json()
    assert response.status_code == 200
    assert body["verified"] is True
    assert body["results"]["holder"]["valid"] is False
    assert body["results"]["proof"][0]["valid"] is True
    assert any(p["checkId"] == "presentation.holder_binding" for p in body["problemDetails"])
    report = body["diplomatReport"]
    assert report["verdict"] == "verified_with_warnings"
    binding = next(c for c in report["checks"] if c["id"] == "presentation.holder_binding")
    assert binding["status"] == "fail" and binding["severity"] == "warning"


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        ({"options": {"challenge": "x"}}, "/verifiablePresentation"),
        ({"verifiablePresentation": {}, "options": {}}, "/options/challenge"),
        ({"verifiablePresentation": {}, "options": {"challenge": 7}}, "/options/challenge"),
    ],
)
def test_malformed_presentation_requests_are_400(
    world: World, payload: dict[str, Any], pointer: str
) -> None:
    problem = kit.assert_problem(world.client.post("/presentations/verify", json=payload), 400)
    assert problem["pointer"] == pointer


def test_a_document_that_is_not_a_presentation_is_400(world: World) -> None:
    challenge = _challenge(world.client)
    problem = kit.assert_problem(
        world.client.post(
            "/presentations/verify",
            data=json.dumps(
                {"verifiablePresentation": world.good, "options": {"challenge": challenge}}
            ),
            content_type="application/json",
        ),
        400,
    )
    assert "VerifiablePresentation" in problem["detail"]
