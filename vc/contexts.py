"""The JSON-LD context URLs the code names, each defined once (the documents themselves are
vendored under schemas/contexts/ with schemas/contexts/manifest.json, and never fetched)."""

from __future__ import annotations

from typing import Final

# VC Data Model 2.0 §4.3 (the base context, first in every 2.0 credential) and 1.1 §4.1.
VC_V2: Final = "https://www.w3.org/ns/credentials/v2"
VC_V1: Final = "https://www.w3.org/2018/credentials/v1"
# Bitstring Status List v1.0 §2.1 context for VC 1.1 documents (2.0 includes its terms).
STATUS_V1: Final = "https://www.w3.org/ns/credentials/status/v1"
# VC Data Integrity 1.0 §2.1: the proof terms for documents whose base context lacks them.
DATA_INTEGRITY_V2: Final = "https://w3id.org/security/data-integrity/v2"
# DID Core 1.0 §6.3.1 and Controlled Identifiers (Multikey) 1.0 §2.2.2.
DID_V1: Final = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1: Final = "https://w3id.org/security/multikey/v1"
# Ed25519Signature2020 (a legacy suite, verified only).
ED25519_2020_V1: Final = "https://w3id.org/security/suites/ed25519-2020/v1"
# Open Badges 3.0 (1EdTech), the version 3.0.3 context.
OB_V3P0: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# VC-DM 2.0 §4.3 "undefined-terms" context: a catch-all @vocab (refused by safe mode, vc.jsonld).
UNDEFINED_TERMS_V2: Final = "https://www.w3.org/ns/credentials/undefined-terms/v2"
