"""Claim links (the graduate's private page; only token hashes are kept) and their hand-over."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from issuer.errors import (
    ClaimLinkExpiredError,
    ClaimLinkReplacedError,
    ClaimLinksTakenError,
    InvalidTokenError,
    NotFoundError,
)
from issuer.store.checks import check_aware, check_text, lookup_hash
from issuer.store.database import Database
from issuer.store.models import ClaimLinkRow, CredentialRow, MailOutboxRow
from issuer.store.rows import existing_credential_ids, need_batch, slices, table_of
from issuer.store.tokens import hash_token
from issuer.store.values import ClaimLink, NewClaim, PendingClaim
from vc.errors import MalformedValueError


def claim_link_value(r: ClaimLinkRow) -> ClaimLink:
    return ClaimLink(
        r.id,
        r.credential_id,
        r.batch_id,
        r.row_number,
        r.email,
        r.created_at,
        r.expires_at,
        r.replaced_at,
        r.opened_at,
        r.taken_at,
    )


def live_check(link: ClaimLink, now: datetime) -> None:
    """Raise ClaimLinkReplacedError / ClaimLinkExpiredError (410) for a dead link."""
    state = link.state(now)
    if state == "replaced":
        raise ClaimLinkReplacedError(
            "this claim link was replaced by a newer one: use the latest link you received, "
            "or ask the registrar's office for a new one"
        )
    if state == "expired":
        raise ClaimLinkExpiredError(
            "this claim link has expired: ask the registrar's office for a new one"
        )


def _check_claim(claim: NewClaim) -> None:
    if not isinstance(claim, NewClaim):
        raise MalformedValueError("claims must be NewClaim values")
    check_text(claim.credential_id, "credential_id", 512)
    if claim.expires_at is not None:
        check_aware(claim.expires_at, "expires_at")
    if claim.email is not None:
        check_text(claim.email, "email", 320)
    if claim.mail_url is not None and claim.email is None:
        raise MalformedValueError("a message needs an e-mail address")


class ClaimRepository:
    """Claim links: made (replacing the live one), opened, checked, and a batch's handed over."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_links(self, claims: Sequence[NewClaim], *, resume: bool = False) -> list[ClaimLink]:
        """Make each claim's link in ONE transaction, replacing the credential's live link, and
        queue its message when it has ``mail_url``. With ``resume``, a claim of a batch row whose
        credential already has a link of that batch is skipped (a resumed batch makes no second
        link).

        Returns the links made. Raises NotFoundError for an unknown credential or batch,
        MalformedValueError for bad fields or a token already in use.
        """
        items = list(claims)
        hashes: list[str] = []
        for claim in items:
            _check_claim(claim)
            hashes.append(hash_token(claim.token))
        if len(set(hashes)) != len(hashes):
            raise MalformedValueError("a claim token is given twice")

        def work(s: Session) -> list[ClaimLink]:
            now = self._db.now()
            ids = sorted({c.credential_id for c in items})
            missing = set(ids) - existing_credential_ids(s, ids)
            if missing:
                raise NotFoundError(f"no credential {sorted(missing)[0]}")
            for batch_id in {c.batch_id for c in items if c.batch_id is not None}:
                need_batch(s, batch_id)
            done: set[tuple[int | None, str]] = set()
            for part in slices(ids) if resume else ():
                done.update(
                    s.execute(
                        select(ClaimLinkRow.batch_id, ClaimLinkRow.credential_id).where(
                            ClaimLinkRow.credential_id.in_(part),
                            ClaimLinkRow.batch_id.is_not(None),
                        )
                    ).tuples()
                )
            for part in slices(hashes):
                if s.scalar(select(ClaimLinkRow.id).where(ClaimLinkRow.token_hash.in_(part))):
                    raise MalformedValueError("a claim token is already in use")
            todo = [
                (claim, token_hash)
                for claim, token_hash in zip(items, hashes, strict=True)
                if claim.batch_id is None or (claim.batch_id, claim.credential_id) not in done
            ]
            for part in slices(sorted({c.credential_id for c, _ in todo})):
                s.execute(
                    update(ClaimLinkRow)
                    .where(ClaimLinkRow.credential_id.in_(part), ClaimLinkRow.replaced_at.is_(None))
                    .values(replaced_at=now, pending_token=None)
                    .execution_options(synchronize_session=False)
                )
            # Core inserts, not ORM objects: a 10,000-graduate batch makes 10,000 links (a chunk's
            # worth per call), and the ORM's unit of work cost more than the rest of it.
            links = [
                {
                    "credential_id": claim.credential_id,
                    "token_hash": token_hash,
                    "batch_id": claim.batch_id,
                    "row_number": claim.row_number,
                    "email": claim.email,
                    "pending_token": claim.token if claim.pending else None,
                    "created_at": now,
                    "expires_at": claim.expires_at,
                    "replaced_at": None,
                    "opened_at": None,
                    "taken_at": None,
                }
                for claim, token_hash in todo
            ]
            if not links:
                return []
            s.execute(insert(table_of(ClaimLinkRow)), links)
            # The links' ids, by their (unique) token hashes: the messages below name them.
            link_ids: dict[str, int] = {}
            for part in slices([token_hash for _claim, token_hash in todo]):
                found = s.execute(
                    select(ClaimLinkRow.token_hash, ClaimLinkRow.id).where(
                        ClaimLinkRow.token_hash.in_(part)
                    )
                ).tuples()
                link_ids.update((token_hash, link_id) for token_hash, link_id in found)
            messages = [
                {
                    "credential_id": claim.credential_id,
                    "claim_link_id": link_ids[token_hash],
                    "batch_id": claim.batch_id,
                    "row_number": claim.row_number,
                    "recipient": claim.email,
                    "claim_url": claim.mail_url,
                    "state": "queued",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "lease_until": None,
                    "last_error": None,
                    "sent_at": None,
                    "created_at": now,
                }
                for claim, token_hash in todo
                if claim.mail_url is not None and claim.email is not None
            ]
            if messages:
                s.execute(insert(table_of(MailOutboxRow)), messages)
            return [
                ClaimLink(
                    link_ids[token_hash],
                    claim.credential_id,
                    claim.batch_id,
                    claim.row_number,
                    claim.email,
                    now,
                    claim.expires_at,
                    None,
                    None,
                    None,
                )
                for claim, token_hash in todo
            ]

        return self._db.write("making claim links", work)

    def open_link(self, token: str) -> ClaimLink:
        """The live link of ``token``, noting when it was first opened.

        Raises NotFoundError for an unknown token, ClaimLinkReplacedError / ClaimLinkExpiredError
        (410) for a dead one.
        """
        token_hash = lookup_hash(token)

        def work(s: Session) -> ClaimLink:
            row = s.scalars(
                select(ClaimLinkRow).where(ClaimLinkRow.token_hash == token_hash)
            ).first()
            if row is None:
                raise NotFoundError("no such claim link: check that the whole link was copied")
            now = self._db.now()
            live_check(claim_link_value(row), now)
            if row.opened_at is None:
                row.opened_at = now
            return claim_link_value(row)

        return self._db.write("opening a claim link", work)

    def check_link(self, credential_id: str, token: str) -> ClaimLink:
        """The credential's live link opened by ``token``.

        Raises InvalidTokenError (401) when ``token`` is no link of this credential,
        ClaimLinkReplacedError / ClaimLinkExpiredError (410) when it is a dead one.
        """
        token_hash = lookup_hash(token)

        def work(s: Session) -> ClaimLink:
            row = s.scalars(
                select(ClaimLinkRow).where(ClaimLinkRow.token_hash == token_hash)
            ).first()
            # The token's hash matched in the index; the credential id is no secret.
            if row is None or row.credential_id != credential_id:
                raise InvalidTokenError("wrong management token for this credential")
            link = claim_link_value(row)
            live_check(link, self._db.now())
            return link

        return self._db.read("checking a claim link", work)

    def list_links(self, credential_id: str) -> list[ClaimLink]:
        """The credential's links, oldest first (the last one may be live)."""
        query = (
            select(ClaimLinkRow)
            .where(ClaimLinkRow.credential_id == credential_id)
            .order_by(ClaimLinkRow.id)
        )
        return self._db.read(
            "listing claim links", lambda s: [claim_link_value(r) for r in s.scalars(query)]
        )

    def batch_links(self, batch_id: int) -> list[ClaimLink]:
        """The batch's links that are not replaced, in row order."""
        query = (
            select(ClaimLinkRow)
            .where(ClaimLinkRow.batch_id == batch_id, ClaimLinkRow.replaced_at.is_(None))
            .order_by(ClaimLinkRow.row_number)
        )
        return self._db.read(
            "listing claim links", lambda s: [claim_link_value(r) for r in s.scalars(query)]
        )

    def pending_links(self, batch_id: int, *, take: bool) -> list[PendingClaim]:
        """The batch's links whose tokens were not handed out yet, in row order; with ``take``
        their tokens are forgotten in the same transaction (handed out exactly once).

        Raises ClaimLinksTakenError (410) when ``take`` finds none but the batch has links taken
        before, NotFoundError for an unknown batch.
        """

        def work(s: Session) -> list[PendingClaim]:
            need_batch(s, batch_id)
            rows = s.execute(
                select(ClaimLinkRow, CredentialRow)
                .join(CredentialRow, CredentialRow.id == ClaimLinkRow.credential_id)
                .where(
                    ClaimLinkRow.batch_id == batch_id,
                    ClaimLinkRow.replaced_at.is_(None),
                    ClaimLinkRow.pending_token.is_not(None),
                )
                .order_by(ClaimLinkRow.row_number)
            ).tuples()
            found = [
                PendingClaim(
                    claim_link_value(link),
                    str(link.pending_token),
                    credential.diploma_number,
                    credential.subject_name,
                    credential.student_number,
                )
                for link, credential in rows
            ]
            if not take:
                return found
            if not found:
                taken = s.scalar(
                    select(ClaimLinkRow.taken_at)
                    .where(ClaimLinkRow.batch_id == batch_id, ClaimLinkRow.taken_at.is_not(None))
                    .order_by(ClaimLinkRow.taken_at.desc())
                )
                if taken is not None:
                    raise ClaimLinksTakenError(
                        f"the claim links of batch {batch_id} were handed out on "
                        f"{taken:%Y-%m-%d %H:%M} UTC and are not kept; make new ones for the "
                        "batch (the old ones then stop working)"
                    )
                return found
            now = self._db.now()
            for part in slices([p.link.id for p in found]):
                s.execute(
                    update(ClaimLinkRow)
                    .where(ClaimLinkRow.id.in_(part))
                    .values(pending_token=None, taken_at=now)
                    .execution_options(synchronize_session=False)
                )
            return found

        return self._db.write("handing out claim links", work)
