"""Issuers and their signing keys: the issuer aggregate of the issuer database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.errors import (
    ConflictError,
    DuplicateError,
    NotFoundError,
)
from issuer.store.audit import write_audit  # noqa
from issuer.store.checks import check_key_fields, check_text
from issuer.store.database import Database
from issuer.store.models import (
    IssuerRow,
    SigningKeyRow,
)
from issuer.store.rows import (
    active_key_row,
    insert_row,
    issuer_value,
    need_issuer,
    need_key,
    signing_key_value,
)
from issuer.store.values import (
    Issuer,
    KeyStatus,
    SigningKey,
)
from vc.errors import MalformedValueError


class IssuerRepository:
    """Issuers (DID, name, domain, country) and their signing-key records."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_issuer(self, did: str, name: str, domain: str, country: str) -> Issuer:
        """Register an issuer. Raises DuplicateError when the DID is already registered."""
        check_text(did, "did", 512)
        check_text(name, "name", 512)
        check_text(domain, "domain", 255)
        if not (isinstance(country, str) and len(country) == 2 and country.isalpha()):
            raise MalformedValueError(
                "country must be an ISO 3166-1 alpha-2 code", pointer="/country"
            )

        def work(s: Session) -> Issuer:
            if s.scalar(select(IssuerRow.id).where(IssuerRow.did == did)) is not None:
                raise DuplicateError(f"issuer {did} already exists")
            row = IssuerRow(did=did, name=name, domain=domain, country=country.upper())
            row.created_at = self._db.now()
            insert_row(s, row, lambda: DuplicateError(f"issuer {did} already exists"))
            return issuer_value(row)

        return self._db.write("creating an issuer", work)

    def get_issuer(self, issuer_id: int) -> Issuer:
        """Raises NotFoundError."""
        return self._db.read("reading an issuer", lambda s: issuer_value(need_issuer(s, issuer_id)))

    def get_issuer_by_did(self, did: str) -> Issuer:
        """Raises NotFoundError."""

        def work(s: Session) -> Issuer:
            row = s.scalars(select(IssuerRow).where(IssuerRow.did == did)).first()
            if row is None:
                raise NotFoundError(f"no issuer {did}")
            return issuer_value(row)

        return self._db.read("reading an issuer", work)

    def list_issuers(self) -> list[Issuer]:
        return self._db.read(
            "listing issuers",
            lambda s: [
                issuer_value(r) for r in s.scalars(select(IssuerRow).order_by(IssuerRow.id))
            ],
        )

    def add_signing_key(
        self,
        issuer_id: int,
        key_id: str,
        key_type: str,
        public_multikey: str,
        private_key_ref: str,
        *,
        status: KeyStatus = "active",
    ) -> SigningKey:
        """Record a key; ``private_key_ref`` is a file path or an encrypted-blob reference.

        Raises MalformedValueError when ``private_key_ref`` is a raw private key (unencrypted PEM,
        a JWK with "d", a private Multikey), ConflictError when adding a second active key (use
        rotate_signing_key), DuplicateError when ``key_id`` exists, NotFoundError for the issuer.
        """
        check_key_fields(key_id, key_type, public_multikey, private_key_ref)
        if status not in ("active", "rotated", "retired"):
            raise MalformedValueError(f"unknown key status {status!r}")

        def work(s: Session) -> SigningKey:
            need_issuer(s, issuer_id)
            if status == "active" and active_key_row(s, issuer_id) is not None:
                raise ConflictError("issuer already has an active key; rotate it instead")
            return signing_key_value(
                self._add_key(
                    s, issuer_id, key_id, key_type, public_multikey, private_key_ref, status
                )
            )

        return self._db.write("adding a signing key", work)

    def rotate_signing_key(
        self, issuer_id: int, key_id: str, key_type: str, public_multikey: str, private_key_ref: str
    ) -> SigningKey:
        """Mark the active key "rotated" and add the new active one, in one transaction."""
        check_key_fields(key_id, key_type, public_multikey, private_key_ref)

        def work(s: Session) -> SigningKey:
            need_issuer(s, issuer_id)
            old = active_key_row(s, issuer_id)
            if old is not None:
                old.status = "rotated"
                s.flush()  # free the one-active-key slot before the new key takes it
            return signing_key_value(
                self._add_key(
                    s, issuer_id, key_id, key_type, public_multikey, private_key_ref, "active"
                )
            )

        return self._db.write("rotating a signing key", work)

    def retire_signing_key(self, key_id: str) -> SigningKey:
        """Mark a key "retired" (stamping retired_at). Raises NotFoundError."""

        def work(s: Session) -> SigningKey:
            row = need_key(s, key_id)
            if row.status != "retired":
                row.status = "retired"
                row.retired_at = self._db.now()
            return signing_key_value(row)

        return self._db.write("retiring a signing key", work)

    def get_signing_key(self, key_id: str) -> SigningKey:
        """The key with this verification-method id. Raises NotFoundError."""
        return self._db.read(
            "reading a signing key", lambda s: signing_key_value(need_key(s, key_id))
        )

    def active_signing_key(self, issuer_id: int) -> SigningKey:
        """Raises NotFoundError when the issuer has no active key."""

        def work(s: Session) -> SigningKey:
            row = active_key_row(s, issuer_id)
            if row is None:
                raise NotFoundError(f"issuer {issuer_id} has no active signing key")
            return signing_key_value(row)

        return self._db.read("reading the active key", work)

    def list_signing_keys(self, issuer_id: int) -> list[SigningKey]:
        query = (
            select(SigningKeyRow)
            .where(SigningKeyRow.issuer_id == issuer_id)
            .order_by(SigningKeyRow.id)
        )
        return self._db.read(
            "listing keys", lambda s: [signing_key_value(r) for r in s.scalars(query)]
        )

    def _add_key(
        self,
        s: Session,
        issuer_id: int,
        key_id: str,
        key_type: str,
        public_multikey: str,
        private_key_ref: str,
        status: str,
    ) -> SigningKeyRow:
        if s.scalar(select(SigningKeyRow.id).where(SigningKeyRow.key_id == key_id)) is not None:
            raise DuplicateError(f"key {key_id} already exists")
        now = self._db.now()
        row = SigningKeyRow(
            issuer_id=issuer_id,
            key_id=key_id,
            key_type=key_type,
            public_multikey=public_multikey,
            private_key_ref=private_key_ref,
            status=status,
            created_at=now,
            retired_at=now if status == "retired" else None,
        )
        insert_row(s, row, lambda: ConflictError(f"key {key_id} clashes with an existing key"))
        return row
