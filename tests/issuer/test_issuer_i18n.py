"""The issuer's public pages and messages to graduates in the reader's language: the catalogues
(issuer/translations: every message of the public templates, their Python texts and the mail in
every shipped language, nothing empty or fuzzy, placeholders kept, the compiled .mo those of the
.po, each translation awaiting a native speaker's review); the shared diploma and the graduate's
pages in the language ?lang= or Accept-Language asks for, kept across the graduate's forms; and
English, without Vary: Accept-Language, everywhere else (console, APIs)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from webfixtures import WebEnv, issue

from issuer.i18n import TRANSLATIONS
from vc.languages import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
# The sources and keywords of issuer/babel.cfg (`make translations`).
METHODS = [
    ("issuer/mail/**.py", "python"),
    ("issuer/web/**.py", "python"),
    ("issuer/web/templates/**.html", "jinja2"),
]
HTML = {"Accept": "text/html"}


def _extracted() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), METHODS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _read(language: str) -> Catalog:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def catalogue(language: str) -> dict[str, str]:
    """msgid -> translation of one shipped catalogue (a text with a context under
    "<context>\x04<msgid>", as gettext keys it)."""
    return {_key(m): m.string for m in _read(language) if m.id}


def _key(message: Message) -> str:
    context: object = message.context  # bytes when read from a .mo file
    if isinstance(context, bytes):
        context = context.decode("utf-8")
    return f"{context}\x04{message.id}" if context else str(message.id)


def test_the_issuer_ships_the_seven_languages_of_the_verifier() -> None:
    shipped = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert shipped == set(LANGUAGES)
    found = _extracted()
    # A mail text, a page template text, a Python page text (a wallet's label).
    assert {
        "Dear %(name)s,",
        "Verify this diploma",
        "OpenID4VCI wallet (credential offer)",
    } <= found
    assert len(found) > 80


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_issuer_message_is_in_every_catalogue(language: str) -> None:
    read = _read(language)
    assert sorted(_extracted() - {m.id for m in read if m.id}) == []
    assert [m.id for m in read if m.id and (not m.string or m.fuzzy)] == []
    assert [(m.id, [str(e) for e in errors]) for m, errors in read.check()] == []
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {_key(m): m.string for m in read_mo(handle) if m.id}
    assert compiled == catalogue(language), "run `make translations` after editing a .po file"


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_each_issuer_translation_awaits_a_native_speakers_review(language: str) -> None:
    header = (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").read_text("utf-8")
    assert "NOT YET REVIEWED BY A NATIVE SPEAKER" in header.split('msgid ""', 1)[0]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def new_share_link(env: WebEnv, management_url: str, **form: str) -> tuple[str, str]:
    """A share link made from the graduate's page: (its URL, the page that showed it)."""
    parts = urlsplit(management_url)
    token = parse_qs(parts.query)["token"][0]
    response = env.client.post(parts.path + "/links", data={"token": token, **form})
    assert response.status_code == 201, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    found = re.search(r'id="new-share-url" href="([^"]+)"', page)
    assert found is not None
    return found.group(1), page


# English sentences of the shared diploma page that a translated page must not show.
SHARE_ENGLISH = (
    "Check it yourself",
    "Verify this diploma",
    "certifies that",
    "Diploma number",
    "Shared by the holder",
)


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_the_shared_diploma_reads_in_the_readers_language(env: WebEnv, language: str) -> None:
    issued = issue(env)
    share_url, _page = new_share_link(env, issued["managementUrl"])
    tag = language.replace("_", "-")
    response = env.client.get(path_of(share_url), headers={**HTML, "Accept-Language": tag})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    texts = catalogue(language)
    assert f'<html lang="{tag}">' in page
    assert texts["Verify this diploma"] in page and texts["Check it yourself"] in page
    kind = texts["Bachelor's degree"]
    assert f"<dd>{kind}</dd>" in page  # the kind of degree, named in the reader's language
    assert [english for english in SHARE_ENGLISH if english in page] == []
    # The verifier opens in the same language; the graduate's data stays as issued.
    assert f"&amp;lang={language}" in page
    assert "Серікова Айгерім Болатқызы" in page
    vary = {item.strip() for item in response.headers["Vary"].split(",")}
    assert {"Accept", "Accept-Language"} <= vary


def test_lang_in_the_query_wins_and_the_switcher_marks_it(env: WebEnv) -> None:
    issued = issue(env)
    share_url, _page = new_share_link(env, issued["managementUrl"])
    response = env.client.get(
        path_of(share_url) + "?lang=kk", headers={**HTML, "Accept-Language": "ja, en;q=0.5"}
    )
    page = response.get_data(as_text=True)
    assert '<html lang="kk">' in page and catalogue("kk")["Verify this diploma"] in page
    assert re.search(r'<a href="[^"]*lang=kk"[^>]*aria-current="true"', page)
    english = env.client.get(path_of(share_url), headers={**HTML, "Accept-Language": "de"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Verify this diploma" in english.get_data(as_text=True)


def test_a_revoked_diploma_says_so_in_the_readers_language(env: WebEnv) -> None:
    issued = issue(env)
    share_url, _page = new_share_link(env, issued["managementUrl"])
    env.service.status.set_status(issued["credentialId"], "revocation", True, "fraud", actor="t")
    page = env.client.get(
        path_of(share_url), headers={**HTML, "Accept-Language": "fr-FR"}
    ).get_data(as_text=True)
    texts = catalogue("fr")
    assert texts["Revoked."] in page and texts["The issuer has revoked this credential."] in page
    assert "Revoked." not in page and "fraud" not in page


def test_the_graduates_pages_keep_their_language_across_forms(env: WebEnv) -> None:
    issued = issue(env)
    texts = catalogue("ru")
    manage = issued["managementUrl"]
    page = env.client.get(path_of(manage) + "&lang=ru", headers=HTML).get_data(as_text=True)
    assert '<html lang="ru">' in page and texts["Your diploma"] in page
    assert texts["Create a share link"] in page and "Create a share link" not in page
    assert page.count('name="lang" value="ru"') == 4  # the PDF, a new link, two wallets
    # The form posts lang=ru: the page that shows the new link is Russian too, without a header.
    share_url, shown = new_share_link(env, manage, lang="ru")
    assert '<html lang="ru">' in shown and texts["New share link"] in shown
    assert texts["Stop sharing"] in shown and texts["share link\x04active"] in shown
    # Stopping a link returns to the graduate's page in Russian.
    link_id = re.search(r"/links/(\d+)/revoke", shown)
    assert link_id is not None
    parts = urlsplit(manage)
    token = parse_qs(parts.query)["token"][0]
    stopped = env.client.post(
        f"{parts.path}/links/{link_id.group(1)}/revoke", data={"token": token, "lang": "ru"}
    )
    assert stopped.status_code in (302, 303)
    assert parse_qs(urlsplit(stopped.headers["Location"]).query)["lang"] == ["ru"]
    again = env.client.get(path_of(stopped.headers["Location"]), headers=HTML)
    # A stopped link in the words for a link ("доступ закрыт"), not those for a diploma.
    assert texts["share link\x04revoked"] in again.get_data(as_text=True)
    assert texts["revoked"] not in again.get_data(as_text=True)
    # The wallet page in Russian, its way back keeps the language.
    wallet = env.client.post(
        f"{parts.path}/wallet/vc-api", data={"token": token, "lang": "ru"}
    ).get_data(as_text=True)
    assert texts["Add your diploma to a wallet"] in wallet
    assert texts["Learner Credential Wallet (app link)"] in wallet
    assert "lang=ru" in re.findall(r'href="([^"]*/manage/[^"]*)"', wallet)[0]
    assert share_url


def test_the_console_and_the_apis_stay_english(env: WebEnv) -> None:
    page = env.client.get("/console/login", headers={**HTML, "Accept-Language": "ja"})
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Accept-Language" not in page.headers.get("Vary", "")
    issued = issue(env)
    api = env.client.get(urlsplit(issued["credentialId"]).path, headers=env.auth())
    assert "Accept-Language" not in api.headers.get("Vary", "")


# ------------------------------------------------------------ dead links, in the reader's words


def _page(env: WebEnv, path: str, language: str) -> tuple[int, str]:
    response = env.client.get(path, headers={**HTML, "Accept-Language": language})
    assert response.mimetype == "text/html"
    return response.status_code, response.get_data(as_text=True)


def test_a_dead_share_link_says_what_to_do_in_the_readers_language(env: WebEnv) -> None:
    issued = issue(env)
    expiring, _page_made = new_share_link(env, issued["managementUrl"], expires_days="1")
    env.clock.advance(days=2)
    status, page = _page(env, path_of(expiring), "ja")
    texts = catalogue("ja")
    assert status == 410 and '<html lang="ja">' in page
    assert texts["This share link has expired"] in page
    assert texts["Ask the graduate for a new link to their diploma."] in page
    assert "expired" not in page
    # For a machine the problem stays as it was: English, its type unchanged.
    problem = env.client.get(path_of(expiring), headers={"Accept": "application/json"})
    assert problem.status_code == 410
    assert problem.get_json()["title"] == "Share link expired"
    status, page = _page(env, "/share/not-a-token", "ko")
    assert status == 404 and catalogue("ko")["Nothing is here"] in page
    status, page = _page(env, "/share/", "fr-CA")
    assert status == 404 and catalogue("fr")["Nothing is here"] in page


def test_a_graduates_dead_or_wrong_link_says_what_to_do(env: WebEnv) -> None:
    issued = issue(env)
    old = path_of(issued["claimUrl"])
    env.service.claims.new_link(issued["credentialId"], actor="registrar", send_mail=False)
    status, page = _page(env, old, "kk")
    texts = catalogue("kk")
    assert status == 410 and texts["A newer link has replaced this one"] in page
    manage = urlsplit(issued["managementUrl"])
    status, page = _page(env, f"{manage.path}?token=wrong", "ru")
    assert status == 401 and catalogue("ru")["This link is not valid"] in page


def test_a_problem_without_words_for_the_reader_stays_english_and_says_so(env: WebEnv) -> None:
    issued = issue(env)
    parts = urlsplit(issued["managementUrl"])
    token = parse_qs(parts.query)["token"][0]
    response = env.client.post(
        parts.path + "/links",
        data={"token": token, "expires_days": "-3", "lang": "kk"},
        headers=HTML,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and '<html lang="kk">' in page
    assert re.search(r'<h1 lang="en">[^<]+</h1>', page)
    assert '<p lang="en">expiry must be a whole number of days' in page
