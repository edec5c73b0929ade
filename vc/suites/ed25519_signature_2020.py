"""Ed25519Signature2020: the legacy suite existing wallets use (RDFC-1.0, SHA-256, Ed25519)."""

from vc.contexts import ED25519_2020_V1
from vc.keys import KeyType
from vc.suites import Cryptosuite

SUITE = Cryptosuite(
    name="Ed25519Signature2020",
    proof_type="Ed25519Signature2020",
    cryptosuite=None,
    canonicalization="rdfc",
    key_types=frozenset({KeyType.ED25519}),
    # The proof's terms are defined by this context, which the document must carry.
    required_context=ED25519_2020_V1,
)
