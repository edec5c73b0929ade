"""The report page for its reader (test client): one h1, the verdict as a status, each fact once,
words instead of codes, nothing about the verifier's files, the degree card complete, sections
"not judged" when the document is not genuine, the language a request asks for, and the
verification record PDF (read back with pypdf and Debian's pdftotext)."""

from __future__ import annotations

import copy
import html
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import webkit as kit
from flask import Flask
from pypdf import PdfReader

from verifier.web import create_app, record
from verifier.web.record import credential_digest

HOLDER = "Серікова Айгерім Болатқызы"


def _kazakh(**overrides: Any) -> dict[str, Any]:
    credential = kit.degree(**overrides)
    subject = copy.deepcopy(credential["credentialSubject"])
    subject.update(
        name=HOLDER,
        licenseNumber="ЖБ-Б 1234567",
        creditsEarned=120,
        result=[
            {
                "type": ["Result"],
                "resultDescription": "urn:example:classification",
                "value": "With honours",
            }
        ],
    )
    credential["credentialSubject"] = subject
    return kit.sign(credential)


@dataclass
class World:
    app: Flask
    registry: Path
    good: dict[str, Any]
    tampered: dict[str, Any]
    share: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("report-page")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    good = _kazakh()
    with kit.DocumentServer() as server:
        share = server.put("/share/good", good)
        cfg = kit.config(registry, database_url=f"sqlite:///{tmp / 'verifier.sqlite3'}")
        app = create_app(cfg, context_factory=kit.context_factory(cfg))
        yield World(app, registry, good, kit.tampered(good), share)


def _paste(world: World, credential: Any, lang: str | None = None, **headers: str) -> str:
    data = {"credential": json.dumps(credential), "for": "JP"}
    if lang:
        data["lang"] = lang
    response = world.app.test_client().post("/verify/paste", data=data, headers=headers)
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def _visible_text(page: str) -> str:
    """What a reader sees: no tags, no hidden form copies of the credential, entities decoded."""
    page = re.sub(r"<textarea[^>]*hidden[^>]*>.*?</textarea>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_one_h1_the_verdict_and_its_sentence_as_a_status(world: World) -> None:
    page = _paste(world, world.good)
    assert len(re.findall(r"<h1\b", page)) == 1
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert h1 is not None and "Genuine, with warnings" in h1.group(1)
    assert 'role="status"' in page
    assert "Genuine and in force. Read the warning about: Recognition." in page


def test_the_degree_card_is_complete_and_in_words(world: World) -> None:
    page = _paste(world, world.good)
    card = re.search(r'<div class="degree[^"]*" id="degree">(.*?)</dl>', page, re.S)
    assert card is not None
    text = _visible_text(card.group(1))
    for fact in (
        HOLDER,
        "Master of Science in Software Engineering",
        "Master's degree",
        "Al-Farabi Test University, Kazakhstan",  # CLDR's name, not "KZ"
        "June 30, 2024",  # the reader's date format, not 2024-06-30
        "ЖБ-Б 1234567",
        "With honours",
        "120 ECTS credits",
        "master's or equivalent (ISCED 7)",
    ):
        assert fact in text, fact
    assert "MasterDegree" not in _visible_text(page) and "2024-06-30" not in text
    # A Cyrillic name on an English page carries its script.
    assert f'<span lang="und-Cyrl">{HOLDER}</span>' in page


def test_each_fact_once_and_no_doubled_labels(world: World) -> None:
    page = _paste(world, world.good)
    text = _visible_text(page)
    line = (
        "The data cannot confirm that Tokyo Convention binds Kazakhstan and Japan: check with "
        "the national information centre (ENIC-NARIC) of Japan."
    )
    assert text.count(line) == 1
    assert "(Passed)" not in text and "Genuine (Passed)" not in text
    assert text.count(HOLDER) == 1
    # Evidence is behind <details>, one per section.
    assert page.count("<details>") == 5  # four sections and the identifiers


def test_no_file_of_the_verifier_is_named(world: World) -> None:
    page = _paste(world, world.good)
    assert str(world.registry) not in page and str(world.registry.parent) not in page
    assert "a file configured on this verifier" in page


def test_a_tampered_document_is_not_good_news(world: World) -> None:
    page = _paste(world, world.tampered)
    assert 'data-verdict="not_verified"' in page
    for key in ("validity", "issuer_legitimacy", "recognition"):
        section = re.search(
            rf'<section class="section [^"]*not-judged" id="section-{key}".*?<details>',
            page,
            re.S,
        )
        assert section is not None, key
        words = _visible_text(section.group(0))
        assert "Not judged" in words
        assert not any(good in words for good in ("In force", "Accredited", "Covered"))
    assert "were not judged" in page
    assert "Not genuine: do not rely on this document." in page


def test_the_page_in_the_readers_language(world: World) -> None:
    ja = _paste(world, world.good, lang="ja")
    assert '<html lang="ja">' in ja and "本物（警告あり）" in ja
    assert "日本" in ja and "2024年6月30日" in ja  # CLDR country and date in Japanese
    kk = _paste(world, world.good, **{"Accept-Language": "kk-KZ,ru;q=0.8"})
    assert '<html lang="kk">' in kk and "Түпнұсқа, ескертулермен" in kk
    assert f'<span lang="und-Cyrl">{HOLDER}</span>' not in kk  # Cyrillic is the page's script
    zh = _paste(world, world.good, **{"Accept-Language": "zh-CN"})
    assert '<html lang="zh-Hans">' in zh
    response = world.app.test_client().get("/", headers={"Accept-Language": "ko"})
    assert "Accept-Language" in response.headers["Vary"]
    assert '<html lang="ko">' in response.get_data(as_text=True)
    other = _paste(world, world.good, **{"Accept-Language": "de-DE"})
    assert '<html lang="en">' in other
    # ?lang= wins over the header; the selector's country names follow the language.
    fr = world.app.test_client().get("/?lang=fr", headers={"Accept-Language": "ja"})
    page = str(fr.get_data(as_text=True))
    assert '<html lang="fr">' in page and ">Japon</option>" in page


def test_every_form_field_has_a_label(world: World) -> None:
    for page in (str(world.app.test_client().get("/").get_data(as_text=True)),
                 _paste(world, world.good)):  # fmt: skip
        fields = re.findall(r"<(input|select|textarea)\b([^>]*)>", page)
        for tag, attributes in fields:
            if 'type="hidden"' in attributes or " hidden" in attributes:
                continue
            # Each visible field sits inside a <label>: count the labels around it.
            assert re.search(
                rf"<label[^>]*>(?:(?!</label>).)*<{tag}\b{re.escape(attributes)}>", page, re.S
            ), (tag, attributes)


def test_the_json_api_stays_language_neutral(world: World) -> None:
    client = world.app.test_client()
    plain = client.post("/api/verify?for=JP", json=world.good).get_json()
    asked = client.post(
        "/api/verify?for=JP&lang=ja", json=world.good, headers={"Accept-Language": "ja"}
    ).get_json()
    for report in (plain, asked):
        assert report["verdict"] == "verified_with_warnings"
        assert report["summary"]["issuer_country"] == "KZ"
        assert report["summary"]["diploma_number"] == "ЖБ-Б 1234567"
        assert report["summary"]["classification"] == "With honours"
    assert asked["headline"] == plain["headline"]


def _record(world: World, lang: str, **form: str) -> bytes:
    response = world.app.test_client().post(
        "/verify/record", data={"for": "JP", "lang": lang, **form}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    return bytes(response.get_data())


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def test_the_verification_record_is_one_a4_page_with_what_hr_keeps(world: World) -> None:
    pdf = _record(world, "en", credential=json.dumps(world.good))
    pages, text = _text(pdf)
    assert pages == 1
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    flat = re.sub(r"\s+", " ", text)
    for fact in (
        "Verification record",
        "Genuine, with warnings",
        HOLDER,
        "ЖБ-Б 1234567",
        "What was checked",
        "Authenticity: Genuine",
        "Recognition: Could not confirm",
        "Checked by",
        "http://127.0.0.1:8002",
        "urn:uuid:2a4e0f5c-8c52-4df1-9a11-6b7f0f3d9c21",
    ):
        assert fact in flat, fact
    digest = credential_digest(world.good)
    assert digest in flat.replace(" ", "")


def test_the_record_of_a_link_carries_a_link_to_recheck(world: World) -> None:
    pdf = _record(world, "ru", url=world.share)
    pages, text = _text(pdf)
    assert pages == 1
    flat = re.sub(r"\s+", "", text)
    assert "Протоколпроверки" in flat  # Russian: the font covers Cyrillic
    assert "/verify?url=" in flat and "for=JP" in flat


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed; make test installs it")
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _needs_cjk_font() -> None:
    if not record.DEBIAN_CJK_FONT.is_file():
        pytest.skip("fonts-wqy-microhei (Debian) is not installed; make browser-deps installs it")


def test_the_record_in_japanese_is_written_in_japanese(world: World, tmp_path: Path) -> None:
    _needs_cjk_font()
    pdf = _record(world, "ja", credential=json.dumps(world.tampered))
    assert _text(pdf)[0] == 1
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = _pdftotext(pdf, tmp_path)
    assert "検証記録" in text and "検証されませんでした" in text
    assert "Verification record" not in text and "in English" not in text


RECORD_TITLES = {
    "en": "Verification record",
    "ja": "検証記録",
    "ru": "Протокол проверки",
    "kk": "Тексеру хаттамасы",
    "zh_Hans": "核验记录",
    "ko": "검증 기록",
    "fr": "Procès-verbal de vérification",
}


@pytest.mark.parametrize("language", sorted(RECORD_TITLES))
def test_the_record_is_one_page_in_every_language(
    world: World, language: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _needs_cjk_font()
    pdf = _record(world, language, credential=json.dumps(world.good))
    assert _text(pdf)[0] == 1
    assert RECORD_TITLES[language] in _pdftotext(pdf, tmp_path)
    # fpdf2 logs the characters no font has (printed as empty boxes): there must be none.
    assert not [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]


def test_without_a_cjk_font_the_record_says_it_is_in_english(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(record, "DEBIAN_CJK_FONT", Path("/nonexistent/no-cjk-font.ttf"))
    pages, text = _text(_record(world, "ko", credential=json.dumps(world.tampered)))
    flat = re.sub(r"\s+", " ", text)
    assert pages == 1
    assert "Verification record" in flat and "Not verified" in flat
    assert "This record is in English: no font for the language asked for (ko)" in flat


def test_pdftotext_reads_the_record(world: World, tmp_path: Path) -> None:
    text = _pdftotext(_record(world, "kk", credential=json.dumps(world.good)), tmp_path)
    assert "Тексеру хаттамасы" in text and HOLDER in text


def test_record_without_input_is_a_clear_400(world: World) -> None:
    response = world.app.test_client().post(
        "/verify/record", data={"credential": " "}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 400
    assert "nothing to record" in response.get_data(as_text=True)


def test_error_pages_speak_the_readers_language(world: World) -> None:
    # An empty link form (GET /verify without a link is the landing page, not an error).
    response = world.app.test_client().post(
        "/verify?lang=ja",
        data={"url": ""},
        headers={"Accept": "text/html", "Accept-Language": "en"},
    )
    assert response.status_code == 400
    page = str(response.get_data(as_text=True))
    assert '<html lang="ja">' in page
    assert "解析エラー" in page  # "Parsing error"
    assert "リンクがありません" in page  # the catalogued detail, translated
    assert "何も検証されていません" in page


def test_problem_details_are_english_unless_accept_language_asks(world: World) -> None:
    client = world.app.test_client()
    plain = client.post("/api/verify", data=b"", content_type="application/json")
    assert plain.status_code == 400 and plain.headers["Content-Language"] == "en"
    problem = plain.get_json()
    assert problem["title"] == "Parsing error"
    asked = client.post(
        "/api/verify",
        data=b"",
        content_type="application/json",
        headers={"Accept-Language": "fr-FR, en;q=0.5"},
    )
    assert asked.status_code == 400 and asked.headers["Content-Language"] == "fr"
    localised = asked.get_json()
    assert localised["title"] == "Erreur d'analyse"
    assert localised["type"] == problem["type"]  # the code is the same in every language
    # The detail is a catalogued sentence (vc.message.Message): English by default, French here.
    assert problem["detail"] == "the request body is empty"
    assert localised["detail"] == "le corps de la requête est vide"


def test_file_paths_in_check_texts_are_not_shown(world: World) -> None:
    from verifier.checks.model import CheckResult, Evidence, Section, Severity, Status
    from verifier.web.reportview import check_view

    check = CheckResult(
        id="issuer.registered",
        section=Section.ISSUER_LEGITIMACY,
        status=Status.INDETERMINATE,
        severity=Severity.WARNING,
        message="registry /srv/diplomat/var/registry.json could not be read; see https://nic.example/a/b",
        evidence=(
            Evidence(kind="accreditation-registry", source="/srv/diplomat/var/registry.json"),
            Evidence(kind="status-list", source="https://u.example/status/1"),
        ),
    )
    with world.app.test_request_context("/?lang=en"):
        view = check_view(check)
    assert view.message is not None
    assert "/srv/" not in view.message.value and "https://nic.example/a/b" in view.message.value
    assert [e.source for e in view.evidence] == [
        "a file configured on this verifier",
        "https://u.example/status/1",
    ]


@pytest.mark.parametrize(
    ("lang", "holder", "tag"),
    [
        ("en", "Aigerim Serikova", None),  # the credential's English value, in the page's language
        ("kk", "Серікова Айгерім", None),
        ("ja", "Серікова Айгерім", "kk"),  # no Japanese value: the first, with its language
        ("ru", "Серікова Айгерім", "kk"),
    ],
)
def test_the_card_uses_the_credentials_language_values(
    world: World, lang: str, holder: str, tag: str | None
) -> None:
    from verifier.report import CredentialSummary
    from verifier.web.reportview import degree_card

    summary = CredentialSummary(
        holder_name="Серікова Айгерім",
        holder_names=(("kk", "Серікова Айгерім"), ("en", "Aigerim Serikova")),
        degree_title="Bachelor of Engineering",
        degree_titles=((None, "Bachelor of Engineering"),),
    )
    with world.app.test_request_context(f"/?lang={lang}"):
        card = degree_card(summary)
    assert card.holder is not None and (card.holder.value, card.holder.lang) == (holder, tag)
    assert card.title is not None
    # An untagged Latin title on a Latin page needs no lang; on a Cyrillic or Japanese one it
    # says its script.
    assert card.title.lang == (None if lang == "en" else "und-Latn")


@pytest.mark.parametrize(
    ("pair", "lang", "words"),
    [
        (("FR", "DE"), "en", ["Lisbon Recognition Convention binds France and Germany",
                              "substantial difference", "since February 29, 2024",
                              "medium confidence"]),
        (("JP", "KR"), "fr", ["Tokyo Convention lie Japon et Corée du Sud",
                              "depuis le 1 février 2018", "confiance élevée"]),
        (("KZ", "RU"), "en", ["Tokyo Convention, Lisbon Recognition Convention, or Bangkok"]),
    ],
)  # fmt: skip
def test_the_recognition_line_says_what_the_data_allows(
    world: World, pair: tuple[str, str], lang: str, words: list[str]
) -> None:
    from datetime import date

    from verifier.recognition import assess, default_dataset
    from verifier.web.reportview import recognition_line

    result = assess(default_dataset(), pair[0], pair[1], date(2026, 6, 1))
    with world.app.test_request_context(f"/?lang={lang}"):
        line = recognition_line(result)
    for word in words:
        assert word in line, (word, line)


@pytest.mark.parametrize("credits", ["1e400", "-1e999", "nan", "inf", "9" * 400])
def test_credits_no_number_format_can_carry_are_shown_as_written(
    world: World, credits: str
) -> None:
    """Found by make fuzz: an out-of-range creditsEarned made the record page answer 500."""
    from verifier.report import CredentialSummary
    from verifier.web.reportview import degree_card

    with world.app.test_request_context("/?lang=fr"):
        card = degree_card(CredentialSummary(credits_earned=credits))
    assert card.credits == credits
