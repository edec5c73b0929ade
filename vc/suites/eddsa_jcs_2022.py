"""eddsa-jcs-2022: Ed25519 over RFC 8785 JCS with SHA-256 (VC-DI-EdDSA §3.4)."""

from vc.keys import KeyType
from vc.suites import Cryptosuite

SUITE = Cryptosuite(
    name="eddsa-jcs-2022",
    proof_type="DataIntegrityProof",
    cryptosuite="eddsa-jcs-2022",
    canonicalization="jcs",
    key_types=frozenset({KeyType.ED25519}),
)
