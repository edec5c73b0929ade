"""VC-API wallet exchange through the Flask app: the holder page's links, the DIDAuthentication
request, the re-issued diploma (same id, number, status entries; the wallet's DID as subject;
a new proof; an audit entry), and every refusal: wrong challenge or domain, a presentation not
signed by its holder, a reused or expired exchange, a revoked diploma, a wrong holder token."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from walletkit import Holder, Wallet, path_of
from webfixtures import WebEnv, assert_problem

from issuer.store.models import AuditRow
from vc.dids import DidResolver
from vc.proofs import verify


@pytest.fixture
def env(key_env: WebEnv) -> WebEnv:
    """The module's shared did:key issuer (conftest.key_env), reset after each test."""
    return key_env


def exchange_path(env: WebEnv, holder: Holder) -> tuple[str, str]:
    """Start an exchange from the holder page; (exchange path, challenge of the deep link)."""
    links = holder.wallet_links("vc-api")
    dcc = next(link for link in links if link.startswith("dccrequest://request?"))
    query = parse_qs(urlsplit(dcc).query)
    return path_of(query["vc_request_url"][0]), query["challenge"][0]


def test_holder_page_offers_every_wallet_link_with_a_qr(env: WebEnv) -> None:
    holder = Holder.issue(env)
    page = env.client.get(holder.manage_path()).get_data(as_text=True)
    assert 'id="wallets"' in page and "wallet/vc-api" in page and "wallet/oid4vci" in page
    html = holder.wallet_page("vc-api")
    assert html.count('<svg class="qr"') == 4
    links = holder.wallet_links("vc-api")
    assert [link.split("?")[0] for link in links] == [
        "dccrequest://request",
        "https://lcw.app/request",
        "https://learncard.app/request",
        links[3].split("?")[0],
    ]
    lcw = parse_qs(urlsplit(links[0]).query)
    assert lcw["issuer"] == [env.service.context.issuer().did]
    assert lcw["vc_request_url"][0].startswith(env.base + "/exchanges/")
    assert parse_qs(urlsplit(links[2]).query)["vc_request_url"] == lcw["vc_request_url"]
    assert links[3].startswith(env.base + "/interactions/") and links[3].endswith("?iuv=1")
    protocols = env.client.get(path_of(links[3])).get_json()
    assert protocols == {"protocols": {"vcapi": lcw["vc_request_url"][0]}}


def test_exchange_reissues_the_diploma_to_the_wallet_did(env: WebEnv) -> None:
    holder = Holder.issue(env)
    path, challenge = exchange_path(env, holder)
    request = env.client.post(path, json={}).get_json()["verifiablePresentationRequest"]
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["challenge"] == challenge
    assert request["domain"] == urlsplit(env.base).netloc
    wallet = Wallet()
    vp = wallet.presentation(challenge, request["domain"], env.clock())
    response = env.client.post(path, json={"verifiablePresentation": vp})
    assert response.status_code == 200, response.get_data(as_text=True)
    credential = response.get_json()["verifiablePresentation"]["verifiableCredential"][0]
    original = holder.issued["credential"]
    assert credential["credentialSubject"]["id"] == wallet.did
    assert credential["id"] == original["id"]
    assert credential["credentialStatus"] == original["credentialStatus"]
    number = original["credentialSubject"].get("licenseNumber")
    assert credential["credentialSubject"].get("licenseNumber") == number
    assert credential["proof"]["proofValue"] != original["proof"]["proofValue"]
    result = verify(
        credential, resolver=DidResolver(), now=env.clock(), loader=env.service.context.loader
    )
    assert result.verified, result.errors
    with env.service.store.engine.connect() as conn:
        rows = conn.execute(
            AuditRow.__table__.select().where(
                AuditRow.action == "credential.reissue", AuditRow.target == original["id"]
            )
        ).fetchall()
    assert len(rows) == 1
    assert rows[0].target == original["id"]
    assert rows[0].details["holder"] == wallet.did and rows[0].details["protocol"] == "vc-api"
    # Single use: the same presentation (or a new one) gets nothing more.
    again = env.client.post(path, json={"verifiablePresentation": vp})
    assert_problem(again, 410)
    assert_problem(env.client.post(path, json={}), 410)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ("challenge", 422),
        ("domain", 422),
        ("holder", 422),
        ("no-holder", 400),
        ("not-a-vp", 400),
        ("unsigned", 422),
    ],
)
def test_bad_presentations_are_refused_and_keep_the_exchange_open(
    env: WebEnv, change: str, status: int
) -> None:
    holder = Holder.issue(env)
    path, challenge = exchange_path(env, holder)
    domain = urlsplit(env.base).netloc
    wallet = Wallet()
    now = env.clock()
    vp = {
        "challenge": lambda: wallet.presentation("not-" + challenge, domain, now),
        "domain": lambda: wallet.presentation(challenge, "evil.example", now),
        "holder": lambda: wallet.presentation(challenge, domain, now, holder=Wallet().did),
        "no-holder": lambda: {
            k: v for k, v in wallet.presentation(challenge, domain, now).items() if k != "holder"
        },
        "not-a-vp": lambda: {**wallet.presentation(challenge, domain, now), "type": ["X"]},
        "unsigned": lambda: {
            k: v for k, v in wallet.presentation(challenge, domain, now).items() if k != "proof"
        },
    }[change]()
    assert_problem(env.client.post(path, json={"verifiablePresentation": vp}), status)
    good = wallet.presentation(challenge, domain, now)
    assert env.client.post(path, json={"verifiablePresentation": good}).status_code == 200


def test_expired_unknown_and_revoked_exchanges(env: WebEnv) -> None:
    holder = Holder.issue(env)
    path, challenge = exchange_path(env, holder)
    env.clock.advance(minutes=31)
    vp = Wallet().presentation(challenge, urlsplit(env.base).netloc, env.clock())
    assert_problem(env.client.post(path, json={"verifiablePresentation": vp}), 410)
    assert_problem(env.client.post("/exchanges/" + "x" * 43, json={}), 404)
    path, challenge = exchange_path(env, holder)
    assert_problem(env.client.post(path, data=b"[1", content_type="application/json"), 400)
    assert_problem(env.client.post(path, json={"unexpected": 1}), 400)
    # Revoked after the exchange started: the wallet gets a refusal, not the diploma.
    env.service.status.revoke(holder.credential_id, actor="registrar", reason="test")
    vp = Wallet().presentation(challenge, urlsplit(env.base).netloc, env.clock())
    assert_problem(env.client.post(path, json={"verifiablePresentation": vp}), 409)
    wallet_path = urlsplit(holder.issued["managementUrl"]).path + "/wallet/vc-api"
    refused = env.client.post(wallet_path, data={"token": holder.token})
    assert refused.status_code == 409
    wrong = env.client.post(wallet_path, data={"token": "x" * 43})
    assert wrong.status_code == 401


def test_exchange_window_is_thirty_minutes(env: WebEnv) -> None:
    holder = Holder.issue(env)
    path, _ = exchange_path(env, holder)
    env.clock.advance(minutes=29)
    assert env.client.post(path, json={}).status_code == 200
    env.clock.now += timedelta(minutes=2)
    assert_problem(env.client.post(path, json={}), 410)


def test_a_bare_presentation_with_the_link_challenge_gets_the_bare_credential(env: WebEnv) -> None:
    """The DCC deep-link flow: no request fetched, no domain; the challenge binds it."""
    holder = Holder.issue(env)
    path, challenge = exchange_path(env, holder)
    wallet = Wallet()
    assert_problem(
        env.client.post(path, json=wallet.presentation("x" + challenge, None, env.clock())), 422
    )
    vp = wallet.presentation(challenge, None, env.clock())
    response = env.client.post(path, json=vp)
    assert response.status_code == 200, response.get_data(as_text=True)
    credential = response.get_json()
    assert credential["credentialSubject"]["id"] == wallet.did
    assert credential["id"] == holder.issued["credential"]["id"]
    assert_problem(env.client.post(path, json=vp), 410)
