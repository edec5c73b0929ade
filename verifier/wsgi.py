"""WSGI entry point: ``gunicorn --workers 4 --threads 8 'verifier.wsgi:app'`` (settings from
DIPLOMAT_* variables, then ``<home>/diplomat.toml``: docs/configuration.md).

Any number of workers may serve: presentation challenges live in the database of
DIPLOMAT_VERIFIER_DATABASE_URL (default: SQLite ``<home>/var/verifier.sqlite3``), where a challenge
made by one worker is redeemed, once, by any other; so do bulk jobs, run by the worker that took
the upload and followed (progress, results) through any other. Workers on several hosts need
PostgreSQL
(``postgresql+psycopg://user@host/db``); a SQLite file serves the workers of one host, on a local
disk. Each worker creates the challenge table if it is missing (serialised, so starting them
together is safe); ``--preload`` is fine too: no database connection is kept across the fork.
Log lines go to stderr in DIPLOMAT_LOG_FORMAT (``text`` or ``json``); ``diplomat serve verifier``
runs gunicorn with the same app and settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from diplomat_ops import configure_logging
from verifier.config import VerifierConfig
from verifier.web import create_app


def app_from_env(environ: Mapping[str, str]) -> Flask:
    """The verifier app configured from ``environ`` (DIPLOMAT_* variables) and the settings file."""
    return create_app(VerifierConfig.from_env(environ))


def __getattr__(name: str) -> Any:
    # Built on first access (``verifier.wsgi:app``), so importing this module has no side effects.
    if name == "app":
        config = VerifierConfig.from_env(os.environ)
        configure_logging(config.log_format)  # DIPLOMAT_LOG_FORMAT, to stderr
        application = create_app(config)
        globals()["app"] = application
        return application
    raise AttributeError(name)
