"""Public issuer documents and pages: did.json, status lists (ETag / 304), the schema, share links
(JSON or a diploma page, view counts, expiry, revocation, QR codes decoded with zxing-cpp) and the
holder's management page. Absolute URLs must come from config.public_base_url, never from Host.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import zxingcpp
from PIL import Image
from webfixtures import WebEnv, issue, make_env

from issuer.degree import credential_schema
from issuer.store import hash_token

EVIL = {"Host": "evil.example"}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def create_link(env: WebEnv, management_url: str, expires_days: str = "") -> str:
    """Create a share link through the holder's management page; returns the share URL."""
    parts = urlsplit(management_url)
    token = parse_qs(parts.query)["token"][0]
    response = env.client.post(
        parts.path + "/links",
        data={"token": token, "expires_days": expires_days},
        headers=EVIL,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    found = re.search(r'id="new-share-url" href="([^"]+)"', response.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def share_token(share_url: str) -> str:
    return urlsplit(share_url).path.rsplit("/", 1)[1]


def views(env: WebEnv, share_url: str) -> int:
    return env.service.store.sharing.get_share_link(share_token(share_url)).view_count


# ------------------------------------------------------------------ DID document


def test_did_document_is_served_at_well_known(env: WebEnv) -> None:
    response = env.client.get("/.well-known/did.json", headers=EVIL)
    assert response.status_code == 200
    document = json.loads(response.data)
    did = env.service.context.issuer().did
    assert document == env.service.identity.did_document()
    assert document["id"] == did == "did:web:diplomas.university.example"
    assert document["assertionMethod"] == [did + "#key-1"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert env.client.get("/some/where/did.json").status_code == 404


def test_did_document_under_a_path(tmp_path: Path) -> None:
    made = make_env(tmp_path, base_url="https://www.university.example/diplomas")
    try:
        assert made.service.context.issuer().did == "did:web:www.university.example:diplomas"
        # The app is mounted at the base URL's path, so <base>/did.json is /did.json here.
        response = made.client.get("/did.json")
        assert response.status_code == 200
        assert json.loads(response.data)["id"] == made.service.context.issuer().did
        assert made.client.get("/.well-known/did.json").status_code == 404
    finally:
        made.service.close()


def test_did_key_issuer_serves_no_did_document(tmp_path: Path) -> None:
    made = make_env(tmp_path, did_method="key")
    try:
        response = made.client.get("/.well-known/did.json")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
    finally:
        made.service.close()


# ------------------------------------------------------------------ status lists, schema


def test_status_list_caching_headers_and_conditional_get(env: WebEnv) -> None:
    issued = issue(env)
    entry = next(
        e for e in issued["credential"]["credentialStatus"] if e["statusPurpose"] == "revocation"
    )
    assert entry["statusListCredential"].startswith(env.base + "/status/revocation/")
    path = path_of(entry["statusListCredential"])
    first = env.client.get(path, headers=EVIL)
    assert first.status_code == 200
    document = json.loads(first.data)
    assert document["id"] == entry["statusListCredential"]
    assert "evil.example" not in first.get_data(as_text=True)
    assert first.headers["Cache-Control"] == f"public, max-age={env.config.status_list_ttl}"
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[^"]+"', etag), "a strong ETag (no W/ prefix)"
    again = env.client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    other = env.client.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    env.service.status.set_status(issued["credentialId"], "revocation", True, "test", actor="test")
    changed = env.client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_status_list_content_negotiation(env: WebEnv) -> None:
    issued = issue(env)
    entry = issued["credential"]["credentialStatus"][0]
    path = path_of(entry["statusListCredential"])
    tags = set()
    for accept, media in (
        (None, "application/vc"),
        ("*/*", "application/vc"),
        ("application/vc+ld+json", "application/vc+ld+json"),
        ("application/ld+json, application/json", "application/ld+json"),
        ("application/json", "application/json"),
    ):
        response = env.client.get(path, headers={"Accept": accept} if accept else {})
        assert response.status_code == 200, accept
        assert response.mimetype == media, accept
        assert "Accept" in response.headers["Vary"]
        assert json.loads(response.data)["type"] == [
            "VerifiableCredential",
            "BitstringStatusListCredential",
        ]
        tags.add(response.headers["ETag"])
    assert len(tags) == 4, "each representation has its own strong ETag"
    page = env.client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Status list: " + entry["statusPurpose"] in text
    assert "131072 (0 set)" in text
    again = env.client.get(
        path, headers={"Accept": "text/html", "If-None-Match": page.headers["ETag"]}
    )
    assert again.status_code == 304


def test_unknown_status_lists_are_404(env: WebEnv) -> None:
    issue(env)
    for path in ("/status/revocation/99", "/status/message/0", "/status/revocation/x"):
        response = env.client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"


def test_schema_is_served(env: WebEnv) -> None:
    response = env.client.get("/schemas/degree-credential.schema.json")
    assert response.status_code == 200
    assert response.mimetype == "application/schema+json"
    assert json.loads(response.data) == credential_schema()


# ------------------------------------------------------------------ share links


def test_share_link_json_page_and_view_count(env: WebEnv) -> None:
    issued = issue(env)
    share_url = create_link(env, issued["managementUrl"])
    assert share_url.startswith(env.base + "/share/")
    token = share_token(share_url)
    assert len(token) * 6 >= 128, "at least 128 bits of base64url"
    assert views(env, share_url) == 0
    as_json = env.client.get(path_of(share_url), headers={"Accept": "application/json"})
    assert as_json.status_code == 200
    assert json.loads(as_json.data) == issued["credential"]
    assert as_json.headers["Cache-Control"] == "no-store"
    as_vc = env.client.get(path_of(share_url), headers={"Accept": "application/vc"})
    assert as_vc.mimetype == "application/vc"
    assert json.loads(as_vc.data) == issued["credential"]
    by_query = env.client.get(path_of(share_url) + "?format=json")
    assert json.loads(by_query.data) == issued["credential"]
    assert views(env, share_url) == 3
    page = env.client.get(path_of(share_url), headers={"Accept": "text/html", **EVIL})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Серікова Айгерім Болатқызы" in html
    assert "Bachelor of Engineering and Technology in Software Engineering" in html
    expected_verify = f"{env.config.verifier_url}?url={quote(share_url, safe='')}"
    assert f'href="{expected_verify}"' in html
    assert "evil.example" not in html
    assert views(env, share_url) == 4
    # The QR image and the holder's page do not count as views.
    assert env.client.get(path_of(share_url) + "/qr.png").status_code == 200
    assert views(env, share_url) == 4


def test_share_qr_codes_encode_the_verifier_url(env: WebEnv) -> None:
    issued = issue(env)
    share_url = create_link(env, issued["managementUrl"])
    response = env.client.get(path_of(share_url) + "/qr.png", headers=EVIL)
    assert response.status_code == 200 and response.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(response.data)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert [code.text for code in decoded] == [
        f"{env.config.verifier_url}?url={quote(share_url, safe='')}"
    ]
    svg = env.client.get(path_of(share_url) + "/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data


def test_share_link_expiry_revocation_and_unknown(env: WebEnv) -> None:
    issued = issue(env)
    expiring = create_link(env, issued["managementUrl"], expires_days="2")
    forever = create_link(env, issued["managementUrl"])
    assert env.client.get(path_of(expiring) + "?format=json").status_code == 200
    env.clock.advance(days=2, seconds=1)
    gone = env.client.get(path_of(expiring), headers={"Accept": "application/json"})
    assert gone.status_code == 410 and gone.mimetype == "application/problem+json"
    assert json.loads(gone.data)["type"].endswith("share-link-expired")
    page = env.client.get(path_of(expiring), headers={"Accept": "text/html"})
    assert page.status_code == 410 and page.mimetype == "text/html"
    assert "expired" in page.get_data(as_text=True)
    assert env.client.get(path_of(expiring) + "/qr.png").status_code == 410
    assert env.client.get(path_of(forever) + "?format=json").status_code == 200

    # The holder stops sharing the other link.
    parts = urlsplit(issued["managementUrl"])
    token = parse_qs(parts.query)["token"][0]
    link_id = next(
        link.id
        for link in env.service.store.sharing.list_share_links(issued["credentialId"])
        if link.expires_at is None
    )
    response = env.client.post(f"{parts.path}/links/{link_id}/revoke", data={"token": token})
    assert response.status_code == 303
    revoked = env.client.get(path_of(forever) + "?format=json")
    assert revoked.status_code == 410
    assert json.loads(revoked.data)["type"].endswith("share-link-revoked")

    unknown = env.client.get("/share/" + "A" * 32 + "?format=json")
    assert unknown.status_code == 404
    assert env.client.get("/share/" + "A" * 32 + "/qr.png").status_code == 404


def test_share_page_shows_revocation(env: WebEnv) -> None:
    issued = issue(env)
    share_url = create_link(env, issued["managementUrl"])
    env.service.status.set_status(issued["credentialId"], "revocation", True, "fraud", actor="test")
    html = env.client.get(path_of(share_url), headers={"Accept": "text/html"}).get_data(
        as_text=True
    )
    assert "Revoked." in html


# ------------------------------------------------------------------ holder management


def test_management_page_lists_links_and_downloads(env: WebEnv) -> None:
    issued = issue(env)
    manage = issued["managementUrl"]
    assert manage.startswith(env.base + "/manage/")
    share_url = create_link(env, manage, expires_days="30")
    env.client.get(path_of(share_url) + "?format=json")
    page = env.client.get(path_of(manage), headers=EVIL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="views">1<' in html
    assert "evil.example" not in html
    assert share_token(share_url) not in html, "share tokens are shown once, at creation"
    parts = urlsplit(manage)
    download = env.client.get(parts.path + "/credential.json?" + parts.query)
    assert download.status_code == 200
    assert json.loads(download.data) == issued["credential"]
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_management_refuses_wrong_tokens_and_bad_expiry(env: WebEnv) -> None:
    issued = issue(env)
    parts = urlsplit(issued["managementUrl"])
    token = parse_qs(parts.query)["token"][0]
    before = env.counts()
    wrong = env.client.get(parts.path + "?token=" + "x" * 43)
    assert wrong.status_code == 401
    assert env.client.get(parts.path).status_code == 400
    for bad in ("0", "-1", "abc", "99999"):
        response = env.client.post(
            parts.path + "/links", data={"token": token, "expires_days": bad}
        )
        assert response.status_code == 400, bad
    stolen = env.client.post(parts.path + "/links", data={"token": "guess"})
    assert stolen.status_code == 401
    other = issue(env, diploma_number="OTHER-1")
    link_id = env.service.sharing.create_share_link(other["credentialId"], actor="test")[0].id
    before = env.counts()
    cross = env.client.post(f"{parts.path}/links/{link_id}/revoke", data={"token": token})
    assert cross.status_code == 404, "a holder cannot revoke another credential's link"
    unknown = env.client.get("/manage/https%3A%2F%2Fnope.example%2Fcredentials%2F1?token=" + token)
    assert unknown.status_code == 404
    assert env.counts() == before
    assert hash_token(token) not in json.dumps(
        [e.details for e in env.service.store.audit.list_audit()]
    )


# ------------------------------------------------------------------ page hygiene


def test_pages_send_security_headers_and_no_external_resources(env: WebEnv) -> None:
    issued = issue(env)
    share_url = create_link(env, issued["managementUrl"])
    for path in (path_of(share_url), path_of(issued["managementUrl"]), "/console/login"):
        response = env.client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        html = response.get_data(as_text=True)
        # Nothing fetched from another origin: every src/href to a resource is site-relative.
        for url in re.findall(r'(?:src|rel="stylesheet" href)="([^"]+)"', html):
            assert url.startswith("/"), url
    with env.client.get("/static/diplomat.css") as css:
        assert css.status_code == 200
        text = css.get_data(as_text=True)
    assert "@import" not in text and "url(" not in text and "//" not in text.replace("/*", "")


def test_demo_label_in_dev_mode(tmp_path: Path) -> None:
    made = make_env(tmp_path, dev_mode=True)
    try:
        issued = issue(made)
        share_url = create_link(made, issued["managementUrl"])
        for path in (path_of(share_url), "/console/login"):
            html = made.client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
            assert "DEMO" in html, path
    finally:
        made.service.close()


def test_no_demo_label_in_production(env: WebEnv) -> None:
    html = env.client.get("/console/login").get_data(as_text=True)
    assert "DEMO" not in html


def test_diploma_page_names_each_framework_once() -> None:
    from issuer.web.diploma import diploma_view

    alignment = [
        {"targetName": "Bachelor's or equivalent level", "targetFramework": "ISCED 2011"},
        {
            "targetName": "National Qualifications Framework of Kazakhstan level 6",
            "targetFramework": "National Qualifications Framework of Kazakhstan",
        },
        {"targetName": "Untitled framework level", "targetFramework": ""},
    ]
    credential = {"credentialSubject": {"achievement": {"alignment": alignment}}}
    assert diploma_view(json.dumps(credential)).levels == (
        "Bachelor's or equivalent level (ISCED 2011)",
        "National Qualifications Framework of Kazakhstan level 6",
        "Untitled framework level",
    )


# ------------------------------------------------------------------ error pages


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_mistyped_url_is_an_html_page_for_a_browser_and_a_problem_for_a_machine(
    env: WebEnv,
) -> None:
    for path in ("/nothing-here", "/api/nothing-here", "/status/revocation/999"):
        page = env.client.get(path, headers={"Accept": BROWSER_ACCEPT})
        assert page.status_code == 404 and page.mimetype == "text/html", path
        assert "<h1>" in page.get_data(as_text=True)
        for accept in ("application/json", "*/*", None):
            headers = {"Accept": accept} if accept else {}
            machine = env.client.get(path, headers=headers)
            assert machine.status_code == 404
            assert machine.mimetype == "application/problem+json", (path, accept)
