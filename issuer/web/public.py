"""Public pages and documents: the DID document, status lists, the schema, share links, QR codes
and the holder's management page. No login; every absolute URL comes from config.public_base_url.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from issuer.degree import credential_schema
from issuer.errors import NotFoundError
from issuer.service.statusmessages import reference_document
from issuer.store import Credential, ShareLink
from issuer.web.auth import redirect_to
from issuer.web.diploma import diploma_view
from issuer.web.requests import whole_number
from issuer.web.state import state
from vc.dids import did_web_url
from vc.errors import DiplomatError, MalformedValueError, RangeValueError
from vc.status import Bitstring

bp = Blueprint("public", __name__)

_STATUS_PURPOSES = ("revocation", "suspension", "message")
# Media types a machine may ask the share URL for; the first one an Accept header prefers wins.
_JSON_TYPES = (
    "application/vc",
    "application/vc+ld+json",
    "application/ld+json",
    "application/json",
)
MAX_LINK_DAYS = 3650
# What /status/<purpose>/<n> can answer, the default first.
_STATUS_TYPES = (
    "application/vc",
    "application/vc+ld+json",
    "application/ld+json",
    "application/json",
    "text/html",
)
_ETAG_SUFFIX = {
    "application/vc+ld+json": "vcld",
    "application/ld+json": "ld",
    "application/json": "json",
    "text/html": "html",
}


def _json(value: Any, *, status: int = 200, content_type: str = "application/json") -> Response:
    return Response(
        json.dumps(value, ensure_ascii=False, indent=2), status=status, content_type=content_type
    )


def _public(response: Response, max_age: int) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# ------------------------------------------------------------------ DID document


def _did_document_path() -> str:
    """The app path of our did:web document, relative to the public base URL.

    did:web:host -> /.well-known/did.json; did:web:host:a:b -> <base>/did.json when the base URL
    is https://host/a/b (the app is mounted at the base URL's path).
    """
    web = state()
    did = web.service.context.issuer().did
    if not did.startswith("did:web:"):
        raise NotFoundError(f"the issuer's DID is not a did:web ({did.split(':')[1]})")
    # did:web always resolves over https; a development base URL may be http on loopback.
    url = did_web_url(did).split("://", 1)[1]
    base = web.base_url.split("://", 1)[1]
    if not url.startswith(base + "/"):
        raise NotFoundError("the issuer's DID document is not under this site's base URL")
    return url[len(base) :]


@bp.get("/.well-known/did.json")
@bp.get("/did.json")
@bp.get("/<path:did_path>/did.json")
def did_json(did_path: str | None = None) -> Response:
    if request.path != _did_document_path():
        raise NotFoundError("no DID document here")
    return _did_response()


def _did_response() -> Response:
    document = state().service.identity.did_document()
    return _public(_json(document, content_type="application/did+json"), 300)


# ------------------------------------------------------------------ status lists and schema


@bp.get("/status/<purpose>/<int:number>")
def status_list(purpose: str, number: int) -> Response:
    """The signed BitstringStatusListCredential; strong ETag, If-None-Match -> 304."""
    if purpose not in _STATUS_PURPOSES:
        raise NotFoundError(f"no status lists for purpose {purpose!r}")
    web = state()
    document, etag, last_modified = web.service.status.status_list_credential(purpose, number)
    # Content negotiation (Bitstring Status List §3.1 and VC-DM 2.0 §6.3 "Media Types"):
    # application/vc by default, the JSON and JSON-LD types a client asks for, and a page for a
    # browser. Each representation has its own strong ETag.
    media = request.accept_mimetypes.best_match(_STATUS_TYPES, default=_STATUS_TYPES[0])
    tag = etag.strip('"') + ("" if media == _STATUS_TYPES[0] else "-" + _ETAG_SUFFIX[media])
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    elif media == "text/html":
        response = Response(
            render_template(
                "status_list.html",
                purpose=purpose,
                number=number,
                document=document,
                summary=status_list_summary(document),
                pretty=json.dumps(document, ensure_ascii=False, indent=2),
            ),
            mimetype="text/html",
        )
    else:
        response = _json(document, content_type=media)
    response.set_etag(tag)
    response.last_modified = last_modified
    response.vary.add("Accept")
    return _public(response, web.config.status_list_ttl)


@bp.get("/status/message")
def status_messages() -> Response:
    """What the message entries' statusReference dereferences to (Bitstring Status List §2.1)."""
    web = state()
    if not web.config.status_messages:
        raise NotFoundError("this issuer publishes no message status lists")
    return _public(_json(reference_document(web.service.context)), 3600)


def status_list_summary(document: dict[str, Any]) -> dict[str, Any]:
    """What the status list page shows: the list's size and how many entries are set."""
    subject = document.get("credentialSubject")
    encoded = subject.get("encodedList") if isinstance(subject, dict) else None
    try:
        bits = Bitstring.decode(encoded)
    except DiplomatError:
        return {"size": None, "set": None}
    return {"size": bits.length, "set": bits.count()}


@bp.get("/schemas/degree-credential.schema.json")
def degree_schema() -> Response:
    return _public(_json(credential_schema(), content_type="application/schema+json"), 3600)


# ------------------------------------------------------------------ share links


def _share_headers(response: Response) -> Response:
    # Views are counted and a revoked link must stop working at once: nothing may cache this.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Vary"] = "Accept"
    return response


def _wanted_json_type() -> str | None:
    if request.args.get("format") == "json":
        return "application/json"
    best = request.accept_mimetypes.best_match(["text/html", *_JSON_TYPES])
    return best if best in _JSON_TYPES else None


def verify_url(share_url: str) -> str:
    """The verifier page that checks ``share_url`` (what the QR code encodes)."""
    return f"{state().config.verifier_url}?url={quote(share_url, safe='')}"


@bp.get("/share/<token>")
def share(token: str) -> Response:
    """The shared credential: JSON for machines, a readable diploma page for people."""
    web = state()
    credential = web.service.sharing.open_share(token)
    json_type = _wanted_json_type()
    if json_type is not None:
        response = Response(credential.credential_json, content_type=json_type)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return _share_headers(response)
    share_url = web.service.context.share_url(token)
    page = render_template(
        "share.html",
        view=diploma_view(credential.credential_json),
        credential=credential,
        share_url=share_url,
        verify_url=verify_url(share_url),
        token=token,
    )
    return _share_headers(Response(page, mimetype="text/html"))


@bp.get("/share/<token>/qr.png")
def share_qr_png(token: str) -> Response:
    png = state().service.sharing.share_qr_png(token)
    return _share_headers(Response(png, mimetype="image/png"))


@bp.get("/share/<token>/qr.svg")
def share_qr_svg(token: str) -> Response:
    svg = state().service.sharing.share_qr_svg(token)
    return _share_headers(Response(svg, mimetype="image/svg+xml"))


# ------------------------------------------------------------------ holder management


def _management_token() -> str:
    token = request.values.get("token", "")
    if not token:
        raise MalformedValueError("the management link needs its token", pointer="/token")
    return token


def graduate_page(
    credential: Credential, token: str, *, new_link: str | None = None, status: int = 200
) -> Response:
    """The graduate's page (templates/manage.html), opened by a claim link or the management
    address: the diploma and every way to take it. Each section is a partial template that
    reads ``credential``, ``view``, ``token``, ``links``, ``claim`` and ``new_link``."""
    web = state()
    service = web.service
    links = service.sharing.list_share_links(credential.id, management_token=token)
    now = service.context.now()
    page = render_template(
        "manage.html",
        view=diploma_view(credential.credential_json),
        credential=credential,
        links=[(link, link.state(now)) for link in links],
        token=token,
        new_link=new_link,
        claim=service.claims.live_link(credential.id),
    )
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/claim/<token>")
def claim(token: str) -> Response:
    """A claim link: the graduate's page. 404 for an unknown link, 410 for a replaced or
    expired one (an HTML page for browsers, problem details for machines)."""
    credential, _link = state().service.claims.open_claim(token)
    return graduate_page(credential, token)


@bp.get("/manage/<path:credential_id>")
def manage(credential_id: str) -> Response:
    """The graduate's page at its older address (the same token as the claim link)."""
    token = _management_token()
    credential, _links = _holder_view(credential_id, token)
    return graduate_page(credential, token)


@bp.post("/manage/<path:credential_id>/links")
def manage_create_link(credential_id: str) -> Response:
    """Create a share link (optional expiry in days); the page shows the new URL once."""
    web = state()
    token = _management_token()
    expires_at = _expiry(request.form.get("expires_days", ""), web.service.context.now())
    _link, _secret, share_url = web.service.sharing.create_share_link(
        credential_id, management_token=token, expires_at=expires_at
    )
    credential, _links = _holder_view(credential_id, token)
    return graduate_page(credential, token, new_link=share_url, status=201)


@bp.post("/manage/<path:credential_id>/links/<int:link_id>/revoke")
def manage_revoke_link(credential_id: str, link_id: int) -> WerkzeugResponse:
    web = state()
    token = _management_token()
    web.service.sharing.revoke_share_link(credential_id, link_id, management_token=token)
    # The graduate's page again, in the language the form was posted from.
    lang = request.form.get("lang") or None
    return redirect_to(
        url_for("public.manage", credential_id=credential_id, token=token, lang=lang)
    )


@bp.get("/manage/<path:credential_id>/credential.json")
def manage_download(credential_id: str) -> Response:
    credential, _links = _holder_view(credential_id, _management_token())
    response = Response(credential.credential_json, content_type="application/json")
    filename = "diploma-" + "".join(
        c if c.isascii() and c.isalnum() else "-" for c in credential.diploma_number
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _holder_view(credential_id: str, token: str) -> tuple[Credential, list[ShareLink]]:
    """The credential and its links, if ``token`` is its holder's management token.

    Raises InvalidTokenError (401) for a wrong token, NotFoundError (404) for an unknown id.
    """
    service = state().service
    links = service.sharing.list_share_links(credential_id, management_token=token)
    return service.issuing.get_credential(credential_id), links


def _expiry(raw: str, now: datetime) -> datetime | None:
    """Days from now (blank = never) -> the expiry instant. Raises RangeValueError."""
    text = raw.strip()
    if not text:
        return None
    try:
        days = whole_number(text, "expiry (days)", 1, MAX_LINK_DAYS)
    except RangeValueError:
        raise RangeValueError(
            f"expiry must be a whole number of days from 1 to {MAX_LINK_DAYS}",
            pointer="/expires_days",
        ) from None
    return now.astimezone(UTC) + timedelta(days=days)
