"""The Data Integrity engine: add proofs to a document and verify every proof on it (VC-DI §4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vc import jsonld, multibase
from vc.dates import CLOCK_SKEW, format_datetime, parse_datetime
from vc.dids import DidResolver
from vc.errors import (
    CryptographicSecurityError,
    DiplomatError,
    MalformedValueError,
    ProofVerificationError,
)
from vc.keys import KeyPair
from vc.purposes import AssertionMethod, ProofPurpose
from vc.suites import DEFAULT_SUITE, Cryptosuite, get_suite, suite_for_proof


def _contexts(document: Mapping[str, Any]) -> list[Any]:
    context = document.get("@context")
    if isinstance(context, str):
        return [context]
    if not isinstance(context, list) or not context:
        raise MalformedValueError("document has no @context")
    return list(context)


def unsecured(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document without its proof(s)."""
    return {k: v for k, v in document.items() if k != "proof"}


def proof_configuration(
    suite: Cryptosuite, document: Mapping[str, Any], options: Mapping[str, Any]
) -> dict[str, Any]:
    """The proof options as they are canonicalized: with the document's @context.

    rdfc suites canonicalize the configuration under the document's @context (the vectors'
    proofConfig*.json); jcs suites keep that @context in the emitted proof too.
    """
    config = {k: v for k, v in options.items() if k != "proofValue"}
    if suite.canonicalization == "rdfc":
        config["@context"] = _contexts(document)
    return config


def sign(
    document: Mapping[str, Any],
    key: KeyPair,
    *,
    verification_method: str,
    created: datetime,
    suite: str = DEFAULT_SUITE,
    proof_purpose: str = "assertionMethod",
    expires: datetime | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | None = None,
    loader: jsonld.DocumentLoader | None = None,
) -> dict[str, Any]:
    """Return a copy of `document` with one more proof (a proof set if one is there already).

    Every proof of a set signs the document without any proof; with ``previous_proof`` (the id
    of a proof already on the document) the new proof is chained: it signs the document with
    that proof (VC-DI §4.5). Deterministic for Ed25519:
    same input, key and `created` give the same proofValue as the reference libraries.
    Raises UnsupportedSuiteError, MalformedValueError, SafeModeError, ContextNotAllowedError.
    """
    chosen = get_suite(suite)
    contexts = _contexts(document)
    if chosen.required_context and chosen.required_context not in contexts:
        raise MalformedValueError(f"{chosen.name} needs {chosen.required_context} in @context")
    options: dict[str, Any] = {"type": chosen.proof_type}
    if proof_id:
        options["id"] = proof_id
    options["created"] = format_datetime(created)
    if expires is not None:
        options["expires"] = format_datetime(expires)
    options["verificationMethod"] = verification_method
    if chosen.cryptosuite:
        options["cryptosuite"] = chosen.cryptosuite
    options["proofPurpose"] = proof_purpose
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    if previous_proof is not None:
        options["previousProof"] = previous_proof
    if chosen.canonicalization == "jcs":
        options["@context"] = contexts
    existing_proofs = document.get("proof")
    base = _chained_base(
        unsecured(document),
        () if previous_proof is None else (previous_proof,),
        _as_list(existing_proofs) if existing_proofs is not None else [],
    )
    data = chosen.verify_data(
        base, proof_configuration(chosen, base, options), key.key_type, loader
    )
    proof = {**options, "proofValue": multibase.encode_base58btc(key.sign(data.hash_data))}
    existing = document.get("proof")
    signed = dict(document)
    if existing is None:
        signed["proof"] = proof
    else:
        signed["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return signed


@dataclass(frozen=True)
class ProofResult:
    """The outcome of one proof. `error` is None exactly when the proof verified."""

    suite: str | None
    verification_method: str | None
    controller: str | None
    created: datetime | None
    error: DiplomatError | None = None
    # The proof's id and the ids its previousProof names (a proof chain, VC-DI §4.5).
    proof_id: str | None = None
    previous: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ProofsResult:
    """All proofs of a document: verified only if there is at least one and every one verified."""

    results: tuple[ProofResult, ...]

    @property
    def verified(self) -> bool:
        return bool(self.results) and all(r.verified for r in self.results)

    @property
    def errors(self) -> tuple[DiplomatError, ...]:
        if not self.results:
            return (ProofVerificationError("the document has no proof: nothing was verified"),)
        return tuple(r.error for r in self.results if r.error is not None)


def verify(
    document: Mapping[str, Any],
    *,
    resolver: DidResolver,
    now: datetime,
    purpose: ProofPurpose | None = None,
    loader: jsonld.DocumentLoader | None = None,
) -> ProofsResult:
    """Verify every proof on a document. Never raises for a bad proof: each result says why."""
    proofs = document.get("proof")
    if proofs is None:
        return ProofsResult(())
    items: Sequence[Any] = proofs if isinstance(proofs, list) else [proofs]
    base = unsecured(document)
    chosen_purpose: ProofPurpose = purpose or AssertionMethod()
    return ProofsResult(
        tuple(
            _verify_one(
                base, p, items, resolver=resolver, now=now, purpose=chosen_purpose, loader=loader
            )
            for p in items
        )
    )


def _previous_ids(proof: Mapping[str, Any]) -> tuple[str, ...]:
    """The ids named by proof.previousProof (a string or a list of strings), in order.

    Raises MalformedValueError for any other shape (VC-DI §2.1 "previousProof").
    """
    value = proof.get("previousProof")
    if value is None:
        return ()
    ids = [value] if isinstance(value, str) else value
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise MalformedValueError(
            "proof.previousProof must be a string or a non-empty list of strings"
        )
    return tuple(ids)


def _chained_base(
    base: Mapping[str, Any], previous: tuple[str, ...], all_proofs: Sequence[Any]
) -> Mapping[str, Any]:
    """VC-DI §4.5 "Verify Proof Sets and Chains" step 3: the document a chained proof signed
    is the unsecured document with ``proof`` set to the proofs it names. Raises
    ProofVerificationError when a named proof is not among the document's proofs."""
    if not previous:
        return base
    by_id = {p.get("id"): p for p in all_proofs if isinstance(p, dict) and "id" in p}
    missing = [i for i in previous if i not in by_id]
    if missing:
        raise ProofVerificationError(
            f"previousProof {missing[0]!r} names no proof of this document"
        )
    return {**base, "proof": [by_id[i] for i in previous]}


def _verify_one(
    base: Mapping[str, Any],
    proof: Any,
    all_proofs: Sequence[Any],
    *,
    resolver: DidResolver,
    now: datetime,
    purpose: ProofPurpose,
    loader: jsonld.DocumentLoader | None,
) -> ProofResult:
    suite_name = vm_id = controller = proof_id = None
    created = None
    previous: tuple[str, ...] = ()
    try:
        if not isinstance(proof, dict):
            raise MalformedValueError("proof must be an object")
        suite = suite_for_proof(proof)
        suite_name = suite.name
        # Only a string is ever kept as the method: a list or an object here would travel on
        # into the report's evidence as if it were an id.
        raw_vm = proof.get("verificationMethod")
        if not isinstance(raw_vm, str):
            raise MalformedValueError("proof.verificationMethod must be a string")
        vm_id = raw_vm
        created = parse_datetime(proof.get("created"), "proof.created")
        if created > now + CLOCK_SKEW:
            # VC-DI §4.3 step: a proof cannot have been made after the moment of verification.
            raise ProofVerificationError(
                f"the proof claims to be created at {proof['created']}, after now "
                f"({format_datetime(now)}) beyond the clock-skew tolerance"
            )
        if "expires" in proof and parse_datetime(proof["expires"], "proof.expires") <= now:
            raise ProofVerificationError(f"the proof expired at {proof['expires']}")
        proof_id = proof.get("id") if isinstance(proof.get("id"), str) else None
        previous = _previous_ids(proof)
        signed_base = _chained_base(base, previous, all_proofs)
        if proof.get("proofPurpose") != purpose.term:
            raise CryptographicSecurityError(
                f"proofPurpose is {proof.get('proofPurpose')!r}, expected {purpose.term!r}"
            )
        signature = multibase.decode_base58btc(proof.get("proofValue"), "proof.proofValue")
        # VC-DI-EdDSA §3.4 (jcs): a proof @context must be the document's own. An rdfc proof
        # is canonicalized under the document's @context (proof_configuration), so a different
        # @context in it would be an unsigned addition: refused alike.
        if (
            "@context" in proof
            and _as_list(proof["@context"])
            != _contexts(signed_base)[: len(_as_list(proof["@context"]))]
        ):
            raise ProofVerificationError("proof @context does not match the document's")
        if suite.required_context and suite.required_context not in _contexts(signed_base):
            raise MalformedValueError(f"{suite.name} needs {suite.required_context} in @context")
        method, controller_doc = resolver.resolve_method(vm_id)
        controller = controller_doc.id
        data = suite.verify_data(
            signed_base,
            proof_configuration(suite, signed_base, proof),
            method.public_key.key_type,
            loader,
        )
        method.public_key.verify(signature, data.hash_data)
        purpose.validate(signed_base, proof, method, controller_doc)
    except DiplomatError as exc:
        return ProofResult(suite_name, vm_id, controller, created, exc, proof_id, previous)
    return ProofResult(suite_name, vm_id, controller, created, None, proof_id, previous)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
