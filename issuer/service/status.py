"""Revoking, suspending and reinstating, and the signed Bitstring status list credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from issuer.errors import NotFoundError, StaleStatusListError
from issuer.service.base import IssuerContext
from issuer.service.identity import SUITE_FOR_KEY
from issuer.service.statusmessages import MessageLists
from issuer.store import StatusChange, StatusList, StatusPurpose
from issuer.store.interfaces import Credentials, Issuers, StatusLists
from vc import strictjson
from vc.errors import MalformedValueError
from vc.proofs import sign
from vc.status import Bitstring, status_list_credential

_SIGN_ATTEMPTS = 5


class StatusService:
    """set_status, status_list_credential."""

    def __init__(
        self, ctx: IssuerContext, credentials: Credentials, status: StatusLists, issuers: Issuers
    ) -> None:
        self._ctx = ctx
        self._credentials = credentials
        self._status = status
        self._issuers = issuers
        self.messages = MessageLists(ctx, status)

    def set_status(
        self,
        credential_id: str,
        purpose: str,
        value: bool,
        reason: str,
        *,
        actor: str,
        public_note: str | None = None,
    ) -> StatusChange:
        """Set or clear a credential's revocation or suspension bit (audited by the store).

        ``reason`` is private (the audit log and the console); ``public_note``, when given
        ("" clears it), is what the public share page shows.

        Revocation is final: clearing it raises IrreversibleStatusError (409). The status list
        is re-signed when it is next served. Raises NotFoundError for an unknown credential or
        one of another issuer, MalformedValueError for an unknown purpose or a missing reason.
        """
        if purpose not in ("revocation", "suspension"):
            raise MalformedValueError("purpose must be 'revocation' or 'suspension'")
        if not isinstance(reason, str) or not reason.strip():
            raise MalformedValueError("a reason is required", pointer="/reason")
        credential = self._credentials.get_credential(credential_id)
        if credential.issuer_id != self._ctx.issuer().id:
            raise NotFoundError(f"no credential {credential_id}")
        change = self._status.set_status(
            credential_id,
            "revocation" if purpose == "revocation" else "suspension",
            value,
            reason.strip()[:1000],
            actor,
        )
        if public_note is not None:
            note = public_note.strip()[:1000] or None
            self._credentials.set_public_note(credential_id, note)
            self._ctx.audit(actor, "credential.public_note", credential_id, {"note": note})
        return change

    def revoke(self, credential_id: str, reason: str, *, actor: str) -> StatusChange:
        return self.set_status(credential_id, "revocation", True, reason, actor=actor)

    def suspend(self, credential_id: str, reason: str, *, actor: str) -> StatusChange:
        return self.set_status(credential_id, "suspension", True, reason, actor=actor)

    def reinstate(self, credential_id: str, reason: str, *, actor: str) -> StatusChange:
        return self.set_status(credential_id, "suspension", False, reason, actor=actor)

    def status_list_credential(
        self, purpose: str, list_number: int
    ) -> tuple[dict[str, Any], str, datetime]:
        """The signed BitstringStatusListCredential served at /status/<purpose>/<number>.

        Returns (document, strong ETag, last modified). Re-signed only when a bit changed since
        the stored copy, or when the key that signed that copy was retired. Raises
        NotFoundError for an unknown list or purpose. The ``message`` lists are derived from the
        other two (issuer.service.statusmessages) and exist only when DIPLOMAT_STATUS_MESSAGES
        is on.
        """
        if purpose == "message" and isinstance(list_number, int) and list_number >= 0:
            return self.messages.credential(list_number)
        if purpose not in ("revocation", "suspension"):
            raise NotFoundError(f"no {purpose!r} status lists")
        if isinstance(list_number, bool) or not isinstance(list_number, int) or list_number < 0:
            raise NotFoundError(f"no status list {list_number!r}")
        issuer = self._ctx.issuer()
        typed: StatusPurpose = "revocation" if purpose == "revocation" else "suspension"
        listed = self._status.get_status_list_by_number(issuer.id, typed, list_number)
        for _ in range(_SIGN_ATTEMPTS):
            if listed.credential_json is not None and not self._must_resign(listed):
                break
            try:
                listed = self._sign_list(listed.id)
            except StaleStatusListError:
                listed = self._status.get_status_list(listed.id)  # a bit changed: sign again
        if listed.credential_json is None or listed.etag is None:
            raise StaleStatusListError("the status list kept changing while it was signed")
        document = strictjson.loads_object(listed.credential_json, "status list credential")
        return document, listed.etag, listed.updated_at

    def _must_resign(self, listed: StatusList) -> bool:
        if listed.needs_signing or listed.credential_json is None:
            return True
        signed = strictjson.loads_object(listed.credential_json, "status list credential")
        proof = signed.get("proof")
        vm = proof.get("verificationMethod") if isinstance(proof, dict) else None
        usable = {
            k.key_id
            for k in self._issuers.list_signing_keys(self._ctx.issuer().id)
            if k.status in ("active", "rotated")
        }
        return vm not in usable

    def _sign_list(self, list_id: int) -> StatusList:
        listed, raw = self._status.status_snapshot(list_id)
        record, key = self._ctx.active_key()
        issuer = self._ctx.issuer()
        now = self._ctx.now()
        unsigned = status_list_credential(
            list_id=self._ctx.status_list_url(listed.purpose, listed.list_number),
            issuer=issuer.did,
            purpose=listed.purpose,
            bitstring=Bitstring(raw),
            valid_from=now,
            ttl_ms=self._ctx.config.status_list_ttl * 1000,
        )
        signed = sign(
            unsigned,
            key,
            verification_method=record.key_id,
            created=now,
            suite=SUITE_FOR_KEY[record.key_type],
        )
        return self._status.save_signed_status_list(
            list_id, strictjson.dumps(signed), listed.version
        )
