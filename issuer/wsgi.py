"""The gunicorn entry point: ``gunicorn issuer.wsgi:app`` (configuration from the environment)."""

from __future__ import annotations

import os

from issuer.config import IssuerConfig
from issuer.web import create_app

app = create_app(IssuerConfig.from_env(os.environ))
