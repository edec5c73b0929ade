"""Alembic migrations of the issuer database (run by issuer.store.open_store)."""
