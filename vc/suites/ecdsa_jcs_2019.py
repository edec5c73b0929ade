"""ecdsa-jcs-2019: P-256/SHA-256 or P-384/SHA-384 over RFC 8785 JCS (VC-DI-ECDSA §3.3)."""

from vc.keys import KeyType
from vc.suites import Cryptosuite

SUITE = Cryptosuite(
    name="ecdsa-jcs-2019",
    proof_type="DataIntegrityProof",
    cryptosuite="ecdsa-jcs-2019",
    canonicalization="jcs",
    key_types=frozenset({KeyType.P256, KeyType.P384}),
)
