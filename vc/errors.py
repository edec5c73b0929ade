"""The one error hierarchy of Diplomat, mapped to VC 2.0 problem types and RFC 9457 problem details.

    DiplomatError                       (base; never raised directly)
    ├── ParsingError                    PARSING_ERROR                400  not JSON / not JSON-LD / bad JWT
    │   └── ContextNotAllowedError      PARSING_ERROR                400  a context URL we do not vendor
    ├── MalformedValueError             MALFORMED_VALUE_ERROR        400  a value of the wrong shape
    │   ├── UnsupportedSuiteError       MALFORMED_VALUE_ERROR        400  unknown cryptosuite / proof type
    │   └── SafeModeError               MALFORMED_VALUE_ERROR        400  JSON-LD would drop or relativise a term
    ├── RangeValueError                 RANGE_ERROR                  400  a value out of range (index, size)
    ├── CryptographicSecurityError      CRYPTOGRAPHIC_SECURITY_ERROR 422  signature / key / purpose failure
    │   ├── ProofVerificationError      PROOF_VERIFICATION_ERROR     422
    │   │   └── SignatureMismatchError  PROOF_VERIFICATION_ERROR     422  the signature arithmetic failed
    │   ├── ProofGenerationError        PROOF_GENERATION_ERROR       500  (our fault, e.g. key missing)
    │   ├── WeakKeyError                CRYPTOGRAPHIC_SECURITY_ERROR 422  small-order Ed25519 key
    │   ├── RevokedKeyError             CRYPTOGRAPHIC_SECURITY_ERROR 422  the DID document revoked the method
    │   └── PrivateKeyPublishedError    CRYPTOGRAPHIC_SECURITY_ERROR 422  a DID document publishes a secret
    ├── ResolutionError                 INVALID_VERIFICATION_METHOD  422  a DID or method cannot be resolved
    ├── FetchError                      STATUS / RESOURCE RETRIEVAL  502  a remote document could not be had
    │   └── UnsafeUrlError              MALFORMED_VALUE_ERROR        400  refused URL (scheme, address)
    ├── WorkLimitError                  RANGE_ERROR                  422  canonicalization work bound hit
    └── StatusListError                 STATUS_VERIFICATION_ERROR    422  status list malformed / too large

Primitives raise; they never return a bool to be forgotten. Third-party exceptions are translated at
the boundary with ``raise ... from``.
"""

from __future__ import annotations

from typing import Any, ClassVar

VCDM = "https://www.w3.org/TR/vc-data-model#"
VCDI = "https://w3id.org/security#"


class DiplomatError(Exception):
    """Base class: every error carries a problem type, an HTTP status and a short title."""

    problem_type: ClassVar[str] = VCDM + "PARSING_ERROR"
    code: ClassVar[int] = -64
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Error"

    def __init__(self, detail: str, *, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.pointer = pointer

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """Render as RFC 9457 problem details (also the VC 2.0 §7.1 ProblemDetails shape)."""
        problem: dict[str, Any] = {
            "type": self.problem_type,
            "code": self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.pointer is not None:
            problem["pointer"] = self.pointer
        if instance is not None:
            problem["instance"] = instance
        return problem


class ParsingError(DiplomatError):
    problem_type = VCDM + "PARSING_ERROR"
    code = -64
    status = 400
    title = "Parsing error"


class ContextNotAllowedError(ParsingError):
    title = "Context not allowed"


class MalformedValueError(DiplomatError):
    problem_type = VCDM + "MALFORMED_VALUE_ERROR"
    code = -66
    status = 400
    title = "Malformed value"


class UnsupportedSuiteError(MalformedValueError):
    title = "Unsupported proof type or cryptosuite"


class SafeModeError(MalformedValueError):
    title = "JSON-LD safe mode violation"


class RangeValueError(DiplomatError):
    problem_type = VCDM + "RANGE_ERROR"
    code = -67
    status = 400
    title = "Value out of range"


class CryptographicSecurityError(DiplomatError):
    problem_type = VCDM + "CRYPTOGRAPHIC_SECURITY_ERROR"
    code = -65
    status = 422
    title = "Cryptographic security error"


class ProofVerificationError(CryptographicSecurityError):
    problem_type = VCDI + "PROOF_VERIFICATION_ERROR"
    code = -16
    title = "Proof verification error"


class SignatureMismatchError(ProofVerificationError):
    """The signature arithmetic failed over the bytes received: the only error that lets a
    verifier say the document was changed after signing (or signed with another key). Material
    that could not be obtained is a FetchError or a ResolutionError, never this."""

    title = "Signature does not match"


class ProofGenerationError(CryptographicSecurityError):
    problem_type = VCDI + "PROOF_GENERATION_ERROR"
    code = -16
    status = 500
    title = "Proof generation error"


class WeakKeyError(CryptographicSecurityError):
    title = "Weak public key"


class RevokedKeyError(CryptographicSecurityError):
    title = "Verification method revoked"


class PrivateKeyPublishedError(CryptographicSecurityError):
    title = "Private key material published"


class ResolutionError(DiplomatError):
    problem_type = VCDI + "INVALID_VERIFICATION_METHOD"
    code = -26
    status = 422
    title = "Verification method could not be resolved"


class FetchError(DiplomatError):
    """``http_status`` is the remote server's answer when it gave one (404, 410, 500, ...)."""

    problem_type = "https://www.w3.org/ns/credentials/status-list#STATUS_RETRIEVAL_ERROR"
    code = -128
    status = 502
    title = "Remote document could not be retrieved"

    def __init__(
        self, detail: str, *, pointer: str | None = None, http_status: int | None = None
    ) -> None:
        super().__init__(detail, pointer=pointer)
        self.http_status = http_status


class UnsafeUrlError(FetchError):
    problem_type = VCDM + "MALFORMED_VALUE_ERROR"
    code = -66
    status = 400
    title = "URL refused"


class WorkLimitError(DiplomatError):
    problem_type = VCDM + "RANGE_ERROR"
    code = -67
    status = 422
    title = "Work limit exceeded"


class StatusListError(DiplomatError):
    problem_type = "https://www.w3.org/ns/credentials/status-list#STATUS_VERIFICATION_ERROR"
    code = -129
    status = 422
    title = "Status list error"
