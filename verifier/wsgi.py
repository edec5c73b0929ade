"""WSGI entry point: ``gunicorn 'verifier.wsgi:app'`` (configuration from the environment).

Run one process (``--workers 1 --threads 8``): presentation challenges are kept in memory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from verifier.config import VerifierConfig
from verifier.web import create_app


def app_from_env(environ: Mapping[str, str]) -> Flask:
    """The verifier app configured from ``environ`` (DIPLOMAT_* variables)."""
    return create_app(VerifierConfig.from_env(environ))


def __getattr__(name: str) -> Any:
    # Built on first access (``verifier.wsgi:app``), so importing this module has no side effects.
    if name == "app":
        application = app_from_env(os.environ)
        globals()["app"] = application
        return application
    raise AttributeError(name)
