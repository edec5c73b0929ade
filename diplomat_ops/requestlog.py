"""Request ids and the access log line of a Flask app.

Every request gets an id: the client's ``X-Request-ID`` when it is sane (1-128 characters of
letters, digits and ``._:-``, starting with a letter or digit; so never an e-mail address or a
URL), else a new random one. It is echoed in the response's ``X-Request-ID`` and added to every
log line written while the request is handled.

One access line per request, logger ``diplomat.access``, level INFO, with ``method``, ``route``
(the URL rule, e.g. ``/share/<token>``: never the path, whose segments and query string may hold
share tokens, management tokens or credential ids), ``status`` and ``duration_ms``. Request and
response bodies, headers and query strings are never logged. The formats the lines are written
in: diplomat_ops.logformats.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Final

from flask import Flask, Response, g, has_request_context, request

HEADER: Final = "X-Request-ID"
ACCESS_LOGGER: Final = "diplomat.access"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\Z")
_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_access = logging.getLogger(ACCESS_LOGGER)


def request_id_from(header: str | None) -> str:
    """The client's request id when it is sane, else a new random one (32 hex digits)."""
    if header is not None and _SANE_ID.match(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    if not has_request_context():
        return None
    value = g.get("request_id")
    return value if isinstance(value, str) else None


def route() -> str:
    """The URL rule that matched the current request (bounded: one value per route), or
    ``unmatched`` when none did (404, or a method no rule takes)."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def method() -> str:
    """The request method, or ``other`` for a method no route uses (bounded label values)."""
    return request.method if request.method in _METHODS else "other"


def elapsed() -> float:
    """Seconds since the current request began (0.0 when its start was not recorded)."""
    started = g.get("request_started")
    return time.perf_counter() - started if isinstance(started, float) else 0.0


def install_request_log(app: Flask) -> None:
    """Give every request an id and write its access line. Registered before the app's other
    ``before_request`` hooks, so the id exists when they log."""

    @app.before_request
    def _begin() -> None:
        g.request_id = request_id_from(request.headers.get(HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _end(response: Response) -> Response:
        request_id = current_request_id() or request_id_from(None)
        response.headers[HEADER] = request_id
        milliseconds = elapsed() * 1000
        verb, where, status = method(), route(), response.status_code
        _access.info(
            "%s %s %s %.1f ms",
            verb,
            where,
            status,
            milliseconds,
            extra={
                "method": verb,
                "route": where,
                "status": status,
                "duration_ms": round(milliseconds, 3),
            },
        )
        return response
