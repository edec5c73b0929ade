"""Row helpers used inside a transaction: lookups that raise NotFoundError, inserts, row -> value."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.errors import (
    ConflictError,
    DuplicateCredentialError,
    DuplicateError,
    NotFoundError,
)
from issuer.store.models import (
    ApiTokenRow,
    AuditRow,
    BatchRecordRow,
    BatchRowRow,
    CredentialRow,
    IssuerRow,
    ShareLinkRow,
    SigningKeyRow,
    StatusListRow,
    UserRow,
)
from issuer.store.values import (
    ApiToken,
    AuditEntry,
    Batch,
    BatchRow,
    BatchState,
    Credential,
    Issuer,
    KeyStatus,
    NewCredential,
    Role,
    RowState,
    ShareLink,
    SigningKey,
    StatusList,
    StatusPurpose,
    User,
)
from vc.errors import DiplomatError, RangeValueError

T = TypeVar("T")
IN_SLICE = 500  # values per IN (...): far below SQLite's and PostgreSQL's parameter limits


# -------------------------------------------------------------------- helpers (in a transaction)


def table_of(model: type[Any]) -> Table:
    """A mapped class's table, for Core inserts (the ORM's bulk insert adds per-row bookkeeping
    that a cohort's thousands of rows pay for and nothing here uses)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to one table")
    return table


def slices(values: Sequence[T], size: int = IN_SLICE) -> list[Sequence[T]]:
    """``values`` cut into pieces of at most ``size`` (one IN (...) query each)."""
    return [values[i : i + size] for i in range(0, len(values), size)]


def insert_row(s: Session, row: object, clash: Callable[[], DiplomatError]) -> None:
    """Add and flush ``row`` in a savepoint; a constraint violation raises ``clash()``."""
    try:
        with s.begin_nested():
            s.add(row)
    except IntegrityError as exc:
        raise clash() from exc


def existing_credential_ids(s: Session, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for part in slices(ids):
        found.update(s.scalars(select(CredentialRow.id).where(CredentialRow.id.in_(part))))
    return found


def diploma_holders(s: Session, issuer_id: int, diploma_numbers: Sequence[str]) -> dict[str, str]:
    """diploma number -> id of the issuer's credential holding it, for those already issued."""
    found: dict[str, str] = {}
    for part in slices(diploma_numbers):
        for number, credential_id in s.execute(
            select(CredentialRow.diploma_number, CredentialRow.id).where(
                CredentialRow.issuer_id == issuer_id,
                CredentialRow.diploma_number.in_(part),
            )
        ).tuples():
            found[number] = credential_id
    return found


def credential_values(new: NewCredential, now: datetime) -> dict[str, Any]:
    return {
        "id": new.id,
        "issuer_id": new.issuer_id,
        "diploma_number": new.diploma_number,
        "subject_name": new.subject_name,
        "achievement_type": new.achievement_type,
        "credential_json": new.credential_json,
        "revoked": False,
        "suspended": False,
        "status_reason": None,
        "status_changed_at": None,
        "batch_id": new.batch_id,
        "created_at": now,
        "student_number": new.student_number,
        "programme_key": new.programme_key,
        "public_note": None,
    }


def row_values(
    batch_id: int,
    row_number: int,
    state: str,
    diploma_number: str | None,
    credential_id: str | None,
    errors: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "row_number": row_number,
        "diploma_number": diploma_number,
        "state": state,
        "credential_id": credential_id,
        "errors": [dict(e) for e in errors] or None,
    }


def check_credential_free(s: Session, new: NewCredential) -> None:
    taken = s.scalar(
        select(CredentialRow.id).where(
            CredentialRow.issuer_id == new.issuer_id,
            CredentialRow.diploma_number == new.diploma_number,
        )
    )
    if taken is not None:
        raise DuplicateCredentialError(
            f"issuer {new.issuer_id} already issued diploma number {new.diploma_number!r}"
            f" as {taken}",
            issuer_id=new.issuer_id,
            diploma_number=new.diploma_number,
            pointer="/diploma_number",
        )
    if s.get(CredentialRow, new.id) is not None:
        raise DuplicateError(f"credential {new.id} already exists")


def credential_clash(s: Session, new: NewCredential) -> DiplomatError:
    try:
        check_credential_free(s, new)
    except DiplomatError as exc:
        return exc
    return ConflictError(f"credential {new.id} clashes with a stored one")


def record_row(
    s: Session,
    batch: BatchRecordRow,
    row_number: int,
    state: str,
    diploma_number: str | None,
    credential_id: str | None,
    errors: Sequence[Mapping[str, Any]],
) -> BatchRow:
    if batch.state in ("done", "failed"):
        raise ConflictError(f"batch {batch.id} is {batch.state}")
    if not isinstance(row_number, int) or not 1 <= row_number <= batch.total_rows:
        raise RangeValueError(f"row {row_number} outside 1..{batch.total_rows}")
    if s.get(BatchRowRow, (batch.id, row_number)) is not None:
        raise DuplicateError(f"row {row_number} of batch {batch.id} already recorded")
    row = BatchRowRow(
        batch_id=batch.id,
        row_number=row_number,
        diploma_number=diploma_number,
        state=state,
        credential_id=credential_id,
        errors=[dict(e) for e in errors] or None,
    )
    insert_row(s, row, lambda: DuplicateError(f"row {row_number} of batch {batch.id} recorded"))
    batch.processed += 1
    batch.state = "running"
    s.flush()
    return batch_row_value(row)


def need_issuer(s: Session, issuer_id: int) -> IssuerRow:
    row = s.get(IssuerRow, issuer_id)
    if row is None:
        raise NotFoundError(f"no issuer {issuer_id}")
    return row


def need_key(s: Session, key_id: str) -> SigningKeyRow:
    row = s.scalars(select(SigningKeyRow).where(SigningKeyRow.key_id == key_id)).first()
    if row is None:
        raise NotFoundError(f"no signing key {key_id}")
    return row


def active_key_row(s: Session, issuer_id: int) -> SigningKeyRow | None:
    return s.scalars(
        select(SigningKeyRow).where(
            SigningKeyRow.issuer_id == issuer_id, SigningKeyRow.status == "active"
        )
    ).first()


def need_credential(s: Session, credential_id: str, *, lock: bool = False) -> CredentialRow:
    row = s.get(CredentialRow, credential_id, with_for_update=lock)
    if row is None:
        raise NotFoundError(f"no credential {credential_id}")
    return row


def need_batch(s: Session, batch_id: int, *, lock: bool = False) -> BatchRecordRow:
    row = s.get(BatchRecordRow, batch_id, with_for_update=lock)
    if row is None:
        raise NotFoundError(f"no batch {batch_id}")
    return row


def need_list(s: Session, list_id: int, *, lock: bool = False) -> StatusListRow:
    row = s.get(StatusListRow, list_id, with_for_update=lock)
    if row is None:
        raise NotFoundError(f"no status list {list_id}")
    return row


# -------------------------------------------------------------------- row -> value


def issuer_value(r: IssuerRow) -> Issuer:
    return Issuer(r.id, r.did, r.name, r.domain, r.country, r.created_at)


def signing_key_value(r: SigningKeyRow) -> SigningKey:
    return SigningKey(
        r.id,
        r.issuer_id,
        r.key_id,
        r.key_type,
        r.public_multikey,
        r.private_key_ref,
        cast(KeyStatus, r.status),
        r.created_at,
        r.retired_at,
    )


def credential_value(r: CredentialRow) -> Credential:
    return Credential(
        r.id,
        r.issuer_id,
        r.diploma_number,
        r.subject_name,
        r.achievement_type,
        r.credential_json,
        r.revoked,
        r.suspended,
        r.status_reason,
        r.status_changed_at,
        r.batch_id,
        r.created_at,
        r.student_number,
        r.programme_key,
        r.public_note,
    )


def status_list_value(r: StatusListRow) -> StatusList:
    return StatusList(
        r.id,
        r.issuer_id,
        cast(StatusPurpose, r.purpose),
        r.list_number,
        r.length,
        r.allocated,
        r.version,
        r.signed_version,
        r.etag,
        r.credential_json,
        r.created_at,
        r.updated_at,
    )


def batch_value(r: BatchRecordRow) -> Batch:
    return Batch(
        r.id,
        r.issuer_id,
        r.created_by,
        r.total_rows,
        r.processed,
        cast(BatchState, r.state),
        r.source_digest,
        r.created_at,
        r.finished_at,
    )


def batch_row_value(r: BatchRowRow) -> BatchRow:
    errors = tuple(r.errors) if isinstance(r.errors, list) else ()
    return BatchRow(
        r.batch_id, r.row_number, r.diploma_number, cast(RowState, r.state), r.credential_id, errors
    )


def share_link_value(r: ShareLinkRow) -> ShareLink:
    return ShareLink(
        r.id,
        r.credential_id,
        r.expires_at,
        r.revoked_at,
        r.view_count,
        r.last_viewed_at,
        r.created_at,
    )


def user_value(r: UserRow) -> User:
    return User(r.id, r.username, r.password_hash, cast(Role, r.role), r.created_at)


def api_token_value(r: ApiTokenRow) -> ApiToken:
    return ApiToken(r.id, r.name, cast(Role, r.role), r.created_at, r.last_used_at, r.revoked_at)


def audit_entry_value(r: AuditRow) -> AuditEntry:
    details = r.details if isinstance(r.details, dict) else {}
    return AuditEntry(r.id, r.at, r.actor, r.action, r.target, details)
