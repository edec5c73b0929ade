"""The issuer's one error handler: every failure becomes RFC 9457 problem details (or its HTML page).

    vc.errors.DiplomatError   -> its own problem type and status (to_problem())
    werkzeug HTTPException    -> "about:blank" problem with the HTTP status (404, 405, 413, ...)
    anything else             -> 500 problem with no traceback text; the exception is logged

Browsers (an Accept header preferring ``text/html``) get a small HTML page that carries the same
title, status and detail, on any path, a mistyped one included; machines get
``application/problem+json``. On the public pages (issuer.web.i18n: a shared diploma, a
graduate's page) the problems their readers meet (a link expired, stopped, replaced, mistyped)
are worded for them in their language, with what to do next (``READER_PROBLEMS``); any other
problem keeps its English title and detail, marked ``lang="en"``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from diplomat_ops.requestlog import route
from issuer.errors import PROBLEMS
from issuer.i18n import _
from issuer.web.i18n import is_public_page
from vc.errors import DiplomatError

PROBLEM_JSON = "application/problem+json"
_log = logging.getLogger("issuer.web")


_NOT_FOUND = (
    _("Nothing is here"),
    _("This link leads nowhere. Check that it was copied in full, or ask whoever sent it."),
)
# Problem type -> (title, what to do), for the readers of the public pages (texts marked for the
# issuer's catalogues, translated when a page is made). A problem without a type of its own
# (werkzeug's "about:blank": a mistyped path) is looked up as "about:blank#<status>".
READER_PROBLEMS: dict[str, tuple[str, str]] = {
    PROBLEMS + "share-link-expired": (
        _("This share link has expired"),
        _("Ask the graduate for a new link to their diploma."),
    ),
    PROBLEMS + "share-link-revoked": (
        _("This share link was stopped"),
        _(
            "The graduate has stopped sharing their diploma through this link. Ask them for a new one."
        ),
    ),
    PROBLEMS + "claim-link-expired": (
        _("Your link has expired"),
        _("Ask the registrar's office for a new link to your diploma."),
    ),
    PROBLEMS + "claim-link-replaced": (
        _("A newer link has replaced this one"),
        _("Use the link in the registrar's office's latest message, or ask them for a new one."),
    ),
    PROBLEMS + "invalid-token": (
        _("This link is not valid"),
        _("Use the link from your e-mail in full, or ask the registrar's office for a new one."),
    ),
    PROBLEMS + "not-found": _NOT_FOUND,
    "about:blank#404": _NOT_FOUND,
}


def problem_response(
    problem: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> Response:
    """A response carrying ``problem`` as JSON or, for a browser page, as an HTML error page."""
    if _wants_html():
        reader = None
        if is_public_page():
            key = problem.get("type", "")
            found = READER_PROBLEMS.get(key) or READER_PROBLEMS.get(f"{key}#{status}")
            reader = None if found is None else (gettext(found[0]), gettext(found[1]))
        body = render_template("error.html", problem=problem, reader=reader)
        response = Response(body, status=status, mimetype="text/html")
    else:
        text = json.dumps(problem, ensure_ascii=False, indent=2)
        response = Response(text, status=status, content_type=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def handle_error(exc: Exception) -> Response:
    """Translate any exception raised by a view into problem details."""
    headers: dict[str, str] = {}
    if isinstance(exc, DiplomatError):
        problem = exc.to_problem()
        status = exc.status
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="diplomat-issuer"'
        if status >= 500:
            _log.error("%s: %s", type(exc).__name__, exc.detail, exc_info=exc)
    elif isinstance(exc, HTTPException):
        status = exc.code or 500
        problem = {
            "type": "about:blank",
            "title": exc.name,
            "status": status,
            "detail": exc.description or exc.name,
        }
        # Keep protocol headers (Allow on 405, WWW-Authenticate on 401), not the HTML type.
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
            "detail": "An unexpected error occurred. It has been logged.",
        }
    return problem_response(problem, status, headers)


def register(app: Flask) -> None:
    """Install the one handler for every exception."""
    app.register_error_handler(Exception, handle_error)


def _wants_html() -> bool:
    if request.args.get("format") == "json":
        return False
    # The machine types listed first: a client accepting "*/*" gets problem details.
    best = request.accept_mimetypes.best_match(
        ["application/json", PROBLEM_JSON, "application/vc", "text/html"]
    )
    return best == "text/html"
