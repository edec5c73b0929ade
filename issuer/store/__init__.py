"""The issuer's storage: ``open_store(url) -> Store`` (SQLite file or PostgreSQL, migrated to head).

Public API:

    open_store(url, *, clock, rng, status_list_length, fill_ratio) -> Store
    Store                      one repository per aggregate (issuer.store.repositories), each
                               behind a Protocol of issuer.store.interfaces
    new_token(), hash_token()  bearer secrets and their SHA-256
    values                     Issuer, SigningKey, NewCredential, Credential, Allocation,
                               StatusEntry, StatusList, StatusChange, Batch, BatchRow,
                               RowRecord, BatchProgress, ShareLink, User, ApiToken, AuditEntry

Status bits are kept as the set of set indexes (one row per allocated index with an ``is_set``
flag); ``store.status.status_bitstring`` / ``status_snapshot`` rebuild the raw, uncompressed bitstring that
vc.status encodes. The store reads no environment: the app passes ``DIPLOMAT_DATABASE_URL`` in.
"""

from __future__ import annotations

from sqlalchemy.engine import URL

from issuer.store.allocation import RandomSource
from issuer.store.engine import (
    create_store_engine,
    current_revision,
    head_revision,
    parse_url,
    upgrade_to_head,
)
from issuer.store.models import DEFAULT_STATUS_LIST_LENGTH
from issuer.store.repositories import Store
from issuer.store.tokens import hash_token, new_token
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
    ShareLinkState,
    SigningKey,
    StatusChange,
    StatusEntry,
    StatusList,
    StatusPurpose,
    User,
)
from vc.dates import Clock, utcnow


def open_store(
    url: str | URL,
    *,
    clock: Clock = utcnow,
    rng: RandomSource | None = None,
    status_list_length: int = DEFAULT_STATUS_LIST_LENGTH,
    fill_ratio: float = 0.9,
    migrate: bool = True,
) -> Store:
    """Open the database at ``url`` and run the Alembic migrations to head (unless ``migrate``
    is False). Safe to call from many processes at once: migrations are serialised.

    Raises MalformedValueError for an unsupported URL, StoreUnavailableError when the database
    cannot be reached, StoreError when migrating fails.
    """
    engine = create_store_engine(url)
    try:
        if migrate:
            upgrade_to_head(engine)
        return Store(
            engine,
            clock=clock,
            rng=rng,
            status_list_length=status_list_length,
            fill_ratio=fill_ratio,
        )
    except BaseException:
        engine.dispose()
        raise


__all__ = [
    "DEFAULT_STATUS_LIST_LENGTH",
    "Allocation",
    "ApiToken",
    "AuditEntry",
    "Batch",
    "BatchProgress",
    "BatchRow",
    "BatchState",
    "ClaimLink",
    "Credential",
    "Issuer",
    "KeyStatus",
    "NewClaim",
    "NewCredential",
    "OutboxMessage",
    "PendingClaim",
    "RandomSource",
    "Role",
    "RowRecord",
    "RowState",
    "ShareLink",
    "ShareLinkState",
    "SigningKey",
    "StatusChange",
    "StatusEntry",
    "StatusList",
    "StatusPurpose",
    "Store",
    "User",
    "create_store_engine",
    "current_revision",
    "hash_token",
    "head_revision",
    "new_token",
    "open_store",
    "parse_url",
    "upgrade_to_head",
]
