"""Claim links: every credential gets one (the graduate's private page), handed out once.

A claim link is ``{base}/claim/<token>``: the token (256 bits) is stored only as its SHA-256; it
expires after config.claim_link_days; making a new one kills the old (410 "replaced"). The same
token opens the older management address ``/manage/<id>?token=…``. A batch's tokens wait in the
store until the registrar takes them (console CSV, ``POST /api/batches/<id>/claim-links``,
``diplomat issue --links-out``), exactly once; when SMTP is configured, each graduate with an
e-mail address also gets a message queued with the link in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from issuer.degree import DegreeInput
from issuer.errors import ConflictError, NotFoundError
from issuer.service.base import IssuerContext
from issuer.store import ClaimLink, Credential, NewClaim, PendingClaim, new_token
from issuer.store.interfaces import Batches, Claims, Credentials


@dataclass(frozen=True)
class IssuedClaim:
    """A claim link just made: the link, its URL (the secret, shown once) and expiry."""

    link: ClaimLink
    url: str
    token: str


@dataclass(frozen=True)
class ClaimExport:
    """One row of a batch's links as handed to the registrar."""

    row_number: int | None
    student_number: str | None
    name: str
    email: str | None
    diploma_number: str
    credential_id: str
    claim_url: str
    expires_at: datetime | None


EXPORT_COLUMNS = (
    "row",
    "student_number",
    "name",
    "email",
    "diploma_number",
    "credential_id",
    "claim_url",
    "expires_at",
)


class ClaimService:
    """new_link, link_batch, take_batch_links, renew_batch_links, open_claim."""

    def __init__(
        self, ctx: IssuerContext, credentials: Credentials, claims: Claims, batches: Batches
    ) -> None:
        self._ctx = ctx
        self._credentials = credentials
        self._claims = claims
        self._batches = batches

    def claim_url(self, token: str) -> str:
        return self._ctx.url(f"/claim/{token}")

    def expiry(self) -> datetime:
        return self._ctx.now() + timedelta(days=self._ctx.config.claim_link_days)

    def _mail_url(self, email: str | None, url: str, send_mail: bool) -> str | None:
        return url if send_mail and email and self._ctx.config.mail_enabled else None

    def new_link(
        self,
        credential_id: str,
        *,
        actor: str,
        email: str | None = None,
        send_mail: bool = True,
        audit: bool = True,
    ) -> IssuedClaim:
        """A new claim link for the credential (the old one stops working); with ``email`` and
        SMTP configured, a message is queued. Raises NotFoundError."""
        credential = self._own(credential_id)
        if email is None:
            earlier = self._claims.list_links(credential_id)
            email = earlier[-1].email if earlier else None
        token = new_token()
        url = self.claim_url(token)
        claim = NewClaim(
            credential.id,
            token,
            self.expiry(),
            email=email,
            mail_url=self._mail_url(email, url, send_mail),
        )
        link = self._claims.create_links([claim])[0]
        if audit:
            self._ctx.audit(
                actor,
                "claim.create",
                credential_id,
                {"link_id": link.id, "mailed": claim.mail_url is not None},
            )
        return IssuedClaim(link, url, token)

    def link_batch(
        self, batch_id: int, issued: Sequence[tuple[int, str, DegreeInput]], *, send_mail: bool
    ) -> int:
        """A pending claim link for each issued row (row number, credential id, input) that has
        none of this batch yet (safe to repeat after a crash). Returns how many were made."""
        expires = self.expiry()
        claims: list[NewClaim] = []
        for row_number, credential_id, item in issued:
            token = new_token()
            url = self.claim_url(token)
            claims.append(
                NewClaim(
                    credential_id,
                    token,
                    expires,
                    email=item.email,
                    batch_id=batch_id,
                    row_number=row_number,
                    pending=True,
                    mail_url=self._mail_url(item.email, url, send_mail),
                )
            )
        made = self._claims.create_links(claims, resume=True) if claims else []
        return len(made)

    def take_batch_links(self, batch_id: int, *, actor: str) -> list[ClaimExport]:
        """The batch's claim links not handed out yet, forgotten as they are returned.

        Raises ConflictError (409) until the batch is done, ClaimLinksTakenError (410) when
        they were taken before, NotFoundError.
        """
        self._finished(batch_id)
        pending = self._claims.pending_links(batch_id, take=True)
        self._ctx.audit(actor, "batch.claim_links", f"batch:{batch_id}", {"links": len(pending)})
        return [self._export(p) for p in pending]

    def peek_batch_links(self, batch_id: int) -> list[ClaimExport]:
        """The batch's pending links without handing them out (``--dry-run-mail``)."""
        self._own_batch(batch_id)
        return [self._export(p) for p in self._claims.pending_links(batch_id, take=False)]

    def renew_batch_links(self, batch_id: int, *, actor: str, send_mail: bool = False) -> int:
        """New pending links for every row of the batch that has one (the old ones stop
        working): for a lost export. Returns how many were made."""
        self._finished(batch_id)
        expires = self.expiry()
        claims: list[NewClaim] = []
        for old in self._claims.batch_links(batch_id):
            token = new_token()
            url = self.claim_url(token)
            claims.append(
                NewClaim(
                    old.credential_id,
                    token,
                    expires,
                    email=old.email,
                    batch_id=batch_id,
                    row_number=old.row_number,
                    pending=True,
                    mail_url=self._mail_url(old.email, url, send_mail),
                )
            )
        made = self._claims.create_links(claims) if claims else []
        self._ctx.audit(
            actor, "batch.claim_links_renewed", f"batch:{batch_id}", {"links": len(made)}
        )
        return len(made)

    def open_claim(self, token: str) -> tuple[Credential, ClaimLink]:
        """The credential a claim link opens. Raises NotFoundError (404),
        ClaimLinkReplacedError / ClaimLinkExpiredError (410)."""
        link = self._claims.open_link(token)
        return self._own(link.credential_id), link

    def live_link(self, credential_id: str) -> ClaimLink | None:
        """The credential's newest link that is not replaced (it may have expired)."""
        links = [
            link for link in self._claims.list_links(credential_id) if link.replaced_at is None
        ]
        return links[-1] if links else None

    def _export(self, pending: PendingClaim) -> ClaimExport:
        link = pending.link
        return ClaimExport(
            link.row_number,
            pending.student_number,
            pending.subject_name,
            link.email,
            pending.diploma_number,
            link.credential_id,
            self.claim_url(pending.token),
            link.expires_at,
        )

    def _own(self, credential_id: str) -> Credential:
        credential = self._credentials.get_credential(credential_id)
        if credential.issuer_id != self._ctx.issuer().id:
            raise NotFoundError(f"no credential {credential_id}")
        return credential

    def _own_batch(self, batch_id: int) -> None:
        if self._batches.get_batch(batch_id).issuer_id != self._ctx.issuer().id:
            raise NotFoundError(f"no batch {batch_id}")

    def _finished(self, batch_id: int) -> None:
        self._own_batch(batch_id)
        state = self._batches.get_batch(batch_id).state
        if state != "done":
            raise ConflictError(
                f"batch {batch_id} is {state}: its claim links are ready when it is done"
            )


__all__ = ["EXPORT_COLUMNS", "ClaimExport", "ClaimService", "IssuedClaim"]
