"""Share links for holders (token in the URL, only its hash stored) and their QR codes."""

from __future__ import annotations

import io
import secrets
import urllib.parse
from datetime import datetime

import qrcode
import qrcode.image.svg

from issuer.errors import NotFoundError, ShareLinkExpiredError, ShareLinkRevokedError
from issuer.service.base import IssuerContext
from issuer.store import Credential, ShareLink
from issuer.store.interfaces import Credentials, Sharing
from vc.errors import MalformedValueError

SHARE_TOKEN_BYTES = 24  # 192 bits; token_urlsafe(24) is 32 characters


class SharingService:
    """create_share_link, revoke_share_link, open_share, share QR codes."""

    def __init__(self, ctx: IssuerContext, credentials: Credentials, sharing: Sharing) -> None:
        self._ctx = ctx
        self._credentials = credentials
        self._sharing = sharing

    def _authorise(
        self, credential_id: str, management_token: str | None, actor: str | None
    ) -> tuple[Credential, str]:
        """The credential, if the holder's token or a staff actor may act on it; and who acts."""
        credential = self._credentials.get_credential(credential_id)
        if credential.issuer_id != self._ctx.issuer().id:
            raise NotFoundError(f"no credential {credential_id}")
        if management_token is not None:
            self._sharing.check_holder_secret(credential_id, management_token)
            return credential, "holder"
        if actor:
            return credential, actor
        raise MalformedValueError("a management token or an authenticated actor is required")

    def create_share_link(
        self,
        credential_id: str,
        *,
        management_token: str | None = None,
        actor: str | None = None,
        expires_at: datetime | None = None,
    ) -> tuple[ShareLink, str, str]:
        """A new share link: (link, token, share URL). The token is shown only now.

        Raises InvalidTokenError (wrong management token), NotFoundError, RangeValueError for an
        ``expires_at`` not in the future.
        """
        _, who = self._authorise(credential_id, management_token, actor)
        token = secrets.token_urlsafe(SHARE_TOKEN_BYTES)
        link = self._sharing.create_share_link(credential_id, token, expires_at=expires_at)
        self._ctx.audit(
            who,
            "share.create",
            credential_id,
            {"link_id": link.id, "expires_at": expires_at.isoformat() if expires_at else None},
        )
        return link, token, self._ctx.share_url(token)

    def list_share_links(
        self,
        credential_id: str,
        *,
        management_token: str | None = None,
        actor: str | None = None,
    ) -> list[ShareLink]:
        """The credential's links (with view counts). Same authorisation as creating one."""
        self._authorise(credential_id, management_token, actor)
        return self._sharing.list_share_links(credential_id)

    def revoke_share_link(
        self,
        credential_id: str,
        link_id: int,
        *,
        management_token: str | None = None,
        actor: str | None = None,
    ) -> ShareLink:
        """Revoke one of the credential's links (idempotent). Raises NotFoundError."""
        _, who = self._authorise(credential_id, management_token, actor)
        if link_id not in {link.id for link in self._sharing.list_share_links(credential_id)}:
            raise NotFoundError(f"no share link {link_id} for this credential")
        link = self._sharing.revoke_share_link(link_id)
        self._ctx.audit(who, "share.revoke", credential_id, {"link_id": link_id})
        return link

    def open_share(self, token: str) -> Credential:
        """The shared credential, counting a view. Raises NotFoundError (404) for an unknown
        token, ShareLinkExpiredError / ShareLinkRevokedError (410) for a dead link."""
        link = self._sharing.open_share_link(token)
        return self._credentials.get_credential(link.credential_id)

    def verifier_link(self, token: str) -> str:
        """The verifier URL a QR code encodes: <verifier_url>?url=<share URL, percent-encoded>."""
        self._live_link(token)
        quoted = urllib.parse.quote(self._ctx.share_url(token), safe="")
        return f"{self._ctx.config.verifier_url}?url={quoted}"

    def share_qr_png(self, token: str) -> bytes:
        """A PNG QR code of ``verifier_link(token)``. Same errors as ``open_share``."""
        image = qrcode.make(self.verifier_link(token), border=2)
        buffer = io.BytesIO()
        image.save(buffer)
        return buffer.getvalue()

    def share_qr_svg(self, token: str) -> bytes:
        """An SVG QR code of ``verifier_link(token)``. Same errors as ``open_share``."""
        image = qrcode.make(
            self.verifier_link(token), image_factory=qrcode.image.svg.SvgPathImage, border=2
        )
        buffer = io.BytesIO()
        image.save(buffer)
        return buffer.getvalue()

    def _live_link(self, token: str) -> ShareLink:
        link = self._sharing.get_share_link(token)
        state = link.state(self._ctx.now())
        if state == "revoked":
            raise ShareLinkRevokedError("this share link was revoked")
        if state == "expired":
            raise ShareLinkExpiredError("this share link has expired")
        return link
