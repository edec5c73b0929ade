"""The mail outbox: messages queued with their claim links, leased to a sender, and their fate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from issuer.store.checks import check_aware
from issuer.store.database import Database
from issuer.store.models import ClaimLinkRow, MailOutboxRow
from issuer.store.rows import slices
from issuer.store.values import MAIL_STATES, MailState, OutboxMessage
from vc.errors import RangeValueError

MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt of a leased message came to."""

    message_id: int
    sent: bool
    answer: str
    retry_at: datetime | None = None


def outbox_value(r: MailOutboxRow) -> OutboxMessage:
    return OutboxMessage(
        r.id,
        r.credential_id,
        r.claim_link_id,
        r.batch_id,
        r.row_number,
        r.recipient,
        r.claim_url,
        cast(MailState, r.state),
        r.attempts,
        r.next_attempt_at,
        r.last_error,
        r.sent_at,
        r.created_at,
    )


class OutboxRepository:
    """Messages to send: a sender leases the due ones, then records each one's outcome."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def lease_due(self, limit: int, lease: timedelta) -> list[OutboxMessage]:
        """Up to ``limit`` messages due now (queued and due, or leased by a sender whose lease
        ran out), marked "sending" for ``lease``: two senders never hold one message."""
        if not 1 <= limit <= 1000:
            raise RangeValueError("limit must be in 1..1000")

        def work(s: Session) -> list[OutboxMessage]:
            now = self._db.now()
            rows = list(
                s.scalars(
                    select(MailOutboxRow)
                    .where(
                        or_(
                            (MailOutboxRow.state == "queued")
                            & (MailOutboxRow.next_attempt_at <= now),
                            (MailOutboxRow.state == "sending") & (MailOutboxRow.lease_until < now),
                        )
                    )
                    .order_by(MailOutboxRow.next_attempt_at, MailOutboxRow.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            expiry: dict[int, datetime | None] = {}
            for part in slices([r.claim_link_id for r in rows]):
                query = select(ClaimLinkRow.id, ClaimLinkRow.expires_at).where(
                    ClaimLinkRow.id.in_(part)
                )
                for link_id, expires_at in s.execute(query).tuples():
                    expiry[link_id] = expires_at
            for row in rows:
                row.state = "sending"
                row.lease_until = now + lease
            return [
                replace(outbox_value(r), claim_expires_at=expiry.get(r.claim_link_id)) for r in rows
            ]

        return self._db.write("leasing mail", work)

    def record_outcomes(self, outcomes: Sequence[Outcome]) -> list[OutboxMessage]:
        """Record what became of leased messages, in ONE transaction (a sender records a leased
        run at once: one commit, not one per message). "sent" forgets the claim URL; a failure
        with ``retry_at`` is queued again then, without it the message is "failed" for good
        (claim URL forgotten). ``answer`` is the server's answer. A message no longer leased
        (its lease ran out and another sender recorded it) is left alone. Returns the messages
        recorded.
        """
        for outcome in outcomes:
            if outcome.retry_at is not None:
                check_aware(outcome.retry_at, "retry_at")

        def work(s: Session) -> list[OutboxMessage]:
            now = self._db.now()
            done: list[OutboxMessage] = []
            for outcome in outcomes:
                row = s.get(MailOutboxRow, outcome.message_id, with_for_update=True)
                if row is None or row.state != "sending":
                    continue
                row.attempts += 1
                row.lease_until = None
                row.last_error = outcome.answer[:MAX_ERROR_CHARS] if outcome.answer else None
                if outcome.sent:
                    row.state = "sent"
                    row.sent_at = now
                    row.claim_url = None
                elif outcome.retry_at is None:
                    row.state = "failed"
                    row.claim_url = None
                else:
                    row.state = "queued"
                    row.next_attempt_at = outcome.retry_at
                done.append(outbox_value(row))
            return done

        return self._db.write("recording mail outcomes", work)

    def batch_messages(self, batch_id: int) -> list[OutboxMessage]:
        """The batch's messages in row order."""
        query = (
            select(MailOutboxRow)
            .where(MailOutboxRow.batch_id == batch_id)
            .order_by(MailOutboxRow.row_number, MailOutboxRow.id)
        )
        return self._db.read("reading mail", lambda s: [outbox_value(r) for r in s.scalars(query)])

    def credential_messages(self, credential_id: str) -> list[OutboxMessage]:
        """A credential's messages, oldest first."""
        query = (
            select(MailOutboxRow)
            .where(MailOutboxRow.credential_id == credential_id)
            .order_by(MailOutboxRow.id)
        )
        return self._db.read("reading mail", lambda s: [outbox_value(r) for r in s.scalars(query)])

    def counts(self, batch_id: int | None = None) -> dict[str, int]:
        """Messages per state (of one batch, or all)."""
        query = select(MailOutboxRow.state, func.count()).group_by(MailOutboxRow.state)
        if batch_id is not None:
            query = query.where(MailOutboxRow.batch_id == batch_id)

        def work(s: Session) -> dict[str, int]:
            found = {state: 0 for state in MAIL_STATES}
            for state, n in s.execute(query).tuples():
                found[state] = int(n)
            return found

        return self._db.read("counting mail", work)
