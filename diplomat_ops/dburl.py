"""Database URLs of both services.

``parse_url``: the one reading of a database URL (SQLAlchemy's, imported when called): a SQLite
file, or PostgreSQL through psycopg 3. ``sqlite_file``: SQLite file URLs read without SQLAlchemy,
so that a process that only needs a SQLite file (a verifier worker: challenges, readiness) does not
import it (about 9 MiB a worker).

Only the plain form is read here, ``sqlite:///<path>`` (or ``sqlite+pysqlite:///<path>``) with no
query; it gives the path exactly as SQLAlchemy's ``make_url(url).database`` does. Anything else
(PostgreSQL, in-memory SQLite, a query string, a URL object) is left to SQLAlchemy.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from vc.errors import MalformedValueError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

_PLAIN_SQLITE = re.compile(r"sqlite(?:\+pysqlite)?:///([^?#]+)\Z")


def sqlite_file(url: object) -> str | None:
    """The database file of a plain SQLite file URL, or None for any other URL."""
    if not isinstance(url, str):
        return None
    match = _PLAIN_SQLITE.match(url)
    if match is None or match.group(1) == ":memory:":
        return None
    return match.group(1)


def parse_url(url: str | URL, setting: str) -> URL:
    """Parse and normalise the database URL of ``setting`` (named in every error).

    ``postgresql://`` and ``postgres://`` mean psycopg 3, the driver Diplomat ships. SQLite needs a
    file: an in-memory database would be a different database in every process, even on every
    pooled connection. Raises MalformedValueError for anything else.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise MalformedValueError(f"{setting}: not a database URL: {exc}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise MalformedValueError(
            f"{setting}: PostgreSQL URLs must use psycopg 3, not {parsed.drivername}"
        )
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory":
            raise MalformedValueError(
                f"{setting}: SQLite needs a database file, not an in-memory database"
            )
    elif backend != "postgresql":
        raise MalformedValueError(
            f"{setting}: unsupported database {backend!r}: use sqlite or postgresql"
        )
    return parsed
