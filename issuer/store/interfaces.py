"""The small interfaces the issuer services depend on: one Protocol per repository.

Each is implemented by the SQLAlchemy repository of the same aggregate (issuer.store.issuers,
.credentials, .status, .batches, .sharing, .accounts, .audit); a service names only the ones it
uses, so a reader sees from its constructor what it may touch.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from issuer.store.allocation import RandomSource
from issuer.store.outbox import Outcome
from issuer.store.values import (
    Allocation,
    ApiToken,
    AuditEntry,
    Batch,
    BatchProgress,
    BatchRow,
    BatchState,
    ClaimLink,
    Credential,
    Issuer,
    KeyStatus,
    NewClaim,
    NewCredential,
    OutboxMessage,
    PendingClaim,
    Role,
    RowRecord,
    RowState,
    ShareLink,
    SigningKey,
    StatusChange,
    StatusEntry,
    StatusList,
    StatusPurpose,
    User,
)


class Issuers(Protocol):
    """Issuers and their signing keys. Implemented by issuer.store.issuers.IssuerRepository."""

    def create_issuer(self, did: str, name: str, domain: str, country: str) -> Issuer: ...

    def get_issuer(self, issuer_id: int) -> Issuer: ...

    def get_issuer_by_did(self, did: str) -> Issuer: ...

    def list_issuers(self) -> list[Issuer]: ...

    def add_signing_key(
        self,
        issuer_id: int,
        key_id: str,
        key_type: str,
        public_multikey: str,
        private_key_ref: str,
        *,
        status: KeyStatus = "active",
    ) -> SigningKey: ...

    def rotate_signing_key(
        self, issuer_id: int, key_id: str, key_type: str, public_multikey: str, private_key_ref: str
    ) -> SigningKey: ...

    def retire_signing_key(self, key_id: str) -> SigningKey: ...

    def get_signing_key(self, key_id: str) -> SigningKey: ...

    def active_signing_key(self, issuer_id: int) -> SigningKey: ...

    def list_signing_keys(self, issuer_id: int) -> list[SigningKey]: ...


class Credentials(Protocol):
    """The issued credentials. Implemented by issuer.store.credentials.CredentialRepository."""

    def insert_credential(
        self, new: NewCredential, *, batch_row: int | None = None
    ) -> Credential: ...

    def insert_credentials_with_rows(
        self,
        batch_id: int,
        credentials: Sequence[tuple[NewCredential, int]],
        rows: Sequence[RowRecord] = (),
    ) -> dict[int, BatchRow]: ...

    def credential_ids_by_diploma_number(
        self, issuer_id: int, diploma_numbers: Collection[str]
    ) -> dict[str, str]: ...

    def get_credential(self, credential_id: str) -> Credential: ...

    def get_by_diploma_number(self, issuer_id: int, diploma_number: str) -> Credential | None: ...

    def list_credentials(
        self, issuer_id: int, *, limit: int = 50, offset: int = 0, search: str | None = None
    ) -> list[Credential]: ...

    def count_credentials(self, issuer_id: int) -> int: ...

    def same_programme(
        self, issuer_id: int, student_number: str, programme_key: str
    ) -> list[Credential]: ...

    def programmes_of_students(
        self, issuer_id: int, student_numbers: Collection[str]
    ) -> dict[tuple[str, str], list[str]]: ...

    def set_public_note(self, credential_id: str, note: str | None) -> Credential: ...


class StatusLists(Protocol):
    """Status-index allocation and the status lists. Implemented by issuer.store.status.StatusRepository."""

    def allocate_status_index(
        self,
        issuer_id: int,
        purpose: StatusPurpose,
        credential_id: str,
        rng: RandomSource | None = None,
    ) -> Allocation: ...

    def allocate_status_indexes(
        self,
        issuer_id: int,
        purpose: StatusPurpose,
        credential_ids: Sequence[str],
        rng: RandomSource | None = None,
    ) -> list[Allocation]: ...

    def allocate_for_purposes(
        self,
        issuer_id: int,
        purposes: Sequence[StatusPurpose],
        credential_ids: Sequence[str],
        rng: RandomSource | None = None,
    ) -> dict[StatusPurpose, list[Allocation]]: ...

    def set_status(
        self,
        credential_id: str,
        purpose: StatusPurpose,
        value: bool,
        reason: str | None,
        actor: str,
    ) -> StatusChange: ...

    def status_entries(self, credential_id: str) -> list[StatusEntry]: ...

    def get_status_list(self, list_id: int) -> StatusList: ...

    def get_status_list_by_number(
        self, issuer_id: int, purpose: StatusPurpose, list_number: int
    ) -> StatusList: ...

    def list_status_lists(
        self, issuer_id: int, purpose: StatusPurpose | None = None
    ) -> list[StatusList]: ...

    def status_bits(self, list_id: int) -> frozenset[int]: ...

    def flagged_indexes(self, list_id: int) -> dict[int, tuple[bool, bool]]: ...

    def status_snapshot(self, list_id: int) -> tuple[StatusList, bytes]: ...

    def status_bitstring(self, list_id: int) -> bytes: ...

    def save_signed_status_list(
        self, list_id: int, credential_json: str, version: int
    ) -> StatusList: ...


class Batches(Protocol):
    """Batch records and their rows. Implemented by issuer.store.batches.BatchRepository."""

    def create_batch(
        self, issuer_id: int, created_by: str, total_rows: int, source_digest: str
    ) -> Batch: ...

    def get_batch(self, batch_id: int) -> Batch: ...

    def find_batches_by_digest(self, issuer_id: int, source_digest: str) -> list[Batch]: ...

    def unfinished_batches(self, issuer_id: int | None = None) -> list[Batch]: ...

    def start_batch(self, batch_id: int) -> Batch: ...

    def record_batch_row(
        self,
        batch_id: int,
        row_number: int,
        state: RowState,
        *,
        diploma_number: str | None = None,
        credential_id: str | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> BatchRow: ...

    def batch_rows(self, batch_id: int) -> list[BatchRow]: ...

    def recorded_row_numbers(self, batch_id: int) -> frozenset[int]: ...

    def batch_progress(self, batch_id: int) -> BatchProgress: ...

    def finish_batch(self, batch_id: int, state: BatchState) -> Batch: ...


class Sharing(Protocol):
    """Share links and holder management secrets. Implemented by issuer.store.sharing.SharingRepository."""

    def create_share_link(
        self, credential_id: str, token: str, *, expires_at: datetime | None
    ) -> ShareLink: ...

    def open_share_link(self, token: str) -> ShareLink: ...

    def get_share_link(self, token: str) -> ShareLink: ...

    def revoke_share_link(self, link_id: int) -> ShareLink: ...

    def list_share_links(self, credential_id: str) -> list[ShareLink]: ...

    def set_holder_secret(
        self, credential_id: str, token: str, *, expires_at: datetime | None = None
    ) -> None: ...

    def check_holder_secret(self, credential_id: str, token: str) -> None: ...


class Claims(Protocol):
    """Claim links and a batch's hand-over. Implemented by issuer.store.claims.ClaimRepository."""

    def create_links(
        self, claims: Sequence[NewClaim], *, resume: bool = False
    ) -> list[ClaimLink]: ...

    def open_link(self, token: str) -> ClaimLink: ...

    def check_link(self, credential_id: str, token: str) -> ClaimLink: ...

    def list_links(self, credential_id: str) -> list[ClaimLink]: ...

    def batch_links(self, batch_id: int) -> list[ClaimLink]: ...

    def pending_links(self, batch_id: int, *, take: bool) -> list[PendingClaim]: ...


class Outbox(Protocol):
    """The mail outbox. Implemented by issuer.store.outbox.OutboxRepository."""

    def lease_due(self, limit: int, lease: timedelta) -> list[OutboxMessage]: ...

    def record_outcomes(self, outcomes: Sequence[Outcome]) -> list[OutboxMessage]: ...

    def batch_messages(self, batch_id: int) -> list[OutboxMessage]: ...

    def credential_messages(self, credential_id: str) -> list[OutboxMessage]: ...

    def counts(self, batch_id: int | None = None) -> dict[str, int]: ...


class Accounts(Protocol):
    """Console users and API tokens. Implemented by issuer.store.accounts.AccountRepository."""

    def create_user(self, username: str, password_hash: str, role: Role) -> User: ...

    def get_user(self, username: str) -> User: ...

    def get_user_by_id(self, user_id: int) -> User: ...

    def list_users(self) -> list[User]: ...

    def set_password_hash(self, username: str, password_hash: str) -> User: ...

    def create_api_token(self, name: str, token: str, role: Role) -> ApiToken: ...

    def authenticate_api_token(self, token: str) -> ApiToken: ...

    def revoke_api_token(self, token_id: int) -> ApiToken: ...

    def list_api_tokens(self) -> list[ApiToken]: ...


class AuditLog(Protocol):
    """The append-only audit log. Implemented by issuer.store.audit.AuditRepository."""

    def append_audit(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry: ...

    def list_audit(
        self,
        *,
        limit: int = 100,
        before_id: int | None = None,
        target: str | None = None,
        actor: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]: ...
