"""OpenID4VCI 1.0 routes (pre-authorised code flow): the offer the holder page shows, the two
metadata documents, token, nonce and credential endpoints. These answer OAuth errors
(``{"error", "error_description"}``, RFC 6749 §5.2), not problem details."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import gettext

from issuer.web.exchanges import (
    allow_web_wallets,
    form_token,
    holder_page,
    json_response,
    qr_svg,
)
from issuer.web.state import state
from vc import strictjson
from vc.errors import DiplomatError
from vc.oid4vci import InvalidAccessTokenError, InvalidCredentialRequestError, OAuthError

bp = Blueprint("oid4vci", __name__)
bp.after_request(allow_web_wallets)

MAX_BODY = 64 * 1024


@bp.errorhandler(OAuthError)
def _oauth_error(exc: OAuthError) -> Response:
    response = json_response(exc.to_oauth(), exc.status)
    if isinstance(exc, InvalidAccessTokenError):
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@bp.post("/manage/<path:credential_id>/wallet/oid4vci")
def create_offer(credential_id: str) -> Response:
    """Make a credential offer and show it as a link and a QR code."""
    web = state()
    token = form_token()
    offer = web.service.oid4vci.create_offer(credential_id, token)
    return holder_page(
        credential=web.service.issuing.get_credential(credential_id),
        token=token,
        protocol="oid4vci",
        entries=[(gettext("OpenID4VCI wallet (credential offer)"), offer.link, qr_svg(offer.link))],
        tx_code_sent=offer.tx_code_sent,
    )


@bp.get("/oid4vci/offers/<offer_id>")
def credential_offer(offer_id: str) -> Response:
    return json_response(state().service.oid4vci.credential_offer(offer_id))


@bp.get("/.well-known/openid-credential-issuer")
def issuer_metadata() -> Response:
    return json_response(state().service.oid4vci.issuer_metadata())


@bp.get("/.well-known/oauth-authorization-server")
def authorization_server_metadata() -> Response:
    return json_response(state().service.oid4vci.authorization_server_metadata())


@bp.post("/oid4vci/token")
def token() -> Response:
    form = {key: request.form.get(key, "") for key in request.form}
    return json_response(state().service.oid4vci.token(form))


@bp.post("/oid4vci/nonce")
def nonce() -> Response:
    return json_response(state().service.oid4vci.nonce())


@bp.post("/oid4vci/credential")
def credential() -> Response:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    access_token = value.strip() if scheme.lower() in ("bearer", "dpop") else None
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise InvalidCredentialRequestError("the credential request is too large")
    try:
        body = strictjson.loads_object(raw, "credential request")
    except DiplomatError as exc:
        raise InvalidCredentialRequestError(
            f"the credential request is not a JSON object: {exc.detail}"
        ) from exc
    return json_response(state().service.oid4vci.credential(access_token, body))
