"""Wallet hand-overs: VC-API exchanges and OpenID4VCI pre-authorised offers, and c_nonces.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "wallet_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(512), nullable=False),
        sa.Column("protocol", sa.String(16), nullable=False),
        sa.Column("handle_hash", sa.String(64), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("challenge", sa.String(128), nullable=True),
        sa.Column("tx_code_hash", sa.String(64), nullable=True),
        sa.Column("tx_code_failures", sa.Integer(), nullable=False),
        sa.Column("access_token_hash", sa.String(64), nullable=True),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("redeemed_at", nullable=True),
        _ts("token_expires_at", nullable=True),
        _ts("completed_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_wallet_grants"),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name="fk_wallet_grants_credential_id_credentials",
        ),
        sa.UniqueConstraint("handle_hash", name="uq_wallet_grants_handle_hash"),
        sa.UniqueConstraint("code_hash", name="uq_wallet_grants_code_hash"),
        sa.UniqueConstraint("access_token_hash", name="uq_wallet_grants_access_token_hash"),
        sa.CheckConstraint("protocol IN ('vc-api', 'oid4vci')", name="ck_wallet_grants_protocol"),
    )
    op.create_index("ix_wallet_grants_credential_id", "wallet_grants", ["credential_id"])
    op.create_table(
        "wallet_nonces",
        sa.Column("nonce_hash", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
        sa.PrimaryKeyConstraint("nonce_hash", name="pk_wallet_nonces"),
    )
    op.create_index("ix_wallet_nonces_expires_at", "wallet_nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_wallet_nonces_expires_at", table_name="wallet_nonces")
    op.drop_table("wallet_nonces")
    op.drop_index("ix_wallet_grants_credential_id", table_name="wallet_grants")
    op.drop_table("wallet_grants")
