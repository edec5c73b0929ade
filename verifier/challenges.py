"""Presentation challenges shared by every verifier process: random, single use, expiring, bounded.

POST /challenges hands out a challenge the holder signs into their presentation's proof; POST
/presentations/verify redeems it once (VC Data Integrity 1.0 §2.1 `challenge`). The challenges live in one table of a
SQLite file or a PostgreSQL database, so every gunicorn worker sees the same ones and exactly one
redeemer of a challenge wins, however many processes race for it:

    verifier_challenges
        challenge_hash  SHA-256 of the challenge, hex (primary key): the table redeems nothing if read
        expires_at      Unix time in seconds (a number: both databases compare it the same way)
        used            set by the one redeemer that wins (``UPDATE ... WHERE NOT used``)

The table is made with ``create_all`` at start-up, not by an Alembic migration: it is one table
of rows that live for minutes, so a future change can replace it (a new table name) instead of
migrating data, and it needs no version table beside the issuer's in a database both may share.

Errors, both RFC 9457 problem details with HTTP 503:

    vc.errors.DiplomatError
    ├── ServiceBusyError                urn:diplomat:problem:busy         too many open challenges
    └── ChallengeStoreUnavailableError  urn:diplomat:problem:unavailable  the database failed
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Double,
    Engine,
    Index,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    not_,
    select,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from vc.errors import DiplomatError, MalformedValueError

DEFAULT_MAX_ITEMS = 10_000
# Below gunicorn's 30 s worker timeout: a worker waiting this long on the SQLite lock answers 503.
BUSY_TIMEOUT_MS = 10_000
# pg_advisory_xact_lock key serialising table creation and issuing ("VCHA" in ASCII): the count of
# open challenges and the insert that follows it must not interleave with another process's.
_LOCK = 0x56434841
_SETTING = "DIPLOMAT_VERIFIER_DATABASE_URL"
_log = logging.getLogger(__name__)

ALREADY_USED = "the challenge was already used (challenges are single use)"
NOT_ISSUED = "the challenge was not issued by this verifier, or has expired"
EXPIRED = "the challenge has expired; ask for a new one"

metadata = MetaData()
challenges = Table(
    "verifier_challenges",
    metadata,
    Column("challenge_hash", String(64), primary_key=True),
    Column("expires_at", Double, nullable=False),
    Column("used", Boolean, nullable=False, default=False),
    Index("ix_verifier_challenges_expires_at", "expires_at"),
)


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


def parse_url(url: str | URL) -> URL:
    """Parse a database URL: a SQLite file, or PostgreSQL through psycopg 3.

    Raises MalformedValueError for anything else, and for in-memory SQLite (each process, even
    each pooled connection, would have its own database: challenges would not be shared).
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise MalformedValueError(f"{_SETTING}: not a database URL: {exc}") from exc
    backend = parsed.get_backend_name()
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise MalformedValueError(f"{_SETTING}: PostgreSQL URLs must use psycopg 3")
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory":
            raise MalformedValueError(
                f"{_SETTING}: SQLite needs a file that every worker opens, not an in-memory database"
            )
    elif backend != "postgresql":
        raise MalformedValueError(f"{_SETTING}: unsupported database {backend!r}")
    return parsed


def create_challenge_engine(url: str | URL) -> Engine:
    """An engine for the challenge table. SQLite: WAL, a busy timeout, and every transaction
    ``BEGIN IMMEDIATE`` (each one writes), so processes queue on the lock instead of failing with
    "database is locked". Creates the directory of a SQLite file. Raises MalformedValueError."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by the "begin" listener below, not lazily by pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _use_wal(cursor)
            # A "used" mark lost to a power cut would let a presentation be replayed.
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


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


def _unavailable(exc: SQLAlchemyError, doing: str) -> ChallengeStoreUnavailableError:
    # The cause is logged, not shown: it may name hosts and users of the database.
    _log.error("challenge database failed while %s: %s", doing, exc)
    return ChallengeStoreUnavailableError(
        f"the challenge database failed while {doing}; try again shortly"
    )


def _serialise(conn: Connection) -> None:
    # SQLite: the transaction already holds the write lock (BEGIN IMMEDIATE).
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


def create_table(engine: Engine) -> None:
    """Create the challenge table unless it exists, serialised across processes starting at once.
    Raises ChallengeStoreUnavailableError."""
    try:
        with engine.begin() as conn:
            _serialise(conn)
            metadata.create_all(conn, checkfirst=True)
    except SQLAlchemyError as exc:
        raise _unavailable(exc, "creating the challenge table") from exc


class ChallengeStore:
    """Random, single-use, expiring challenges for presentations (VC Data Integrity 1.0 §2.1), shared by
    every process using the same database.

    ``clock`` is wall-clock Unix time: the expiry of a challenge is compared by other processes,
    perhaps on other hosts, so a per-process monotonic clock would not do.
    """

    def __init__(
        self,
        engine: Engine,
        ttl: float,
        *,
        max_items: int = DEFAULT_MAX_ITEMS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self.clock = clock
        self._max = max_items

    def issue(self) -> tuple[str, float]:
        """A fresh challenge and its lifetime in seconds; expired challenges are purged first.

        Raises ServiceBusyError when ``max_items`` unused challenges are open,
        ChallengeStoreUnavailableError when the database fails.
        """
        now = self.clock()
        challenge = secrets.token_urlsafe(24)
        try:
            with self.engine.begin() as conn:
                # Serialised (one issuer at a time) so the bound holds across processes, and so
                # purges never run concurrently with each other.
                _serialise(conn)
                conn.execute(challenges.delete().where(challenges.c.expires_at <= now))
                open_count = conn.execute(
                    select(func.count()).select_from(challenges).where(not_(challenges.c.used))
                ).scalar_one()
                if open_count >= self._max:
                    raise ServiceBusyError("too many outstanding challenges; try again in a minute")
                conn.execute(
                    challenges.insert().values(
                        challenge_hash=challenge_hash(challenge),
                        expires_at=now + self.ttl,
                        used=False,
                    )
                )
        except SQLAlchemyError as exc:
            raise _unavailable(exc, "issuing a challenge") from exc
        return challenge, self.ttl

    def redeem(self, challenge: str) -> str | None:
        """Use up ``challenge``: None when it was issued here, unused and unexpired; otherwise why
        not. Of any number of concurrent redeemers of one challenge exactly one gets None: the
        conditional UPDATE is atomic on both databases. Raises ChallengeStoreUnavailableError."""
        now = self.clock()
        digest = challenge_hash(challenge)
        try:
            with self.engine.begin() as conn:
                won = conn.execute(
                    challenges.update()
                    .where(
                        challenges.c.challenge_hash == digest,
                        not_(challenges.c.used),
                        challenges.c.expires_at > now,
                    )
                    .values(used=True)
                ).rowcount
                if won == 1:
                    return None
                row = conn.execute(
                    select(challenges.c.used).where(challenges.c.challenge_hash == digest)
                ).first()
        except SQLAlchemyError as exc:
            raise _unavailable(exc, "redeeming a challenge") from exc
        if row is None:
            return NOT_ISSUED  # never issued, or expired and purged
        return ALREADY_USED if row.used else EXPIRED

    def close(self) -> None:
        """Close the database connections."""
        self.engine.dispose()

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
    engine = create_challenge_engine(url)
    try:
        create_table(engine)
    except BaseException:
        engine.dispose()
        raise
    # No pooled connection may outlive the fork of a gunicorn worker (``--preload``): each worker
    # opens its own on first use.
    engine.dispose()
    return ChallengeStore(engine, ttl, max_items=max_items, clock=clock)


__all__ = [
    "ALREADY_USED",
    "EXPIRED",
    "NOT_ISSUED",
    "ChallengeStore",
    "ChallengeStoreUnavailableError",
    "ServiceBusyError",
    "challenge_hash",
    "challenges",
    "create_challenge_engine",
    "create_table",
    "open_challenge_store",
    "parse_url",
]
