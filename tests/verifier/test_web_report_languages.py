"""The report's check sentences and the problem details in the reader's language: the core's
sentences (vc.message.Message) rendered from the catalogues, with nothing left in English in the
evidence of a standard good and a tampered credential, and problem details English on the API
unless Accept-Language asks."""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import webkit as kit
from flask import Flask
from test_web_report import _kazakh

from verifier.web import create_app

# Letters only the reader's script has: kana or Han for Japanese, Cyrillic for Kazakh (and the
# Kazakh letters Russian lacks, so a Russian sentence would not pass for Kazakh).
SCRIPTS = {
    "ja": re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"),
    "kk": re.compile(r"[\u0400-\u04ff]"),
}
KAZAKH_ONLY = re.compile(r"[әғқңөұүһі]", re.IGNORECASE)


@dataclass(frozen=True)
class World:
    app: Flask
    good: dict[str, Any]
    tampered: dict[str, Any]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("report-languages")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    cfg = kit.config(registry, database_url=f"sqlite:///{tmp / 'verifier.sqlite3'}")
    good = _kazakh()
    yield World(create_app(cfg, context_factory=kit.context_factory(cfg)), good, kit.tampered(good))


def _page(world: World, credential: Any, lang: str) -> str:
    response = world.app.test_client().post(
        "/verify/paste", data={"credential": json.dumps(credential), "for": "JP", "lang": lang}
    )
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def _checks(page: str) -> list[str]:
    """Each check of the evidence lists, as HTML."""
    blocks = re.findall(r'<ul class="checks">(.*?)</ul>\s*</details>', page, re.S)
    items = [
        item
        for block in blocks
        for item in re.split(r'(?=<li class="check )', block)
        if item.startswith('<li class="check ')
    ]
    assert len(items) >= 15, "the evidence lists every named check"
    return items


def _sentences(item: str) -> list[str]:
    """The check's sentence and its evidence details, as text."""
    parts = re.findall(r"<p>(.*?)</p>", item, re.S) + re.findall(
        r'<span class="muted">(.*?)</span></li>', item, re.S
    )
    return [html.unescape(re.sub(r"<[^>]+>", "", part)).strip() for part in parts]


@pytest.mark.parametrize("language", ["ja", "kk"])
@pytest.mark.parametrize("which", ["good", "tampered"])
def test_the_evidence_speaks_the_readers_language(world: World, language: str, which: str) -> None:
    credential = world.good if which == "good" else world.tampered
    english = {s for item in _checks(_page(world, credential, "en")) for s in _sentences(item)}
    page = _page(world, credential, language)
    for item in _checks(page):
        assert 'lang="en"' not in item, item[:300]
        for sentence in _sentences(item):
            assert sentence not in english, sentence
            assert SCRIPTS[language].search(sentence), sentence
            if language == "kk" and len(sentence) > 40:
                assert KAZAKH_ONLY.search(sentence), sentence


def test_a_tampered_credential_says_why_in_japanese(world: World) -> None:
    page = _page(world, world.tampered, "ja")
    signature = next(item for item in _checks(page) if 'data-check="proof.signature"' in item)
    # The sentence and the core's own detail (vc.keys), both from the catalogue.
    assert "署名が証明書と一致しません" in signature and "署名が検証できません" in signature


def test_english_text_inside_a_translated_sentence_is_tagged(world: World) -> None:
    from vc.message import English, Message
    from verifier.web.viewtext import say

    message = Message("The proof cannot be accepted: %(detail)s.", detail=English("bad <b>"))
    with world.app.test_request_context("/?lang=fr"):
        shown = say(message)
    assert shown is not None and shown.lang is None
    assert str(shown.value) == (
        'La preuve ne peut pas être acceptée : <span lang="en">bad &lt;b&gt;</span>.'
    )
    with world.app.test_request_context("/?lang=fr"):
        untranslated = say(Message("no catalogue has %(this)s", this="x"))
    assert untranslated is not None
    assert str(untranslated.value) == '<span lang="en">no catalogue has x</span>'


def test_a_problem_detail_in_french_when_accept_language_asks(world: World) -> None:
    client = world.app.test_client()
    plain = client.post("/api/verify?for=XX", json=world.good)
    assert plain.status_code == 400 and plain.headers["Content-Language"] == "en"
    problem = plain.get_json()
    assert problem["detail"].startswith("for (destination country) 'XX' is not a country code")
    asked = client.post("/api/verify?for=XX", json=world.good, headers={"Accept-Language": "fr"})
    assert asked.status_code == 400 and asked.headers["Content-Language"] == "fr"
    french = asked.get_json()
    assert french["type"] == problem["type"]
    assert french["detail"] == (
        "for (pays de destination) 'XX' n'est pas un code pays de la liste ISO 3166-1 alpha-2 "
        "(la liste des codes pays à deux lettres, p. ex. JP pour le Japon, KZ pour le Kazakhstan)"
    )


def test_an_upload_problem_page_in_french_keeps_the_english_only_part(world: World) -> None:
    response = world.app.test_client().post(
        "/verify/upload?lang=fr",
        data={"file": (io.BytesIO(b"just some notes\n"), "notes.txt")},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    text = html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))
    assert "le fichier n'est pas une attestation (" in text
    assert "Téléversez le fichier d'attestation reçu par le diplômé" in text
