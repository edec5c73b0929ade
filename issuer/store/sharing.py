"""The graduate's share links and holder management secrets (only token hashes are stored).

The holder's management secret is the token of the credential's claim link (issuer.store.claims).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from issuer.errors import (
    DuplicateError,
    NotFoundError,
    ShareLinkExpiredError,
    ShareLinkRevokedError,
)
from issuer.store.audit import write_audit  # noqa
from issuer.store.checks import check_aware, lookup_hash
from issuer.store.claims import ClaimRepository
from issuer.store.database import Database
from issuer.store.models import ShareLinkRow
from issuer.store.rows import insert_row, need_credential, share_link_value
from issuer.store.tokens import hash_token
from issuer.store.values import NewClaim, ShareLink
from vc.errors import RangeValueError


class SharingRepository:
    """Share links (counted views, expiry, revocation) and holder management secrets."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_share_link(
        self, credential_id: str, token: str, *, expires_at: datetime | None
    ) -> ShareLink:
        """A link opened by ``token`` (only its SHA-256 is stored); ``expires_at`` None = never.

        Raises RangeValueError when ``expires_at`` is not in the future, NotFoundError,
        DuplicateError when the token is already in use.
        """
        token_hash = hash_token(token)
        if expires_at is not None:
            check_aware(expires_at, "expires_at")

        def work(s: Session) -> ShareLink:
            need_credential(s, credential_id)
            now = self._db.now()
            if expires_at is not None and expires_at <= now:
                raise RangeValueError("expires_at is not in the future", pointer="/expires_at")
            if s.scalar(select(ShareLinkRow.id).where(ShareLinkRow.token_hash == token_hash)):
                raise DuplicateError("share token already in use")
            row = ShareLinkRow(
                credential_id=credential_id,
                token_hash=token_hash,
                expires_at=expires_at,
                revoked_at=None,
                view_count=0,
                last_viewed_at=None,
                created_at=now,
            )
            insert_row(s, row, lambda: DuplicateError("share token already in use"))
            return share_link_value(row)

        return self._db.write("creating a share link", work)

    def open_share_link(self, token: str) -> ShareLink:
        """Count a view of the link and return it (with the new count).

        Raises NotFoundError for an unknown token, ShareLinkRevokedError / ShareLinkExpiredError
        (410) for a dead link; those do not count a view.
        """
        token_hash = lookup_hash(token)

        def work(s: Session) -> ShareLink:
            row = s.scalars(
                select(ShareLinkRow).where(ShareLinkRow.token_hash == token_hash).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError("no such share link")
            now = self._db.now()
            state = share_link_value(row).state(now)
            if state == "revoked":
                raise ShareLinkRevokedError("this share link was revoked")
            if state == "expired":
                raise ShareLinkExpiredError("this share link has expired")
            s.execute(
                update(ShareLinkRow)
                .where(ShareLinkRow.id == row.id)
                .values(view_count=ShareLinkRow.view_count + 1, last_viewed_at=now)
                .execution_options(synchronize_session=False)
            )  # the increment happens in SQL: atomic whatever else holds the row
            s.refresh(row)
            return share_link_value(row)

        return self._db.write("opening a share link", work)

    def get_share_link(self, token: str) -> ShareLink:
        """The link for ``token`` whatever its state, without counting a view. NotFoundError."""
        token_hash = lookup_hash(token)

        def work(s: Session) -> ShareLink:
            row = s.scalars(
                select(ShareLinkRow).where(ShareLinkRow.token_hash == token_hash)
            ).first()
            if row is None:
                raise NotFoundError("no such share link")
            return share_link_value(row)

        return self._db.read("reading a share link", work)

    def revoke_share_link(self, link_id: int) -> ShareLink:
        """Revoke a link (idempotent: the first revocation time is kept). Raises NotFoundError."""

        def work(s: Session) -> ShareLink:
            row = s.get(ShareLinkRow, link_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no share link {link_id}")
            if row.revoked_at is None:
                row.revoked_at = self._db.now()
            return share_link_value(row)

        return self._db.write("revoking a share link", work)

    def list_share_links(self, credential_id: str) -> list[ShareLink]:
        query = (
            select(ShareLinkRow)
            .where(ShareLinkRow.credential_id == credential_id)
            .order_by(ShareLinkRow.id)
        )
        return self._db.read(
            "listing share links", lambda s: [share_link_value(r) for r in s.scalars(query)]
        )

    def set_holder_secret(
        self, credential_id: str, token: str, *, expires_at: datetime | None = None
    ) -> None:
        """Set (or replace) the holder's management token of a credential: its claim link
        (issuer.store.claims), the old one dead. NotFoundError."""
        ClaimRepository(self._db).create_links(
            [NewClaim(credential_id, token, expires_at=expires_at)]
        )

    def check_holder_secret(self, credential_id: str, token: str) -> None:
        """Return if ``token`` opens the credential's live claim link; else InvalidTokenError
        (401), or ClaimLinkReplacedError / ClaimLinkExpiredError (410) for a dead link."""
        ClaimRepository(self._db).check_link(credential_id, token)
