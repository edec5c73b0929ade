"""Helpers shared by the subcommands: settings, reading input files and timestamps."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from vc import settings as settings_table
from vc import strictjson
from vc.dates import parse_datetime, utcnow
from vc.errors import DiplomatError, MalformedValueError

MAX_INPUT_BYTES = 16 * 1024 * 1024


class InputFileError(DiplomatError):
    """A file named on the command line cannot be read (its content was never looked at)."""

    problem_type = "urn:diplomat:problem:input-file"
    title = "Cannot read the file"


class InputFileNotFoundError(InputFileError):
    title = "File not found"


def settings(
    args: argparse.Namespace, flag_names: dict[str, str] | None = None, **flags: Any
) -> settings_table.Settings:
    """The effective settings: the global ``--home``/``--config`` and a command's own ``flags``
    (setting name → value, None = not given) over the environment, the file, the defaults."""
    given = {"home": getattr(args, "home", None), "config": getattr(args, "config", None)}
    return settings_table.load(os.environ, flags={**given, **flags}, flag_names=flag_names)


def settings_file_update(
    resolved: settings_table.Settings, values: dict[str, Any]
) -> tuple[Path, str]:
    """The configuration file (``--config``'s, else ``<home>/diplomat.toml``) and its new text
    with ``values`` appended. A setting the file already holds with another value is refused,
    naming the file and line: the file is the operator's, never silently rewritten."""
    path = resolved.config_file or resolved.home / settings_table.CONFIG_FILE_NAME
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    in_file = settings_table.read_file(path) if text else {}
    added: list[str] = []
    for name, value in values.items():
        if name in in_file:
            raw, where = in_file[name]
            if raw != value:
                raise settings_table.SettingsError(
                    f"{name} is already set in {where[5:]} to {raw!r}: edit the file, or drop "
                    "the flag"
                )
            continue
        literal = ("true" if value else "false") if isinstance(value, bool) else None
        added.append(f"{name} = {literal or json.dumps(str(value))}")
    if added and text and not text.endswith("\n"):
        text += "\n"
    return path, text + "".join(line + "\n" for line in added)


def record_settings(resolved: settings_table.Settings, values: dict[str, Any]) -> Path:
    """Append ``values`` to the configuration file (see settings_file_update); its path."""
    path, text = settings_file_update(resolved, values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


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
    """Read a file (or stdin for '-') with a size cap. Raises InputFileNotFoundError,
    InputFileError (a directory, no permission, too large)."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with Path(path).open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError as exc:
        raise InputFileNotFoundError(f"cannot read {path}: there is no such file") from exc
    except IsADirectoryError as exc:
        raise InputFileError(f"cannot read {path}: it is a directory, not a file") from exc
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_INPUT_BYTES:
        raise InputFileError(f"{path} is larger than {MAX_INPUT_BYTES // 1024 // 1024} MB")
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
