"""OpenID4VCI transaction codes by e-mail, against real SMTP servers on 127.0.0.1 (aiosmtpd):
the code reaches the address the graduate's claim link was sent to and unlocks the offer; with
the mail server down no offer is made (503, nothing granted); a graduate without an address gets
an offer without a code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from smtpkit import free_port, mail_settings, recording_server
from walletkit import Holder, path_of
from webfixtures import WebEnv, make_env

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def new_env(envs: list[WebEnv], tmp_path: Path, port: int) -> WebEnv:
    env = make_env(tmp_path / f"env{len(envs)}", **mail_settings(port, mail_worker=False))
    envs.append(env)
    return env


def offer_of(holder: Holder) -> dict[str, Any]:
    (link,) = holder.wallet_links("oid4vci")
    offer_uri = parse_qs(urlsplit(link).query)["credential_offer_uri"][0]
    response = holder.env.client.get(path_of(offer_uri))
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def test_the_code_is_mailed_to_the_graduate_and_unlocks_the_offer(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    with recording_server() as (port, box):
        env = new_env(envs, tmp_path, port)
        holder = Holder.issue(env, email="aliya@student.example")
        body = offer_of(holder)
        grant = body["grants"][PRE_AUTH]
        assert grant["tx_code"]["length"] == 6
        [message] = box.wait_for(1)
    assert message["To"] == "aliya@student.example"
    found = re.findall(r"\b(\d{6})\b", message.get_content())
    assert found, message.get_content()
    code = grant["pre-authorized_code"]
    token = env.client.post(
        "/oid4vci/token", data={"grant_type": PRE_AUTH, "pre-authorized_code": code}
    )
    assert token.status_code == 400 and token.get_json()["error"] == "invalid_request"
    token = env.client.post(
        "/oid4vci/token",
        data={"grant_type": PRE_AUTH, "pre-authorized_code": code, "tx_code": found[0]},
    )
    assert token.status_code == 200, token.get_data(as_text=True)
    assert token.get_json()["access_token"]


def test_mail_server_down_makes_no_offer(envs: list[WebEnv], tmp_path: Path) -> None:
    env = new_env(envs, tmp_path, free_port())  # nothing listens there
    holder = Holder.issue(env, email="aliya@student.example")
    path = urlsplit(holder.issued["managementUrl"]).path + "/wallet/oid4vci"
    response = env.client.post(path, data={"token": holder.token}, headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert "mail server" in response.get_data(as_text=True)
    actions = [entry.action for entry in env.service.store.audit.list_audit()]
    assert "wallet.offer.create" not in actions


def test_a_graduate_without_an_address_gets_an_offer_without_a_code(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    with recording_server() as (port, box):
        env = new_env(envs, tmp_path, port)
        holder = Holder.issue(env, email=None)
        body = offer_of(holder)
        assert "tx_code" not in body["grants"][PRE_AUTH]
        assert box.envelopes == []
