"""Database URLs of both services.

``parse_url``: the one reading of a database URL (SQLAlchemy's, imported when called): a SQLite
file, or PostgreSQL through psycopg 3. ``postgres_connect``: how both services connect to
PostgreSQL (the URL's own ``?options=`` kept, PG_SESSION_OPTIONS added). ``sqlite_file``: SQLite
file URLs read without SQLAlchemy, so that a process that only needs a SQLite file (a verifier
worker: challenges, readiness) does not import it (about 9 MiB a worker).

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
# PostgreSQL sessions plan every statement for its own parameters. psycopg prepares a statement
# on its fifth execution, and PostgreSQL may then keep one generic plan for it: a plan chosen
# while a table was empty (a new issuer's first cohort) stays a sequential scan as the table
# grows, until autovacuum analyses it. With generic plans a 10,000-row cohort took 12.9 s instead
# of 8.4 s, the server spending 8.4 s of CPU instead of 3.5 s (bench.issuer, PostgreSQL 15, two
# cores).
PG_SESSION_OPTIONS = "-c plan_cache_mode=force_custom_plan"


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


def postgres_connect(parsed: URL) -> tuple[URL, dict[str, str]]:
    """A parsed PostgreSQL URL as ``create_engine`` takes it: the URL without ``options`` and
    the connect arguments whose ``options`` are the URL's own, then PG_SESSION_OPTIONS."""
    given = parsed.query.get("options")
    options = [*([given] if isinstance(given, str) else given or ()), PG_SESSION_OPTIONS]
    return parsed.difference_update_query(["options"]), {"options": " ".join(options)}
