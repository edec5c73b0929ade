"""The gunicorn entry point: ``gunicorn issuer.wsgi:app`` (settings from DIPLOMAT_* variables, then
``<home>/diplomat.toml`` or DIPLOMAT_CONFIG's file: docs/configuration.md)."""

from __future__ import annotations

import os

from issuer.config import IssuerConfig
from issuer.web import create_app

app = create_app(IssuerConfig.from_env(os.environ))
