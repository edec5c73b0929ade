"""Readiness probes: small named checks, each saying in one line why the service cannot serve.

A ``Probe`` is a name and a function: the function returns a short detail when the thing it
checks is ready and raises ``NotReadyError(detail)`` when it is not. ``run_probes`` runs every
probe (one failing does not hide the others); any other exception counts as not ready, is logged
with its traceback, and shows only "failed unexpectedly". Details are public (``/readyz`` may be
reachable by anyone): they name what failed, never hosts, users or file paths; the causes go to
the log.

``DatabaseProbe`` opens a new connection on every call instead of borrowing a pooled one: a pooled
SQLite connection keeps answering from a file that was deleted under it, and a new worker would
meet the missing database, not the old connection.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from diplomat_ops.dburl import sqlite_file

if TYPE_CHECKING:  # SQLAlchemy is imported for PostgreSQL only: a SQLite probe needs none of it
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL

_log = logging.getLogger(__name__)
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}\Z")


class NotReadyError(Exception):
    """Raised by a probe: what it checks is not ready; ``detail`` says what, for everyone."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Probe:
    """One named readiness check (``check`` returns a detail or raises NotReadyError)."""

    name: str
    check: Callable[[], str]


@dataclass(frozen=True)
class ProbeResult:
    name: str
    status: Literal["pass", "fail"]
    detail: str

    @property
    def ok(self) -> bool:
        return self.status == "pass"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


def run_probes(probes: Sequence[Probe]) -> tuple[ProbeResult, ...]:
    """Run every probe and return their results in order."""
    results: list[ProbeResult] = []
    for probe in probes:
        try:
            results.append(ProbeResult(probe.name, "pass", probe.check()))
        except NotReadyError as exc:
            _log.warning("not ready: %s: %s", probe.name, exc.detail)
            results.append(ProbeResult(probe.name, "fail", exc.detail))
        except Exception:
            _log.exception("readiness probe %s failed unexpectedly", probe.name)
            results.append(ProbeResult(probe.name, "fail", "failed unexpectedly (see the log)"))
    return tuple(results)


class DatabaseProbe:
    """Is the database at ``url`` reachable, with ``table`` in it? A new connection each call.

    SQLite: the file must exist (a new connection would otherwise create an empty one) and be
    readable and writable; PostgreSQL: a connection within ``timeout`` seconds. Raises
    NotReadyError.
    """

    def __init__(self, url: str | URL, *, table: str, timeout: float = 3.0) -> None:
        if not _IDENTIFIER.match(table):
            raise ValueError(f"not a plain table name: {table!r}")
        self._file = sqlite_file(url)
        self._url: URL | None = None
        if self._file is None:
            from sqlalchemy.engine import make_url

            parsed = make_url(url)
            if parsed.drivername in ("postgresql", "postgres"):
                parsed = parsed.set(drivername="postgresql+psycopg")
            self._url = parsed
        self._table = table
        self._timeout = timeout
        self._engine: Engine | None = None

    def __call__(self) -> str:
        if self._url is None:
            self._sqlite(self._file)
            return "sqlite reachable"
        backend = self._url.get_backend_name()
        if backend == "sqlite":
            self._sqlite(self._url.database)
        elif backend == "postgresql":
            self._postgresql()
        else:
            raise NotReadyError(f"unsupported database {backend!r}")
        return f"{backend} reachable"

    def _sqlite(self, database: str | None) -> None:
        path = Path(database or "")
        if not database or not path.is_file():
            _log.warning("the SQLite database file %s is missing", path)
            raise NotReadyError("the database file is missing")
        try:
            connection = sqlite3.connect(
                path.resolve().as_uri() + "?mode=rw", uri=True, timeout=self._timeout
            )
            try:
                connection.execute(f'SELECT 1 FROM "{self._table}" LIMIT 1').fetchall()  # noqa: S608 - a checked identifier
            finally:
                connection.close()
        except sqlite3.Error as exc:
            _log.warning("the SQLite database %s cannot be queried: %s", path, exc)
            raise NotReadyError("the database cannot be queried") from exc

    def _postgresql(self) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.exc import SQLAlchemyError
        from sqlalchemy.pool import NullPool

        assert self._url is not None  # PostgreSQL URLs are parsed by SQLAlchemy
        if self._engine is None:
            self._engine = create_engine(
                self._url,
                poolclass=NullPool,
                connect_args={"connect_timeout": max(1, round(self._timeout))},
            )
        try:
            with self._engine.connect() as connection:
                connection.execute(text(f'SELECT 1 FROM "{self._table}" LIMIT 1')).fetchall()  # noqa: S608 - a checked identifier
        except SQLAlchemyError as exc:
            _log.warning("the PostgreSQL database cannot be queried: %s", exc)
            raise NotReadyError("the database cannot be reached or queried") from exc

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
