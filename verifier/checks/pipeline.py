"""The table of named checks (stable ids, sections, severities, aliases) and the runner.

Every check always runs (no early exit: the report says everything that is wrong); order is authenticity first. The
aliases map each id to the step names of DCC verifier-core, Blockcerts cert-verifier-js,
walt.id policies, Digital Bazaar vc.js, the W3C VC API, OB 3.0 and the legacy walt.id EBSI
policies, so clients written for those can read our report. ``None`` means "that verifier has no such step".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from vc.errors import DiplomatError, MalformedValueError, ParsingError
from vc.message import English, Message, english
from verifier.checks import authenticity, convention, legitimacy, recipient, text, validity
from verifier.checks.facts import Facts
from verifier.checks.model import CheckOutcome, CheckResult, Section, Severity, Status

__all__ = ["CREDENTIAL_CHECKS", "CheckSpec", "run_checks"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckSpec:
    """A named check: what it is called everywhere, which question it answers, how bad a
    failure is, and the function that computes it.

    ``reads_claims``: an authenticity check whose result rests on what the credential says (not
    on its integrity), so it is marked ``computed_on_untrusted_data`` like the other sections when
    the proof does not verify. Checks outside authenticity always are.
    """

    id: str
    section: Section
    severity: Severity
    run: Callable[[Facts], CheckOutcome]
    aliases: Mapping[str, str | None]
    reads_claims: bool = False

    def rests_on_claims(self, result: CheckResult) -> bool:
        """Whether this result describes the credential's content (a not-applicable
        authenticity check read nothing)."""
        if self.section is not Section.AUTHENTICITY:
            return True
        return self.reads_claims and result.status is not Status.NOT_APPLICABLE

    def result(self, outcome: CheckOutcome) -> CheckResult:
        return CheckResult(
            id=self.id,
            section=self.section,
            status=outcome.status,
            severity=self.severity,
            message=outcome.message,
            problem=None if outcome.error is None else outcome.error.to_problem(),
            evidence=outcome.evidence,
            aliases=self.aliases,
        )


def _aliases(
    dcc: str | None = None,
    blockcerts: str | None = None,
    waltid: str | None = None,
    vcjs: str | None = None,
    vcapi: str | None = None,
    ob3: str | None = None,
    ebsi: str | None = None,
) -> Mapping[str, str | None]:
    return {
        "dcc": dcc,
        "blockcerts": blockcerts,
        "waltid": waltid,
        "vcjs": vcjs,
        "vcapi": vcapi,
        "ob3": ob3,
        "ebsi": ebsi,
    }


A, V, L, R = (
    Section.AUTHENTICITY,
    Section.VALIDITY,
    Section.ISSUER_LEGITIMACY,
    Section.RECOGNITION,
)
ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CREDENTIAL_CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(
        "format",
        A,
        ERROR,
        authenticity.check_format,
        _aliases(
            "no_vc_context", "formatValidation", None, "_checkCredential", "PARSING_ERROR", None
        ),
    ),
    CheckSpec(
        "data_model",
        A,
        ERROR,
        authenticity.check_data_model,
        _aliases(
            "invalid_credential_id",
            "validateDateFormat",
            None,
            "_checkCredential",
            "MALFORMED_VALUE_ERROR",
            None,
        ),
    ),
    CheckSpec(
        "jsonld.safe_mode",
        A,
        ERROR,
        authenticity.check_safe_mode,
        _aliases("invalid_jsonld", None, None, "documentLoader", "PARSING_ERROR", None),
    ),
    CheckSpec(
        "schema",
        A,
        ERROR,
        authenticity.check_schema,
        _aliases(
            "schema_check",
            "checkCredentialSchemaConformity",
            "schema",
            None,
            "results.credentialSchema",
            "conformance",
            "EbsiTrustedSchemaRegistryPolicy",
        ),
    ),
    CheckSpec(
        "key_resolution",
        A,
        ERROR,
        authenticity.check_key_resolution,
        _aliases(
            "issuer_did_resolves",
            "retrieveVerificationMethodPublicKey",
            "signature",
            "documentLoader",
            "CRYPTOGRAPHIC_SECURITY_ERROR",
            "proof",
        ),
    ),
    CheckSpec(
        "proof.signature",
        A,
        ERROR,
        authenticity.check_signature,
        _aliases(
            "valid_signature",
            "checkDocumentSignature",
            "signature",
            "verifyCredential",
            "results.proof",
            "proof",
        ),
    ),
    CheckSpec(
        "proof.issuer_binding",
        A,
        ERROR,
        authenticity.check_issuer_binding,
        _aliases(
            None,
            "controlVerificationMethod",
            "signature",
            "CredentialIssuancePurpose",
            "results.proof",
            "proof",
        ),
    ),
    # OB 3.0 §9 step 5: a warning, not an error. A mismatch is often an address the candidate
    # gave the university years ago; the employer decides.
    CheckSpec(
        "recipient",
        A,
        WARNING,
        recipient.check_recipient,
        _aliases(ob3="recipient"),
        reads_claims=True,
    ),
    # Unicode TR #36 / UTS #39: what the report shows must be what was signed, read the same
    # way. A warning: the signature may still be genuine (the issuer wrote it so). It judges the
    # characters received, not what they claim, so it holds whether or not the proof verified.
    CheckSpec("display.text", A, WARNING, text.check_displayed_text, _aliases()),
    CheckSpec(
        "validity.valid_from",
        V,
        WARNING,
        validity.check_valid_from,
        _aliases(
            None,
            "ensureValidityPeriodStarted",
            "not-before",
            "_checkCredential",
            "results.validFrom",
            "status",
        ),
    ),
    CheckSpec(
        "validity.valid_until",
        V,
        WARNING,
        validity.check_valid_until,
        _aliases(
            "expiration",
            "checkExpiresDate",
            "expiration",
            "_checkCredential",
            "results.validUntil",
            "status",
        ),
    ),
    CheckSpec(
        "status.revocation",
        V,
        WARNING,
        validity.check_revocation,
        _aliases(
            "revocation_status",
            "checkRevokedStatus",
            "credential-status",
            "checkStatus",
            "results.credentialStatus",
            "status",
        ),
    ),
    CheckSpec(
        "status.suspension",
        V,
        WARNING,
        validity.check_suspension,
        _aliases(
            "suspension",
            "checkRevokedStatus",
            "credential-status",
            "checkStatus",
            "results.credentialStatus",
            None,
        ),
    ),
    CheckSpec(
        "status.message",
        V,
        WARNING,
        validity.check_message,
        _aliases(
            None,
            None,
            "credential-status",
            "checkStatus",
            "results.credentialStatus",
            None,
        ),
    ),
    CheckSpec(
        "issuer.registered",
        L,
        WARNING,
        legitimacy.check_registered,
        _aliases(
            "registered_issuer",
            None,
            "allowed-issuer",
            None,
            None,
            None,
            "EbsiTrustedIssuerDidPolicy",
        ),
    ),
    CheckSpec(
        "accreditation.scope_at_award_date",
        L,
        WARNING,
        legitimacy.check_accreditation_at_award,
        _aliases(ebsi="EbsiTrustedIssuerRegistryPolicy"),
    ),
    CheckSpec(
        "accreditation.current",
        L,
        INFO,
        legitimacy.check_accreditation_today,
        _aliases(None, None, None, None, None, None),
    ),
    CheckSpec(
        "recognition.convention",
        R,
        WARNING,
        convention.check_recognition,
        _aliases(None, None, None, None, None, None),
    ),
)


def _safely(spec: CheckSpec, facts: Facts) -> CheckResult:
    """Run one check; an error it did not expect is reported as that check's failure (a typed
    problem), never raised: one broken step must not hide the others."""
    try:
        return spec.result(spec.run(facts))
    except DiplomatError as exc:
        return spec.result(
            CheckOutcome.failed(
                Message(
                    "The check could not be completed: %(detail)s.", detail=english(exc.detail)
                ),
                exc,
            )
        )
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # A bug or an input we did not foresee: the report says "could not check", and the log
        # keeps the traceback so that it can be fixed.
        _log.exception("check %s could not be completed", spec.id)
        error = ParsingError(f"{type(exc).__name__} while checking {spec.id}: {exc}")
        return spec.result(
            CheckOutcome(
                Status.INDETERMINATE,
                Message(
                    "The check could not be completed (%(detail)s).", detail=English(error.detail)
                ),
                error,
            )
        )


def run_checks(
    facts: Facts, specs: tuple[CheckSpec, ...] = CREDENTIAL_CHECKS
) -> tuple[CheckResult, ...]:
    """Run every check, then flag what was computed on data whose signature did not verify
    (report everything, but say what it rests on)."""
    results = tuple(_safely(spec, facts) for spec in specs)
    trusted = all(
        r.status is Status.PASS
        for r in results
        if r.section is Section.AUTHENTICITY and r.id.startswith("proof.")
    ) and any(r.id.startswith("proof.") for r in results)
    if trusted:
        return results
    return tuple(
        replace(r, computed_on_untrusted_data=True) if spec.rests_on_claims(r) else r
        for spec, r in zip(specs, results, strict=True)
    )


# VC-API verifyCredential ``options.checks``: each name the caller may ask for and the checks
# (by id, or id prefix ending in ".") it selects. The data-model checks always run and always
# count: a document that is not a conforming credential is never "verified".
VCAPI_CHECKS: Mapping[str, tuple[str, ...]] = {
    "proof": ("key_resolution", "proof."),
    "credentialStatus": ("status.",),
    "validFrom": ("validity.valid_from",),
    "issuanceDate": ("validity.valid_from",),
    "validUntil": ("validity.valid_until",),
    "expirationDate": ("validity.valid_until",),
    "expiration": ("validity.valid_until",),
}
ALWAYS_COUNTED: frozenset[str] = frozenset({"format", "data_model", "jsonld.safe_mode", "schema"})


def selected_by(requested: Sequence[str]) -> Callable[[str], bool]:
    """A predicate on check ids: is the check counted when the caller asked for ``requested``?

    Raises MalformedValueError naming an unknown check name (never silently skipped).
    """
    unknown = [name for name in requested if name not in VCAPI_CHECKS]
    if unknown:
        raise MalformedValueError(
            f"unknown check {unknown[0]!r}; supported: {', '.join(sorted(VCAPI_CHECKS))}",
            pointer="/options/checks",
        )
    patterns = [p for name in requested for p in VCAPI_CHECKS[name]]

    def counted(check_id: str) -> bool:
        return check_id in ALWAYS_COUNTED or any(
            check_id.startswith(p) if p.endswith(".") else check_id == p for p in patterns
        )

    return counted
