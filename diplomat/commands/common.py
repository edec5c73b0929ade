"""Helpers shared by the subcommands: settings, reading input files and timestamps."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from vc import settings as settings_table
from vc import strictjson
from vc.dates import parse_datetime, utcnow
from vc.errors import MalformedValueError, ParsingError

MAX_INPUT_BYTES = 16 * 1024 * 1024


def settings(args: argparse.Namespace, **flags: Any) -> settings_table.Settings:
    """The effective settings: the global ``--home``/``--config`` and a command's own ``flags``
    (setting name → value, None = not given) over the environment, the file, the defaults."""
    given = {"home": getattr(args, "home", None), "config": getattr(args, "config", None)}
    return settings_table.load(os.environ, flags={**given, **flags})


def environ(args: argparse.Namespace) -> dict[str, str]:
    """The environment with ``--home``/``--config`` applied, for code that reads an environment
    (the WSGI factories: what ``gunicorn`` would see with the same variables)."""
    env = dict(os.environ)
    for name in ("home", "config"):
        value = getattr(args, name, None)
        if value is not None:
            env[settings_table.BY_NAME[name].env] = str(Path(value).resolve())
    return env


def read_bytes(path: str) -> bytes:
    """Read a file (or stdin for '-') with a size cap. Raises ParsingError."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with Path(path).open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise ParsingError(f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > MAX_INPUT_BYTES:
        raise ParsingError(f"{path} is larger than {MAX_INPUT_BYTES // 1024 // 1024} MB")
    return data


def read_json_object(path: str, what: str = "document") -> dict[str, Any]:
    return strictjson.loads_object(read_bytes(path), what)


def moment(value: str | None, option: str) -> datetime:
    """An ISO timestamp option (time zone required), or now."""
    if value is None:
        return utcnow()
    try:
        return parse_datetime(value, option)
    except MalformedValueError:
        raise MalformedValueError(
            f"{option} must be an ISO date-time with a time zone, e.g. 2025-01-01T00:00:00Z"
        ) from None
