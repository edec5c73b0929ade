"""Presentation challenges shared by every verifier process: random, single use, expiring, bounded.

POST /challenges hands out a challenge the holder signs into their presentation's proof; POST
/presentations/verify redeems it once (VC Data Integrity 1.0 §2.1 `challenge`). The challenges live in one table of a
SQLite file or a PostgreSQL database, so every gunicorn worker sees the same ones and exactly one
redeemer of a challenge wins, however many processes race for it:

    verifier_challenges
        challenge_hash  SHA-256 of the challenge, hex (primary key): the table redeems nothing if read
        expires_at      Unix time in seconds (a number: both databases compare it the same way)
        used            set by the one redeemer that wins (``UPDATE ... WHERE NOT used``)

The table is made at start-up (``CREATE TABLE IF NOT EXISTS``), not by an Alembic migration: it is
one table of rows that live for minutes, so a future change can replace it (a new table name)
instead of migrating data, and it needs no version table beside the issuer's in a database both
may share.

SQLAlchemy (verifier.challengedb) is imported on the first challenge issued or redeemed, or at
start-up for PostgreSQL: on a SQLite file the table is made with the standard library's sqlite3
(the same statements SQLAlchemy emits, tests/verifier/test_challenges.py compares them), so a
verifier worker that only verifies credentials never loads SQLAlchemy (about 9 MiB).

Errors, both RFC 9457 problem details with HTTP 503:

    vc.errors.DiplomatError
    ├── ServiceBusyError                urn:diplomat:problem:busy         too many open challenges
    └── ChallengeStoreUnavailableError  urn:diplomat:problem:unavailable  the database failed
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diplomat_ops.dburl import sqlite_file
from vc.errors import DiplomatError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL

    from verifier.challengedb import (
        challenges,
        create_challenge_engine,
        create_table,
        metadata,
        parse_url,
    )

DEFAULT_MAX_ITEMS = 10_000
# Below gunicorn's 30 s worker timeout: a worker waiting this long on the SQLite lock answers 503.
BUSY_TIMEOUT_MS = 10_000

TABLE = "verifier_challenges"
ALREADY_USED = "the challenge was already used (challenges are single use)"
NOT_ISSUED = "the challenge was not issued by this verifier, or has expired"
EXPIRED = "the challenge has expired; ask for a new one"

# What SQLAlchemy's create_all emits for verifier.challengedb.challenges on SQLite.
SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS verifier_challenges (\n"
    "\tchallenge_hash VARCHAR(64) NOT NULL, \n"
    "\texpires_at DOUBLE NOT NULL, \n"
    "\tused BOOLEAN NOT NULL, \n"
    "\tPRIMARY KEY (challenge_hash)\n"
    ")",
    "CREATE INDEX IF NOT EXISTS ix_verifier_challenges_expires_at "
    "ON verifier_challenges (expires_at)",
)
_LAZY = frozenset(
    {"challenges", "create_challenge_engine", "create_table", "metadata", "parse_url"}
)


def __getattr__(name: str) -> Any:
    # The SQLAlchemy names of this module, loaded when first asked for (verifier.challengedb).
    if name in _LAZY:
        from verifier import challengedb

        return getattr(challengedb, name)
    raise AttributeError(name)


class ServiceBusyError(DiplomatError):
    """Too many outstanding challenges: try again shortly."""

    problem_type = "urn:diplomat:problem:busy"
    code = -503
    status = 503
    title = "Service busy"


class ChallengeStoreUnavailableError(DiplomatError):
    """The challenge database could not be used (unreachable, locked for too long, failing)."""

    problem_type = "urn:diplomat:problem:unavailable"
    code = -503
    status = 503
    title = "Service unavailable"


def challenge_hash(challenge: str) -> str:
    """The SHA-256 of ``challenge`` (UTF-8), hex: what the table keeps instead of the challenge."""
    return hashlib.sha256(challenge.encode("utf-8", "surrogatepass")).hexdigest()


def _use_wal(cursor: Any) -> None:
    """Switch a SQLite file to WAL, once. Switching needs an exclusive lock, and SQLite answers
    "database is locked" at once, without waiting out the busy timeout, when another process
    holds a lock that could deadlock with it (processes opening a fresh file together); so that
    answer is retried until the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def create_sqlite_table(path: str) -> None:
    """Create the challenge table in the SQLite file ``path`` unless it exists, with sqlite3 and
    the connection settings of create_challenge_engine (WAL, busy timeout, BEGIN IMMEDIATE, so
    processes starting together queue). Raises ChallengeStoreUnavailableError."""
    import logging

    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            cursor = connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("BEGIN IMMEDIATE")
            for statement in SQLITE_SCHEMA:
                cursor.execute(statement)
            cursor.execute("COMMIT")
        finally:
            connection.close()
    except (OSError, sqlite3.Error) as exc:
        # The cause is logged, not shown: it may name files of the server.
        logging.getLogger(__name__).error(
            "challenge database failed while creating the challenge table: %s", exc
        )
        raise ChallengeStoreUnavailableError(
            "the challenge database failed while creating the challenge table; try again shortly"
        ) from exc


class ChallengeStore:
    """Random, single-use, expiring challenges for presentations (VC Data Integrity 1.0 §2.1), shared by
    every process using the same database.

    ``engine`` is a SQLAlchemy engine, or a function making one on first use (the store's
    SQLAlchemy is imported then). ``clock`` is wall-clock Unix time: the expiry of a challenge is
    compared by other processes, perhaps on other hosts, so a per-process monotonic clock would
    not do. ``url`` is where the store is (for the readiness probe).
    """

    def __init__(
        self,
        engine: Engine | Callable[[], Engine],
        ttl: float,
        *,
        max_items: int = DEFAULT_MAX_ITEMS,
        clock: Callable[[], float] = time.time,
        url: str | URL | None = None,
    ) -> None:
        self._engine: Engine | None = None
        self._make_engine: Callable[[], Engine] | None = None
        if callable(engine) and not hasattr(engine, "begin"):
            self._make_engine = engine
        else:
            self._engine = engine  # type: ignore[assignment]  # an Engine (it has begin)
        self._lock = threading.Lock()
        self.ttl = ttl
        self.clock = clock
        self._max = max_items
        self._url = url

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (made, and SQLAlchemy imported, on first use)."""
        with self._lock:
            if self._engine is None:
                assert self._make_engine is not None  # one of the two is always set
                self._engine = self._make_engine()
            return self._engine

    @property
    def url(self) -> str | URL:
        """The database of this store."""
        return self._url if self._url is not None else self.engine.url

    def issue(self) -> tuple[str, float]:
        """A fresh challenge and its lifetime in seconds; expired challenges are purged first.

        Raises ServiceBusyError when ``max_items`` unused challenges are open,
        ChallengeStoreUnavailableError when the database fails.
        """
        import secrets

        from verifier import challengedb

        now = self.clock()
        challenge = secrets.token_urlsafe(24)
        challengedb.issue(self.engine, challenge, now, self.ttl, self._max)
        return challenge, self.ttl

    def redeem(self, challenge: str) -> str | None:
        """Use up ``challenge``: None when it was issued here, unused and unexpired; otherwise why
        not. Of any number of concurrent redeemers of one challenge exactly one gets None: the
        conditional UPDATE is atomic on both databases. Raises ChallengeStoreUnavailableError."""
        from verifier import challengedb

        return challengedb.redeem(self.engine, challenge, self.clock())

    def close(self) -> None:
        """Close the database connections."""
        with self._lock:
            engine = self._engine
        if engine is not None:
            engine.dispose()

    def __enter__(self) -> ChallengeStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_challenge_store(
    url: str | URL,
    *,
    ttl: float,
    max_items: int = DEFAULT_MAX_ITEMS,
    clock: Callable[[], float] = time.time,
) -> ChallengeStore:
    """Open the challenge store at ``url`` (creating its table). Safe to call from many processes
    at once. Raises MalformedValueError for an unusable URL, ChallengeStoreUnavailableError when
    the database cannot be reached."""
    path = sqlite_file(url)
    if path is not None:
        # A plain SQLite file: the table with sqlite3; SQLAlchemy on the first challenge.
        create_sqlite_table(path)

        def engine() -> Engine:
            from verifier.challengedb import create_challenge_engine

            return create_challenge_engine(url)

        return ChallengeStore(engine, ttl, max_items=max_items, clock=clock, url=url)
    from verifier.challengedb import create_challenge_engine, create_table

    made = create_challenge_engine(url)
    try:
        create_table(made)
    except BaseException:
        made.dispose()
        raise
    # No pooled connection may outlive the fork of a gunicorn worker (``--preload``): each worker
    # opens its own on first use.
    made.dispose()
    return ChallengeStore(made, ttl, max_items=max_items, clock=clock, url=url)


__all__ = [
    "ALREADY_USED",
    "EXPIRED",
    "NOT_ISSUED",
    "SQLITE_SCHEMA",
    "TABLE",
    "ChallengeStore",
    "ChallengeStoreUnavailableError",
    "ServiceBusyError",
    "challenge_hash",
    "challenges",
    "create_challenge_engine",
    "create_sqlite_table",
    "create_table",
    "metadata",
    "open_challenge_store",
    "parse_url",
]
