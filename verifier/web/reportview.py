"""A report in an employer's words: verdict labels, section badges, evidence lines, recognition.

Pure functions from ``verifier.report.Report`` to small frozen views the templates print. "Could
not check" has its own word, colour and symbol everywhere: it never reads as a pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from vc.dates import format_datetime
from verifier.checks.model import CheckResult, Evidence, Section, Status
from verifier.recognition import (
    ConventionFinding,
    ConventionsDataset,
    CountryStanding,
    Coverage,
    RecognitionAssessment,
    article_label,
    source_url,
)
from verifier.report import SECTION_TITLES, UNTRUSTED_NOTE, CredentialSummary, Report, Verdict

NIC = "Unconfirmed — check with the national information centre (ENIC-NARIC) of the destination country."

VERDICT_LABELS: Mapping[Verdict, str] = {
    Verdict.VERIFIED: "Verified",
    Verdict.VERIFIED_WITH_WARNINGS: "Genuine, with warnings",
    Verdict.NOT_VERIFIED: "Not verified",
    Verdict.COULD_NOT_VERIFY: "Could not be verified",
}
STATUS_LABELS: Mapping[Status, str] = {
    Status.PASS: "Passed",
    Status.FAIL: "Failed",
    Status.INDETERMINATE: "Could not check",
    Status.NOT_APPLICABLE: "Not applicable",
}
STATUS_SYMBOLS: Mapping[Status, str] = {
    Status.PASS: "✓",
    Status.FAIL: "✗",
    Status.INDETERMINATE: "?",
    Status.NOT_APPLICABLE: "–",
}
SECTION_WORDS: Mapping[Section, Mapping[Status, str]] = {
    Section.AUTHENTICITY: {
        Status.PASS: "Genuine",
        Status.FAIL: "Not genuine",
        Status.INDETERMINATE: "Could not check",
        Status.NOT_APPLICABLE: "Not applicable",
    },
    Section.VALIDITY: {
        Status.PASS: "In force",
        Status.FAIL: "Not in force",
        Status.INDETERMINATE: "Could not check",
        Status.NOT_APPLICABLE: "Not applicable",
    },
    Section.ISSUER_LEGITIMACY: {
        Status.PASS: "Accredited",
        Status.FAIL: "Not accredited",
        Status.INDETERMINATE: "Could not check",
        Status.NOT_APPLICABLE: "Not applicable",
    },
    Section.RECOGNITION: {
        Status.PASS: "Covered by a convention",
        Status.FAIL: "Not covered",
        Status.INDETERMINATE: "Could not confirm",
        Status.NOT_APPLICABLE: "Not applicable",
    },
}
SECTION_SHORT: Mapping[Section, str] = {
    Section.AUTHENTICITY: "Authenticity",
    Section.VALIDITY: "Validity",
    Section.ISSUER_LEGITIMACY: "Issuer legitimacy",
    Section.RECOGNITION: "Recognition",
}
CHECK_NAMES: Mapping[str, str] = {
    "format": "Credential format",
    "data_model": "Data model",
    "jsonld.safe_mode": "JSON-LD terms",
    "schema": "Schema",
    "key_resolution": "Signing key",
    "proof.signature": "Digital signature",
    "proof.issuer_binding": "Signed by the issuer",
    "recipient": "Issued to your candidate",
    "validity.valid_from": "Valid from",
    "validity.valid_until": "Valid until",
    "status.revocation": "Not revoked",
    "status.suspension": "Not suspended",
    "issuer.registered": "Issuer in a registry",
    "accreditation.scope_at_award_date": "Accredited when awarded",
    "accreditation.current": "Accredited today (note)",
    "recognition.convention": "Recognition convention",
    "presentation.proof": "Presentation signature",
    "presentation.holder_binding": "Presenter is the graduate",
}
EVIDENCE_KINDS: Mapping[str, str] = {
    "proof": "Signature",
    "did-document": "Issuer's key (DID document)",
    "status-list": "Status list",
    "accreditation-registry": "Accreditation registry",
    "accreditation": "Accreditation decision",
    "conventions-dataset": "Conventions dataset",
    "note": "Note",
    "json-schema": "Schema",
    "jws": "JWT signature",
    "recipient": "Identity you gave (masked)",
}
STANDING_WORDS: Mapping[str, str] = {
    "party": "party",
    "party_pending_confirmation": "party (pending confirmation)",
    "not_party": "not a party",
    "signatory_only": "signed, not ratified",
    "not_listed": "not listed",
}
COVERAGE_WORDS: Mapping[Coverage, str] = {
    Coverage.COVERED: "Covers this degree",
    Coverage.UNCONFIRMED: "Unconfirmed",
    Coverage.NOT_YET_IN_FORCE: "Not yet in force",
    Coverage.NOT_COVERED: "Does not apply",
    Coverage.NOT_APPLICABLE: "Not applicable",
}


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else format_datetime(moment)


def _age(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    if seconds < 1:
        return "fetched just now"
    if seconds < 120:
        return f"cached for {seconds:.0f} s"
    if seconds < 7200:
        return f"cached for {seconds / 60:.0f} min"
    return f"cached for {seconds / 3600:.1f} h"


@dataclass(frozen=True)
class EvidenceView:
    kind: str
    source: str | None
    source_is_link: bool
    signed_by: str | None
    signature: str | None
    fetched_at: str | None
    cache_age: str | None
    valid: str | None
    detail: str | None
    demo: bool


def evidence_view(item: Evidence) -> EvidenceView:
    signature = None
    if item.signature_verified is True:
        signature = "signature verified"
    elif item.signature_verified is False:
        signature = "signature NOT verified"
    valid = None
    if item.valid_from or item.valid_until:
        valid = f"{_when(item.valid_from) or 'open'} to {_when(item.valid_until) or 'open-ended'}"
    source = item.source
    return EvidenceView(
        kind=EVIDENCE_KINDS.get(item.kind, item.kind.replace("-", " ").capitalize()),
        source=source,
        source_is_link=bool(source and source.startswith(("https://", "http://"))),
        signed_by=item.signed_by,
        signature=signature,
        fetched_at=_when(item.fetched_at),
        cache_age=_age(item.cache_age_seconds),
        valid=valid,
        detail=item.detail,
        demo=bool(item.detail and ("UNSIGNED" in item.detail or "DEMO" in item.detail)),
    )


@dataclass(frozen=True)
class CheckView:
    id: str
    name: str
    status: str
    label: str
    symbol: str
    message: str
    note: bool
    untrusted: bool
    evidence: tuple[EvidenceView, ...]


def check_view(check: CheckResult) -> CheckView:
    return CheckView(
        id=check.id,
        name=CHECK_NAMES.get(check.id, check.id),
        status=check.status.value,
        label=STATUS_LABELS[check.status],
        symbol=STATUS_SYMBOLS[check.status],
        message=check.message,
        note=check.severity.value == "info",
        untrusted=check.computed_on_untrusted_data,
        evidence=tuple(evidence_view(e) for e in check.evidence),
    )


@dataclass(frozen=True)
class StandingView:
    country: str
    name: str
    status: str
    since: str | None
    source: str | None


@dataclass(frozen=True)
class FindingView:
    name: str
    short_name: str
    outcome: str
    outcome_label: str
    message: str
    issuer: StandingView
    destination: StandingView
    article: str | None
    article_meaning: str | None
    article_paraphrase: str | None
    article_source: str | None
    reservations: tuple[str, ...]


@dataclass(frozen=True)
class RecognitionView:
    summary: str
    outcome: str
    unconfirmed: bool
    issuer_country: str
    destination_country: str
    on: str
    as_of: str
    version: str
    findings: tuple[FindingView, ...]


def _standing(side: CountryStanding, names: Mapping[str, str]) -> StandingView:
    return StandingView(
        country=side.country,
        name=names.get(side.country, side.country),
        status=STANDING_WORDS.get(side.status, side.status),
        # A party without an entry-into-force date counts from its dated source (party_as_of).
        since=side.since.isoformat() if side.since else None,
        source=source_url(side.in_force_source or side.source),
    )


def _finding(finding: ConventionFinding, names: Mapping[str, str]) -> FindingView:
    article = finding.article
    return FindingView(
        name=finding.convention_name,
        short_name=finding.short_name,
        outcome=finding.outcome.value,
        outcome_label=COVERAGE_WORDS[finding.outcome],
        message=finding.message,
        issuer=_standing(finding.issuer, names),
        destination=_standing(finding.destination, names),
        article=None
        if article is None
        else (article_label(article) if article.article else "Core recognition article"),
        article_meaning=None if article is None else article.meaning,
        article_paraphrase=None if article is None else article.paraphrase,
        article_source=None if article is None else source_url(article.source),
        reservations=tuple(note.text for note in finding.reservations),
    )


def recognition_view(
    assessment: RecognitionAssessment | None, names: Mapping[str, str]
) -> RecognitionView | None:
    if assessment is None:
        return None
    return RecognitionView(
        summary=assessment.summary,
        outcome=assessment.outcome.value,
        unconfirmed=assessment.outcome is Coverage.UNCONFIRMED,
        issuer_country=assessment.issuer_country,
        destination_country=assessment.destination_country,
        on=assessment.on.isoformat(),
        as_of=assessment.as_of.isoformat(),
        version=assessment.dataset_version,
        findings=tuple(_finding(f, names) for f in assessment.findings),
    )


@dataclass(frozen=True)
class SectionView:
    key: str
    short: str
    title: str
    status: str
    label: str
    word: str
    symbol: str
    message: str
    untrusted: bool
    checks: tuple[CheckView, ...]


PASS_SENTENCES: Mapping[Section, str] = {
    Section.AUTHENTICITY: (
        "The signature is valid and belongs to the issuer: this is exactly what the issuer signed."
    ),
    Section.VALIDITY: "Within its validity period, and not revoked or suspended by the issuer.",
    Section.ISSUER_LEGITIMACY: "",
    Section.RECOGNITION: "",
}


def _section_message(
    section: Section, status: Status, checks: Sequence[CheckResult], decisive: str
) -> str:
    """What decided a failed or undetermined section; one plain sentence for a passed one."""
    if status in (Status.FAIL, Status.INDETERMINATE):
        return decisive
    if section is Section.ISSUER_LEGITIMACY:
        return next((c.message for c in checks if c.id == "issuer.registered"), decisive)
    if section is Section.RECOGNITION:
        return "" if status is Status.PASS else decisive
    return PASS_SENTENCES[section] if status is Status.PASS else decisive


@dataclass(frozen=True)
class ReportView:
    verdict: str
    verdict_label: str
    headline: str
    trusted: bool
    untrusted_note: str | None
    authenticity_failed: bool
    sections: tuple[SectionView, ...]
    summary: CredentialSummary
    awarded: str | None
    recognition: RecognitionView | None
    destination: str | None
    destination_name: str | None
    checked_at: str
    input_kind: str
    dataset_as_of: str | None
    nic_note: str


def country_names(dataset: ConventionsDataset | None) -> dict[str, str]:
    """Country code → name, from the conventions dataset's State rows."""
    names: dict[str, str] = {}
    for convention in dataset.conventions if dataset is not None else ():
        for party in convention.parties:
            if party.name and party.country not in names:
                names[party.country] = party.name
    return names


def country_choices(
    names: Mapping[str, str], extra: Sequence[str | None] = ()
) -> list[tuple[str, str]]:
    """(code, "Name (CODE)") for the country selector, sorted by name."""
    codes = set(names) | {code for code in extra if code}
    return sorted(
        ((code, f"{names.get(code, code)} ({code})") for code in codes),
        key=lambda item: item[1].casefold(),
    )


def report_view(report: Report, names: Mapping[str, str]) -> ReportView:
    sections = []
    for section, verdict in report.sections.items():
        status = verdict.status
        sections.append(
            SectionView(
                key=section.value,
                short=SECTION_SHORT[section],
                title=SECTION_TITLES[section],
                status=status.value,
                label=STATUS_LABELS[status],
                word=SECTION_WORDS[section][status],
                symbol=STATUS_SYMBOLS[status],
                message=_section_message(section, status, verdict.checks, verdict.message),
                untrusted=any(c.computed_on_untrusted_data for c in verdict.checks),
                checks=tuple(check_view(c) for c in verdict.checks),
            )
        )
    awarded: date | None = report.summary.awarded
    destination = report.destination_country
    return ReportView(
        verdict=report.verdict.value,
        verdict_label=VERDICT_LABELS[report.verdict],
        headline=report.headline,
        trusted=report.trusted,
        untrusted_note=None if report.trusted else UNTRUSTED_NOTE,
        authenticity_failed=report.section(Section.AUTHENTICITY) is not Status.PASS,
        sections=tuple(sections),
        summary=report.summary,
        awarded=None if awarded is None else awarded.isoformat(),
        recognition=recognition_view(report.recognition, names),
        destination=destination,
        destination_name=None if destination is None else names.get(destination, destination),
        checked_at=format_datetime(report.checked_at),
        input_kind=report.input_kind,
        dataset_as_of=None if report.dataset_as_of is None else report.dataset_as_of.isoformat(),
        nic_note=NIC,
    )
