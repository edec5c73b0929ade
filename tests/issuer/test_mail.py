"""E-mail to graduates against real SMTP servers on 127.0.0.1 (aiosmtpd): delivery in plain text
and HTML with the claim link, a server that refuses the recipient (550), one that drops the
connection, one that is down; issuance never waits for mail nor fails because of it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from smtpkit import Dropping, free_port, mail_settings, recording_server, smtp_server
from test_claims import csrf_of, login
from webfixtures import WebEnv, degree_input, make_env

from issuer.mail import ClaimMail, compose
from issuer.service.mail import backoff

HTML = {"Accept": "text/html"}


def new_env(envs: list[WebEnv], tmp_path: Path, port: int, **extra: Any) -> WebEnv:
    extra.setdefault("mail_worker", False)  # these tests send by hand: one pass at a time
    env = make_env(tmp_path / f"env{len(envs)}", **mail_settings(port, **extra))
    envs.append(env)
    return env


def issue_to(env: WebEnv, address: str, number: str = "M-1") -> dict[str, Any]:
    body = degree_input(diploma_number=number, student_number=f"S-{number}", email=address)
    response = env.client.post("/api/degrees", json=body, headers=env.auth())
    assert response.status_code == 201, response.get_data(as_text=True)
    result: dict[str, Any] = response.get_json()
    return result


def messages_of(env: WebEnv, credential_id: str) -> list[Any]:
    return env.service.store.outbox.credential_messages(credential_id)


def test_a_graduate_gets_plain_text_and_html_with_the_claim_link(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    with recording_server() as (port, box):
        env = new_env(envs, tmp_path, port)
        issued = issue_to(env, "aliya@student.example")
        [queued] = messages_of(env, issued["credentialId"])
        assert (queued.state, queued.attempts) == ("queued", 0)
        report = env.service.mail.send_due()
        assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
        [message] = box.wait_for(1)
    assert box.envelopes == [("diplomas@kaznu.kz", ["aliya@student.example"])]
    assert message["To"] == "aliya@student.example"
    assert "Registrar" in message["From"] and "Al-Farabi" in message["Subject"]
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    assert issued["claimUrl"] in plain.get_content()
    assert f'href="{issued["claimUrl"]}"' in html.get_content()
    assert not list(message.iter_attachments()), "no credential attached unless configured"
    [sent] = messages_of(env, issued["credentialId"])
    assert (sent.state, sent.attempts, sent.claim_url) == ("sent", 1, None)
    # The link in the message opens the graduate's page.
    page = env.client.get(urlsplit(issued["claimUrl"]).path, headers=HTML)
    assert page.status_code == 200


def test_the_credential_is_attached_only_when_configured(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    with recording_server() as (port, box):
        env = new_env(envs, tmp_path, port, mail_attach_credential=True)
        issued = issue_to(env, "daniyar@student.example")
        env.service.mail.send_due()
        [message] = box.wait_for(1)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/json"
    assert json.loads(attachment.get_content()) == issued["credential"]


def test_a_refused_recipient_fails_with_the_servers_answer(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    with recording_server() as (port, box):
        env = new_env(envs, tmp_path, port)
        refused = issue_to(env, "refuse-me@student.example", "M-R")
        fine = issue_to(env, "fine@student.example", "M-F")
        report = env.service.mail.send_due()
        box.wait_for(1)
    assert (report.sent, report.failed) == (1, 1)
    [failed] = messages_of(env, refused["credentialId"])
    assert failed.state == "failed" and failed.attempts == 1
    assert failed.last_error is not None and failed.last_error.startswith("550")
    assert "Recipient address rejected" in failed.last_error
    assert failed.claim_url is None, "a message given up forgets its link"
    assert messages_of(env, fine["credentialId"])[0].state == "sent"
    assert [m["To"] for m in box.messages] == ["fine@student.example"]


def test_a_dropped_connection_is_retried_with_back_off_then_delivered(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    with smtp_server(Dropping()) as port:
        env = new_env(envs, tmp_path, port)
        issued = issue_to(env, "aliya@student.example")
        report = env.service.mail.send_due()
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    [waiting] = messages_of(env, issued["credentialId"])
    assert waiting.state == "queued" and waiting.attempts == 1
    assert waiting.last_error is not None and "closed" in waiting.last_error
    assert waiting.next_attempt_at == env.clock.now + backoff(1)
    assert env.service.mail.send_due().retrying == 0, "not due again before its back-off"
    # The same port, now a server that takes mail; the back-off has passed.
    with recording_server(port) as (_port, box):
        env.clock.advance(minutes=1)
        assert env.service.mail.send_due().sent == 1
        box.wait_for(1)
    [sent] = messages_of(env, issued["credentialId"])
    assert (sent.state, sent.attempts) == ("sent", 2)


def test_a_server_that_is_down_never_fails_issuance_and_ends_failed(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    env = new_env(envs, tmp_path, free_port(), mail_max_attempts=3)  # nothing listens there
    before = env.counts()
    issued = issue_to(env, "aliya@student.example")
    assert env.counts()["credentials"] == before["credentials"] + 1
    outcomes = []
    for attempt in (1, 2, 3):
        report = env.service.mail.send_due()
        outcomes.append((report.retrying, report.failed))
        [message] = messages_of(env, issued["credentialId"])
        assert message.attempts == attempt
        assert message.last_error is not None and "cannot reach 127.0.0.1" in message.last_error
        env.clock.advance(seconds=backoff(attempt).total_seconds())
    assert outcomes == [(1, 0), (1, 0), (0, 1)]
    assert messages_of(env, issued["credentialId"])[0].state == "failed"
    # The graduate's link still works; the registrar can make and send a new one later.
    assert env.client.get(urlsplit(issued["claimUrl"]).path, headers=HTML).status_code == 200


def test_batch_mail_status_is_visible_in_the_api_and_the_console(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    rows = [
        ("ok1@student.example", "BM-1"),
        ("refuse@student.example", "BM-2"),
        ("", "BM-3"),
    ]
    header = "full_name,student_number,email,achievement_type,degree_title,field_of_study,"
    header += "awarded_date,diploma_number,isced_field\n"
    body = "".join(
        f"Grad {n},S-{n},{e},BachelorDegree,BSc Physics,Physics,2025-06-27,{n},0533\n"
        for e, n in rows
    )
    with recording_server() as (port, box):
        env = new_env(envs, tmp_path, port)
        response = env.client.post(
            "/api/batches",
            data=(header + body).encode(),
            headers={**env.auth(), "Content-Type": "text/csv"},
        )
        assert response.status_code == 202
        env.wait_for_batches()
        report = env.client.get(response.headers["Location"], headers=env.auth()).get_json()
        assert report["mail"]["queued"] == 2
        env.service.mail.send_due()
        box.wait_for(1)
    report = env.client.get(response.headers["Location"], headers=env.auth()).get_json()
    assert report["mail"] == {"queued": 0, "sending": 0, "sent": 1, "failed": 1}
    mail = [r["mail"] for r in report["rows"]]
    assert mail[0]["state"] == "sent"
    assert mail[1]["state"] == "failed" and mail[1]["answer"].startswith("550")
    assert mail[2] is None, "no address, no message"
    login(env)
    page = env.client.get(f"/console/batches/{report['batchId']}").get_data(as_text=True)
    assert 'id="mail-sent">1<' in page and 'id="mail-failed">1<' in page
    assert "Recipient address rejected" in page


def test_the_apps_mail_thread_sends_without_anyone_waiting(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    with recording_server() as (port, box):
        env = new_env(envs, tmp_path, port, mail_worker=True)
        issued = issue_to(env, "aliya@student.example")
        [message] = box.wait_for(1, timeout=30)
        assert issued["claimUrl"] in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert backoff(40) == timedelta(hours=6)


def test_a_name_or_title_cannot_inject_headers_or_markup() -> None:
    from datetime import UTC, datetime

    mail = ClaimMail(
        recipient="a@b.example",
        graduate_name="<script>x</script>",
        degree_title="Title\r\nBcc: victim@example.com",
        diploma_number="1",
        institution="Uni",
        claim_url="https://u.example/claim/t",
        expires_at=None,
    )
    message = compose(mail, sender="r@u.example", now=datetime(2025, 1, 1, tzinfo=UTC))
    assert message["Bcc"] is None
    html = message.get_body(("html",))
    assert html is not None and "<script>" not in html.get_content()


def test_a_new_claim_link_from_the_console_can_be_e_mailed(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    with recording_server() as (port, box):
        env = new_env(envs, tmp_path, port)
        issued = issue_to(env, "aliya@student.example")
        env.service.mail.send_due()
        login(env)
        page = "/console/credentials/" + issued["credentialId"]
        html = env.client.get(page).get_data(as_text=True)
        assert 'name="send_mail"' in html and "aliya@student.example" in html
        response = env.client.post(
            page + "/management-link", data={"csrf_token": csrf_of(html), "send_mail": "yes"}
        )
        assert response.status_code == 200
        env.service.mail.send_due()
        first, second = box.wait_for(2)
    old_url, new_url = issued["claimUrl"], response.get_data(as_text=True)
    assert old_url in first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    latest = second.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert old_url not in latest and "/claim/" in latest
    assert latest.split("/claim/", 1)[1].split()[0] in new_url, "the link the page showed"
    assert env.client.get(urlsplit(old_url).path, headers=HTML).status_code == 410
