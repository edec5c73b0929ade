"""The verification pipeline and its report: named checks → section verdicts → overall verdict.

Every check in ``verifier.checks.CREDENTIAL_CHECKS`` always runs; nothing is assigned, every
verdict below is a property computed from the check results.

Section verdict (one per section: authenticity, validity, issuer_legitimacy, recognition):

* ``fail``           some check of the section failed (severity error or warning);
* ``indeterminate``  none failed, but some could not be checked (severity error or warning);
* ``not_applicable`` every check of the section was not applicable;
* ``pass``           otherwise (passes, plus not-applicable checks and info-level notes).

Info-level checks (``accreditation.current``) are notes: they never change a section verdict.
Authenticity's verdict is its error-level checks' (is the document what the issuer signed?). Its
one warning-level check, ``recipient`` (was it issued to the person the verifier named, OB 3.0
§9), is about who presents it, not about the document: a mismatch or "could not check" there
leaves authenticity as it is and makes the overall verdict ``verified_with_warnings`` at best.

Overall verdict (``Report.verdict``):

* ``not_verified``           authenticity or validity failed (forged, altered, wrong signer,
                             malformed; expired, not yet valid, revoked, suspended);
* ``could_not_verify``       neither failed, but authenticity or validity is indeterminate (a key
                             or a status list could not be fetched). "Could not check" is never
                             shown as valid;
* ``verified_with_warnings`` authentic and in force, but issuer legitimacy or recognition is not
                             ``pass`` (failed, unknown), or a warning-level check failed or could
                             not be checked (the recipient check);
* ``verified``               authentic, in force, issuer accredited, and recognition passes or
                             does not apply.

``Report.verified`` is what the VC API's ``verified`` returns, with the reference library's
(vc.js) strictness: authenticity passes AND validity passes or does not apply. An expired,
revoked or suspended credential, or one whose status could not be checked, is not "verified"
to a machine client either; registry and recognition stay warnings (they are about the issuer
and the destination, not about this credential's integrity).

When the proof did not verify, every check outside authenticity is marked
``computed_on_untrusted_data``: it is still computed and shown, but it describes what the
document says, not what the issuer said.

Input (``verify_credential``): a mapping, or bytes/str holding JSON or a compact VC-JWT. Any
content problem (not UTF-8, not JSON, duplicate keys, a JSON array, a presentation) becomes a
report whose ``format`` check fails: content never raises. Only a caller's mistake raises: an
argument of the wrong Python type (ParsingError) or a malformed destination country
(MalformedValueError). ``recipient`` (a ``vc.ob3.RecipientIdentity``, validated when it was
made) is what the verifier knows about the candidate; without it the recipient check does not
apply.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from types import ModuleType
from typing import Any

from vc import strictjson
from vc.dates import format_datetime
from vc.errors import DiplomatError, ParsingError, UnsupportedSuiteError
from vc.message import Message, sentences
from vc.multibase import b64url_decode
from vc.ob3 import RecipientIdentity
from verifier.checks.convention import assessment
from verifier.checks.facts import (
    Facts,
    language_values,
    text_of,
)
from verifier.checks.model import (
    CheckResult,
    Section,
    Severity,
    Status,
)
from verifier.checks.pipeline import CREDENTIAL_CHECKS, run_checks
from verifier.context import VerifierContext, check_country
from verifier.display import shown
from verifier.lazy import cached_property
from verifier.prefetch import prefetched
from verifier.recognition import RecognitionAssessment

__all__ = [
    "CredentialSummary",
    "Report",
    "SectionVerdict",
    "Verdict",
    "verify_credential",
]


class Verdict(StrEnum):
    VERIFIED = "verified"
    VERIFIED_WITH_WARNINGS = "verified_with_warnings"
    NOT_VERIFIED = "not_verified"
    COULD_NOT_VERIFY = "could_not_verify"


SECTION_TITLES: Mapping[Section, str] = {
    Section.AUTHENTICITY: Message("Is it genuine?"),
    Section.VALIDITY: Message("Is it still in force?"),
    Section.ISSUER_LEGITIMACY: Message("Is the issuer an accredited institution?"),
    Section.RECOGNITION: Message("Is it recognised in the destination country?"),
}


@dataclass(frozen=True)
class SectionVerdict:
    """One section's verdict, computed from its checks (rules in the module docstring)."""

    section: Section
    checks: tuple[CheckResult, ...]

    def decides(self, check: CheckResult) -> bool:
        """Whether the check can change this section's verdict: not an info-level note, and in
        authenticity only the error-level checks (the recipient warning is about the presenter)."""
        if self.section is Section.AUTHENTICITY:
            return check.severity is Severity.ERROR
        return check.severity is not Severity.INFO

    @cached_property  # asked for by the verdict, the headline and each part of the JSON
    def status(self) -> Status:
        if any(c.counts_as_failure and self.decides(c) for c in self.checks):
            return Status.FAIL
        if any(c.counts_as_unknown and self.decides(c) for c in self.checks):
            return Status.INDETERMINATE
        if all(c.status is Status.NOT_APPLICABLE for c in self.checks):
            return Status.NOT_APPLICABLE
        return Status.PASS

    @cached_property
    def message(self) -> str:
        """The messages of the checks that decided the verdict."""
        status = self.status
        if status is Status.FAIL:
            deciding = [c for c in self.checks if c.counts_as_failure and self.decides(c)]
        elif status is Status.INDETERMINATE:
            deciding = [c for c in self.checks if c.counts_as_unknown and self.decides(c)]
        else:
            # Info-level notes still read along; a recipient match is not part of "genuine".
            deciding = [
                c
                for c in self.checks
                if c.status is status
                and (self.section is not Section.AUTHENTICITY or self.decides(c))
            ]
        return sentences([c.message for c in deciding])

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section.value,
            "title": SECTION_TITLES[self.section],
            "status": self.status.value,
            "message": self.message,
            "checks": [c.id for c in self.checks],
        }


@dataclass(frozen=True)
class CredentialSummary:
    """What the credential says, for display. Untrusted unless authenticity passed; the issuer's
    country comes from the registry, the claimed one is shown apart."""

    holder_name: str | None = None
    holder_id: str | None = None
    degree_title: str | None = None
    achievement_type: str | None = None
    field_of_study: str | None = None
    isced_level: str | None = None
    isced_field: str | None = None
    awarded: date | None = None
    issuer_name: str | None = None
    issuer_did: str | None = None
    issuer_country: str | None = None
    issuer_country_claimed: str | None = None
    registry_institution_name: str | None = None
    not_a_degree: str | None = None  # why the degree profile does not hold (None: it is a degree)

    @property
    def issuer_display(self) -> str:
        """The issuer's name as a reader should see it: the registry's name when a registry lists
        the issuer; otherwise the credential's own claim, labelled as such (anyone can write any
        name into a credential they sign)."""
        if self.registry_institution_name:
            if self.issuer_name and self.issuer_name != self.registry_institution_name:
                return Message(
                    "%(registered)s (calls itself “%(claimed)s”)",
                    registered=self.registry_institution_name,
                    claimed=self.issuer_name,
                )
            return self.registry_institution_name
        if self.issuer_name:
            return Message(
                "%(claimed)s (as the credential states it; no registry lists this issuer)",
                claimed=self.issuer_name,
            )
        return Message("not stated")

    diploma_number: str | None = None
    classification: str | None = None
    credits_earned: str | None = None
    # Every language the credential gives these in ((tag or None, text)), for a reader's page.
    holder_names: tuple[tuple[str | None, str], ...] = ()
    degree_titles: tuple[tuple[str | None, str], ...] = ()
    issuer_names: tuple[tuple[str | None, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder_name": self.holder_name,
            "holder_id": self.holder_id,
            "degree_title": self.degree_title,
            "achievement_type": self.achievement_type,
            "field_of_study": self.field_of_study,
            "isced_level": self.isced_level,
            "isced_field": self.isced_field,
            "awarded": None if self.awarded is None else self.awarded.isoformat(),
            "issuer_name": self.issuer_name,
            "issuer_did": self.issuer_did,
            "issuer_country": self.issuer_country,
            "issuer_country_source": "registry" if self.issuer_country else None,
            "issuer_country_claimed": self.issuer_country_claimed,
            "registry_institution_name": self.registry_institution_name,
            "issuer_display": self.issuer_display,
            "not_a_degree": self.not_a_degree,
            "diploma_number": self.diploma_number,
            "classification": self.classification,
            "credits_earned": self.credits_earned,
        }


_HEADLINES: Mapping[Verdict, str] = {
    Verdict.VERIFIED: Message("Verified: genuine, in force, from an accredited institution."),
    Verdict.VERIFIED_WITH_WARNINGS: Message(
        "Genuine and in force, with warnings: read them below."
    ),
    Verdict.NOT_VERIFIED: Message("Not verified: do not rely on this credential."),
    Verdict.COULD_NOT_VERIFY: Message(
        "Could not be fully verified: some checks could not be made. This is not a "
        "confirmation that the credential is valid."
    ),
}
UNTRUSTED_NOTE = Message(
    "The signature could not be confirmed, so every finding outside authenticity describes what "
    "the document says, which may have been altered."
)


@dataclass(frozen=True)
class Report:
    """The verification report of one credential (see the module docstring for the rules)."""

    checks: tuple[CheckResult, ...]
    summary: CredentialSummary
    checked_at: datetime
    input_kind: str  # "json-ld" | "vc-jwt" | "unreadable"
    destination_country: str | None = None
    recognition: RecognitionAssessment | None = None
    dataset_as_of: date | None = None
    credential: Mapping[str, Any] | None = None

    def check(self, check_id: str) -> CheckResult:
        """The result of the check with this id; raises KeyError when there is none."""
        for result in self.checks:
            if result.id == check_id:
                return result
        raise KeyError(check_id)

    @cached_property
    def sections(self) -> Mapping[Section, SectionVerdict]:
        # Cached: the verdict, headline and JSON each ask for it several times (the report is
        # frozen, so the answer never changes).
        return {
            section: SectionVerdict(section, tuple(c for c in self.checks if c.section is section))
            for section in Section
        }

    def section(self, section: Section | str) -> Status:
        return self.sections[Section(section)].status

    @property
    def trusted(self) -> bool:
        """The content is what the issuer signed (no check was computed on untrusted data)."""
        return not any(c.computed_on_untrusted_data for c in self.checks)

    @property
    def verified(self) -> bool:
        """VC API ``verified``: every error-severity check passed or did not apply, and the
        credential is in force (validity passes or does not apply)."""
        return self.authentic_and_valid and all(
            c.status in (Status.PASS, Status.NOT_APPLICABLE)
            for c in self.checks
            if c.severity is Severity.ERROR
        )

    def verified_for(self, counted: Callable[[str], bool]) -> bool:
        """``verified`` over the checks ``counted`` selects (VC-API ``options.checks``, see
        verifier.checks.pipeline.selected_by): each selected error-severity or validity check
        passed or did not apply. The others still ran and are reported, but do not count."""
        selected = [c for c in self.checks if counted(c.id)]
        return bool(selected) and all(
            c.status in (Status.PASS, Status.NOT_APPLICABLE)
            for c in selected
            if c.severity is Severity.ERROR or c.section is Section.VALIDITY
        )

    @property
    def authentic_and_valid(self) -> bool:
        return self.section(Section.AUTHENTICITY) is Status.PASS and self.section(
            Section.VALIDITY
        ) in (Status.PASS, Status.NOT_APPLICABLE)

    @property
    def verdict(self) -> Verdict:
        core = (self.section(Section.AUTHENTICITY), self.section(Section.VALIDITY))
        if Status.FAIL in core:
            return Verdict.NOT_VERIFIED
        if Status.INDETERMINATE in core or core[0] is not Status.PASS:
            return Verdict.COULD_NOT_VERIFY
        extra = (self.section(Section.ISSUER_LEGITIMACY), self.section(Section.RECOGNITION))
        if (
            all(s in (Status.PASS, Status.NOT_APPLICABLE) for s in extra)
            and not any(c.counts_as_failure for c in self.checks)
            and not self.authenticity_warnings
        ):
            return Verdict.VERIFIED
        return Verdict.VERIFIED_WITH_WARNINGS

    @property
    def authenticity_warnings(self) -> tuple[CheckResult, ...]:
        """Warning-level authenticity checks (the recipient) that failed or could not check."""
        return tuple(
            c
            for c in self.checks
            if c.section is Section.AUTHENTICITY
            and c.severity is Severity.WARNING
            and (c.counts_as_failure or c.counts_as_unknown)
        )

    @property
    def headline(self) -> str:
        """One plain-language sentence, then what decided it."""
        verdict = self.verdict
        # The answer to "was it issued to my candidate?" when it is yes (a no is a concern).
        matched = [
            c.message for c in self.checks if c.id == "recipient" and c.status is Status.PASS
        ]
        if verdict is Verdict.VERIFIED:
            return sentences([_HEADLINES[verdict], *matched])
        if verdict is Verdict.VERIFIED_WITH_WARNINGS:
            concerns = [*(c.message for c in self.authenticity_warnings)] + [
                Message(
                    "%(question)s %(answer)s", question=SECTION_TITLES[s.section], answer=s.message
                )
                for s in self.sections.values()
                if s.section in (Section.ISSUER_LEGITIMACY, Section.RECOGNITION)
                and s.status not in (Status.PASS, Status.NOT_APPLICABLE)
            ]
            # The warnings first, then a match (which is good news, not one of them).
            return sentences([_HEADLINES[verdict], *concerns, *matched])
        decisive = [
            s.message
            for s in self.sections.values()
            if s.section in (Section.AUTHENTICITY, Section.VALIDITY)
            and s.status in (Status.FAIL, Status.INDETERMINATE)
        ]
        return sentences([_HEADLINES[verdict], *decisive])

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (stable keys; each check as CheckResult.to_dict in verifier/checks/model.py)."""
        return {
            "verdict": self.verdict.value,
            "headline": self.headline,
            "verified": self.verified,
            "authentic_and_valid": self.authentic_and_valid,
            "trusted": self.trusted,
            "untrusted_note": None if self.trusted else UNTRUSTED_NOTE,
            "input_kind": self.input_kind,
            "checked_at": format_datetime(self.checked_at),
            "destination_country": self.destination_country,
            "sections": {s.value: v.to_dict() for s, v in self.sections.items()},
            "checks": [c.to_dict() for c in self.checks],
            "summary": self.summary.to_dict(),
            "recognition": None if self.recognition is None else self.recognition.to_dict(),
            "dataset_as_of": None if self.dataset_as_of is None else self.dataset_as_of.isoformat(),
            "problem_details": [
                c.problem for c in self.checks if c.problem and c.counts_as_failure
            ],
        }


# --- input -------------------------------------------------------------------------------------


def _jose() -> ModuleType | None:
    """vc.jose when installed (VC-JWT support); None otherwise."""
    try:
        return importlib.import_module("vc.jose")
    except ImportError:
        return None


def _looks_like_jwt(text: str) -> bool:
    parts = text.strip().split(".")
    return len(parts) == 3 and text.strip().startswith("ey") and all(parts[:2])


def _unverified_jwt_payload(token: str) -> dict[str, Any] | None:
    """The JWT payload for display when the JWT did not verify (VC 1.1: its ``vc`` claim)."""
    try:
        payload = strictjson.loads_object(
            b64url_decode(token.strip().split(".")[1], "JWT payload"), "JWT payload"
        )
    except DiplomatError:
        return None
    inner = payload.get("vc")
    return dict(inner) if isinstance(inner, dict) else payload


def _facts(
    document_or_bytes: Mapping[str, Any] | bytes | str,
    ctx: VerifierContext,
    now: datetime,
    destination: str | None,
    recipient: RecipientIdentity | None = None,
) -> tuple[Facts, str]:
    facts, kind = _read(document_or_bytes, ctx, now, destination)
    facts.recipient = recipient
    return facts, kind


def _read(
    document_or_bytes: Mapping[str, Any] | bytes | str,
    ctx: VerifierContext,
    now: datetime,
    destination: str | None,
) -> tuple[Facts, str]:
    if isinstance(document_or_bytes, Mapping):
        return Facts(ctx, now, document=document_or_bytes, destination=destination), "json-ld"
    if not isinstance(document_or_bytes, bytes | str):
        raise ParsingError(
            f"a credential must be given as a mapping, bytes or str, not "
            f"{type(document_or_bytes).__name__}"
        )
    text = document_or_bytes
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            error = ParsingError(f"not UTF-8: {exc.reason} at byte {exc.start}")
            return Facts(
                ctx, now, document=None, input_error=error, destination=destination
            ), "unreadable"
    if _looks_like_jwt(text):
        return _jwt_facts(text.strip(), ctx, now, destination), "vc-jwt"
    try:
        value = strictjson.loads(text)
    except DiplomatError as exc:
        return Facts(
            ctx, now, document=None, input_error=exc, destination=destination
        ), "unreadable"
    if not isinstance(value, dict):
        error = ParsingError(f"a credential is a JSON object, not a JSON {_json_kind(value)}")
        return Facts(
            ctx, now, document=None, input_error=error, destination=destination
        ), "unreadable"
    return Facts(ctx, now, document=value, destination=destination), "json-ld"


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"


def _jwt_facts(token: str, ctx: VerifierContext, now: datetime, destination: str | None) -> Facts:
    jose = _jose()
    if jose is None:
        error = UnsupportedSuiteError(
            "VC-JWT input is not supported by this installation (no vc.jose)"
        )
        return Facts(ctx, now, document=None, input_error=error, destination=destination, jwt=token)
    try:
        result = jose.verify_vc_jwt(token, resolver=ctx.resolver, now=now)
    except DiplomatError as exc:
        payload = _unverified_jwt_payload(token)
        if payload is None:
            return Facts(
                ctx, now, document=None, input_error=exc, destination=destination, jwt=token
            )
        return Facts(ctx, now, document=payload, destination=destination, jwt=token, jwt_error=exc)
    return Facts(
        ctx,
        now,
        document=result.credential,
        destination=destination,
        jwt=token,
        jwt_verification_method=result.verification_method,
        jwt_controller=result.controller,
    )


def _summary(facts: Facts) -> CredentialSummary:
    document = facts.document or {}
    degree = facts.degree
    issuer = document.get("issuer")
    claimed_country = None
    issuer_name = None
    issuer_names: tuple[tuple[str | None, str], ...] = ()
    if isinstance(issuer, Mapping):
        issuer_name = text_of(issuer.get("name"))
        issuer_names = language_values(issuer.get("name"))
        address = issuer.get("address")
        if isinstance(address, Mapping) and isinstance(address.get("addressCountryCode"), str):
            claimed_country = address["addressCountryCode"]
    standing = facts.standing
    # Every string shown comes through verifier.display (the display.text check says what was
    # removed); nothing degree-specific is shown for a credential that is not a degree.
    is_degree = facts.not_a_degree is None
    return CredentialSummary(
        holder_name=shown(degree.holder_name),
        holder_id=shown(degree.holder_id),
        degree_title=shown(degree.title),
        achievement_type=shown(degree.achievement_type) if is_degree else None,
        field_of_study=shown(degree.field_of_study),
        isced_level=degree.isced_level if is_degree else None,
        isced_field=degree.isced_field if is_degree else None,
        awarded=degree.award_date,
        issuer_name=shown(issuer_name),
        issuer_did=shown(facts.issuer),
        issuer_country=standing.country if standing is not None else None,
        issuer_country_claimed=shown(claimed_country),
        registry_institution_name=shown(
            standing.institution_name if standing is not None else None
        ),
        not_a_degree=facts.not_a_degree if facts.document is not None else None,
        diploma_number=degree.diploma_number,
        classification=degree.classification,
        credits_earned=degree.credits,
        holder_names=degree.holder_names,
        degree_titles=degree.titles,
        issuer_names=issuer_names,
    )


def _report(facts: Facts, input_kind: str) -> Report:
    # The status lists the checks will read, fetched side by side while the proof is checked.
    view = prefetched(facts)
    if view is not None:
        facts.ctx = replace(facts.ctx, status_lists=view)
    results = run_checks(facts, CREDENTIAL_CHECKS)
    dataset = facts.ctx.conventions
    return Report(
        checks=results,
        summary=_summary(facts),
        checked_at=facts.now,
        input_kind=input_kind,
        destination_country=facts.destination,
        recognition=assessment(facts) if facts.document is not None else None,
        dataset_as_of=None if dataset is None else dataset.as_of,
        credential=facts.document,
    )


def verify_credential(
    document_or_bytes: Mapping[str, Any] | bytes | str,
    ctx: VerifierContext,
    *,
    destination: str | None = None,
    recipient: RecipientIdentity | None = None,
) -> Report:
    """Run every check on one credential and return the report (never raises for bad content).

    ``destination`` (ISO 3166-1 alpha-2) overrides ``ctx.destination_country`` for the
    recognition check; ``recipient`` is what the verifier knows about the candidate (the
    ``recipient`` check compares it with the credential's identifiers). Raises ParsingError for
    an argument that is not a mapping, bytes or str (or a recipient that is not a
    RecipientIdentity), and MalformedValueError for a malformed destination.
    """
    chosen = check_country(destination) or ctx.destination_country
    if recipient is not None and not isinstance(recipient, RecipientIdentity):
        raise ParsingError(
            f"recipient must be a vc.ob3.RecipientIdentity, not {type(recipient).__name__}"
        )
    facts, kind = _facts(document_or_bytes, ctx, ctx.current_time(), chosen, recipient)
    return _report(facts, kind)
