"""The issuer's identity: its DID (did:web or did:key), its DID document, key rotation and retirement."""

from __future__ import annotations

import urllib.parse
from typing import Any, Literal

from issuer.errors import ConflictError, NotFoundError
from issuer.service.base import IssuerContext
from issuer.store import Issuer, SigningKey
from issuer.store.interfaces import Issuers
from vc.contexts import DID_V1, MULTIKEY_V1
from vc.dids import did_key_document, did_web_for
from vc.errors import MalformedValueError
from vc.keys import KeyType

DidMethod = Literal["web", "key"]

# Data Integrity suite per key type: eddsa-rdfc-2022 for Ed25519 (the cheapest to verify
# everywhere), ecdsa-rdfc-2019 for the NIST curves (VC-DI-ECDSA §3.2).
SUITE_FOR_KEY = {
    KeyType.ED25519.value: "eddsa-rdfc-2022",
    KeyType.P256.value: "ecdsa-rdfc-2019",
    KeyType.P384.value: "ecdsa-rdfc-2019",
}


class IdentityService:
    """init_identity, did_document, rotate_key, retire_key."""

    def __init__(self, ctx: IssuerContext, issuers: Issuers) -> None:
        self._ctx = ctx
        self._issuers = issuers

    def init_identity(
        self,
        name: str,
        domain_or_base_url: str,
        country: str,
        *,
        key_type: KeyType = KeyType.ED25519,
        did_method: DidMethod = "web",
        actor: str = "system",
    ) -> Issuer:
        """Create the issuer and its first signing key.

        did:web: the DID is derived from config.public_base_url (vc.dids.did_web_for), and its
        document is served by the web layer (``did_document``); did:key: the DID is the key.
        ``domain_or_base_url`` is the university's website (a domain or an http(s) URL).
        Raises ConflictError when an issuer exists, MalformedValueError for bad arguments.
        """
        if did_method not in ("web", "key"):
            raise MalformedValueError("did_method must be 'web' or 'key'", pointer="/did_method")
        if not isinstance(key_type, KeyType):
            raise MalformedValueError("key_type must be a vc.keys.KeyType")
        domain = _website(domain_or_base_url)
        country = country.strip().upper() if isinstance(country, str) else ""
        if len(country) != 2 or not country.isalpha() or not country.isascii():
            raise MalformedValueError("country must be an ISO 3166-1 alpha-2 code, e.g. KZ")
        if not isinstance(name, str) or not name.strip():
            raise MalformedValueError("the issuer needs a name", pointer="/name")
        existing = self._issuers.list_issuers()
        if existing:
            raise ConflictError(f"an issuer is already configured: {existing[0].did}")
        ref, key = self._ctx.keystore.create(key_type)
        if did_method == "web":
            did = did_web_for(self._ctx.base_url)
            key_id = f"{did}#key-1"
        else:
            did = key.public.did_key
            key_id = f"{did}#{key.public.multikey}"
        issuer = self._issuers.create_issuer(did, name.strip(), domain, country)
        self._issuers.add_signing_key(issuer.id, key_id, key_type.value, key.public.multikey, ref)
        self._issuer = issuer
        self._ctx.audit(
            actor,
            "issuer.init",
            did,
            {"name": issuer.name, "domain": domain, "country": country, "key_id": key_id},
        )
        return issuer

    def list_keys(self) -> list[SigningKey]:
        """Every key the issuer ever had (active, rotated, retired), oldest first."""
        return self._issuers.list_signing_keys(self._ctx.issuer().id)

    def did_document(self) -> dict[str, Any]:
        """The issuer's DID document.

        did:web: every active and rotated key as a Multikey method (credentials signed by a
        rotated key keep verifying), listed under assertionMethod and authentication; retired keys
        are left out, so what they signed no longer verifies. did:key: the generated document.
        """
        issuer = self._ctx.issuer()
        if issuer.did.startswith("did:key:"):
            return dict(did_key_document(issuer.did).raw)
        usable = [k for k in self.list_keys() if k.status in ("active", "rotated")]
        methods = [
            {
                "id": k.key_id,
                "type": "Multikey",
                "controller": issuer.did,
                "publicKeyMultibase": k.public_multikey,
            }
            for k in usable
        ]
        ids = [k.key_id for k in usable]
        return {
            "@context": [DID_V1, MULTIKEY_V1],
            "id": issuer.did,
            "verificationMethod": methods,
            "assertionMethod": list(ids),
            "authentication": list(ids),
        }

    def rotate_key(self, actor: str, *, key_type: KeyType | None = None) -> SigningKey:
        """Make a new active key; the old one becomes "rotated" and stays in the DID document.

        Raises ConflictError for a did:key issuer (the DID is the key: it cannot rotate).
        """
        issuer = self._ctx.issuer()
        if not issuer.did.startswith("did:web:"):
            raise ConflictError(
                "a did:key issuer cannot rotate its key (the DID is the key); use did:web"
            )
        keys = self.list_keys()
        current = next((k for k in keys if k.status == "active"), None)
        chosen = key_type or (KeyType(current.key_type) if current else KeyType.ED25519)
        ref, key = self._ctx.keystore.create(chosen)
        key_id = f"{issuer.did}#key-{_next_number(keys)}"
        record = self._issuers.rotate_signing_key(
            issuer.id, key_id, chosen.value, key.public.multikey, ref
        )
        self._ctx.audit(
            actor,
            "key.rotate",
            key_id,
            {"previous": current.key_id if current else None, "key_type": chosen.value},
        )
        return record

    def retire_key(self, key_id: str, actor: str) -> SigningKey:
        """Retire a rotated key: it leaves the DID document and its credentials stop verifying.

        ``key_id`` is the verification method id or its fragment ("key-1"). Raises
        NotFoundError for a key of another issuer or none, ConflictError for the active key.
        """
        issuer = self._ctx.issuer()
        full_id = key_id if key_id.startswith("did:") else f"{issuer.did}#{key_id.lstrip('#')}"
        record = self._issuers.get_signing_key(full_id)
        if record.issuer_id != issuer.id:
            raise NotFoundError(f"no signing key {full_id}")
        if record.status == "active":
            raise ConflictError("the active key cannot be retired: rotate to a new key first")
        retired = self._issuers.retire_signing_key(full_id)
        self._ctx.audit(actor, "key.retire", full_id, {"previous_status": record.status})
        return retired


def _next_number(keys: list[SigningKey]) -> int:
    numbers = [0]
    for key in keys:
        fragment = key.key_id.rpartition("#")[2]
        if fragment.startswith("key-") and fragment[4:].isdigit():
            numbers.append(int(fragment[4:]))
    return max(numbers) + 1


def _website(value: str) -> str:
    """The university's website as stored: a bare domain, or an http(s) URL without a slash."""
    if not isinstance(value, str) or not value.strip():
        raise MalformedValueError("the issuer needs a domain or website URL", pointer="/domain")
    value = value.strip().rstrip("/")
    candidate = value if "://" in value else f"https://{value}"
    parsed = urllib.parse.urlsplit(candidate)
    host = parsed.hostname or ""
    if (
        parsed.scheme not in ("http", "https")
        or ("." not in host and host != "localhost")
        or any(ch.isspace() for ch in value)
        or parsed.query
        or parsed.fragment
    ):
        raise MalformedValueError(f"{value!r} is not a domain or http(s) URL", pointer="/domain")
    return value
