"""Request ids, the access log line, and the two log formats (``text`` and ``json``).

Every request gets an id: the client's ``X-Request-ID`` when it is sane (1-128 characters of
letters, digits and ``._:-``, starting with a letter or digit; so never an e-mail address or a
URL), else a new random one. It is echoed in the response's ``X-Request-ID`` and added to every
log line written while the request is handled.

One access line per request, logger ``diplomat.access``, level INFO, with ``method``, ``route``
(the URL rule, e.g. ``/share/<token>``: never the path, whose segments and query string may hold
share tokens, management tokens or credential ids), ``status`` and ``duration_ms``. Request and
response bodies, headers and query strings are never logged.

``DIPLOMAT_LOG_FORMAT=json`` makes every line one JSON object:
``{"time", "level", "logger", "message", "request_id"?, "method"?, "route"?, "status"?,
"duration_ms"?, "exception"?}``; ``text`` (the default) writes the same facts on one line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from flask import Flask, Response, g, has_request_context, request

LOG_FORMATS: Final = ("text", "json")
HEADER: Final = "X-Request-ID"
ACCESS_LOGGER: Final = "diplomat.access"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\Z")
# The attributes an access line carries (LogRecord extras), in the order they are written.
ACCESS_FIELDS: Final = ("method", "route", "status", "duration_ms")
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


class JsonFormatter(logging.Formatter):
    """One JSON object per line (see the module docstring for the keys)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id is not None:
            entry["request_id"] = request_id
        for name in ACCESS_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``<time> <LEVEL> <logger> [<request id>] <message>`` on one line (tracebacks follow)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(request_tag)s%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or current_request_id()
        record.request_tag = f"[{request_id}] " if request_id else ""
        return super().format(record)


_FORMATTERS: Final[dict[str, type[logging.Formatter]]] = {
    "text": TextFormatter,
    "json": JsonFormatter,
}


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of ``text`` or ``json``. Raises ValueError for another name."""
    if log_format not in _FORMATTERS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return _FORMATTERS[log_format]()


class _DiplomatHandler(logging.StreamHandler):  # type: ignore[type-arg]  # stream type
    """The root handler ``configure_logging`` installs (recognised so it is installed once)."""


def configure_logging(log_format: str, *, level: int = logging.INFO, force: bool = False) -> None:
    """Send every log record at ``level`` or above to stderr in ``log_format`` (``text`` or
    ``json``). For the shells only (the wsgi modules). Like ``logging.basicConfig``, it leaves a
    root logger that something else configured alone (a logging config given to gunicorn, a
    test runner) unless ``force``; calling it again replaces the handler it installed before.
    Raises ValueError for an unknown format."""
    chosen = formatter(log_format)
    lean_log_records()
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _DiplomatHandler)]
    if not force and len(ours) < len(root.handlers):
        return
    for handler in ours:
        root.removeHandler(handler)
    handler = _DiplomatHandler(sys.stderr)
    handler.setFormatter(chosen)
    root.addHandler(handler)
    root.setLevel(level)


def lean_log_records() -> None:
    """Log records without what no Diplomat format writes: the caller's file, line and function
    (a stack walk per record), the thread and process names. The Logging HOWTO's "Optimization"
    settings; the access line of every request was a tenth of a request's time."""
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # documented in the Logging HOWTO ("Optimization")


def logging_config(log_format: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary doing what ``configure_logging`` does, also
    for gunicorn's own loggers (its ``logconfig_dict``): one format on one stream for every line.
    gunicorn's access log stays off: the app writes its own access line, without the path."""
    formatter(log_format)  # validates the name
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"diplomat": {"()": f"{__name__}.{_FORMATTERS[log_format].__name__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "diplomat",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
        },
    }
