"""The append-only audit log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.store.checks import check_json, check_page, check_text
from issuer.store.database import Database
from issuer.store.models import (
    AuditRow,
)
from issuer.store.rows import audit_entry_value
from issuer.store.values import (
    AuditEntry,
)


def write_audit(
    s: Session,
    at: datetime,
    actor: str,
    action: str,
    target: str | None,
    details: Mapping[str, Any],
) -> AuditRow:
    """Add an audit row in the caller's transaction (the change it records commits with it)."""
    check_text(actor, "actor", 255)
    check_text(action, "action", 64)
    if target is not None:
        check_text(target, "target", 1024)
    payload = check_json(dict(details), "details")
    row = AuditRow(at=at, actor=actor, action=action, target=target, details=payload)
    s.add(row)
    s.flush()
    return row


class AuditRepository:
    """Append to and read the audit log; there is no update or delete."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def append_audit(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Append an entry. There is deliberately no update or delete (triggers refuse them too)."""

        def work(s: Session) -> AuditEntry:
            return audit_entry_value(
                write_audit(s, self._db.now(), actor, action, target, details or {})
            )

        return self._db.write("appending to the audit log", work)

    def list_audit(
        self,
        *,
        limit: int = 100,
        before_id: int | None = None,
        target: str | None = None,
        actor: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]:
        """Newest first; page with ``before_id`` (the smallest id of the previous page)."""
        check_page(limit, 0)
        query = select(AuditRow)
        if before_id is not None:
            query = query.where(AuditRow.id < before_id)
        if target is not None:
            query = query.where(AuditRow.target == target)
        if actor is not None:
            query = query.where(AuditRow.actor == actor)
        if action is not None:
            query = query.where(AuditRow.action == action)
        query = query.order_by(AuditRow.id.desc()).limit(limit)
        return self._db.read(
            "reading the audit log", lambda s: [audit_entry_value(r) for r in s.scalars(query)]
        )
