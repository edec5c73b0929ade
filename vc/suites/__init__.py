"""Cryptosuites: how each turns a document and proof options into the bytes that are signed.

One module per suite; this module holds the shared shape and the registry. The generic Data
Integrity engine (vc.proofs) and the proof purposes (vc.purposes) are separate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import rfc8785

from vc import jsonld
from vc.errors import MalformedValueError, UnsupportedSuiteError
from vc.keys import KeyType


@dataclass(frozen=True)
class VerifyData:
    """The intermediate values of VC-DI §4 "Create Verify Data" (kept for the vector tests)."""

    canonical_document: bytes
    canonical_proof_config: bytes
    hash_data: bytes  # proofConfigHash || documentHash: the bytes that are signed


@dataclass(frozen=True)
class Cryptosuite:
    name: str  # the registry key: the cryptosuite name, or the legacy proof type
    proof_type: str
    cryptosuite: str | None
    canonicalization: Literal["rdfc", "jcs"]
    key_types: frozenset[KeyType]
    required_context: str | None = None

    def hash_name(self, key_type: KeyType) -> str:
        # ecdsa-*-2019 with P-384 uses SHA-384 throughout, including inside RDFC-1.0.
        return "sha384" if key_type is KeyType.P384 else "sha256"

    def canonicalize(
        self,
        document: Mapping[str, Any],
        key_type: KeyType,
        loader: jsonld.DocumentLoader | None,
    ) -> bytes:
        if self.canonicalization == "jcs":
            try:
                return bytes(rfc8785.dumps(dict(document)))
            except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
                raise MalformedValueError(f"JCS canonicalization failed: {exc}") from exc
        return jsonld.canonize(document, loader, hash_name=self.hash_name(key_type)).encode()

    def verify_data(
        self,
        unsecured: Mapping[str, Any],
        proof_config: Mapping[str, Any],
        key_type: KeyType,
        loader: jsonld.DocumentLoader | None = None,
    ) -> VerifyData:
        """Canonicalize both, hash both, concatenate proof hash first (VC-DI §4.x hashing)."""
        if key_type not in self.key_types:
            raise UnsupportedSuiteError(f"{self.name} cannot be used with a {key_type} key")
        canonical_document = self.canonicalize(unsecured, key_type, loader)
        canonical_config = self.canonicalize(proof_config, key_type, loader)
        name = self.hash_name(key_type)
        hash_data = (
            hashlib.new(name, canonical_config).digest()
            + hashlib.new(name, canonical_document).digest()
        )
        return VerifyData(canonical_document, canonical_config, hash_data)


def _registry() -> dict[str, Cryptosuite]:
    from vc.suites import (
        ecdsa_jcs_2019,
        ecdsa_rdfc_2019,
        ed25519_signature_2020,
        eddsa_jcs_2022,
        eddsa_rdfc_2022,
    )

    suites = (
        eddsa_rdfc_2022.SUITE,
        ecdsa_rdfc_2019.SUITE,
        eddsa_jcs_2022.SUITE,
        ecdsa_jcs_2019.SUITE,
        ed25519_signature_2020.SUITE,
    )
    return {suite.name: suite for suite in suites}


SUITES: Mapping[str, Cryptosuite] = _registry()
DEFAULT_SUITE = "eddsa-rdfc-2022"


def get_suite(name: str) -> Cryptosuite:
    """A suite by name ("eddsa-rdfc-2022", …, "Ed25519Signature2020"). Raises UnsupportedSuiteError."""
    try:
        return SUITES[name]
    except KeyError:
        raise UnsupportedSuiteError(
            f"unknown cryptosuite {name!r}; supported: {', '.join(sorted(SUITES))}"
        ) from None


def suite_for_proof(proof: Mapping[str, Any]) -> Cryptosuite:
    """Select the suite a proof names (type, and cryptosuite for DataIntegrityProof)."""
    proof_type = proof.get("type")
    if proof_type == "DataIntegrityProof":
        name = proof.get("cryptosuite")
        if not isinstance(name, str):
            raise MalformedValueError("DataIntegrityProof has no cryptosuite")
        suite = get_suite(name)
        if suite.proof_type != "DataIntegrityProof":
            raise UnsupportedSuiteError(f"{name!r} is not a Data Integrity cryptosuite")
        return suite
    if isinstance(proof_type, str) and proof_type in SUITES and "cryptosuite" not in proof:
        return SUITES[proof_type]
    raise UnsupportedSuiteError(f"unsupported proof type {proof_type!r}")
