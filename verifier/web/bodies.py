"""Request bodies and parameters: size-capped, strict JSON (no duplicate keys, bounded depth).

The candidate's identity (the recipient check) is personal data: it is read from a request body
only (a JSON field or a POSTed form field), never from a URL, which proxies and servers log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request

from vc import strictjson
from vc.errors import MalformedValueError, ParsingError
from vc.jose import enveloped_token, looks_like_jwt
from vc.message import Message
from vc.ob3 import RecipientIdentity
from verifier.context import check_country
from verifier.intake import parse_attached, parse_credential
from verifier.pdfinput import credential_from_pdf, is_pdf
from verifier.web.i18n import N_

PDF_TYPE = "application/pdf"


def raw_body() -> bytes:
    """The body (Flask enforces MAX_CONTENT_LENGTH: 413 above it). Raises ParsingError if empty."""
    data = request.get_data(cache=False)
    if not data.strip():
        raise ParsingError(Message("the request body is empty"))
    return data


def json_object() -> dict[str, Any]:
    """The body as a strict JSON object. Raises ParsingError (400)."""
    return strictjson.loads_object(raw_body(), "request body")


def credential_body() -> Mapping[str, Any] | str:
    """A credential posted as itself: a JSON object or a compact VC-JWT, or a diploma PDF
    (application/pdf, or a body that is a PDF) whose attached credential is taken. Raises
    ParsingError, PdfTooLargeError."""
    data = raw_body()
    if request.mimetype == PDF_TYPE or is_pdf(data):
        return parse_attached(credential_from_pdf(data))
    return parse_credential(data)


def destination(value: str | None) -> str | None:
    """The ``for`` country: None when absent or blank, else ISO 3166-1 alpha-2 (upper-cased).
    Raises MalformedValueError."""
    if value is None or not value.strip():
        return None
    return check_country(value.strip().upper(), Message("for (destination country)"))


RECIPIENT_FIELD = "recipient"
_RECIPIENT_KEYS = frozenset({"identityType", "identity"})


def recipient_of(value: Any, pointer: str) -> RecipientIdentity | None:
    """A ``{"identityType": "emailAddress", "identity": "..."}`` object (null or absent: None).
    Raises MalformedValueError, which never quotes the identity."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != _RECIPIENT_KEYS:
        raise MalformedValueError(
            Message(
                "the recipient must be an object with exactly 'identityType' and 'identity' "
                '(e.g. {"identityType": "emailAddress", "identity": "..."})'
            ),
            pointer=pointer,
        )
    kind, identity = value["identityType"], value["identity"]
    if not isinstance(kind, str) or not isinstance(identity, str):
        raise MalformedValueError(
            Message("the recipient's identityType and identity must be strings"), pointer=pointer
        )
    try:
        return RecipientIdentity(kind, identity)
    except MalformedValueError as exc:
        raise MalformedValueError(exc.detail, pointer=pointer) from None


def form_recipient() -> RecipientIdentity | None:
    """The pages' optional "candidate's e-mail or student number" field of a POSTed form (blank:
    None). Raises MalformedValueError."""
    text = request.form.get(RECIPIENT_FIELD, "")
    if not text.strip():
        return None
    return RecipientIdentity.from_text(text)


def refuse_identity_in_url() -> None:
    """Raise MalformedValueError when the query string carries a candidate identity: it belongs
    in the body, and saying so beats silently ignoring it."""
    if RECIPIENT_FIELD in request.args:
        raise MalformedValueError(
            N_(
                "the candidate's identity is not accepted in a URL (URLs end up in logs): send "
                "it in the request body"
            ),
            pointer=RECIPIENT_FIELD,
        )


def options_of(body: Mapping[str, Any], allowed: frozenset[str]) -> Mapping[str, Any]:
    """The ``options`` object of a VC-API request; unknown option names are refused."""
    options = body.get("options", {})
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise MalformedValueError(Message("'options' must be an object"), pointer="/options")
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise MalformedValueError(
            Message("unsupported option(s): %(options)s", options=", ".join(unknown)),
            pointer=f"/options/{unknown[0]}",
        )
    return options


def enveloped(value: Any, pointer: str) -> Mapping[str, Any] | str:
    """A VC-API credential value: an object, a compact JWT string, or an
    EnvelopedVerifiableCredential (VC-JOSE-COSE §3.2: a data:application/vc+jwt URL carrying the
    JWT; any other media type is refused)."""
    if isinstance(value, str):
        if looks_like_jwt(value):
            return value.strip()
        raise MalformedValueError(
            Message("a credential string must be a compact VC-JWT"), pointer=pointer
        )
    if not isinstance(value, Mapping):
        raise MalformedValueError(
            Message("the credential must be a JSON object or a VC-JWT string"), pointer=pointer
        )
    kind = value.get("type")
    if kind == "EnvelopedVerifiableCredential" or (
        isinstance(kind, list) and "EnvelopedVerifiableCredential" in kind
    ):
        return enveloped_token(value.get("id"), pointer + "/id")
    return value
