"""The SQLAlchemy half of the challenge store (verifier.challenges): the table, engines for SQLite
and PostgreSQL, and the statements. Imported on first use of a challenge, or at start-up for
PostgreSQL: a verifier worker on a SQLite file that is never asked for a challenge never imports
SQLAlchemy."""

from __future__ import annotations

import logging
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
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from diplomat_ops import dburl
from verifier.challenges import (
    ALREADY_USED,
    BUSY_TIMEOUT_MS,
    EXPIRED,
    NOT_ISSUED,
    TABLE,
    ChallengeStoreUnavailableError,
    ServiceBusyError,
    _use_wal,
    challenge_hash,
)

# pg_advisory_xact_lock key serialising table creation and issuing ("VCHA" in ASCII): the count of
# open challenges and the insert that follows it must not interleave with another process's.
_LOCK = 0x56434841
_SETTING = "DIPLOMAT_VERIFIER_DATABASE_URL"
_log = logging.getLogger("verifier.challenges")

metadata = MetaData()
challenges = Table(
    TABLE,
    metadata,
    Column("challenge_hash", String(64), primary_key=True),
    Column("expires_at", Double, nullable=False),
    Column("used", Boolean, nullable=False, default=False),
    Index("ix_verifier_challenges_expires_at", "expires_at"),
)


def parse_url(url: str | URL) -> URL:
    """The challenge database's URL, parsed and normalised (diplomat_ops.dburl.parse_url): a
    SQLite file every worker opens, or PostgreSQL. Raises MalformedValueError."""
    return dburl.parse_url(url, _SETTING)


def create_challenge_engine(url: str | URL) -> Engine:
    """An engine for the challenge table. SQLite: WAL, a busy timeout, and every transaction
    ``BEGIN IMMEDIATE`` (each one writes), so processes queue on the lock instead of failing with
    "database is locked". Creates the directory of a SQLite file. Raises MalformedValueError."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        plain, connect_args = dburl.postgres_connect(parsed)
        return create_engine(plain, pool_pre_ping=True, connect_args=connect_args)
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


def issue(engine: Engine, challenge: str, now: float, ttl: float, max_items: int) -> None:
    """Purge what has expired and store ``challenge`` unless ``max_items`` are open (see
    ChallengeStore.issue)."""
    try:
        with engine.begin() as conn:
            # Serialised (one issuer at a time) so the bound holds across processes, and so
            # purges never run concurrently with each other.
            _serialise(conn)
            conn.execute(challenges.delete().where(challenges.c.expires_at <= now))
            open_count = conn.execute(
                select(func.count()).select_from(challenges).where(not_(challenges.c.used))
            ).scalar_one()
            if open_count >= max_items:
                raise ServiceBusyError("too many outstanding challenges; try again in a minute")
            conn.execute(
                challenges.insert().values(
                    challenge_hash=challenge_hash(challenge),
                    expires_at=now + ttl,
                    used=False,
                )
            )
    except SQLAlchemyError as exc:
        raise _unavailable(exc, "issuing a challenge") from exc


def redeem(engine: Engine, challenge: str, now: float) -> str | None:
    """Use up ``challenge`` (see ChallengeStore.redeem)."""
    digest = challenge_hash(challenge)
    try:
        with engine.begin() as conn:
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
