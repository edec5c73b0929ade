"""Authenticity checks (VC-DM 2.0 §4 and §7.1, VC Data Integrity 1.0 §4.4): format, data model, JSON-LD safe mode,
degree profile, key resolution, proof and the issuer's control of the key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vc import jsonld, strictjson
from vc.datamodel import check_properties
from vc.dates import parse_datetime
from vc.dids import split_did_url
from vc.errors import (
    CryptographicSecurityError,
    DiplomatError,
    FetchError,
    MalformedValueError,
    ParsingError,
    ProofVerificationError,
    RangeValueError,
    ResolutionError,
    SignatureMismatchError,
)
from vc.message import Message, english
from vc.multibase import b64url_decode
from vc.schemas import DEGREE_CREDENTIAL, json_schema, schema_matches, schema_validator
from verifier.checks.facts import Facts, contexts_of, subjects_of, types_of
from verifier.checks.model import NOT_A_CREDENTIAL, CheckOutcome, Evidence

DEGREE_TYPES = frozenset({"AchievementCredential", "OpenBadgeCredential"})
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+\Z")


# --- S1 format ---------------------------------------------------------------------------------


def check_format(facts: Facts) -> CheckOutcome:
    """Is this a W3C Verifiable Credential we can read (VC 1.1 or 2.0, JSON-LD or VC-JWT)?"""
    if facts.input_error is not None:
        return CheckOutcome.failed(
            Message(
                "This is not a credential we can read: %(detail)s",
                detail=english(facts.input_error.detail),
            ),
            facts.input_error,
        )
    document = facts.document
    if document is None:
        error: DiplomatError = ParsingError("no credential was given")
        return CheckOutcome.failed(Message("No credential was given."), error)
    if "@context" not in document:
        error = ParsingError("the document has no @context: it is not JSON-LD")
        return CheckOutcome.failed(
            Message("This is not a W3C credential: it has no @context."), error
        )
    version = facts.version
    if version is None:
        first = contexts_of(document)[:1]
        error = ParsingError(
            f"the first @context entry {first!r} is neither the VC 2.0 nor the VC 1.1 context"
        )
        return CheckOutcome.failed(
            Message(
                "This is not a W3C Verifiable Credential: its first @context is neither VC 2.0 "
                "nor VC 1.1."
            ),
            error,
        )
    types = types_of(document.get("type"))
    if "VerifiablePresentation" in types:
        error = ParsingError("this is a VerifiablePresentation, not a credential")
        return CheckOutcome.failed(
            Message("This is a presentation, not a credential; verify it as a presentation."),
            error,
        )
    if "VerifiableCredential" not in types:
        error = MalformedValueError("type must include VerifiableCredential", pointer="/type")
        return CheckOutcome.failed(
            Message(
                "This is not a Verifiable Credential: its type does not include "
                "VerifiableCredential."
            ),
            error,
        )
    envelope = (
        Message("a VC-JWT") if facts.jwt is not None else Message("JSON-LD with an embedded proof")
    )
    if DEGREE_TYPES & set(types):
        return CheckOutcome.passed(
            Message(
                "A W3C Verifiable Credential, data model %(version)s, %(envelope)s (an Open "
                "Badges 3.0 achievement).",
                version=version,
                envelope=envelope,
            )
        )
    return CheckOutcome.passed(
        Message(
            "A W3C Verifiable Credential, data model %(version)s, %(envelope)s.",
            version=version,
            envelope=envelope,
        )
    )


# --- S2 data model and dates -------------------------------------------------------------------


def _url(value: object, where: str) -> None:
    if not isinstance(value, str) or not _URL.match(value):
        raise MalformedValueError(f"{where} must be a URL", pointer="/" + where.replace(".", "/"))


def _data_model_problems(document: Mapping[str, Any], version: str) -> None:
    """Raise the first VC data model problem (VC-DM 2.0 §4-§5, VC-DM 1.1 §4-§5): the rules of
    vc.datamodel (each error names its section), then required properties and dates."""
    check_properties(document, version)
    if "id" in document:
        _url(document["id"], "id")  # id is optional (VC-DM §4.4); when present it is a URL
    issuer = document.get("issuer")
    _url(issuer.get("id") if isinstance(issuer, Mapping) else issuer, "issuer")
    if not subjects_of(document) or (
        isinstance(document.get("credentialSubject"), list)
        and len(subjects_of(document)) != len(document["credentialSubject"])
    ):
        raise MalformedValueError(
            "credentialSubject must be an object or a list of objects", pointer="/credentialSubject"
        )
    if version == "1.1":
        if "issuanceDate" not in document:
            raise MalformedValueError(
                "a VC 1.1 credential needs issuanceDate", pointer="/issuanceDate"
            )
        names = ("issuanceDate", "expirationDate")
    else:
        names = ("validFrom", "validUntil")
    start, end = (
        parse_datetime(document[name], name) if name in document else None for name in names
    )
    if start is not None and end is not None and end < start:
        raise RangeValueError(f"{names[1]} is before {names[0]}", pointer="/" + names[1])
    if "awardedDate" in document:
        parse_datetime(document["awardedDate"], "awardedDate")
    status = document.get("credentialStatus")
    if status is not None:
        entries = status if isinstance(status, list) else [status]
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or not types_of(entry.get("type")):
                raise MalformedValueError(
                    "each credentialStatus entry must be an object with a type",
                    pointer=f"/credentialStatus/{index}",
                )
            if "id" in entry:
                _url(entry["id"], "credentialStatus.id")


def check_data_model(facts: Facts) -> CheckOutcome:
    """Required properties present, identifiers are URLs, dates are xsd:dateTimeStamp."""
    document, version = facts.document, facts.version
    if document is None or version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    try:
        _data_model_problems(document, version)
    except DiplomatError as exc:
        return CheckOutcome.failed(
            Message(
                "The credential is malformed: %(detail)s. A correctly issued credential would "
                "not look like this.",
                detail=english(exc.detail),
            ),
            exc,
        )
    dates = "issuanceDate/expirationDate" if version == "1.1" else "validFrom/validUntil"
    return CheckOutcome.passed(
        Message(
            "The credential has the properties VC %(version)s requires, and its dates "
            "(%(dates)s) are well formed.",
            version=version,
            dates=dates,
        )
    )


# --- S3 JSON-LD safe mode ----------------------------------------------------------------------


def check_safe_mode(facts: Facts) -> CheckOutcome:
    """Every term is defined by the credential's contexts (nothing is silently dropped)."""
    document = facts.document
    if document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    try:
        # The quads this makes are kept for the proof check, which canonicalizes the same
        # credential without its proof: one expansion per verification.
        jsonld.check_safe_mode(document, facts.ctx.loader)
    except DiplomatError as exc:
        return CheckOutcome.failed(
            Message(
                "Part of the credential has no defined meaning (JSON-LD safe mode): "
                "%(detail)s. Its signature could not cover what a reader would see.",
                detail=english(exc.detail),
            ),
            exc,
        )
    return CheckOutcome.passed(
        Message("Every property of the credential is defined by its contexts.")
    )


# --- S4 degree profile schema ------------------------------------------------------------------


def check_schema(facts: Facts) -> CheckOutcome:
    """A degree (AchievementCredential, VC 2.0) matches Diplomat's degree profile JSON Schema."""
    document = facts.document
    if document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    if not DEGREE_TYPES & set(types_of(document.get("type"))):
        return CheckOutcome.skipped(
            Message(
                "Not checked: this is not an Open Badges AchievementCredential, so the degree "
                "profile does not apply."
            )
        )
    if facts.version != "2.0":
        return CheckOutcome.skipped(
            Message(
                "Not checked: the degree profile is defined for VC 2.0; this VC 1.1 credential "
                "was checked against the VC 1.1 data model only."
            )
        )
    try:
        json_schema(DEGREE_CREDENTIAL)
    except MalformedValueError:
        return CheckOutcome.skipped(
            Message(
                "Not checked: the degree profile schema %(schema)s is not installed.",
                schema=DEGREE_CREDENTIAL,
            )
        )
    evidence = Evidence(kind="json-schema", source=DEGREE_CREDENTIAL)
    instance = dict(document)
    # The fast check first; the Python validator (imported then) only to say what is wrong.
    error = None
    if not schema_matches(DEGREE_CREDENTIAL, instance):
        import jsonschema  # type: ignore[import-untyped, unused-ignore]  # no type information

        error = jsonschema.exceptions.best_match(
            schema_validator(DEGREE_CREDENTIAL).iter_errors(instance)
        )
    if error is not None:
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        detail = error.message if len(error.message) <= 300 else error.message[:297] + "..."
        problem = MalformedValueError(
            f"does not match the degree profile at {pointer}: {detail}", pointer=pointer
        )
        return CheckOutcome.failed(
            Message(
                "The credential does not have the shape of a degree (at %(pointer)s: %(detail)s).",
                pointer=pointer,
                detail=english(detail),
            ),
            problem,
            evidence,
        )
    return CheckOutcome.passed(
        Message("The credential has the shape of a degree (Open Badges 3.0 profile)."), evidence
    )


# --- S6 key resolution -------------------------------------------------------------------------


def _jwt_kid(token: str) -> str | None:
    try:
        header = strictjson.loads_object(
            b64url_decode(token.split(".")[0], "JWT header"), "JWT header"
        )
    except DiplomatError:
        return None
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def verification_methods(facts: Facts) -> list[str]:
    """The verification method URLs the credential's proofs (or its JWT) name."""
    if facts.jwt is not None:
        kid = _jwt_kid(facts.jwt)
        if kid is not None and kid.startswith("#") and facts.issuer:
            kid = facts.issuer + kid
        return [kid] if kid else []
    proof = facts.document.get("proof") if facts.document is not None else None
    items = proof if isinstance(proof, list) else [proof] if proof is not None else []
    methods: list[str] = []
    for item in items:
        vm = item.get("verificationMethod") if isinstance(item, Mapping) else None
        if isinstance(vm, str):
            methods.append(vm)
    return methods


def could_not_fetch(error: DiplomatError) -> bool:
    """Material that could not be obtained means "could not check", not "failed": a network
    failure, an offline resolver, and a URL the fetcher refused to open (UnsafeUrlError: a
    private address, a redirect to another host). Refusing to look is not evidence against the
    credential; only what was obtained and checked can fail it."""
    if isinstance(error, FetchError):  # UnsafeUrlError included
        return True
    return isinstance(error, ResolutionError) and "no fetcher configured" in error.detail


def check_key_resolution(facts: Facts) -> CheckOutcome:
    """Each proof's verification method resolves to a public key (did:key, did:web)."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    methods = verification_methods(facts)
    if not methods:
        return CheckOutcome.skipped(
            Message("Not checked: the credential names no signing key (see the proof check).")
        )
    evidence: list[Evidence] = []
    unknown: list[tuple[str, DiplomatError]] = []
    for vm in methods:
        try:
            did, _ = split_did_url(vm)
            _method, document = facts.ctx.resolver.resolve_method(vm)
        except DiplomatError as exc:
            if not could_not_fetch(exc):
                return CheckOutcome.failed(
                    Message(
                        "The signing key %(method)s could not be found: %(detail)s.",
                        method=vm,
                        detail=english(exc.detail),
                    ),
                    exc,
                    *evidence,
                )
            unknown.append((vm, exc))
            continue
        evidence.append(
            Evidence(
                kind="did-document",
                source=did,
                signed_by=document.id,
                detail=Message("verification method %(method)s", method=vm),
            )
        )
    if unknown:
        first_vm, first_error = unknown[0]
        return CheckOutcome.unknown(
            Message(
                "The issuer's key %(method)s could not be fetched (%(detail)s); the signature "
                "could not be checked.",
                method=first_vm,
                detail=english(first_error.detail),
            ),
            first_error,
            *evidence,
        )
    if len(methods) > 1:
        return CheckOutcome.passed(Message("The signing keys resolved."), *evidence)
    return CheckOutcome.passed(Message("The signing key resolved."), *evidence)


# --- S8 proof and purpose ----------------------------------------------------------------------


def check_signature(facts: Facts) -> CheckOutcome:
    """Every proof verifies over the credential as received (and there is at least one)."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    if facts.jwt is not None:
        return _jwt_signature(facts)
    result = facts.proofs
    evidence = tuple(
        Evidence(
            kind="proof",
            source=r.verification_method,
            signed_by=r.controller,
            signature_verified=r.verified,
            detail=_suite_detail(r.suite, r.created),
        )
        for r in result.results
    )
    if not result.results:
        error: DiplomatError = ProofVerificationError(
            "the credential has no proof: nothing was verified"
        )
        return CheckOutcome.failed(
            Message(
                "The credential is not signed: it has no proof, so anyone could have written it."
            ),
            error,
        )
    failed = [
        r.error for r in result.results if r.error is not None and not could_not_fetch(r.error)
    ]
    # Tampering is claimed only when the signature arithmetic failed over the bytes received;
    # any other refusal (a revoked key, a proof from the future, a wrong purpose) says what it is.
    mismatched = [error for error in failed if isinstance(error, SignatureMismatchError)]
    if mismatched:
        error = mismatched[0]
        return CheckOutcome.failed(
            Message(
                "The signature does not match the credential: it was changed after signing, or "
                "signed with another key (%(detail)s).",
                detail=english(error.detail),
            ),
            error,
            *evidence,
        )
    if failed:
        error = failed[0]
        return CheckOutcome.failed(
            Message("The proof cannot be accepted: %(detail)s.", detail=english(error.detail)),
            error,
            *evidence,
        )
    unfetched = [r.error for r in result.results if r.error is not None]
    if unfetched:
        return CheckOutcome.unknown(
            Message(
                "The signature could not be checked: %(detail)s.",
                detail=english(unfetched[0].detail),
            ),
            unfetched[0],
            *evidence,
        )
    count = len(result.results)
    if count > 1:
        return CheckOutcome.passed(
            Message(
                "The signature is valid: the credential has not been changed since it was "
                "signed (%(count)s proofs).",
                count=count,
            ),
            *evidence,
        )
    return CheckOutcome.passed(
        Message("The signature is valid: the credential has not been changed since it was signed."),
        *evidence,
    )


def _suite_detail(suite: str | None, created: datetime | None) -> str:
    name = suite or Message("unknown suite")
    if created is None:
        return name
    return Message("%(suite)s, created %(created)s", suite=name, created=created)


def _jwt_signature(facts: Facts) -> CheckOutcome:
    evidence = Evidence(
        kind="jws",
        source=facts.jwt_verification_method,
        signed_by=facts.jwt_controller,
        signature_verified=facts.jwt_error is None,
    )
    error = facts.jwt_error
    if error is None:
        return CheckOutcome.passed(
            Message(
                "The JWT signature is valid: the credential has not been changed since it was "
                "signed."
            ),
            evidence,
        )
    detail = english(error.detail)
    if could_not_fetch(error):
        return CheckOutcome.unknown(
            Message("The JWT signature could not be checked: %(detail)s.", detail=detail),
            error,
            evidence,
        )
    if isinstance(error, SignatureMismatchError):
        return CheckOutcome.failed(
            Message(
                "The JWT signature does not match the credential: it was changed after "
                "signing, or signed with another key (%(detail)s).",
                detail=detail,
            ),
            error,
            evidence,
        )
    return CheckOutcome.failed(
        Message("The JWT cannot be accepted: %(detail)s.", detail=detail), error, evidence
    )


def check_issuer_binding(facts: Facts) -> CheckOutcome:
    """The signing key is controlled by the credential's issuer (VC-DI §4.2 proof purpose)."""
    if facts.document is None or facts.version is None:
        return CheckOutcome.skipped(NOT_A_CREDENTIAL)
    issuer = facts.issuer
    if issuer is None:
        error: DiplomatError = MalformedValueError(
            "the credential names no issuer", pointer="/issuer"
        )
        return CheckOutcome.failed(Message("The credential names no issuer."), error)
    if facts.jwt is not None:
        methods = verification_methods(facts)
        controllers: list[str | None] = [facts.jwt_controller or _did(m) for m in methods] or [None]
    else:
        if not facts.proofs.results:
            error = ProofVerificationError("no proof: no key to bind to the issuer")
            return CheckOutcome.failed(
                Message("The credential is not signed, so no key is bound to its issuer."), error
            )
        controllers = [
            r.controller
            for r in facts.proofs.results
            if r.proof_id is None or r.proof_id not in _endorsed_by(issuer, facts)
        ]
    strangers = [c for c in controllers if c is not None and c != issuer]
    if strangers:
        error = CryptographicSecurityError(
            f"the key is controlled by {strangers[0]}, not by the issuer {issuer}"
        )
        return CheckOutcome.failed(
            Message(
                "The credential was signed by %(signer)s, not by its issuer %(issuer)s: anyone "
                "can sign a document that names someone else as its issuer.",
                signer=strangers[0],
                issuer=issuer,
            ),
            error,
        )
    if None in controllers:
        return CheckOutcome.unknown(Message("Could not tell who controls the signing key."))
    return CheckOutcome.passed(
        Message("The signing key belongs to the issuer %(issuer)s.", issuer=issuer)
    )


def _endorsed_by(issuer: str, facts: Facts) -> set[str]:
    """Ids of the proofs that a verified proof of the issuer chains onto, directly or through
    other chained proofs (VC-DI §4.5 proof chains). The issuer signed over those proofs, so a
    proof in the chain made by someone else (a notary, a registrar's system) is endorsed by
    the issuer; a proof nobody of the issuer chains onto still fails the binding."""
    results = facts.proofs.results
    by_id = {r.proof_id: r for r in results if r.proof_id is not None}
    pending = [i for r in results if r.controller == issuer and r.verified for i in r.previous]
    endorsed: set[str] = set()
    while pending:
        proof_id = pending.pop()
        if proof_id in endorsed or proof_id not in by_id:
            continue
        endorsed.add(proof_id)
        pending.extend(by_id[proof_id].previous)
    return endorsed


def _did(vm: str) -> str | None:
    try:
        return split_did_url(vm)[0]
    except DiplomatError:
        return None
