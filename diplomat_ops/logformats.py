"""The two log formats (``text`` and ``json``) and the logging set-up of the shells.

``DIPLOMAT_LOG_FORMAT=json`` makes every line one JSON object:
``{"time", "level", "logger", "message", "request_id"?, "method"?, "route"?, "status"?,
"duration_ms"?, "exception"?}``; ``text`` (the default) writes the same facts on one line.
A line written while a request is handled carries its id (diplomat_ops.requestlog). This module
imports no Flask: the configurations and the CLI read ``LOG_FORMATS`` without loading a web stack.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Final

LOG_FORMATS: Final = ("text", "json")
# The attributes an access line carries (LogRecord extras), in the order they are written.
ACCESS_FIELDS: Final = ("method", "route", "status", "duration_ms")


def _request_id(record: logging.LogRecord) -> str | None:
    """The id of the request the record was written in: its own, or the one being handled.
    Only a process that imported Flask can be handling a request, so one that has not (the CLI)
    is not made to import it to learn that it is not."""
    given = getattr(record, "request_id", None)
    if given or "flask" not in sys.modules:
        return given or None
    from diplomat_ops.requestlog import current_request_id

    return current_request_id()


class JsonFormatter(logging.Formatter):
    """One JSON object per line (see the module docstring for the keys)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id(record)
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
        request_id = _request_id(record)
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
