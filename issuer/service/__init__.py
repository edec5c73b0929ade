"""The issuer service: issue, batch-issue, revoke and publish degree credentials for one issuer.

    IssuerService(store, keystore, config, *, clock, rng=None)   (open_service(config) builds one)

Parts (one module each): identity (init_identity, did_document, rotate_key, retire_key), issuing
(issue_degree, issue_credential, reset_management_token), batches (create_batch, run_batch,
batch_progress, batch_rows), status (set_status/revoke/suspend/reinstate, status_list_credential),
sharing (share links, QR), accounts (users, API tokens). Every mutating method writes an audit
entry (never a secret). Errors: vc.errors, issuer.errors, issuer.service.errors.

Deviations from and additions to the shared contract (/tmp/brief/issuer_contract.md):

1. ``issue_degree`` raises DuplicateCredentialError (409, detail names the existing credential)
   for a diploma number already issued; batches record such rows as "duplicate" instead.
2. Batch-issued credentials get no holder management secret at issue time (a secret shown to
   nobody is useless); ``reset_management_token(credential_id, actor=...) -> management URL``
   makes one on demand (also for single issues, to replace a lost link).
3. Batches do not write one audit entry per row: "batch.create" and "batch.done" (with counts)
   are audited, and every credential row carries its batch id, whose creator is recorded.
4. Batch sources are spooled (0600) in ``config.batch_spool_dir`` until the batch is done, so a
   batch killed midway resumes with ``run_batch(batch_id)`` from any process. Re-uploading an
   unfinished batch's file returns that batch. A JSON batch is a top-level array of inputs.
   Row errors are ``{"row": <CSV line or JSON index from 1>, "field": ..., "reason": ...}``.
5. ``issue_credential`` refuses a credential that already has ``credentialStatus`` or ``proof``
   (status is the issuer's business); VC 1.1 credentials get the status and data-integrity
   contexts appended so that the added terms are defined.
6. ``create_share_link(credential_id, *, management_token=None, actor=None, expires_at=None)``;
   ``revoke_share_link(credential_id, link_id, *, management_token=None, actor=None)``;
   ``list_share_links`` likewise; ``verifier_link(token)`` is what the QR codes encode.
7. ``init_identity(..., actor="system")``, ``create_user(..., actor=)``,
   ``create_api_token(..., actor=)`` take the acting user for the audit log; ``rotate_key``
   refuses a did:key issuer (ConflictError); ``retire_key`` refuses the active key.
8. Oversized uploads raise issuer.service.errors.UploadTooLargeError (a RangeValueError, 413).
9. ``authenticate`` raises InvalidTokenError (401) for a wrong username or password.
10. ``run_batch`` signs in spawned worker processes (config.sign_workers /
    DIPLOMAT_SIGN_WORKERS, default one per CPU) when 64 or more rows remain; the database work
    stays in the calling process. A failure other than a row error marks the batch "failed"
    (running it again resumes it) and is raised.
11. Credential ids are ``{public_base_url}/credentials/<uuid4>``; status lists live at
    ``{base}/status/<purpose>/<n>``; holder management at ``{base}/manage/<quoted id>?token=…``;
    share links at ``{base}/share/<token>``; the schema at
    ``{base}/schemas/degree-credential.schema.json``.
"""

from __future__ import annotations

from pathlib import Path

from issuer.config import IssuerConfig
from issuer.keystore import KeyStore
from issuer.service.accounts import AccountsMixin
from issuer.service.base import Clock
from issuer.service.batches import BatchFormat, BatchMixin, parse_source, row_errors
from issuer.service.errors import UploadTooLargeError
from issuer.service.identity import DidMethod, IdentityMixin
from issuer.service.issuing import IssuedDegree, Signer
from issuer.service.sharing import SharingMixin
from issuer.service.status import StatusMixin
from issuer.store import open_store, parse_url, utc_now
from issuer.store.allocation import RandomSource


class IssuerService(IdentityMixin, BatchMixin, StatusMixin, SharingMixin, AccountsMixin):
    """Everything a university's registrar does, over one store, key store and config."""

    def close(self) -> None:
        """Close the store's connections."""
        self.store.close()

    def __enter__(self) -> IssuerService:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_service(
    config: IssuerConfig, *, clock: Clock = utc_now, rng: RandomSource | None = None
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
    "BatchFormat",
    "DidMethod",
    "IssuedDegree",
    "IssuerConfig",
    "IssuerService",
    "KeyStore",
    "Signer",
    "UploadTooLargeError",
    "open_service",
    "parse_source",
    "row_errors",
]
