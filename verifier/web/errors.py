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

from vc.errors import DiplomatError

PROBLEM_JSON = "application/problem+json"
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


def problem_response(problem: dict[str, Any], status: int, headers: dict[str, str]) -> Response:
    if _is_page():
        body = render_template("error.html", problem=problem)
        response = Response(body, status=status, mimetype="text/html")
    else:
        text = json.dumps(problem, ensure_ascii=False, indent=2)
        response = Response(text, status=status, content_type=PROBLEM_JSON)
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
        _log.exception("unhandled error on %s %s", request.method, request.path)
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
