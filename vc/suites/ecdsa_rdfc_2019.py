"""ecdsa-rdfc-2019: P-256/SHA-256 or P-384/SHA-384 over RDFC-1.0 (VC-DI-ECDSA §3.2)."""

from vc.keys import KeyType
from vc.suites import Cryptosuite

SUITE = Cryptosuite(
    name="ecdsa-rdfc-2019",
    proof_type="DataIntegrityProof",
    cryptosuite="ecdsa-rdfc-2019",
    canonicalization="rdfc",
    key_types=frozenset({KeyType.P256, KeyType.P384}),
)
