"""Alembic environment: migrate the connection open_store hands over (or one made from the URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from issuer.store.engine import WRITE, create_store_engine
from issuer.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Use ``config.attributes["connection"]`` when given (open_store's locked transaction)."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url given to the issuer migrations")
    engine = create_store_engine(url)
    try:
        with engine.execution_options(**{WRITE: True}).begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("the issuer migrations run online only (open_store runs them)")
run_migrations_online()
