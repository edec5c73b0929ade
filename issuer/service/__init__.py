"""The issuer service: issue, batch-issue, revoke and publish degree credentials for one issuer.

    IssuerService(store, keystore, config, *, clock, rng=None)   (open_service(config) builds one)

IssuerService is a composition, not a stack of mixins: each part is a small service given the
repositories it uses (issuer.store.interfaces) and the shared IssuerContext (issuer.service.base):

    service.identity   init_identity, did_document, list_keys, rotate_key, retire_key
    service.issuing    issue_degree, issue_credential, get_credential, credential_document,
                       reset_management_token
    service.claims     new_link, link_batch, take_batch_links, renew_batch_links, open_claim
    service.mail       send_due, compose, write_messages (the outbox; issuer.service.mail)
    service.batches    create_batch, run_batch, get_batch, batch_progress, batch_rows
    service.status     set_status, revoke, suspend, reinstate, status_list_credential
    service.sharing    create_share_link, list_share_links, revoke_share_link, open_share, QR codes
    service.accounts   create_user, authenticate, create_api_token, authenticate_token, ...
    service.wallets    reissue to a wallet's DID, the VC-API exchange (issuer.service.wallets)
    service.oid4vci    OpenID4VCI offers, token, nonce, credential (issuer.service.oid4vci)
    service.context    now(), issuer(), issuer_profile(), active_key(), the URLs, audit()

Every mutating method writes an audit entry (never a secret). Errors: vc.errors, issuer.errors,
issuer.service.errors.

Behaviour worth knowing:

1. ``issuing.issue_degree`` raises DuplicateCredentialError (409, detail names the existing
   credential) for a diploma number already issued; batches record such rows as "duplicate".
2. Every credential gets a claim link when it is issued (single, batch, CSV, API): the
   graduate's private page, stored hashed, expiring, replaceable (issuer.service.claims). A
   batch's links are handed to the registrar once; ``claims.new_link`` replaces a lost one.
3. Batches do not write one audit entry per row: "batch.create" and "batch.done" (with counts)
   are audited, and every credential row carries its batch id, whose creator is recorded.
4. Batch sources are spooled (0600) in ``config.batch_spool_dir`` until the batch is done, so a
   batch killed midway resumes with ``run_batch(batch_id)`` from any process. Re-uploading an
   unfinished batch's file returns that batch. A JSON batch is a top-level array of inputs.
   Row errors are ``{"row": <CSV line or JSON index from 1>, "field": ..., "reason": ...}``.
5. ``issue_credential`` refuses a credential that already has ``credentialStatus`` or ``proof``
   (status is the issuer's business); VC 1.1 credentials get the status and data-integrity
   contexts appended so that the added terms are defined.
6. ``run_batch`` signs in spawned worker processes (config.sign_workers /
   DIPLOMAT_SIGN_WORKERS, default one per CPU) when 64 or more rows remain; the database work
   stays in the calling process. A failure other than a row error marks the batch "failed"
   (running it again resumes it) and is raised.
7. Credential ids are ``{public_base_url}/credentials/<uuid4>``; status lists live at
   ``{base}/status/<purpose>/<n>``; holder management at ``{base}/manage/<quoted id>?token=…``;
   share links at ``{base}/share/<token>``; the schema at
   ``{base}/schemas/degree-credential.schema.json``.
"""

from __future__ import annotations

from pathlib import Path

from issuer.config import IssuerConfig
from issuer.keystore import KeyStore
from issuer.service.accounts import AccountService
from issuer.service.base import IssuerContext
from issuer.service.batches import BatchFormat, BatchService, parse_source, row_errors
from issuer.service.claims import ClaimExport, ClaimService, IssuedClaim
from issuer.service.errors import UploadTooLargeError
from issuer.service.identity import DidMethod, IdentityService
from issuer.service.issuing import IssuedDegree, IssuingService
from issuer.service.mail import MailReport, MailService
from issuer.service.oid4vci import Oid4vciService, TxCodeNotifier
from issuer.service.sharing import SharingService
from issuer.service.status import StatusService
from issuer.service.txcodemail import MailedTxCodes
from issuer.service.wallets import WalletService
from issuer.signing import Signer
from issuer.store import Store, open_store, parse_url
from issuer.store.allocation import RandomSource
from vc.dates import Clock, utcnow


class IssuerService:
    """Everything a university's registrar does, over one store, key store and config: the
    parts below, each built with only the repositories it needs."""

    def __init__(
        self,
        store: Store,
        keystore: KeyStore,
        config: IssuerConfig,
        *,
        clock: Clock,
        rng: RandomSource | None = None,
        tx_code_notifier: TxCodeNotifier | None = None,
    ) -> None:
        self.store = store
        self.keystore = keystore
        self.config = config
        self.context = IssuerContext(
            store.issuers, store.audit, keystore, config, clock=clock, rng=rng
        )
        ctx = self.context
        self.identity = IdentityService(ctx, store.issuers)
        self.claims = ClaimService(ctx, store.credentials, store.claims, store.batches)
        self.issuing = IssuingService(
            ctx, store.credentials, store.status, store.sharing, self.claims
        )
        self.batches = BatchService(
            ctx, self.issuing, store.credentials, store.batches, self.claims
        )
        self.mail = MailService(ctx, store.credentials, store.claims, store.outbox)
        self.status = StatusService(ctx, store.credentials, store.status, store.issuers)
        self.sharing = SharingService(ctx, store.credentials, store.sharing)
        self.accounts = AccountService(ctx, store.accounts)
        self.wallets = WalletService(
            ctx, self.issuing, store.credentials, store.sharing, store.wallets
        )
        if tx_code_notifier is None and config.mail_enabled:
            tx_code_notifier = MailedTxCodes(ctx, self.mail, store.claims)
        self.oid4vci = Oid4vciService(
            ctx,
            self.wallets,
            store.wallets,
            secret_key=config.ensure_secret_key,
            notifier=tx_code_notifier,
        )

    def close(self) -> None:
        """Close the store's connections."""
        self.store.close()

    def __enter__(self) -> IssuerService:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_service(
    config: IssuerConfig, *, clock: Clock = utcnow, rng: RandomSource | None = None
) -> IssuerService:
    """Open (and migrate) the configured database and build the service over it.

    Creates the parent directory of a SQLite file. Raises StoreUnavailableError / StoreError.
    """
    url = parse_url(config.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    store = open_store(config.database_url, clock=clock)
    keystore = KeyStore(config.keys_dir, config.key_passphrase)
    return IssuerService(store, keystore, config, clock=clock, rng=rng)


__all__ = [
    "AccountService",
    "BatchFormat",
    "BatchService",
    "ClaimExport",
    "ClaimService",
    "DidMethod",
    "IdentityService",
    "IssuedClaim",
    "IssuedDegree",
    "IssuerConfig",
    "IssuerContext",
    "IssuerService",
    "IssuingService",
    "KeyStore",
    "MailReport",
    "MailService",
    "Oid4vciService",
    "SharingService",
    "Signer",
    "StatusService",
    "TxCodeNotifier",
    "UploadTooLargeError",
    "WalletService",
    "open_service",
    "parse_source",
    "row_errors",
]
