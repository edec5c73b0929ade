"""Issuing one credential: status indexes, build, validate, sign (Data Integrity), store, audit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from issuer.degree import DegreeInput
from issuer.errors import DuplicateCredentialError, PossibleDuplicateDegreeError
from issuer.service.base import SCHEMA_PATH, IssuerContext
from issuer.service.claims import ClaimService
from issuer.service.identity import SUITE_FOR_KEY
from issuer.service.statusmessages import message_status_entry
from issuer.signing import Signer, build_and_sign
from issuer.store import Credential, NewCredential, StatusPurpose
from issuer.store.interfaces import Credentials, Sharing, StatusLists
from vc import jsonld, strictjson
from vc.contexts import DATA_INTEGRITY_V2, VC_V1, VC_V2
from vc.datamodel import check_properties
from vc.dates import format_datetime, parse_datetime
from vc.errors import MalformedValueError
from vc.keys import KeyType
from vc.proofs import sign
from vc.status import parse_entry, status_entry, vc1_status_context
from vc.suites import SUITES


@dataclass(frozen=True)
class IssuedDegree:
    """A freshly issued degree. ``claim_url`` is the graduate's claim link and
    ``management_url`` the same secret at the older /manage address (both shown once)."""

    credential: dict[str, Any]
    credential_id: str
    management_url: str | None
    share_url: str | None = None
    claim_url: str | None = None
    claim_expires_at: datetime | None = None


def programme_key(inp: DegreeInput) -> str:
    """What makes two degrees "the same programme": the programme code when given, else the
    award type and title (case and spacing ignored)."""
    if inp.programme_code:
        return "code:" + " ".join(inp.programme_code.split()).casefold()[:500]
    title = " ".join(inp.degree_title.split()).casefold()
    return f"title:{inp.achievement_type}:{title}"[:512]


class IssuingService:
    """issue_degree (OB 3.0 degrees from validated input) and issue_credential (VC-API issue)."""

    def __init__(
        self,
        ctx: IssuerContext,
        credentials: Credentials,
        status: StatusLists,
        sharing: Sharing,
        claims: ClaimService,
    ) -> None:
        self._ctx = ctx
        self._credentials = credentials
        self._status = status
        self._sharing = sharing
        self._claims = claims

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
        """Allocate a revocation and a suspension index (random, never reused) for a credential;
        with DIPLOMAT_STATUS_MESSAGES, a message entry at the revocation index follows them."""
        return self.status_entries_for([credential_id])[0]

    def status_entries_for(self, credential_ids: Sequence[str]) -> list[list[dict[str, Any]]]:
        """``status_entries`` for many credentials at once, in one transaction."""
        issuer_id = self._ctx.issuer().id
        entries: list[list[dict[str, Any]]] = [[] for _ in credential_ids]
        messages: list[tuple[int, int]] = []
        purposes: tuple[StatusPurpose, ...] = ("revocation", "suspension")
        allocated = self._status.allocate_for_purposes(
            issuer_id, purposes, credential_ids, self._ctx.rng
        )
        for purpose in purposes:
            allocations = allocated[purpose]
            for mine, allocation in zip(entries, allocations, strict=True):
                mine.append(
                    status_entry(
                        list_id=self._ctx.status_list_url(purpose, allocation.list_number),
                        index=allocation.index,
                        purpose=purpose,
                    )
                )
                if purpose == "revocation" and self._ctx.config.status_messages:
                    messages.append((allocation.list_number, allocation.index))
        for mine, (list_number, index) in zip(entries, messages, strict=False):
            mine.append(message_status_entry(self._ctx, list_number, index))
        return entries

    def sign_degree(
        self, inp: DegreeInput, signer: Signer, credential_id: str, now: datetime
    ) -> dict[str, Any]:
        """Allocate the status indexes, then build, validate and sign one degree credential.

        Raises MalformedValueError when the input cannot make a valid credential.
        """
        return build_and_sign(inp, signer, credential_id, self.status_entries(credential_id), now)

    def issue_degree(
        self, inp: DegreeInput, *, actor: str, allow_duplicate: bool = False
    ) -> IssuedDegree:
        """Issue one degree and give the graduate a claim link (its token stored hashed; with
        an e-mail address and SMTP configured, a message is queued, never awaited).

        Raises DuplicateCredentialError (409) when the diploma number was already issued: the
        error's detail names the existing credential, and nothing new is stored.
        PossibleDuplicateDegreeError (409) when the student number already holds a degree of
        the same programme, unless ``allow_duplicate`` (the registrar confirmed it).
        """
        if not isinstance(inp, DegreeInput):
            raise MalformedValueError("issue_degree needs a validated issuer.degree.DegreeInput")
        signer = self.signer()
        existing = self._credentials.get_by_diploma_number(signer.issuer_id, inp.diploma_number)
        if existing is not None:
            raise _duplicate(existing)
        key = programme_key(inp)
        if inp.student_number and not allow_duplicate:
            earlier = self._credentials.same_programme(signer.issuer_id, inp.student_number, key)
            for same in earlier:
                # Issued meanwhile under this very number (a concurrent request): the diploma
                # exists, which is the duplicate to report, not a second degree.
                if same.diploma_number == inp.diploma_number:
                    raise _duplicate(same)
            if earlier:
                numbers = ", ".join(c.diploma_number for c in earlier)
                raise PossibleDuplicateDegreeError(
                    f"student number {inp.student_number} already holds a degree of this"
                    f" programme (diploma {numbers}); confirm to issue another",
                    pointer="/student_number",
                )
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
                student_number=inp.student_number,
                programme_key=key,
            )
        )
        claim = self._claims.new_link(credential_id, actor=actor, email=inp.email, audit=False)
        self._ctx.audit(
            actor,
            "credential.issue",
            credential_id,
            {
                "diploma_number": inp.diploma_number,
                "key_id": signer.key_record.key_id,
                "confirmed_duplicate": bool(allow_duplicate and inp.student_number),
            },
        )
        return IssuedDegree(
            signed,
            credential_id,
            self._ctx.management_url(credential_id, claim.token),
            claim_url=claim.url,
            claim_expires_at=claim.link.expires_at,
        )

    def reset_management_token(self, credential_id: str, *, actor: str, audit: bool = True) -> str:
        """Make a new claim link (the old one stops working); returns the management URL
        carrying its token (shown once). ``service.claims.new_link`` gives the claim URL.
        Raises NotFoundError for an unknown credential.
        """
        claim = self._claims.new_link(credential_id, actor=actor, send_mail=False, audit=audit)
        return self._ctx.management_url(credential_id, claim.token)

    def get_credential(self, credential_id: str) -> Credential:
        """The stored credential. Raises NotFoundError."""
        return self._credentials.get_credential(credential_id)

    def credential_document(self, credential_id: str) -> dict[str, Any]:
        """The signed credential as JSON. Raises NotFoundError."""
        return strictjson.loads_object(self.get_credential(credential_id).credential_json)

    def issue_credential(
        self,
        unsigned: Mapping[str, Any],
        *,
        actor: str,
        suite: str | None = None,
        created: datetime | None = None,
    ) -> dict[str, Any]:
        """VC-API issue: check, complete (issuer, id, validFrom, credentialStatus), sign, store.

        ``suite`` picks the Data Integrity cryptosuite (one that suits the issuer's key; default:
        the key's usual suite) and ``created`` the proof's date (default: now; never later than
        now, a proof from the future cannot verify).

        Refuses with MalformedValueError / ParsingError / SafeModeError anything that is not a
        VC DM 1.1 or 2.0 credential: wrong first context, no VerifiableCredential type, another
        or a null issuer, no credentialSubject, bad dates, an existing proof, a property that
        breaks a VC-DM rule (vc.datamodel: each error names the section), a malformed
        credentialStatus entry, or terms JSON-LD safe mode refuses. A well-formed caller
        credentialStatus is kept, before the issuer's own revocation and suspension entries. Raises
        DuplicateCredentialError when its diploma number (licenseNumber, else id) was issued.
        """
        if not isinstance(unsigned, Mapping):
            raise MalformedValueError("the credential must be a JSON object")
        doc: dict[str, Any] = strictjson.loads_object(strictjson.dumps(dict(unsigned)))
        signer = self.signer()
        chosen_suite = _suite_for(signer, suite)
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
        _check_issuer(doc, signer.profile.did)
        # VC-DM 2.0 §4.7, §4.10, §4.11, §5.3-§5.6 (vc.datamodel): refused before signing.
        check_properties(doc, "2.0" if v2 else "1.1")
        supplied_status = _supplied_status(doc.get("credentialStatus"))
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
            # VC 1.1 defines neither BitstringStatusListEntry nor DataIntegrityProof: the proof
            # terms come from the Data Integrity context, the status entry's from an inline
            # context carrying the VC 2.0 definition (vc.status.vc1_status_context), because no
            # context URL was assigned for it for VC 1.x.
            extra: list[Any] = [] if DATA_INTEGRITY_V2 in contexts else [DATA_INTEGRITY_V2]
            doc["@context"] = [*contexts, *extra, vc1_status_context()]
        jsonld.check_safe_mode(doc, self._ctx.loader)  # undefined terms, relative IRIs refused
        diploma_number = _diploma_number(doc, credential_id)
        existing = self._credentials.get_by_diploma_number(signer.issuer_id, diploma_number)
        if existing is not None:
            raise _duplicate(existing)
        # The issuer's own revocation and suspension entries always; a caller's well-formed
        # entries (VC-DM 2.0 §4.10: any status method) are kept before them.
        doc["credentialStatus"] = [*supplied_status, *self.status_entries(credential_id)]
        if created is not None and created > now:
            raise MalformedValueError(
                "options.created must not be later than now", pointer="/options/created"
            )
        signed = sign(
            doc,
            signer.key,
            verification_method=signer.key_record.key_id,
            created=created or now,
            suite=chosen_suite,
            loader=self._ctx.loader,
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


def _suite_for(signer: Signer, wanted: str | None) -> str:
    """The Data Integrity cryptosuite to sign with: ``wanted`` when it suits the key."""
    if wanted is None:
        return signer.suite
    key_type = KeyType(signer.key_record.key_type)
    suite = SUITES.get(wanted)
    if suite is None or suite.cryptosuite is None or key_type not in suite.key_types:
        usable = sorted(
            name
            for name, s in SUITES.items()
            if s.cryptosuite is not None and key_type in s.key_types
        )
        raise MalformedValueError(
            f"cryptosuite {wanted!r} cannot sign with this issuer's {key_type.value} key;"
            f" use one of: {', '.join(usable)}",
            pointer="/options/cryptosuite",
        )
    return wanted


def _duplicate(existing: Credential) -> DuplicateCredentialError:
    return DuplicateCredentialError(
        f"diploma number {existing.diploma_number!r} was already issued as {existing.id}",
        issuer_id=existing.issuer_id,
        diploma_number=existing.diploma_number,
        pointer="/diploma_number",
    )


def _check_issuer(doc: dict[str, Any], did: str) -> None:
    """An absent issuer becomes this issuer; any other must be this issuer (an explicit null is
    refused by vc.datamodel, never replaced)."""
    if "issuer" not in doc:
        doc["issuer"] = did
        return
    issuer = doc["issuer"]
    if issuer is None:
        return  # check_properties refuses it, naming VC-DM 2.0 §4.7
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != did:
        raise MalformedValueError(
            f"issuer must be this issuer ({did}) or absent", pointer="/issuer"
        )


def _supplied_status(value: object) -> list[dict[str, Any]]:
    """The caller's credentialStatus entries (already checked against VC-DM §4.10 by
    check_properties); a BitstringStatusListEntry must also follow Bitstring Status List §2.1.
    Raises MalformedValueError."""
    if value is None:
        return []
    entries = value if isinstance(value, list) else [value]
    kept: list[dict[str, Any]] = []
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise MalformedValueError(
                "VC-DM 2.0 §4.10 Status: each credentialStatus value must be an object",
                pointer=f"/credentialStatus/{number}",
            )
        types = entry.get("type")
        if "BitstringStatusListEntry" in (types if isinstance(types, list) else [types]):
            parse_entry(entry)
        kept.append(entry)
    return kept


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
