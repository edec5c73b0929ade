"""The wallet routes of the VC-API exchange: the holder starts one from the holder page, the
wallet POSTs to the exchange URL (VC-API "Exchanges"), and the interaction URL (``?iuv=1``)
names the protocols it offers. Also the holder's wallet page and its QR codes."""

from __future__ import annotations

import io
import json
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, render_template, request
from flask_babel import gettext
from markupsafe import Markup

from issuer.web.state import state
from vc import strictjson
from vc.errors import MalformedValueError, ParsingError

bp = Blueprint("exchanges", __name__)

MAX_EXCHANGE_BODY = 256 * 1024


def qr_svg(text: str) -> Markup:
    """An inline SVG QR code of ``text`` (inline: the page's CSP allows images from 'self' only,
    and the data carries a secret that must not travel in an image URL)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    start = svg.find("<svg")
    return Markup(svg[start:].replace("<svg ", '<svg class="qr" role="img" ', 1))  # noqa: S704  # our own SVG


def allow_web_wallets(response: Response) -> Response:
    """CORS for the wallet endpoints (not the holder's pages): a web wallet calls them from its
    own origin, with a JSON body and a bearer token (so the browser sends a preflight first)."""
    if request.endpoint and not request.endpoint.endswith(("start_exchange", "create_offer")):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    return response


bp.after_request(allow_web_wallets)


def json_response(value: Any, status: int = 200) -> Response:
    response = Response(
        json.dumps(value, ensure_ascii=False), status=status, content_type="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def holder_page(**context: Any) -> Response:
    response = Response(render_template("wallet.html", **context), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def form_token() -> str:
    """The holder's management token, posted by the holder page's form."""
    token = request.values.get("token", "")
    if not token:
        raise MalformedValueError("the management link needs its token", pointer="/token")
    return token


@bp.post("/manage/<path:credential_id>/wallet/vc-api")
def start_exchange(credential_id: str) -> Response:
    """Open a VC-API exchange and show its deep links and interaction URL, each with a QR."""
    web = state()
    token = form_token()
    links = web.service.wallets.start_exchange(credential_id, token)
    credential = web.service.issuing.get_credential(credential_id)
    entries = [
        (gettext("Learner Credential Wallet (app link)"), links.lcw_deep_link),
        (gettext("Learner Credential Wallet (web link)"), links.lcw_universal_link),
        ("LearnCard", links.learncard_link),
        (gettext("Any VC-API wallet (interaction URL)"), links.interaction_url),
    ]
    return holder_page(
        credential=credential,
        token=token,
        protocol="vc-api",
        entries=[(label, url, qr_svg(url)) for label, url in entries],
        tx_code_sent=False,
    )


def _body() -> dict[str, Any]:
    raw = request.get_data(cache=False)
    if len(raw) > MAX_EXCHANGE_BODY:
        raise ParsingError("the request body is too large for an exchange")
    if not raw.strip():
        return {}
    return strictjson.loads_object(raw, "exchange request")


@bp.post("/exchanges/<exchange_id>")
def exchange(exchange_id: str) -> Response:
    """VC-API exchange: ``{}`` -> verifiablePresentationRequest; a presentation -> the diploma."""
    return json_response(state().service.wallets.exchange_step(exchange_id, _body()))


@bp.get("/exchanges/<exchange_id>")
@bp.get("/interactions/<exchange_id>")
def interaction(exchange_id: str) -> Response:
    """The interaction URL (``?iuv=1``): the protocols this exchange can be continued with."""
    return json_response(state().service.wallets.interaction(exchange_id))
