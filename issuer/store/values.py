"""The frozen values the issuer store hands out (never live ORM rows) and its small vocabularies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

StatusPurpose = Literal["revocation", "suspension"]
KeyStatus = Literal["active", "rotated", "retired"]
BatchState = Literal["queued", "running", "done", "failed"]
RowState = Literal["issued", "error", "duplicate"]
Role = Literal["registrar", "admin"]
ShareLinkState = Literal["active", "expired", "revoked"]
ClaimLinkState = Literal["active", "expired", "replaced"]
MailState = Literal["queued", "sending", "sent", "failed"]

STATUS_PURPOSES: tuple[str, ...] = get_args(StatusPurpose)
KEY_STATUSES: tuple[str, ...] = get_args(KeyStatus)
BATCH_STATES: tuple[str, ...] = get_args(BatchState)
ROW_STATES: tuple[str, ...] = get_args(RowState)
ROLES: tuple[str, ...] = get_args(Role)
MAIL_STATES: tuple[str, ...] = get_args(MailState)


@dataclass(frozen=True)
class Issuer:
    id: int
    did: str
    name: str
    domain: str
    country: str
    created_at: datetime


@dataclass(frozen=True)
class SigningKey:
    """A verification method of an issuer; ``private_key_ref`` is a file path or encrypted-blob id."""

    id: int
    issuer_id: int
    key_id: str
    key_type: str
    public_multikey: str
    private_key_ref: str
    status: KeyStatus
    created_at: datetime
    retired_at: datetime | None


@dataclass(frozen=True)
class NewCredential:
    """What the issuer service hands the store after signing a degree."""

    id: str
    issuer_id: int
    diploma_number: str
    subject_name: str
    achievement_type: str
    credential_json: str
    batch_id: int | None = None
    student_number: str | None = None
    programme_key: str | None = None


@dataclass(frozen=True)
class Credential:
    id: str
    issuer_id: int
    diploma_number: str
    subject_name: str
    achievement_type: str
    credential_json: str
    revoked: bool
    suspended: bool
    status_reason: str | None
    status_changed_at: datetime | None
    batch_id: int | None
    created_at: datetime
    student_number: str | None = None
    programme_key: str | None = None
    public_note: str | None = None


@dataclass(frozen=True)
class Allocation:
    """A status index reserved for one credential in one list: unpacks as (list_id, number, index)."""

    list_id: int
    list_number: int
    index: int

    def __iter__(self) -> Iterator[int]:
        return iter((self.list_id, self.list_number, self.index))


@dataclass(frozen=True)
class StatusEntry:
    """One of a credential's status-list positions and whether its bit is set."""

    credential_id: str
    purpose: StatusPurpose
    list_id: int
    list_number: int
    index: int
    is_set: bool


@dataclass(frozen=True)
class StatusList:
    """A status list's bookkeeping; the bits themselves come from ``Store.status_bits``.

    ``version`` grows with every bit change; ``signed_version`` is the version the stored signed
    status list credential reflects, so the list must be re-signed while ``needs_signing``.
    """

    id: int
    issuer_id: int
    purpose: StatusPurpose
    list_number: int
    length: int
    allocated: int
    version: int
    signed_version: int | None
    etag: str | None
    credential_json: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def needs_signing(self) -> bool:
        return self.signed_version != self.version


@dataclass(frozen=True)
class StatusChange:
    """The outcome of ``Store.set_status``; ``changed`` is False when the bit already had the value."""

    credential_id: str
    purpose: StatusPurpose
    list_id: int
    index: int
    value: bool
    changed: bool
    version: int


@dataclass(frozen=True)
class Batch:
    id: int
    issuer_id: int
    created_by: str
    total_rows: int
    processed: int
    state: BatchState
    source_digest: str
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class BatchRow:
    batch_id: int
    row_number: int
    diploma_number: str | None
    state: RowState
    credential_id: str | None
    errors: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class RowRecord:
    """A batch row to record without storing a credential (``Store.insert_credentials_with_rows``):
    an "error" row with its errors, or a "duplicate" naming the credential already issued."""

    row_number: int
    state: RowState
    diploma_number: str | None = None
    credential_id: str | None = None
    errors: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class BatchProgress:
    batch_id: int
    state: BatchState
    total: int
    processed: int
    issued: int
    errors: int
    duplicates: int

    @property
    def remaining(self) -> int:
        return self.total - self.processed


@dataclass(frozen=True)
class ShareLink:
    id: int
    credential_id: str
    expires_at: datetime | None
    revoked_at: datetime | None
    view_count: int
    last_viewed_at: datetime | None
    created_at: datetime

    def state(self, now: datetime) -> ShareLinkState:
        """Revoked wins over expired; a link expires at ``expires_at`` itself."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "active"


@dataclass(frozen=True)
class ClaimLink:
    """A graduate's claim link (the token itself is never stored, only its SHA-256)."""

    id: int
    credential_id: str
    batch_id: int | None
    row_number: int | None
    email: str | None
    created_at: datetime
    expires_at: datetime | None
    replaced_at: datetime | None
    opened_at: datetime | None
    taken_at: datetime | None

    def state(self, now: datetime) -> ClaimLinkState:
        """Replaced wins over expired; a link expires at ``expires_at`` itself."""
        if self.replaced_at is not None:
            return "replaced"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "active"


@dataclass(frozen=True)
class NewClaim:
    """A claim link to make for a credential (any live one is replaced). ``pending`` keeps the
    token until the registrar takes the batch's links; ``mail_url`` (with ``email``) queues a
    message carrying that URL in the same transaction."""

    credential_id: str
    token: str
    expires_at: datetime | None
    email: str | None = None
    batch_id: int | None = None
    row_number: int | None = None
    pending: bool = False
    mail_url: str | None = None


@dataclass(frozen=True)
class PendingClaim:
    """A batch link handed to the registrar (once): the link, its token and the graduate."""

    link: ClaimLink
    token: str
    diploma_number: str
    subject_name: str
    student_number: str | None


@dataclass(frozen=True)
class OutboxMessage:
    """One message of the mail outbox; ``claim_url`` is None once it was sent or given up."""

    id: int
    credential_id: str
    claim_link_id: int
    batch_id: int | None
    row_number: int | None
    recipient: str
    claim_url: str | None
    state: MailState
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime
    claim_expires_at: datetime | None = None  # filled in when a sender leases it


@dataclass(frozen=True)
class User:
    id: int
    username: str
    password_hash: str
    role: Role
    created_at: datetime


@dataclass(frozen=True)
class ApiToken:
    """An API token's record; the token itself is never stored, only its SHA-256."""

    id: int
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    details: Mapping[str, Any]
