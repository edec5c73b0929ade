"""Accreditation registries: who is accredited, for which degrees and when, per a signed registry.

The verifier's answer about an issuer's accreditation comes from registries its operator
configured (a national information centre, an accreditation agency), never from what a
credential says about itself. Modules:

    model     the registry document (schemas/registry.schema.json) as frozen values
    evaluate  one registry, one issuer: the outcome at the award date and today
    signed    the registry as a signed VC 2.0 credential; loading with trust and freshness
    assess    every configured registry at once, with evidence per registry
    dcc       Digital Credentials Consortium known-issuer lists (known, not accredited)
    builder   pure helpers for the registry CLI (new, add institution, inspect)
"""

from __future__ import annotations

from verifier.registry.assess import (
    ConsultedRegistry,
    RegistryAssessment,
    UncheckedRegistry,
    evaluate_all,
)
from verifier.registry.builder import accreditation_entry, add_institution, inspect, new_registry
from verifier.registry.dcc import KnownIssuer, KnownIssuerMatch, KnownIssuers, import_dcc_registry
from verifier.registry.evaluate import AccreditationOutcome, DateFinding, RegistryFinding, evaluate
from verifier.registry.model import (
    Accreditation,
    AccreditationStatus,
    AccreditingBody,
    Institution,
    Operator,
    Registry,
    Scope,
    Source,
    parse_registry,
)
from verifier.registry.signed import (
    CREDENTIAL_TYPE,
    REGISTRY_CONTEXT,
    Freshness,
    LoadedRegistry,
    RegistryError,
    RegistryEvidence,
    load_registry,
    registry_credential,
)

__all__ = [
    "CREDENTIAL_TYPE",
    "REGISTRY_CONTEXT",
    "Accreditation",
    "AccreditationOutcome",
    "AccreditationStatus",
    "AccreditingBody",
    "ConsultedRegistry",
    "DateFinding",
    "Freshness",
    "Institution",
    "KnownIssuer",
    "KnownIssuerMatch",
    "KnownIssuers",
    "LoadedRegistry",
    "Operator",
    "Registry",
    "RegistryAssessment",
    "RegistryError",
    "RegistryEvidence",
    "RegistryFinding",
    "Scope",
    "Source",
    "UncheckedRegistry",
    "accreditation_entry",
    "add_institution",
    "evaluate",
    "evaluate_all",
    "import_dcc_registry",
    "inspect",
    "load_registry",
    "new_registry",
    "parse_registry",
    "registry_credential",
]
