"""The verifier's catalogues: every message of the templates and the report texts is translated in
every shipped language, nothing empty or fuzzy, the compiled .mo files are those of the .po files,
each catalogue says that no native speaker has reviewed it yet; and the language a request gets."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from verifier.web.i18n import LANGUAGES, catalogue_of

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "verifier" / "web" / "translations"
# The pages, their Python texts, and the core's sentences (vc.message.Message) in the verifier and
# in vc: the same sources and keywords as babel.cfg and `make translations`.
METHODS = [
    ("verifier/**.py", "python"),
    ("vc/**.py", "python"),
    ("verifier/web/templates/**.html", "jinja2"),
]
KEYWORDS = {
    "Message": None,
    "_": None,
    "gettext": None,
    "_l": None,
    "lazy_gettext": None,
    "N_": None,
    "ngettext": (1, 2),
}


def _extracted() -> set[str]:
    """Every message id Babel extracts from the templates and the Python report texts."""
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalogue(language: str) -> Catalog:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_the_seven_languages_ship() -> None:
    assert set(LANGUAGES) == {"en", "ja", "ru", "kk", "zh_Hans", "ko", "fr"}
    shipped = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert shipped == set(LANGUAGES)


def test_the_extraction_finds_the_report_texts() -> None:
    messages = _extracted()
    assert len(messages) > 150
    # A template text, a report text from reportview, a record text: all three kinds; and the
    # core's check sentences and problem details (vc.message.Message).
    assert {"Check a degree", "Genuine, with warnings", "Verification record"} <= messages
    assert {
        "Valid since %(start)s.",
        "The signature does not match the credential: it was changed after signing, or "
        "signed with another key (%(detail)s).",
        "signature does not verify",
        "the uploaded file is empty. %(hint)s",
    } <= messages


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_message_is_in_every_catalogue(language: str) -> None:
    catalogue = _catalogue(language)
    ids = {m.id for m in catalogue if m.id}
    assert sorted(_extracted() - ids) == []
    empty = [m.id for m in catalogue if m.id and not m.string]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert empty == [] and fuzzy == []
    # Placeholders kept (Babel's python-format checker), so no translation breaks a page.
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert problems == []


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_each_translation_says_it_awaits_a_native_speakers_review(language: str) -> None:
    header = (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").read_text("utf-8")
    assert "NOT YET REVIEWED BY A NATIVE SPEAKER" in header.split('msgid ""', 1)[0]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_compiled_catalogues_are_those_of_the_sources(language: str) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    source = {m.id: m.string for m in _catalogue(language) if m.id}
    assert compiled == source, "run `make translations` after editing a .po file"


@pytest.mark.parametrize(
    ("tag", "catalogue"),
    [
        ("ja", "ja"),
        ("ja-JP", "ja"),
        ("kk_KZ", "kk"),
        ("zh-CN", "zh_Hans"),
        ("zh-Hans", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-TW", None),
        ("zh-Hant-HK", None),
        ("de", None),
        ("", None),
        ("fr-CA", "fr"),
    ],
)
def test_tags_map_to_catalogues(tag: str, catalogue: str | None) -> None:
    assert catalogue_of(tag) == catalogue


def test_vary_names_accept_language_once_beside_what_a_view_set() -> None:
    from flask import Flask, Response

    from verifier.web import i18n

    app = Flask(__name__)
    i18n.install(app)

    @app.get("/plain")
    def plain() -> Response:
        return Response("x")

    @app.get("/cookie")
    def cookie() -> Response:
        return Response("x", headers={"Vary": "Cookie"})

    @app.get("/already")
    def already() -> Response:
        return Response("x", headers={"Vary": "cookie, accept-language"})

    client = app.test_client()
    assert client.get("/plain").headers["Vary"] == "Accept-Language"
    assert client.get("/cookie").headers["Vary"] == "Cookie, Accept-Language"
    assert client.get("/already").headers["Vary"] == "cookie, accept-language"
