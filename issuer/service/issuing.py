"""Issuing one credential: status indexes, build, validate, sign (Data Integrity), store, audit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from issuer.degree import DegreeInput, IssuerProfile, build_credential, validate_credential
from issuer.errors import DuplicateCredentialError
from issuer.service.base import SCHEMA_PATH, IssuerContext
from issuer.service.identity import SUITE_FOR_KEY
from issuer.store import Credential, NewCredential, SigningKey, new_token
from issuer.store.interfaces import Credentials, Sharing, StatusLists
from vc import jsonld, strictjson
from vc.contexts import DATA_INTEGRITY_V2, STATUS_V1, VC_V1, VC_V2
from vc.dates import format_datetime, parse_datetime
from vc.errors import MalformedValueError
from vc.keys import KeyPair
from vc.proofs import sign
from vc.status import status_entry


@dataclass(frozen=True)
class IssuedDegree:
    """A freshly issued degree. ``management_url`` carries the holder's secret (shown once)."""

    credential: dict[str, Any]
    credential_id: str
    management_url: str | None
    share_url: str | None = None


@dataclass(frozen=True)
class Signer:
    """What signing needs, read once (per batch, or per single issue): never re-read per row."""

    issuer_id: int
    profile: IssuerProfile
    key_record: SigningKey
    key: KeyPair
    suite: str
    schema_url: str


def build_and_sign(
    inp: DegreeInput,
    signer: Signer,
    credential_id: str,
    status_entries: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    """Build, validate and sign one degree credential (pure CPU: no database, no files).

    Raises MalformedValueError when the input cannot make a valid credential.
    """
    unsigned = build_credential(
        inp,
        signer.profile,
        credential_id=credential_id,
        valid_from=now,
        status_entries=status_entries,
        schema_url=signer.schema_url,
    )
    validate_credential(unsigned)
    return sign(
        unsigned,
        signer.key,
        verification_method=signer.key_record.key_id,
        created=now,
        suite=signer.suite,
    )


class IssuingService:
    """issue_degree (OB 3.0 degrees from validated input) and issue_credential (VC-API issue)."""

    def __init__(
        self, ctx: IssuerContext, credentials: Credentials, status: StatusLists, sharing: Sharing
    ) -> None:
        self._ctx = ctx
        self._credentials = credentials
        self._status = status
        self._sharing = sharing

    def signer(self) -> Signer:
        """The active key and issuer profile, loaded once. Raises NotFoundError before init."""
        record, key = self._ctx.active_key()
        return Signer(
            issuer_id=self._ctx.issuer().id,
            profile=self._ctx.issuer_profile(),
            key_record=record,
            key=key,
            suite=SUITE_FOR_KEY[record.key_type],
            schema_url=self._ctx.url(SCHEMA_PATH),
        )

    def new_credential_id(self) -> str:
        """A fresh, unguessable credential id under the public base URL."""
        return self._ctx.url(f"/credentials/{uuid.uuid4()}")

    def status_entries(self, credential_id: str) -> list[dict[str, Any]]:
        """Allocate a revocation and a suspension index (random, never reused) for a credential."""
        return self.status_entries_for([credential_id])[0]

    def status_entries_for(self, credential_ids: Sequence[str]) -> list[list[dict[str, Any]]]:
        """``status_entries`` for many credentials at once: one transaction per purpose."""
        issuer_id = self._ctx.issuer().id
        entries: list[list[dict[str, Any]]] = [[] for _ in credential_ids]
        for purpose in ("revocation", "suspension"):
            allocations = self._status.allocate_status_indexes(
                issuer_id, purpose, credential_ids, self._ctx.rng
            )
            for mine, allocation in zip(entries, allocations, strict=True):
                mine.append(
                    status_entry(
                        list_id=self._ctx.status_list_url(purpose, allocation.list_number),
                        index=allocation.index,
                        purpose=purpose,
                    )
                )
        return entries

    def sign_degree(
        self, inp: DegreeInput, signer: Signer, credential_id: str, now: datetime
    ) -> dict[str, Any]:
        """Allocate the status indexes, then build, validate and sign one degree credential.

        Raises MalformedValueError when the input cannot make a valid credential.
        """
        return build_and_sign(inp, signer, credential_id, self.status_entries(credential_id), now)

    def issue_degree(self, inp: DegreeInput, *, actor: str) -> IssuedDegree:
        """Issue one degree and give the holder a management link (its token is stored hashed).

        Raises DuplicateCredentialError (409) when the diploma number was already issued: the
        error's detail names the existing credential, and nothing new is stored.
        """
        if not isinstance(inp, DegreeInput):
            raise MalformedValueError("issue_degree needs a validated issuer.degree.DegreeInput")
        signer = self.signer()
        existing = self._credentials.get_by_diploma_number(signer.issuer_id, inp.diploma_number)
        if existing is not None:
            raise _duplicate(existing)
        credential_id = self.new_credential_id()
        signed = self.sign_degree(inp, signer, credential_id, self._ctx.now())
        self._credentials.insert_credential(
            NewCredential(
                id=credential_id,
                issuer_id=signer.issuer_id,
                diploma_number=inp.diploma_number,
                subject_name=inp.display_name,
                achievement_type=inp.achievement_type,
                credential_json=strictjson.dumps(signed),
            )
        )
        management = self.reset_management_token(credential_id, actor=actor, audit=False)
        self._ctx.audit(
            actor,
            "credential.issue",
            credential_id,
            {"diploma_number": inp.diploma_number, "key_id": signer.key_record.key_id},
        )
        return IssuedDegree(signed, credential_id, management)

    def reset_management_token(self, credential_id: str, *, actor: str, audit: bool = True) -> str:
        """(Re)make the holder's management secret; returns the management URL (shown once).

        Batch-issued credentials get none at issue time: the registrar hands them out with this.
        Raises NotFoundError for an unknown credential.
        """
        token = new_token()
        self._sharing.set_holder_secret(credential_id, token)
        if audit:
            self._ctx.audit(actor, "credential.management_token", credential_id, {})
        return self._ctx.management_url(credential_id, token)

    def get_credential(self, credential_id: str) -> Credential:
        """The stored credential. Raises NotFoundError."""
        return self._credentials.get_credential(credential_id)

    def credential_document(self, credential_id: str) -> dict[str, Any]:
        """The signed credential as JSON. Raises NotFoundError."""
        return strictjson.loads_object(self.get_credential(credential_id).credential_json)

    def issue_credential(self, unsigned: Mapping[str, Any], *, actor: str) -> dict[str, Any]:
        """VC-API issue: check, complete (issuer, id, validFrom, credentialStatus), sign, store.

        Refuses with MalformedValueError / ParsingError / SafeModeError anything that is not a
        VC DM 1.1 or 2.0 credential: wrong first context, no VerifiableCredential type, another
        issuer, no credentialSubject, bad dates, an existing proof or credentialStatus (status is
        the issuer's business), or terms JSON-LD safe mode refuses. Raises
        DuplicateCredentialError when its diploma number (licenseNumber, else id) was issued.
        """
        if not isinstance(unsigned, Mapping):
            raise MalformedValueError("the credential must be a JSON object")
        doc: dict[str, Any] = strictjson.loads_object(strictjson.dumps(dict(unsigned)))
        signer = self.signer()
        contexts = doc.get("@context")
        if not isinstance(contexts, list) or not contexts or contexts[0] not in (VC_V2, VC_V1):
            raise MalformedValueError(
                f"@context must be a list starting with {VC_V2} (or {VC_V1})", pointer="/@context"
            )
        v2 = contexts[0] == VC_V2
        types = doc.get("type")
        types = [types] if isinstance(types, str) else types
        if not isinstance(types, list) or "VerifiableCredential" not in types:
            raise MalformedValueError("type must include VerifiableCredential", pointer="/type")
        if "proof" in doc:
            raise MalformedValueError("the credential is already signed", pointer="/proof")
        if "credentialStatus" in doc:
            raise MalformedValueError(
                "credentialStatus is set by the issuer; leave it out", pointer="/credentialStatus"
            )
        _check_issuer(doc, signer.profile.did)
        _check_subject(doc.get("credentialSubject"))
        now = self._ctx.now()
        date_fields = ("validFrom", "validUntil") if v2 else ("issuanceDate", "expirationDate")
        for name in date_fields:
            if name in doc:
                parse_datetime(doc[name], name)
        doc.setdefault(date_fields[0], format_datetime(now))
        credential_id = doc.get("id")
        if credential_id is None:
            credential_id = self.new_credential_id()
            doc = {"@context": contexts, "id": credential_id, **doc}
        elif not isinstance(credential_id, str) or ":" not in credential_id:
            raise MalformedValueError("id must be an absolute URI", pointer="/id")
        if not v2:
            # VC 1.1 defines neither BitstringStatusListEntry nor DataIntegrityProof.
            doc["@context"] = [*contexts] + [
                ctx for ctx in (STATUS_V1, DATA_INTEGRITY_V2) if ctx not in contexts
            ]
        jsonld.expand(doc)  # safe mode: undefined terms and relative IRIs are refused here
        diploma_number = _diploma_number(doc, credential_id)
        existing = self._credentials.get_by_diploma_number(signer.issuer_id, diploma_number)
        if existing is not None:
            raise _duplicate(existing)
        doc["credentialStatus"] = self.status_entries(credential_id)
        signed = sign(
            doc,
            signer.key,
            verification_method=signer.key_record.key_id,
            created=now,
            suite=signer.suite,
        )
        self._credentials.insert_credential(
            NewCredential(
                id=credential_id,
                issuer_id=signer.issuer_id,
                diploma_number=diploma_number,
                subject_name=_subject_name(doc["credentialSubject"]),
                achievement_type=_achievement_type(doc["credentialSubject"], types),
                credential_json=strictjson.dumps(signed),
            )
        )
        self._ctx.audit(
            actor, "credential.issue", credential_id, {"diploma_number": diploma_number}
        )
        return signed


def _duplicate(existing: Credential) -> DuplicateCredentialError:
    return DuplicateCredentialError(
        f"diploma number {existing.diploma_number!r} was already issued as {existing.id}",
        issuer_id=existing.issuer_id,
        diploma_number=existing.diploma_number,
        pointer="/diploma_number",
    )


def _check_issuer(doc: dict[str, Any], did: str) -> None:
    issuer = doc.get("issuer")
    if issuer is None:
        doc["issuer"] = did
        return
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != did:
        raise MalformedValueError(
            f"issuer must be this issuer ({did}) or absent", pointer="/issuer"
        )


def _check_subject(subject: object) -> None:
    subjects = subject if isinstance(subject, list) else [subject]
    if not subjects or not all(isinstance(s, dict) and s for s in subjects):
        raise MalformedValueError(
            "credentialSubject must be a non-empty object (or a list of them)",
            pointer="/credentialSubject",
        )


def _first_subject(subject: Any) -> dict[str, Any]:
    first = subject[0] if isinstance(subject, list) else subject
    return first if isinstance(first, dict) else {}


def _diploma_number(doc: Mapping[str, Any], credential_id: str) -> str:
    number = _first_subject(doc.get("credentialSubject")).get("licenseNumber")
    return number.strip() if isinstance(number, str) and number.strip() else credential_id


def _subject_name(subject: Any) -> str:
    first = _first_subject(subject)
    for key in ("name", "id"):
        value = first.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:512]
    return "(unnamed subject)"


def _achievement_type(subject: Any, types: list[Any]) -> str:
    achievement = _first_subject(subject).get("achievement")
    if isinstance(achievement, dict) and isinstance(achievement.get("achievementType"), str):
        return str(achievement["achievementType"])[:255]
    named = [t for t in types if isinstance(t, str) and t != "VerifiableCredential"]
    return (named[-1] if named else "VerifiableCredential")[:255]
