"""SQLite file URLs read without SQLAlchemy, so that a process that only needs a SQLite file (a
verifier worker: challenges, readiness) does not import it (about 9 MiB a worker).

Only the plain form is read here, ``sqlite:///<path>`` (or ``sqlite+pysqlite:///<path>``) with no
query; it gives the path exactly as SQLAlchemy's ``make_url(url).database`` does. Anything else
(PostgreSQL, in-memory SQLite, a query string, a URL object) is left to SQLAlchemy.
"""

from __future__ import annotations

import re

_PLAIN_SQLITE = re.compile(r"sqlite(?:\+pysqlite)?:///([^?#]+)\Z")


def sqlite_file(url: object) -> str | None:
    """The database file of a plain SQLite file URL, or None for any other URL."""
    if not isinstance(url, str):
        return None
    match = _PLAIN_SQLITE.match(url)
    if match is None or match.group(1) == ":memory:":
        return None
    return match.group(1)
