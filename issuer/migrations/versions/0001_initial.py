"""Initial issuer schema: issuers, keys, credentials, status lists, batches, links, users, audit.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = "audit_log is append-only"


def _ts(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "issuers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("did", sa.String(512), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_issuers"),
        sa.UniqueConstraint("did", name="uq_issuers_did"),
    )
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(1024), nullable=False),
        sa.Column("key_type", sa.String(64), nullable=False),
        sa.Column("public_multikey", sa.String(512), nullable=False),
        sa.Column("private_key_ref", sa.String(2048), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("created_at"),
        _ts("retired_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_signing_keys"),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name="fk_signing_keys_issuer_id_issuers"
        ),
        sa.UniqueConstraint("key_id", name="uq_signing_keys_key_id"),
        sa.CheckConstraint(
            "status IN ('active', 'rotated', 'retired')", name="ck_signing_keys_status"
        ),
    )
    op.create_index("ix_signing_keys_issuer_id", "signing_keys", ["issuer_id"])
    op.create_index(
        "ix_signing_keys_one_active",
        "signing_keys",
        ["issuer_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("source_digest", sa.String(128), nullable=False),
        _ts("created_at"),
        _ts("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_batches"),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuers.id"], name="fk_batches_issuer_id_issuers"),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name="ck_batches_state"
        ),
        sa.CheckConstraint("total_rows >= 0 AND processed >= 0", name="ck_batches_counts"),
    )
    op.create_index("ix_batches_issuer_id", "batches", ["issuer_id"])
    op.create_index("ix_batches_source_digest", "batches", ["source_digest"])
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(512), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("diploma_number", sa.String(255), nullable=False),
        sa.Column("subject_name", sa.String(512), nullable=False),
        sa.Column("achievement_type", sa.String(255), nullable=False),
        sa.Column("credential_json", sa.Text(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        _ts("status_changed_at", nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_credentials"),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name="fk_credentials_issuer_id_issuers"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name="fk_credentials_batch_id_batches"
        ),
        sa.UniqueConstraint(
            "issuer_id", "diploma_number", name="uq_credentials_issuer_id_diploma_number"
        ),
    )
    op.create_index("ix_credentials_batch_id", "credentials", ["batch_id"])
    op.create_index(
        "ix_credentials_issuer_id_created_at", "credentials", ["issuer_id", "created_at"]
    )
    op.create_table(
        "status_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("list_number", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("signed_version", sa.Integer(), nullable=True),
        sa.Column("etag", sa.String(128), nullable=True),
        sa.Column("credential_json", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_status_lists"),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name="fk_status_lists_issuer_id_issuers"
        ),
        sa.UniqueConstraint(
            "issuer_id",
            "purpose",
            "list_number",
            name="uq_status_lists_issuer_id_purpose_list_number",
        ),
        sa.CheckConstraint(
            "purpose IN ('revocation', 'suspension')", name="ck_status_lists_purpose"
        ),
        sa.CheckConstraint(
            "length > 0 AND allocated >= 0 AND allocated <= length", name="ck_status_lists_sizes"
        ),
    )
    op.create_table(
        "status_allocations",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(512), nullable=False),
        sa.Column("is_set", sa.Boolean(), nullable=False),
        _ts("allocated_at"),
        _ts("changed_at", nullable=True),
        # The UNIQUE(list_id, index) that guarantees an index is never handed out twice.
        sa.PrimaryKeyConstraint("list_id", "status_index", name="pk_status_allocations"),
        sa.ForeignKeyConstraint(
            ["list_id"], ["status_lists.id"], name="fk_status_allocations_list_id_status_lists"
        ),
        sa.CheckConstraint("status_index >= 0", name="ck_status_allocations_index_nonnegative"),
    )
    op.create_index("ix_status_allocations_credential_id", "status_allocations", ["credential_id"])
    op.create_table(
        "batch_rows",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("diploma_number", sa.String(255), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("credential_id", sa.String(512), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", "row_number", name="pk_batch_rows"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name="fk_batch_rows_batch_id_batches"
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credentials.id"], name="fk_batch_rows_credential_id_credentials"
        ),
        sa.CheckConstraint("state IN ('issued', 'error', 'duplicate')", name="ck_batch_rows_state"),
    )
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(512), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _ts("expires_at", nullable=True),
        _ts("revoked_at", nullable=True),
        sa.Column("view_count", sa.Integer(), nullable=False),
        _ts("last_viewed_at", nullable=True),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_share_links"),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name="fk_share_links_credential_id_credentials",
        ),
        sa.UniqueConstraint("token_hash", name="uq_share_links_token_hash"),
    )
    op.create_index("ix_share_links_credential_id", "share_links", ["credential_id"])
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
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(512), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.CheckConstraint("role IN ('registrar', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        _ts("created_at"),
        _ts("last_used_at", nullable=True),
        _ts("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        sa.CheckConstraint("role IN ('registrar', 'admin')", name="ck_api_tokens_role"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(1024), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_target", "audit_log", ["target"])
    _create_audit_triggers()


def _create_audit_triggers() -> None:
    """Make audit_log append-only in the database itself, not only in the Store's API."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{_APPEND_ONLY}' USING ERRCODE = 'integrity_constraint_violation'; "
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for table in (
        "audit_log",
        "api_tokens",
        "users",
        "holder_secrets",
        "share_links",
        "batch_rows",
        "status_allocations",
        "status_lists",
        "credentials",
        "batches",
        "signing_keys",
        "issuers",
    ):
        op.drop_table(table)
