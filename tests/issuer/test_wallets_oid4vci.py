"""OpenID4VCI 1.0 through the Flask app, as the specification names each failure: metadata,
the offer by reference, the token endpoint (invalid_grant for wrong, reused and expired codes and
wrong transaction codes; invalid_request; unsupported_grant_type), the nonce endpoint, and the
credential endpoint (invalid_token, invalid_proof, invalid_nonce for replayed or stale nonces,
unknown_credential_configuration). Errors are OAuth JSON, never problem details, never a 500."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from walletkit import Holder, RecordingNotifier, Wallet, path_of
from webfixtures import WebEnv

from vc.dids import DidResolver
from vc.proofs import verify

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
LDP = "DiplomaCredential_ldp_vc"


def b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.fixture
def env(key_env: WebEnv) -> WebEnv:
    """The module's shared did:key issuer (conftest.key_env), reset after each test."""
    return key_env


def offer(env: WebEnv, holder: Holder | None = None) -> dict[str, Any]:
    holder = holder or Holder.issue(env)
    (link,) = holder.wallet_links("oid4vci")
    offer_uri = parse_qs(urlsplit(link).query)["credential_offer_uri"][0]
    response = env.client.get(path_of(offer_uri))
    assert response.status_code == 200
    body = response.get_json()
    assert isinstance(body, dict)
    body["_offer_path"] = path_of(offer_uri)
    return body


def code_of(body: dict[str, Any]) -> str:
    return str(body["grants"][PRE_AUTH]["pre-authorized_code"])


def token(env: WebEnv, code: str, **extra: str) -> Any:
    return env.client.post(
        "/oid4vci/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": code, **extra}
    )


def oauth_error(response: Any, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == error and body["error_description"]


def access(env: WebEnv) -> str:
    response = token(env, code_of(offer(env)))
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.get_json()["access_token"])


def nonce(env: WebEnv) -> str:
    response = env.client.post("/oid4vci/nonce")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return str(response.get_json()["c_nonce"])


def credential(env: WebEnv, access_token: str, proof: str, configuration: str = LDP) -> Any:
    return env.client.post(
        "/oid4vci/credential",
        json={"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}},
        headers={"Authorization": f"Bearer {access_token}"},
    )


def test_metadata_and_offer(env: WebEnv) -> None:
    issuer = env.client.get("/.well-known/openid-credential-issuer").get_json()
    assert issuer["credential_issuer"] == env.base
    assert issuer["credential_endpoint"] == env.base + "/oid4vci/credential"
    assert issuer["nonce_endpoint"] == env.base + "/oid4vci/nonce"
    configs = issuer["credential_configurations_supported"]
    assert {c["format"] for c in configs.values()} == {"ldp_vc", "jwt_vc_json"}
    server = env.client.get("/.well-known/oauth-authorization-server").get_json()
    assert server["issuer"] == env.base and PRE_AUTH in server["grant_types_supported"]
    body = offer(env)
    assert body["credential_issuer"] == env.base
    assert set(body["credential_configuration_ids"]) == set(configs)
    assert "tx_code" not in body["grants"][PRE_AUTH]  # no notifier: no transaction code


def test_the_whole_flow_binds_the_diploma_to_the_proof_key(env: WebEnv) -> None:
    holder = Holder.issue(env)
    body = offer(env, holder)
    access_token = token(env, code_of(body)).get_json()["access_token"]
    wallet = Wallet()
    proof = wallet.proof_jwt(audience=env.base, nonce=nonce(env))
    response = credential(env, access_token, proof)
    assert response.status_code == 200, response.get_data(as_text=True)
    issued = response.get_json()["credentials"][0]["credential"]
    assert issued["credentialSubject"]["id"] == wallet.did
    assert issued["id"] == holder.issued["credential"]["id"]
    result = verify(
        issued, resolver=DidResolver(), now=env.clock(), loader=env.service.context.loader
    )
    assert result.verified, result.errors
    # The offer is spent with its code: fetching it again finds nothing.
    assert env.client.get(body["_offer_path"]).status_code == 404


def test_token_endpoint_errors(env: WebEnv) -> None:
    body = offer(env)
    code = code_of(body)
    oauth_error(
        env.client.post("/oid4vci/token", data={"grant_type": "password"}), "unsupported_grant_type"
    )
    oauth_error(env.client.post("/oid4vci/token", data={"grant_type": PRE_AUTH}), "invalid_request")
    oauth_error(token(env, "x" * 43), "invalid_grant")
    oauth_error(token(env, "short"), "invalid_grant")
    assert token(env, code).status_code == 200
    oauth_error(token(env, code), "invalid_grant")  # reused
    expired = code_of(offer(env))
    env.clock.advance(days=7, seconds=1)
    oauth_error(token(env, expired), "invalid_grant")


def test_transaction_code_sent_out_of_band(env: WebEnv) -> None:
    notifier = RecordingNotifier()
    env.service.oid4vci.notifier = notifier
    holder = Holder.issue(env)
    body = offer(env, holder)
    (sent_to, tx_code) = notifier.sent[-1]
    assert sent_to == holder.credential_id and len(tx_code) == 6 and tx_code.isdigit()
    assert body["grants"][PRE_AUTH]["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": "The code we sent to your e-mail address",
    }
    code = code_of(body)
    oauth_error(token(env, code), "invalid_request")
    wrong = "000000" if tx_code != "000000" else "111111"
    oauth_error(token(env, code, tx_code=wrong), "invalid_grant")
    assert token(env, code, tx_code=tx_code).status_code == 200
    # Five wrong codes kill the offer, even for the right code afterwards.
    second = code_of(offer(env, holder))
    tx_code = notifier.sent[-1][1]
    wrong = "000000" if tx_code != "000000" else "111111"
    for _ in range(5):
        oauth_error(token(env, second, tx_code=wrong), "invalid_grant")
    oauth_error(token(env, second, tx_code=tx_code), "invalid_grant")


@pytest.mark.parametrize(
    "flaw",
    [
        "audience",
        "typ",
        "stale",
        "future",
        "signature",
        "alg-none",
        "two-keys",
        "not-a-jwt",
        "none",
    ],
)
def test_bad_key_proofs_are_invalid_proof(env: WebEnv, flaw: str) -> None:
    access_token = access(env)
    wallet = Wallet()
    fresh = nonce(env)
    now = int(time.time())
    if flaw == "audience":
        proof = wallet.proof_jwt(audience="https://evil.example", nonce=fresh)
    elif flaw == "typ":
        proof = wallet.proof_jwt(audience=env.base, nonce=fresh, typ="JWT")
    elif flaw == "stale":
        proof = wallet.proof_jwt(audience=env.base, nonce=fresh, iat=now - 3600)
    elif flaw == "future":
        proof = wallet.proof_jwt(audience=env.base, nonce=fresh, iat=now + 3600)
    elif flaw == "signature":
        header, payload, _sig = wallet.proof_jwt(audience=env.base, nonce=fresh).split(".")
        other = Wallet().proof_jwt(audience=env.base, nonce=fresh).split(".")[2]
        proof = ".".join((header, payload, other))
    elif flaw == "alg-none":
        _header, payload, _sig = wallet.proof_jwt(audience=env.base, nonce=fresh).split(".")
        none = b64url(json.dumps({"alg": "none", "typ": "openid4vci-proof+jwt", "kid": wallet.kid}))
        proof = f"{none}.{payload}."
    elif flaw == "two-keys":
        proof = wallet.proof_jwt(
            audience=env.base,
            nonce=fresh,
            header={
                "alg": "EdDSA",
                "typ": "openid4vci-proof+jwt",
                "kid": wallet.kid,
                "jwk": wallet.key.public.to_jwk(),
            },
        )
    elif flaw == "not-a-jwt":
        proof = "not.a.jwt"
    else:
        response = env.client.post(
            "/oid4vci/credential",
            json={"credential_configuration_id": LDP},
            headers={"Authorization": f"Bearer {access_token}"},
        )
        oauth_error(response, "invalid_proof")
        return
    oauth_error(credential(env, access_token, proof), "invalid_proof")
    # Nothing was spent: the same token with a good proof still gets the diploma.
    good = wallet.proof_jwt(audience=env.base, nonce=nonce(env))
    assert credential(env, access_token, good).status_code == 200


def test_nonces_are_single_use_and_expire(env: WebEnv) -> None:
    wallet = Wallet()
    used = nonce(env)
    assert (
        credential(env, access(env), wallet.proof_jwt(audience=env.base, nonce=used)).status_code
        == 200
    )
    replayed = wallet.proof_jwt(audience=env.base, nonce=used)
    oauth_error(credential(env, access(env), replayed), "invalid_nonce")
    oauth_error(
        credential(env, access(env), wallet.proof_jwt(audience=env.base, nonce=None)),
        "invalid_nonce",
    )
    oauth_error(
        credential(env, access(env), wallet.proof_jwt(audience=env.base, nonce="n" * 43)),
        "invalid_nonce",
    )
    stale = nonce(env)
    access_token = access(env)
    env.clock.advance(minutes=6)
    proof = wallet.proof_jwt(audience=env.base, nonce=stale, iat=int(env.clock().timestamp()))
    oauth_error(credential(env, access_token, proof), "invalid_nonce")


def test_credential_endpoint_token_and_request_errors(env: WebEnv) -> None:
    wallet = Wallet()
    proof = wallet.proof_jwt(audience=env.base, nonce=nonce(env))
    response = env.client.post("/oid4vci/credential", json={})
    oauth_error(response, "invalid_token", 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    oauth_error(credential(env, "t" * 43, proof), "invalid_token", 401)
    access_token = access(env)
    oauth_error(credential(env, access_token, proof, "Nope"), "unknown_credential_configuration")
    bad_json = env.client.post(
        "/oid4vci/credential",
        data=b"{",
        content_type="application/json",
        headers={"Authorization": f"Bearer {access_token}"},
    )
    oauth_error(bad_json, "invalid_credential_request")
    env.clock.advance(minutes=11)
    proof = wallet.proof_jwt(audience=env.base, nonce=nonce(env), iat=int(env.clock().timestamp()))
    oauth_error(credential(env, access_token, proof), "invalid_token", 401)


def test_revoked_diploma_gets_no_offer_and_no_credential(env: WebEnv) -> None:
    holder = Holder.issue(env)
    access_token = token(env, code_of(offer(env, holder))).get_json()["access_token"]
    env.service.status.revoke(holder.credential_id, "test", actor="registrar")
    wallet = Wallet()
    proof = wallet.proof_jwt(audience=env.base, nonce=nonce(env))
    oauth_error(credential(env, access_token, proof), "invalid_credential_request")
    path = urlsplit(holder.issued["managementUrl"]).path + "/wallet/oid4vci"
    assert env.client.post(path, data={"token": holder.token}).status_code == 409


def test_offer_page_and_code_lifetimes(env: WebEnv) -> None:
    body = offer(env)
    env.clock.advance(days=6)
    assert env.client.get(body["_offer_path"]).status_code == 200
    env.clock.now += timedelta(days=1, seconds=1)
    assert env.client.get(body["_offer_path"]).status_code == 404
    assert env.client.get("/oid4vci/offers/" + "o" * 43).status_code == 404


def test_the_draft_singular_proof_is_accepted_too(env: WebEnv) -> None:
    """Drafts 13-15 sent one ``proof`` object; 1.0 sends ``proofs``. Both bind the key."""
    wallet = Wallet()
    response = env.client.post(
        "/oid4vci/credential",
        json={
            "credential_configuration_id": LDP,
            "proof": {
                "proof_type": "jwt",
                "jwt": wallet.proof_jwt(audience=env.base, nonce=nonce(env)),
            },
        },
        headers={"Authorization": f"Bearer {access(env)}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (
        response.get_json()["credentials"][0]["credential"]["credentialSubject"]["id"] == wallet.did
    )
    two = {"jwt": [wallet.proof_jwt(audience=env.base, nonce=nonce(env))] * 2}
    response = env.client.post(
        "/oid4vci/credential",
        json={"credential_configuration_id": LDP, "proofs": two},
        headers={"Authorization": f"Bearer {access(env)}"},
    )
    oauth_error(response, "invalid_proof")


def test_web_wallets_may_call_the_endpoints_cross_origin(env: WebEnv) -> None:
    preflight = env.client.options(
        "/oid4vci/credential",
        headers={"Origin": "https://wallet.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    metadata = env.client.get("/.well-known/openid-credential-issuer")
    assert metadata.headers["Access-Control-Allow-Origin"] == "*"
    holder = Holder.issue(env)
    path = urlsplit(holder.issued["managementUrl"]).path + "/wallet/oid4vci"
    page = env.client.post(path, data={"token": holder.token})
    assert "Access-Control-Allow-Origin" not in page.headers
