"""``Store``: the repositories of one issuer database, built over one engine and one clock.

Not a class that stores everything: it only hands out one repository per aggregate, each behind a
small interface (issuer.store.interfaces) and each method one transaction:

    store.issuers       issuers and signing keys                 (issuer.store.issuers)
    store.credentials   signed credentials, batch chunks         (issuer.store.credentials)
    store.status        status-index allocation, status lists    (issuer.store.status)
    store.batches       batches and their rows                   (issuer.store.batches)
    store.sharing       share links, holder secrets              (issuer.store.sharing)
    store.claims        claim links and their hand-over          (issuer.store.claims)
    store.outbox        the mail outbox                          (issuer.store.outbox)
    store.accounts      console users, API tokens                (issuer.store.accounts)
    store.audit         the append-only audit log                (issuer.store.audit)
    store.wallets       wallet hand-overs and nonces             (issuer.store.wallets)
"""

from __future__ import annotations

from sqlalchemy import Engine

from issuer.store.accounts import AccountRepository
from issuer.store.allocation import RandomSource
from issuer.store.audit import AuditRepository
from issuer.store.batches import BatchRepository
from issuer.store.claims import ClaimRepository
from issuer.store.credentials import CredentialRepository
from issuer.store.database import Database
from issuer.store.issuers import IssuerRepository
from issuer.store.models import DEFAULT_STATUS_LIST_LENGTH
from issuer.store.outbox import OutboxRepository
from issuer.store.sharing import SharingRepository
from issuer.store.status import StatusRepository
from issuer.store.wallets import WalletRepository
from vc.dates import Clock, utcnow


class Store:
    """The issuer database's repositories. Build it with ``issuer.store.open_store``.

    ``clock`` stamps every row (inject a fixed one in tests); ``rng``, ``status_list_length`` and
    ``fill_ratio`` configure status-index allocation (see StatusRepository).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = utcnow,
        rng: RandomSource | None = None,
        status_list_length: int = DEFAULT_STATUS_LIST_LENGTH,
        fill_ratio: float = 0.9,
    ) -> None:
        db = Database(engine, clock=clock)
        self.engine = engine
        self.status = StatusRepository(
            db, rng=rng, status_list_length=status_list_length, fill_ratio=fill_ratio
        )
        self.issuers = IssuerRepository(db)
        self.credentials = CredentialRepository(db)
        self.batches = BatchRepository(db)
        self.sharing = SharingRepository(db)
        self.claims = ClaimRepository(db)
        self.outbox = OutboxRepository(db)
        self.accounts = AccountRepository(db)
        self.audit = AuditRepository(db)
        self.wallets = WalletRepository(db)

    def close(self) -> None:
        """Close every pooled connection. The repositories must not be used afterwards."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
