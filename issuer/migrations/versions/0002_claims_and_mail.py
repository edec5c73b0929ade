"""Claim links for every credential, the mail outbox, and the credential columns for care.

- ``claim_links`` replaces ``holder_secrets`` (each secret is carried over as a link that never
  expires); a link may be replaced (the old one answers 410) and expires.
- ``mail_outbox``: one message per graduate with its delivery state.
- ``credentials.student_number`` / ``programme_key`` (a second degree of one programme to one
  student number is confirmed first) and ``public_note`` (what the public share page shows of a
  status change; the reason itself stays in the audit log).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # Plain ALTER TABLE ADD/DROP COLUMN (SQLite has both, 3.35+): a batch "move and copy" would
    # drop the credentials table, which the foreign keys of a populated database refuse.
    op.add_column("credentials", sa.Column("student_number", sa.String(255), nullable=True))
    op.add_column("credentials", sa.Column("programme_key", sa.String(512), nullable=True))
    op.add_column("credentials", sa.Column("public_note", sa.Text(), nullable=True))
    op.create_index(
        "ix_credentials_issuer_id_student_number", "credentials", ["issuer_id", "student_number"]
    )
    op.create_table(
        "claim_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(512), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("pending_token", sa.String(128), nullable=True),
        _ts("created_at"),
        _ts("expires_at", nullable=True),
        _ts("replaced_at", nullable=True),
        _ts("opened_at", nullable=True),
        _ts("taken_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_claim_links"),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credentials.id"], name="fk_claim_links_credential_id_credentials"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name="fk_claim_links_batch_id_batches"
        ),
        sa.UniqueConstraint("token_hash", name="uq_claim_links_token_hash"),
    )
    op.create_index("ix_claim_links_credential_id", "claim_links", ["credential_id"])
    op.create_index("ix_claim_links_batch_id", "claim_links", ["batch_id"])
    # Every holder secret becomes a claim link that never expires (it never did).
    op.execute(
        "INSERT INTO claim_links (credential_id, token_hash, created_at) "
        "SELECT credential_id, token_hash, created_at FROM holder_secrets"
    )
    op.drop_table("holder_secrets")
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(512), nullable=False),
        sa.Column("claim_link_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("claim_url", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        _ts("lease_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("sent_at", nullable=True),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_outbox"),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credentials.id"], name="fk_mail_outbox_credential_id_credentials"
        ),
        sa.ForeignKeyConstraint(
            ["claim_link_id"], ["claim_links.id"], name="fk_mail_outbox_claim_link_id_claim_links"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name="fk_mail_outbox_batch_id_batches"
        ),
        sa.CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'failed')", name="ck_mail_outbox_state"
        ),
    )
    op.create_index("ix_mail_outbox_credential_id", "mail_outbox", ["credential_id"])
    op.create_index("ix_mail_outbox_batch_id", "mail_outbox", ["batch_id"])
    op.create_index(
        "ix_mail_outbox_state_next_attempt_at", "mail_outbox", ["state", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_table("mail_outbox")
    op.create_table(
        "holder_secrets",
        sa.Column("credential_id", sa.String(512), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("credential_id", name="pk_holder_secrets"),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name="fk_holder_secrets_credential_id_credentials",
        ),
    )
    # The live link of each credential goes back (expiry and history are lost).
    op.execute(
        "INSERT INTO holder_secrets (credential_id, token_hash, created_at) "
        "SELECT credential_id, token_hash, created_at FROM claim_links "
        "WHERE replaced_at IS NULL AND id IN "
        "(SELECT max(id) FROM claim_links WHERE replaced_at IS NULL GROUP BY credential_id)"
    )
    op.drop_table("claim_links")
    op.drop_index("ix_credentials_issuer_id_student_number", table_name="credentials")
    for column in ("public_note", "programme_key", "student_number"):
        op.drop_column("credentials", column)
