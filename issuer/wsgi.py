"""The gunicorn entry point: ``gunicorn issuer.wsgi:app`` (settings from DIPLOMAT_* variables, then
``<home>/diplomat.toml`` or DIPLOMAT_CONFIG's file: docs/configuration.md).

Log lines go to stderr in DIPLOMAT_LOG_FORMAT (``text`` or ``json``). ``diplomat serve issuer``
runs gunicorn with the same app and settings.
"""

from __future__ import annotations

import os

from diplomat_ops import configure_logging
from issuer.config import IssuerConfig
from issuer.web import create_app

_config = IssuerConfig.from_env(os.environ)
configure_logging(_config.log_format)
app = create_app(_config)
