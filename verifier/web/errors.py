"""The verifier's one error handler: every failure becomes RFC 9457 problem details (or its page).

    vc.errors.DiplomatError   -> its own problem type and status (to_problem())
    werkzeug HTTPException    -> "about:blank" problem with the HTTP status (404, 405, 413, ...)
    anything else             -> 500 problem without traceback text; the exception is logged

A browser (its Accept header prefers ``text/html``) gets a small HTML page carrying the same
title, status and detail, on any path, a mistyped one included; so does a client sending no
Accept header to the pages (``/``, ``/verify...``). Machines get ``application/problem+json``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from diplomat_ops.requestlog import route
from vc.errors import DiplomatError
from verifier.web.i18n import DEFAULT, N_, api_language, current_language, localised

PROBLEM_JSON = "application/problem+json"
# The problem titles a reader may meet (vc.errors, the checks' findings, HTTP), marked for the
# catalogues: pages show them in the reader's language, the API when Accept-Language asks.
PROBLEM_TITLES = (
    N_("Context not allowed"),
    N_("Credential expired"),
    N_("Credential not yet valid"),
    N_("Credential revoked"),
    N_("Credential suspended"),
    N_("Cryptographic security error"),
    N_("Issuer not accredited for this degree"),
    N_("Issuer not in any registry"),
    N_("JSON-LD safe mode violation"),
    N_("Malformed value"),
    N_("No recognition convention applies"),
    N_("Not issued to the person named"),
    N_("Parsing error"),
    N_("Presenter is not the credential subject"),
    N_("Proof generation error"),
    N_("Proof verification error"),
    N_("Remote document could not be retrieved"),
    N_("Service busy"),
    N_("Service unavailable"),
    N_("Status list error"),
    N_("URL refused"),
    N_("Unsupported proof type or cryptosuite"),
    N_("Value out of range"),
    N_("Verification finding"),
    N_("Verification method could not be resolved"),
    N_("Weak public key"),
    N_("Work limit exceeded"),
    N_("Bad Request"),
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("Request Entity Too Large"),
    N_("Unsupported Media Type"),
    N_("Internal Server Error"),
)
UNEXPECTED = N_("An unexpected error occurred. It has been logged.")
_log = logging.getLogger("verifier.web")


def _is_page() -> bool:
    path = request.path
    on_pages = path in ("/", "/verify") or path.startswith("/verify/")
    if not request.accept_mimetypes:
        return on_pages
    # Off the pages, "text/html" comes last: "*/*" alone does not make an API client a browser.
    machine = ["application/json", PROBLEM_JSON]
    offered = ["text/html", *machine] if on_pages else [*machine, "text/html"]
    return request.accept_mimetypes.best_match(offered) == "text/html"


def _localised(problem: dict[str, Any]) -> dict[str, Any]:
    """The problem with its title and (catalogued) detail in the request's language."""
    shown = dict(problem)
    for key in ("title", "detail"):
        if isinstance(shown.get(key), str):
            shown[key] = localised(shown[key])
    return shown


def problem_response(problem: dict[str, Any], status: int, headers: dict[str, str]) -> Response:
    if _is_page():
        shown = _localised(problem)
        # A detail with no translation is English: say so to the browser.
        detail_lang = (
            "en"
            if current_language() != DEFAULT and shown.get("detail") == problem.get("detail")
            else None
        )
        body = render_template("error.html", problem=shown, detail_lang=detail_lang)
        response = Response(body, status=status, mimetype="text/html")
    else:
        language = api_language()
        if language != DEFAULT:
            problem = _localised(problem)
            response_language = language.replace("_", "-")
        else:
            response_language = DEFAULT
        text = json.dumps(problem, ensure_ascii=False, indent=2)
        response = Response(text, status=status, content_type=PROBLEM_JSON)
        response.headers["Content-Language"] = response_language
    for name, value in headers.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def handle_error(exc: Exception) -> Response:
    """Translate any exception raised by a view into problem details."""
    headers: dict[str, str] = {}
    if isinstance(exc, DiplomatError):
        problem = exc.to_problem(instance=request.path)
        status = exc.status
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int):
            headers["Retry-After"] = str(retry_after)
        if status >= 500 and status != 502:
            _log.error("%s: %s", type(exc).__name__, exc.detail)
    elif isinstance(exc, HTTPException):
        status = exc.code or 500
        detail = exc.description or exc.name
        if isinstance(exc, RequestEntityTooLarge):
            from flask import current_app

            limit = current_app.config.get("MAX_CONTENT_LENGTH")
            detail = f"The request body is larger than this verifier accepts ({limit} bytes)."
        problem = {"type": "about:blank", "title": exc.name, "status": status, "detail": detail}
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                headers[name] = value
    else:
        # The route, not the path: paths hold share tokens and credential ids.
        _log.exception("unhandled error on %s %s", request.method, route())
        status = 500
        problem = {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": UNEXPECTED,
        }
    return problem_response(problem, status, headers)


def register(app: Flask) -> None:
    """Install the one handler for every exception."""
    app.register_error_handler(Exception, handle_error)
