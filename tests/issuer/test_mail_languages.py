"""The messages to graduates in their language: the choice of language (the degree's language of
instruction, else the configured mail_language, else English), each message wholly in it, and
delivery in that language to a real SMTP server on 127.0.0.1 (aiosmtpd), for the claim link and
the wallet's transaction code. (The catalogues themselves: test_issuer_i18n.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.dates import format_date
from smtpkit import recording_server
from test_issuer_i18n import catalogue
from test_mail import new_env
from walletkit import Holder, path_of
from webfixtures import WebEnv, degree_input

from issuer.config import IssuerConfig
from issuer.i18n import graduate_language
from issuer.mail import ClaimMail, TxCodeMail, compose, compose_tx_code
from vc.errors import MalformedValueError
from vc.languages import LANGUAGES

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
EXPIRES = datetime(2027, 6, 2, 12, 0, tzinfo=UTC)
ENGLISH_SENTENCE = "Open your private page"


@pytest.mark.parametrize(
    ("tags", "chosen"),
    [
        (("kk-KZ", "en"), "kk"),
        (("ru", "kk"), "ru"),
        (("de", "ja"), "ja"),  # taught in German: the issuer's default
        (("zh-Hant-TW", "en"), "en"),  # never the wrong script
        (("zh-CN", "en"), "zh_Hans"),
        ((None, "fr-CA"), "fr"),
        ((None, None), "en"),
        (("", "x-unknown"), "en"),
    ],
)
def test_the_language_is_the_degrees_then_the_issuers_then_english(
    tags: tuple[str | None, str | None], chosen: str
) -> None:
    assert graduate_language(*tags) == chosen


def claim_mail(language: str, **overrides: Any) -> ClaimMail:
    values: dict[str, Any] = {
        "recipient": "aliya@student.example",
        "graduate_name": "Aliya Nurlanovna",
        "degree_title": "Bachelor of Science in Computer Science",
        "diploma_number": "KZ-0001",
        "institution": "Al-Farabi Kazakh National University",
        "claim_url": "https://diplomas.example/claim/abc",
        "expires_at": EXPIRES,
        "language": language,
    }
    values.update(overrides)
    return ClaimMail(**values)


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_a_claim_message_is_wholly_in_the_graduates_language(language: str) -> None:
    message = compose(claim_mail(language), sender="r@u.example", now=NOW)
    tag = language.replace("_", "-")
    assert message["Content-Language"] == tag
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    text, markup = plain.get_content(), html.get_content()
    texts = catalogue(language)
    assert texts["Your diploma from %(institution)s"] % {
        "institution": "Al-Farabi Kazakh National University"
    } == str(message["Subject"])
    assert texts["Dear %(name)s,"] % {"name": "Aliya Nurlanovna"} in text
    assert ENGLISH_SENTENCE not in text and ENGLISH_SENTENCE not in markup
    assert "Keep this link private" not in text
    # The expiry date written by CLDR in that language, in both parts.
    locale = "zh_Hans_CN" if language == "zh_Hans" else language
    written = format_date(EXPIRES, "long", locale=locale)
    assert written in text and written in markup
    assert f'<html lang="{tag}">' in markup
    assert "https://diplomas.example/claim/abc" in text
    assert 'href="https://diplomas.example/claim/abc"' in markup


def test_english_stays_the_source_text() -> None:
    message = compose(claim_mail("en", expires_at=None), sender="r@u.example", now=NOW)
    assert message["Subject"] == "Your diploma from Al-Farabi Kazakh National University"
    assert message["Content-Language"] == "en"
    plain = message.get_body(("plain",))
    assert plain is not None
    assert "The link does not expire." in plain.get_content()


def test_a_translated_message_still_escapes_names_and_titles() -> None:
    mail = claim_mail(
        "ja",
        graduate_name="<script>x</script>",
        degree_title="<b>Title</b>\r\nBcc: victim@example.com",
        institution='Uni "A" & <B>',
    )
    message = compose(mail, sender="r@u.example", now=NOW)
    assert message["Bcc"] is None
    html = message.get_body(("html",))
    assert html is not None
    markup = html.get_content()
    assert "<script>" not in markup and "<b>Title" not in markup
    assert "&lt;script&gt;" in markup and "&lt;B&gt;" in markup
    # The markup Diplomat adds is still markup: the title in bold.
    assert "<strong>&lt;b&gt;Title&lt;/b&gt;" in markup


@pytest.mark.parametrize("language", ["kk", "ko", "fr"])
def test_a_transaction_code_message_in_the_graduates_language(language: str) -> None:
    mail = TxCodeMail(
        recipient="aliya@student.example",
        graduate_name="Aliya",
        diploma_number="KZ-0001",
        institution="KazNU",
        tx_code="493021",
        language=language,
    )
    message = compose_tx_code(mail, sender="r@u.example", now=NOW)
    texts = catalogue(language)
    assert message["Subject"] == texts["Your code to add your diploma to a wallet: %(code)s"] % {
        "code": "493021"
    }
    assert message["Content-Language"] == language
    body = message.get_content()
    assert "    493021\n" in body
    assert "It works once" not in body


def test_a_mail_language_diplomat_does_not_write_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(MalformedValueError, match="DIPLOMAT_MAIL_LANGUAGE must be one of"):
        IssuerConfig(database_url="sqlite://", keys_dir=tmp_path, mail_language="de")
    assert IssuerConfig(database_url="sqlite://", keys_dir=tmp_path, mail_language="zh-CN")


def issue_to(env: WebEnv, number: str, taught_in: str | None) -> None:
    body = degree_input(
        diploma_number=number,
        student_number=f"S-{number}",
        email=f"{number.lower()}@student.example",
        language_of_instruction=taught_in,
    )
    response = env.client.post("/api/degrees", json=body, headers=env.auth())
    assert response.status_code == 201, response.get_data(as_text=True)


def test_each_graduate_is_mailed_in_their_degrees_language_else_the_issuers(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    with recording_server() as (port, box):
        env = new_env(envs, tmp_path, port, mail_language="ru")
        issue_to(env, "L-KK", "kk")
        issue_to(env, "L-EN", "en-GB")
        issue_to(env, "L-DE", "de")  # no German mail: the issuer's Russian
        issue_to(env, "L-NONE", None)
        report = env.service.mail.send_due()
        assert (report.sent, report.failed) == (4, 0)
        messages = box.wait_for(4)
    by_recipient = {str(m["To"]): m for m in messages}
    assert {to: str(m["Content-Language"]) for to, m in by_recipient.items()} == {
        "l-kk@student.example": "kk",
        "l-en@student.example": "en",
        "l-de@student.example": "ru",
        "l-none@student.example": "ru",
    }
    kazakh = by_recipient["l-kk@student.example"]
    assert "берген дипломыңыз" in str(kazakh["Subject"])
    plain = kazakh.get_body(("plain",))
    assert plain is not None and "Дипломды көру" in plain.get_content()
    russian = by_recipient["l-de@student.example"].get_body(("plain",))
    assert russian is not None and "Откройте свою личную страницу" in russian.get_content()
    english = by_recipient["l-en@student.example"].get_body(("plain",))
    assert english is not None and ENGLISH_SENTENCE in english.get_content()


def test_the_transaction_code_reaches_the_graduate_in_their_language(
    envs: list[WebEnv], tmp_path: Path
) -> None:
    with recording_server() as (port, box):
        env = new_env(envs, tmp_path, port)
        holder = Holder.issue(env, email="aliya@student.example", language_of_instruction="ja")
        (link,) = holder.wallet_links("oid4vci")
        offer_uri = parse_qs(urlsplit(link).query)["credential_offer_uri"][0]
        response = env.client.get(path_of(offer_uri))
        assert response.status_code == 200, response.get_data(as_text=True)
        [message] = box.wait_for(1)
    assert message["Content-Language"] == "ja"
    assert str(message["Subject"]).startswith("学位記をウォレットに追加するためのコード")
    codes = re.findall(r"\b(\d{6})\b", message.get_content())
    assert codes and str(message["Subject"]).endswith(codes[0])
