"""Both wallet protocols end to end against a real issuer server on 127.0.0.1, driven by
independent clients from npm in Node: a Learner-Credential-Wallet-style VC-API exchange built on
@digitalbazaar/vc (did:key, eddsa-rdfc-2022), and an OpenID4VCI 1.0 wallet built on
@openid4vc/openid4vci 0.4.6 (its Openid4vciClient, protocol version V1). What each receives
verifies in the reference JS verifier (with status) and in Diplomat's verifier."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from walletkit import Holder, RecordingNotifier, diplomat_verify, node_or_skip, run_node
from webfixtures import LiveServer, WebEnv, live_env

from issuer.store.models import AuditRow
from vc.oid4vci import did_jwk
from verifier.checks.model import Section, Status

pytestmark = pytest.mark.slow
PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebEnv, LiveServer]]:
    node_or_skip()
    yield from live_env(tmp_path_factory.mktemp("wallets"), did_method="key")


def reissues(env: WebEnv, protocol: str) -> list[dict[str, str]]:
    with env.service.store.engine.connect() as conn:
        rows = conn.execute(
            AuditRow.__table__.select().where(AuditRow.action == "credential.reissue")
        ).fetchall()
    return [dict(r.details) for r in rows if r.details["protocol"] == protocol]


def assert_diplomat_verifies(credential: dict[str, object] | str) -> None:
    report = diplomat_verify(credential)
    assert report.section(Section.AUTHENTICITY) is Status.PASS, report.checks
    assert report.section(Section.VALIDITY) is Status.PASS, report.checks
    assert report.authentic_and_valid


@pytest.mark.parametrize("flow", ["exchange", "direct"])
def test_learner_credential_wallet_exchange(live: tuple[WebEnv, LiveServer], flow: str) -> None:
    """``exchange``: POST {}, answer the DIDAuthentication request (VC-API exchanges);
    ``direct``: POST the DID Auth presentation itself with the link's challenge (the DCC
    deep-link integration guide), the credential coming back bare."""
    env, server = live
    holder = Holder.issue(env)
    links = holder.wallet_links("vc-api")
    deep_link = next(link for link in links if link.startswith("dccrequest://"))
    result = run_node("lcw_exchange.mjs", deep_link, *(["--direct"] if flow == "direct" else []))
    credential = result["credential"]
    if flow == "exchange":
        assert result["request"]["domain"] == urlsplit(server.url).netloc
    assert credential["credentialSubject"]["id"] == result["did"]
    assert credential["id"] == holder.issued["credential"]["id"]
    assert credential["credentialStatus"] == holder.issued["credential"]["credentialStatus"]
    assert result["verification"]["verified"] is True, result["verification"]
    assert result["verification"]["status"]["verified"] is True
    assert result["replay"] == "refused-410"
    assert_diplomat_verifies(credential)
    assert [r["holder"] for r in reissues(env, "vc-api")].count(result["did"]) == 1


@pytest.mark.parametrize(
    ("configuration", "binding"),
    [("DiplomaCredential_ldp_vc", "did"), ("DiplomaCredential_jwt_vc_json", "jwk")],
)
def test_openid4vci_wallet(
    live: tuple[WebEnv, LiveServer], configuration: str, binding: str
) -> None:
    env, _server = live
    holder = Holder.issue(env)
    (offer_link,) = holder.wallet_links("oid4vci")
    assert offer_link.startswith("openid-credential-offer://?credential_offer_uri=")
    result = run_node("oid4vci_wallet.mjs", offer_link, configuration, binding)
    assert result["version"] == "V1"  # the client read our metadata as OpenID4VCI 1.0
    expected_holder = result["did"] if binding == "did" else did_jwk(result["jwk"])
    credential = result["credential"]
    if configuration.endswith("ldp_vc"):
        assert credential["credentialSubject"]["id"] == expected_holder
        assert credential["credentialStatus"] == holder.issued["credential"]["credentialStatus"]
        assert result["verification"]["verified"] is True, result["verification"]
    else:
        assert isinstance(credential, str) and credential.count(".") == 2
        report = diplomat_verify(credential)
        assert report.credential["credentialSubject"]["id"] == expected_holder
    assert result["replay"] == {"status": 401, "error": "invalid_token"}
    assert_diplomat_verifies(credential)
    assert expected_holder in [r["holder"] for r in reissues(env, "oid4vci")]


def test_openid4vci_wallet_with_a_transaction_code(live: tuple[WebEnv, LiveServer]) -> None:
    env, _server = live
    notifier = RecordingNotifier()
    env.service.oid4vci.notifier = notifier
    try:
        holder = Holder.issue(env)
        page = holder.wallet_page("oid4vci")
        assert 'id="tx-code-sent"' in page
        (offer_link,) = holder.wallet_links("oid4vci")
    finally:
        env.service.oid4vci.notifier = None
    (sent_to, tx_code) = notifier.sent[-1]
    assert sent_to == holder.credential_id and tx_code not in page
    result = run_node("oid4vci_wallet.mjs", offer_link, "DiplomaCredential_ldp_vc", "did", tx_code)
    assert result["offer"]["grants"][PRE_AUTH]["tx_code"]["length"] == len(tx_code)
    assert result["verification"]["verified"] is True
    assert_diplomat_verifies(result["credential"])
