"""eddsa-rdfc-2022: Ed25519 over RDFC-1.0 with SHA-256 (VC-DI-EdDSA §3.3); Diplomat's default."""

from vc.keys import KeyType
from vc.suites import Cryptosuite

SUITE = Cryptosuite(
    name="eddsa-rdfc-2022",
    proof_type="DataIntegrityProof",
    cryptosuite="eddsa-rdfc-2022",
    canonicalization="rdfc",
    key_types=frozenset({KeyType.ED25519}),
)
