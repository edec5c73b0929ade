"""SQLAlchemy 2.0 typed ORM rows of the issuer database (kept in step with migrations/versions).

Status bits are stored as the set of set indexes: ``status_allocations.is_set`` per allocated
index, so a bit change is a one-row update and never rewrites a 16 KB blob; the raw bitstring is
rebuilt on demand by ``Store.status_bitstring``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

DEFAULT_STATUS_LIST_LENGTH = 131072  # Bitstring Status List v1.0 §6.1: at least 16 KB of bits

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every dialect.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so it stores naive UTC text.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class IssuerRow(Base):
    __tablename__ = "issuers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    did: Mapped[str] = mapped_column(String(512), unique=True)
    name: Mapped[str] = mapped_column(String(512))
    domain: Mapped[str] = mapped_column(String(255))
    country: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime]


class SigningKeyRow(Base):
    __tablename__ = "signing_keys"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'rotated', 'retired')", name="status"),
        # At most one active key per issuer: rotation is one transaction (rotate_signing_key).
        Index(
            "ix_signing_keys_one_active",
            "issuer_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(1024), unique=True)
    key_type: Mapped[str] = mapped_column(String(64))
    public_multikey: Mapped[str] = mapped_column(String(512))
    private_key_ref: Mapped[str] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]


class BatchRecordRow(Base):
    __tablename__ = "batches"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
        CheckConstraint("total_rows >= 0 AND processed >= 0", name="counts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(255))
    total_rows: Mapped[int] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16))
    source_digest: Mapped[str] = mapped_column(String(128), index=True)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class CredentialRow(Base):
    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("issuer_id", "diploma_number"),
        Index("ix_credentials_issuer_id_created_at", "issuer_id", "created_at"),
        Index("ix_credentials_issuer_id_student_number", "issuer_id", "student_number"),
    )

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    diploma_number: Mapped[str] = mapped_column(String(255))
    subject_name: Mapped[str] = mapped_column(String(512))
    achievement_type: Mapped[str] = mapped_column(String(255))
    credential_json: Mapped[str] = mapped_column(Text)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    created_at: Mapped[datetime]
    # Migration 0002: who the degree is for (a second degree of one programme to one student
    # number is confirmed before it is issued), and the status note the public may read.
    student_number: Mapped[str | None] = mapped_column(String(255))
    programme_key: Mapped[str | None] = mapped_column(String(512))
    public_note: Mapped[str | None] = mapped_column(Text)


class StatusListRow(Base):
    __tablename__ = "status_lists"
    __table_args__ = (
        UniqueConstraint("issuer_id", "purpose", "list_number"),
        CheckConstraint("purpose IN ('revocation', 'suspension')", name="purpose"),
        CheckConstraint("length > 0 AND allocated >= 0 AND allocated <= length", name="sizes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    list_number: Mapped[int] = mapped_column(Integer)
    length: Mapped[int] = mapped_column(Integer, default=DEFAULT_STATUS_LIST_LENGTH)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    signed_version: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(String(128))
    credential_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StatusAllocationRow(Base):
    """One allocated index. The primary key (list_id, status_index) is the UNIQUE that guarantees
    an index is never handed out twice. ``credential_id`` is deliberately not a foreign key: the
    index is reserved before the credential that embeds it is signed and stored."""

    __tablename__ = "status_allocations"
    __table_args__ = (CheckConstraint("status_index >= 0", name="index_nonnegative"),)

    list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    status_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(512), index=True)
    is_set: Mapped[bool] = mapped_column(Boolean, default=False)
    allocated_at: Mapped[datetime]
    changed_at: Mapped[datetime | None]


class BatchRowRow(Base):
    __tablename__ = "batch_rows"
    __table_args__ = (CheckConstraint("state IN ('issued', 'error', 'duplicate')", name="state"),)

    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    diploma_number: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))
    credential_id: Mapped[str | None] = mapped_column(ForeignKey("credentials.id"))
    errors: Mapped[Any] = mapped_column(JSON, nullable=True)


class ShareLinkRow(Base):
    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    last_viewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ClaimLinkRow(Base):
    """The graduate's claim link (their private page): only the token's SHA-256 is kept.

    A credential has at most one live link; making a new one sets ``replaced_at`` on the old.
    ``pending_token`` holds a batch link's token until the registrar takes the batch's links
    (once), then it is cleared; ``email`` is where the link is sent, when given.
    """

    __tablename__ = "claim_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(320))
    pending_token: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    replaced_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    taken_at: Mapped[datetime | None]


class MailOutboxRow(Base):
    """One message to one graduate. ``claim_url`` (a secret) is kept only until it is sent or
    given up; ``last_error`` is the server's answer (or why it could not be reached)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'sending', 'sent', 'failed')", name="state"),
        Index("ix_mail_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    claim_link_id: Mapped[int] = mapped_column(ForeignKey("claim_links.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(320))
    claim_url: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class WalletGrantRow(Base):
    """One wallet hand-over of a credential (migration 0003): a VC-API exchange or an OpenID4VCI
    pre-authorised offer. Only hashes of its secrets are stored; each step is single-use."""

    __tablename__ = "wallet_grants"
    __table_args__ = (CheckConstraint("protocol IN ('vc-api', 'oid4vci')", name="protocol"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    protocol: Mapped[str] = mapped_column(String(16))
    handle_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    challenge: Mapped[str | None] = mapped_column(String(128))
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_code_failures: Mapped[int] = mapped_column(Integer, default=0)
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    token_expires_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class WalletNonceRow(Base):
    """An OpenID4VCI c_nonce (its hash): single-use and expiring (migration 0003)."""

    __tablename__ = "wallet_nonces"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None]


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('registrar', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(512))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("role IN ('registrar', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditRow(Base):
    """Append-only: database triggers refuse UPDATE and DELETE (see migration 0001)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_target", "target"),
        {"sqlite_autoincrement": True},  # ids never reused, so the log order is the id order
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(1024))
    details: Mapped[Any] = mapped_column(JSON)
