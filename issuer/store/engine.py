"""Database engines for the issuer store: SQLite-file pragmas, write locking, Alembic upgrades."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from diplomat_ops import dburl
from issuer.errors import StoreError, StoreUnavailableError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
WRITE = "diplomat_write"  # execution option: this connection's transactions will write
BUSY_TIMEOUT_MS = 30_000
# The newest revision in issuer/migrations/versions (a test checks it against Alembic's head).
# A database already there opens without loading Alembic (a fifth of a CLI command's start);
# when this lags behind a new migration, opening goes through Alembic as before.
HEAD_REVISION = "0003"
# pg_advisory_xact_lock key serialising concurrent migrations (any constant; "DIPL" in ASCII).
_MIGRATION_LOCK = 0x4449504C


def parse_url(url: str | URL) -> URL:
    """The store's database URL, parsed and normalised (diplomat_ops.dburl.parse_url).
    Raises MalformedValueError."""
    return dburl.parse_url(url, "DIPLOMAT_DATABASE_URL")


def create_store_engine(url: str | URL) -> Engine:
    """Build an engine; on SQLite: WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE writes;
    on PostgreSQL: custom plans (diplomat_ops.dburl.PG_SESSION_OPTIONS).

    Writers on SQLite take the write lock at BEGIN (not at their first write) so concurrent
    read-then-write transactions queue on the busy timeout instead of failing with SQLITE_BUSY.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        plain, connect_args = dburl.postgres_connect(parsed)
        return create_engine(plain, pool_pre_ping=True, connect_args=connect_args)
    engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below (pysqlite would otherwise
        # BEGIN lazily, and DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _use_wal(cursor)
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = FULL")  # an issued index must survive power loss
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = bool(conn.get_execution_options().get(WRITE, False))
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _use_wal(cursor: Any) -> None:
    """Put the database in WAL mode (persistent: done once per file).

    Changing the journal mode needs the database to itself, and SQLite answers SQLITE_BUSY at
    once, without its busy handler, while another process holds a lock (a fresh database being
    migrated by a second process). Reading the mode needs no such lock, so a file already in WAL
    is left alone; otherwise the change is retried until the busy timeout has passed.
    """
    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)  # another process holds the lock: wait for it to let go
        pause = min(pause * 2, 0.2)


def migration_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic Config built in code (no alembic.ini): script_location is issuer/migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Run the migrations to head in one transaction, serialised across processes.

    SQLite: the transaction is BEGIN IMMEDIATE, so a second process waits, then finds the schema
    at head. PostgreSQL: a transaction-scoped advisory lock does the same (DDL is transactional).
    Raises StoreUnavailableError when the database cannot be reached, StoreError otherwise.
    """
    if _at_head(engine):
        return
    from alembic import command

    try:
        with engine.execution_options(**{WRITE: True}).begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            command.upgrade(migration_config(conn), "head")
    except SQLAlchemyError as exc:
        raise translate(exc, "migrating the issuer database") from exc


def _at_head(engine: Engine) -> bool:
    """Whether the database is at HEAD_REVISION, read with one query (no Alembic). Anything
    else, failures included, is for upgrade_to_head's Alembic path to deal with and report."""
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return False
    return [tuple(row) for row in versions] == [(HEAD_REVISION,)]


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise translate(exc, "reading the schema revision") from exc


def head_revision() -> str:
    """The newest revision shipped in issuer/migrations/versions."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(migration_config()).get_current_head()
    if head is None:
        raise StoreError("the issuer migrations have no head revision")
    return head


def translate(exc: SQLAlchemyError, doing: str) -> StoreError:
    """Map a SQLAlchemy failure to the store's errors (the caller raises it ``from exc``)."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return StoreUnavailableError(f"database unavailable while {doing}: {exc.orig}")
    return StoreError(f"database failure while {doing}: {type(exc).__name__}")
