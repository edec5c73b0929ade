"""Helpers shared by the subcommands: reading input files and timestamps."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

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
