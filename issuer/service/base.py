"""What every part of the issuer service shares: config, keys, clock, the issuer, URLs, the audit log."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from issuer.config import IssuerConfig
from issuer.degree import IssuerProfile
from issuer.errors import ConflictError, NotFoundError
from issuer.keystore import KeyStore
from issuer.store import Issuer, SigningKey
from issuer.store.allocation import RandomSource
from issuer.store.interfaces import AuditLog, Issuers
from vc.dates import Clock
from vc.errors import MalformedValueError
from vc.extracontexts import loader_with_extra_contexts
from vc.jsonld import StaticDocumentLoader
from vc.keys import KeyPair

# Credential schema served by the issuer (VC 2.0 §5.4 credentialSchema); the web layer serves
# schemas/degree-credential.schema.json at this path.
SCHEMA_PATH = "/schemas/degree-credential.schema.json"


class IssuerContext:
    """The context each issuer service is given (not a base class): the configuration, the key
    store, the clock and randomness, the one configured issuer and its active key, the URLs the
    service emits, and the audit log."""

    def __init__(
        self,
        issuers: Issuers,
        audit_log: AuditLog,
        keystore: KeyStore,
        config: IssuerConfig,
        *,
        clock: Clock,
        rng: RandomSource | None = None,
    ) -> None:
        self._issuers = issuers
        self._audit_log = audit_log
        self.keystore = keystore
        self.config = config
        self.clock = clock
        self.rng: RandomSource = rng if rng is not None else secrets.SystemRandom()
        self._issuer: Issuer | None = None
        # The offline JSON-LD loader: vendored contexts plus the operator's pinned ones, checked
        # now so that a changed context file stops the service at start-up (vc.contexts).
        self.loader: StaticDocumentLoader = loader_with_extra_contexts(config.extra_contexts_dir)

    # ------------------------------------------------------------------ time and URLs

    def now(self) -> datetime:
        """The injected clock, checked to be time-zone aware."""
        moment = self.clock()
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise MalformedValueError("the service clock must return aware datetimes")
        return moment

    @property
    def base_url(self) -> str:
        """config.public_base_url without a trailing slash: the root of every URL we emit."""
        return self.config.public_base_url

    def url(self, path: str) -> str:
        """An absolute URL under the public base URL (``path`` starts with "/")."""
        return self.base_url + path

    def status_list_url(self, purpose: str, list_number: int) -> str:
        return self.url(f"/status/{purpose}/{list_number}")

    def management_url(self, credential_id: str, token: str) -> str:
        from urllib.parse import quote

        return self.url(f"/manage/{quote(credential_id, safe='')}?token={quote(token, safe='')}")

    def share_url(self, token: str) -> str:
        return self.url(f"/share/{token}")

    # ------------------------------------------------------------------ issuer and keys

    def issuer(self) -> Issuer:
        """The single configured issuer. Raises NotFoundError before ``init_identity``."""
        if self._issuer is None:
            issuers = self._issuers.list_issuers()
            if not issuers:
                raise NotFoundError("no issuer is configured yet: run `diplomat issuer init` first")
            if len(issuers) > 1:
                raise ConflictError("the database holds several issuers; this service needs one")
            self._issuer = issuers[0]
        return self._issuer

    def issuer_profile(self) -> IssuerProfile:
        """The issuer as it appears in credentials (an OB 3.0 Profile)."""
        issuer = self.issuer()
        website = issuer.domain if "://" in issuer.domain else f"https://{issuer.domain}"
        return IssuerProfile(
            did=issuer.did,
            legal_name=issuer.name,
            url=website,
            country=issuer.country,
            nqf_name=self.config.nqf_name,
            nqf_url=self.config.nqf_url,
        )

    def active_key(self) -> tuple[SigningKey, KeyPair]:
        """The active signing key record and its key pair (the file is read once and cached).

        Raises NotFoundError when there is no issuer or no active key.
        """
        record = self._issuers.active_signing_key(self.issuer().id)
        return record, self.keystore.load(record.private_key_ref)

    def audit(
        self, actor: str, action: str, target: str | None, details: Mapping[str, Any]
    ) -> None:
        """Append to the audit log (never pass secrets in ``details``)."""
        self._audit_log.append_audit(actor, action, target, details)
