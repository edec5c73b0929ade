"""Wallet hand-overs (VC-API exchanges, OpenID4VCI offers) and c_nonces: only hashes are stored.

Every step that spends a secret is one transaction that checks and spends it together, so two
wallets racing with the same code, exchange or nonce cannot both succeed. Steps that a wallet
can get wrong return an ``Outcome`` rather than raise, so that what the step must still record
(a failed transaction-code attempt) is committed, not rolled back with the exception.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from issuer.errors import DuplicateError, NotFoundError
from issuer.store.checks import check_aware, lookup_hash
from issuer.store.database import Database
from issuer.store.models import WalletGrantRow, WalletNonceRow
from issuer.store.rows import insert_row, need_credential
from issuer.store.tokens import hash_token
from vc.errors import MalformedValueError

PROTOCOLS = ("vc-api", "oid4vci")
# Spent nonces are kept this long after they expire (a replay is then "used", not "unknown").
NONCE_KEEP = timedelta(days=1)


class Outcome(StrEnum):
    """What became of a presented secret."""

    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    TX_CODE_MISSING = "tx_code_missing"
    TX_CODE_WRONG = "tx_code_wrong"


@dataclass(frozen=True)
class WalletGrant:
    """One hand-over of one credential to a wallet (no secret in it, only its state)."""

    id: int
    credential_id: str
    protocol: str
    challenge: str | None
    has_tx_code: bool
    created_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None
    token_expires_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class Spent:
    """The outcome of spending a secret, and the grant it belongs to when there is one."""

    outcome: Outcome
    grant: WalletGrant | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


def _value(row: WalletGrantRow) -> WalletGrant:
    return WalletGrant(
        id=row.id,
        credential_id=row.credential_id,
        protocol=row.protocol,
        challenge=row.challenge,
        has_tx_code=row.tx_code_hash is not None,
        created_at=row.created_at,
        expires_at=row.expires_at,
        redeemed_at=row.redeemed_at,
        token_expires_at=row.token_expires_at,
        completed_at=row.completed_at,
    )


def _equal(stored: str | None, presented: str) -> bool:
    return stored is not None and hmac.compare_digest(stored, presented)


class WalletRepository:
    """Grants (create, look up by handle, redeem a code, open an access token, complete) and
    nonces (issue, spend)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_grant(
        self,
        credential_id: str,
        protocol: str,
        handle: str,
        *,
        expires_at: datetime,
        challenge: str | None = None,
        code: str | None = None,
        tx_code: str | None = None,
    ) -> WalletGrant:
        """A grant opened by ``handle`` (the exchange id or the offer id); ``code`` is the
        pre-authorised code and ``tx_code`` the transaction code of an OpenID4VCI offer.

        Raises NotFoundError (unknown credential), DuplicateError, MalformedValueError.
        """
        if protocol not in PROTOCOLS:
            raise MalformedValueError(f"unknown wallet protocol {protocol!r}")
        check_aware(expires_at, "expires_at")
        handle_hash = hash_token(handle)
        code_hash = hash_token(code) if code is not None else None
        if tx_code is not None and code is None:
            raise MalformedValueError("a transaction code belongs to a pre-authorised code")
        # A transaction code is short (digits): peppered with its pre-authorised code, so that
        # its hash is worth nothing without the code it goes with.
        tx_hash = _tx_hash(code, tx_code) if code is not None and tx_code is not None else None

        def work(s: Session) -> WalletGrant:
            need_credential(s, credential_id)
            row = WalletGrantRow(
                credential_id=credential_id,
                protocol=protocol,
                handle_hash=handle_hash,
                code_hash=code_hash,
                challenge=challenge,
                tx_code_hash=tx_hash,
                tx_code_failures=0,
                access_token_hash=None,
                created_at=self._db.now(),
                expires_at=expires_at,
                redeemed_at=None,
                token_expires_at=None,
                completed_at=None,
            )
            insert_row(s, row, lambda: DuplicateError("wallet grant secret already in use"))
            return _value(row)

        return self._db.write("creating a wallet grant", work)

    def get_grant(self, handle: str) -> WalletGrant:
        """The grant opened by ``handle``, whatever its state. Raises NotFoundError."""
        handle_hash = lookup_hash(handle)

        def work(s: Session) -> WalletGrant:
            row = s.scalars(
                select(WalletGrantRow).where(WalletGrantRow.handle_hash == handle_hash)
            ).first()
            if row is None:
                raise NotFoundError("no such wallet exchange or offer")
            return _value(row)

        return self._db.read("reading a wallet grant", work)

    def complete_grant(self, handle: str) -> Spent:
        """Spend a VC-API exchange: OK once, while it has not expired; USED after that."""
        handle_hash = lookup_hash(handle)

        def work(s: Session) -> Spent:
            row = s.scalars(
                select(WalletGrantRow)
                .where(WalletGrantRow.handle_hash == handle_hash)
                .with_for_update()
            ).first()
            if row is None:
                return Spent(Outcome.UNKNOWN)
            return self._complete(s, row, row.expires_at)

        return self._db.write("completing a wallet exchange", work)

    def _complete(self, s: Session, row: WalletGrantRow, until: datetime | None) -> Spent:
        now = self._db.now()
        if row.completed_at is not None:
            return Spent(Outcome.USED, _value(row))
        if until is None or until <= now:
            return Spent(Outcome.EXPIRED, _value(row))
        done = s.execute(
            update(WalletGrantRow)
            .where(WalletGrantRow.id == row.id, WalletGrantRow.completed_at.is_(None))
            .values(completed_at=now)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
            return Spent(Outcome.USED, _value(row))
        s.refresh(row)
        return Spent(Outcome.OK, _value(row))

    def redeem_code(
        self,
        code: str,
        tx_code: str | None,
        *,
        access_token: str,
        token_expires_at: datetime,
        max_tx_failures: int,
    ) -> Spent:
        """Exchange a pre-authorised code (and its transaction code) for ``access_token``.

        The code is spent on success. A wrong transaction code counts a failure, and the
        ``max_tx_failures``-th one kills the code (guessing a short code is thereby bounded).
        """
        code_hash = lookup_hash(code)
        token_hash = hash_token(access_token)
        check_aware(token_expires_at, "token_expires_at")

        def work(s: Session) -> Spent:
            row = s.scalars(
                select(WalletGrantRow)
                .where(WalletGrantRow.code_hash == code_hash)
                .with_for_update()
            ).first()
            if row is None:
                return Spent(Outcome.UNKNOWN)
            now = self._db.now()
            if row.redeemed_at is not None:
                return Spent(Outcome.USED, _value(row))
            if row.expires_at <= now:
                return Spent(Outcome.EXPIRED, _value(row))
            if row.tx_code_hash is not None:
                if tx_code is None:
                    return Spent(Outcome.TX_CODE_MISSING, _value(row))
                if not _equal(row.tx_code_hash, _tx_hash(code, tx_code)):
                    row.tx_code_failures += 1
                    if row.tx_code_failures >= max_tx_failures:
                        row.expires_at = now
                    return Spent(Outcome.TX_CODE_WRONG, _value(row))
            done = s.execute(
                update(WalletGrantRow)
                .where(WalletGrantRow.id == row.id, WalletGrantRow.redeemed_at.is_(None))
                .values(
                    redeemed_at=now,
                    access_token_hash=token_hash,
                    token_expires_at=token_expires_at,
                )
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
                return Spent(Outcome.USED, _value(row))
            s.refresh(row)
            return Spent(Outcome.OK, _value(row))

        return self._db.write("redeeming a pre-authorised code", work)

    def spend_access_token(self, access_token: str) -> Spent:
        """Spend an access token on its one credential: OK once, before it expires."""
        token_hash = lookup_hash(access_token)

        def work(s: Session) -> Spent:
            row = s.scalars(
                select(WalletGrantRow)
                .where(WalletGrantRow.access_token_hash == token_hash)
                .with_for_update()
            ).first()
            if row is None:
                return Spent(Outcome.UNKNOWN)
            return self._complete(s, row, row.token_expires_at)

        return self._db.write("spending an access token", work)

    def peek_access_token(self, access_token: str) -> Spent:
        """What ``spend_access_token`` would say, without spending it."""
        token_hash = lookup_hash(access_token)

        def work(s: Session) -> Spent:
            row = s.scalars(
                select(WalletGrantRow).where(WalletGrantRow.access_token_hash == token_hash)
            ).first()
            if row is None:
                return Spent(Outcome.UNKNOWN)
            if row.completed_at is not None:
                return Spent(Outcome.USED, _value(row))
            until = row.token_expires_at
            if until is None or until <= self._db.now():
                return Spent(Outcome.EXPIRED, _value(row))
            return Spent(Outcome.OK, _value(row))

        return self._db.read("reading an access token", work)

    def issue_nonce(self, nonce: str, *, expires_at: datetime) -> None:
        """Record a fresh c_nonce; nonces expired for longer than NONCE_KEEP are dropped."""
        nonce_hash = hash_token(nonce)
        check_aware(expires_at, "expires_at")

        def work(s: Session) -> None:
            now = self._db.now()
            s.execute(delete(WalletNonceRow).where(WalletNonceRow.expires_at < now - NONCE_KEEP))
            row = WalletNonceRow(
                nonce_hash=nonce_hash, created_at=now, expires_at=expires_at, used_at=None
            )
            insert_row(s, row, lambda: DuplicateError("nonce already issued"))

        self._db.write("issuing a nonce", work)

    def spend_nonce(self, nonce: str) -> Outcome:
        """Spend a c_nonce: OK once, before it expires."""
        nonce_hash = lookup_hash(nonce)

        def work(s: Session) -> Outcome:
            row = s.get(WalletNonceRow, nonce_hash, with_for_update=True)
            if row is None:
                return Outcome.UNKNOWN
            now = self._db.now()
            if row.used_at is not None:
                return Outcome.USED
            if row.expires_at <= now:
                return Outcome.EXPIRED
            done = s.execute(
                update(WalletNonceRow)
                .where(WalletNonceRow.nonce_hash == nonce_hash, WalletNonceRow.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
                return Outcome.USED
            return Outcome.OK

        return self._db.write("spending a nonce", work)


def _tx_hash(code: str, tx_code: str) -> str:
    return lookup_hash(code + ":" + tx_code)
