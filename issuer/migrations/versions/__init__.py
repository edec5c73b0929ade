"""Alembic revision scripts of the issuer database, oldest first."""
