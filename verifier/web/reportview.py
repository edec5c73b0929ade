"""A report in its reader's words and language: the verdict in one sentence, one line per section,
the degree card, and the evidence behind it.

Pure functions from ``verifier.report.Report`` to small frozen views the templates print, called
while a request's language is chosen (``verifier.web.i18n``). Each fact is said once: the first
screen answers whose degree, which degree, from which institution and the verdict; each section
is one line; everything else is evidence. Codes become words (CLDR country names, the reader's
date format, degree kinds); the verifier's own files are never named. "Could not check" has its
own word, colour and symbol everywhere: it never reads as a pass. When authenticity did not pass,
the other sections are "not judged": what an unauthenticated document says about itself is not
good news.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import format_decimal, lazy_gettext
from flask_babel.speaklater import LazyString

from verifier.checks.model import CheckResult, Evidence, Section, Status
from verifier.recognition import (
    ConventionsDataset,
    RecognitionAssessment,
)
from verifier.report import CredentialSummary, Report, Verdict
from verifier.web.i18n import (
    catalogue_of,
    country_name,
    current_language,
    lang_of,
    long_date,
    moment,
)
from verifier.web.recognitionview import RecognitionView, recognition_line, recognition_view
from verifier.web.viewtext import Text, _, is_link, public_source, say

_l = lazy_gettext


VERDICT_LABELS: Mapping[Verdict, LazyString] = {
    Verdict.VERIFIED: _l("Verified"),
    Verdict.VERIFIED_WITH_WARNINGS: _l("Genuine, with warnings"),
    Verdict.NOT_VERIFIED: _l("Not verified"),
    Verdict.COULD_NOT_VERIFY: _l("Could not be verified"),
}
STATUS_LABELS: Mapping[Status, LazyString] = {
    Status.PASS: _l("Passed"),
    Status.FAIL: _l("Failed"),
    Status.INDETERMINATE: _l("Could not check"),
    Status.NOT_APPLICABLE: _l("Not applicable"),
}
STATUS_SYMBOLS: Mapping[Status, str] = {
    Status.PASS: "✓",
    Status.FAIL: "✗",
    Status.INDETERMINATE: "?",
    Status.NOT_APPLICABLE: "–",
}
SECTION_NAMES: Mapping[Section, LazyString] = {
    Section.AUTHENTICITY: _l("Authenticity"),
    Section.VALIDITY: _l("Validity"),
    Section.ISSUER_LEGITIMACY: _l("Issuer legitimacy"),
    Section.RECOGNITION: _l("Recognition"),
}
# One line per section and status: the word a reader needs, then (for a pass) why it holds.
SECTION_WORDS: Mapping[Section, Mapping[Status, LazyString]] = {
    Section.AUTHENTICITY: {
        Status.PASS: _l("Genuine"),
        Status.FAIL: _l("Not genuine"),
        Status.INDETERMINATE: _l("Could not check"),
        Status.NOT_APPLICABLE: _l("Not applicable"),
    },
    Section.VALIDITY: {
        Status.PASS: _l("In force"),
        Status.FAIL: _l("Not in force"),
        Status.INDETERMINATE: _l("Could not check"),
        Status.NOT_APPLICABLE: _l("Not applicable"),
    },
    Section.ISSUER_LEGITIMACY: {
        Status.PASS: _l("Accredited"),
        Status.FAIL: _l("Not accredited"),
        Status.INDETERMINATE: _l("Could not check"),
        Status.NOT_APPLICABLE: _l("Not applicable"),
    },
    Section.RECOGNITION: {
        Status.PASS: _l("Covered by a convention"),
        Status.FAIL: _l("Not covered"),
        Status.INDETERMINATE: _l("Could not confirm"),
        Status.NOT_APPLICABLE: _l("Not applicable"),
    },
}
PASS_LINES: Mapping[Section, LazyString] = {
    Section.AUTHENTICITY: _l("Signed by the issuer and not altered since."),
    Section.VALIDITY: _l("Within its validity period; not revoked or suspended."),
    Section.ISSUER_LEGITIMACY: _l(
        "The institution was accredited for this degree level when it was awarded, per a "
        "registry this verifier trusts."
    ),
}
CHECK_NAMES: Mapping[str, LazyString] = {
    "format": _l("Credential format"),
    "data_model": _l("Data model"),
    "jsonld.safe_mode": _l("JSON-LD terms"),
    "schema": _l("Schema"),
    "key_resolution": _l("Signing key"),
    "proof.signature": _l("Digital signature"),
    "proof.issuer_binding": _l("Signed by the issuer"),
    "recipient": _l("Issued to your candidate"),
    "display.text": _l("No hidden or look-alike text"),
    "validity.valid_from": _l("Valid from"),
    "validity.valid_until": _l("Valid until"),
    "status.revocation": _l("Not revoked"),
    "status.suspension": _l("Not suspended"),
    "status.message": _l("Issuer's status message"),
    "issuer.registered": _l("Issuer in a registry"),
    "accreditation.scope_at_award_date": _l("Accredited when awarded"),
    "accreditation.current": _l("Accredited today (note)"),
    "recognition.convention": _l("Recognition convention"),
}
# What a failed check means, in a few words (the issuer's or the core's full sentence is evidence).
CHECK_FAILED: Mapping[str, LazyString] = {
    "format": _l("the file is not a readable credential"),
    "data_model": _l("the credential is malformed"),
    "jsonld.safe_mode": _l("the credential uses undefined terms"),
    "schema": _l("the credential does not match its schema"),
    "key_resolution": _l("the signing key is not the issuer's"),
    "proof.signature": _l("the signature does not match the content: it was altered or forged"),
    "proof.issuer_binding": _l("it was not signed by the issuer it names"),
    "validity.valid_from": _l("it is not valid yet"),
    "validity.valid_until": _l("it has expired"),
    "status.revocation": _l("the issuer has revoked it"),
    "status.suspension": _l("the issuer has suspended it"),
    "status.message": _l("its status message entry is malformed"),
    "issuer.registered": _l("no trusted registry lists the issuer"),
    "accreditation.scope_at_award_date": _l(
        "the institution was not accredited for this degree level when it was awarded"
    ),
}
EVIDENCE_KINDS: Mapping[str, LazyString] = {
    "proof": _l("Signature"),
    "did-document": _l("Issuer's key (DID document)"),
    "status-list": _l("Status list"),
    "accreditation-registry": _l("Accreditation registry"),
    "accreditation": _l("Accreditation decision"),
    "conventions-dataset": _l("Conventions dataset"),
    "note": _l("Note"),
    "json-schema": _l("Schema"),
    "jws": _l("JWT signature"),
    "recipient": _l("Identity you gave (masked)"),
}
# OB 3.0 achievementType values a degree carries; others are spelled out from the code.
DEGREE_KINDS: Mapping[str, LazyString] = {
    "AssociateDegree": _l("Associate degree"),
    "BachelorDegree": _l("Bachelor's degree"),
    "MasterDegree": _l("Master's degree"),
    "DoctoralDegree": _l("Doctoral degree"),
    "Diploma": _l("Diploma"),
    "Certificate": _l("Certificate"),
}
ISCED_LEVELS: Mapping[str, LazyString] = {
    "5": _l("short-cycle tertiary (ISCED 5)"),
    "6": _l("bachelor's or equivalent (ISCED 6)"),
    "7": _l("master's or equivalent (ISCED 7)"),
    "8": _l("doctoral or equivalent (ISCED 8)"),
}


def _spaced(code: str) -> str:
    return "".join(" " + c.lower() if c.isupper() and i else c for i, c in enumerate(code))


def degree_kind(code: str | None) -> str | None:
    if not code:
        return None
    known = DEGREE_KINDS.get(code)
    return str(known) if known is not None else _spaced(code)


def _credential_text(value: str | None, declared: str | None = None) -> Text | None:
    return None if not value else Text(value, lang_of(value, declared))


def _in_readers_language(
    values: Sequence[tuple[str | None, str]], fallback: str | None
) -> Text | None:
    """Of the languages the credential gives a text in, the reader's; else the first one."""
    reader = current_language()
    for tag, text in values:
        if tag and catalogue_of(tag) == reader:
            return _credential_text(text, tag)
    if values:
        return _credential_text(values[0][1], values[0][0])
    return _credential_text(fallback)


@dataclass(frozen=True)
class EvidenceView:
    kind: str
    source: str | None
    source_is_link: bool
    signed_by: str | None
    signature: str | None
    fetched_at: str | None
    valid: str | None
    detail: Text | None
    demo: bool


def evidence_view(item: Evidence) -> EvidenceView:
    signature = None
    if item.signature_verified is True:
        signature = _("signature verified")
    elif item.signature_verified is False:
        signature = _("signature NOT verified")
    valid = None
    if item.valid_from or item.valid_until:
        valid = _("valid %(start)s to %(end)s") % {
            "start": moment(item.valid_from) or _("open"),
            "end": moment(item.valid_until) or _("open-ended"),
        }
    source = public_source(item.source if isinstance(item.source, str) else None)
    kind = EVIDENCE_KINDS.get(item.kind)
    return EvidenceView(
        kind=str(kind) if kind is not None else item.kind.replace("-", " ").capitalize(),
        source=source,
        source_is_link=is_link(source),
        signed_by=item.signed_by,
        signature=signature,
        fetched_at=moment(item.fetched_at),
        valid=valid,
        detail=say(item.detail),
        demo=bool(item.detail and ("UNSIGNED" in item.detail or "DEMO" in item.detail)),
    )


@dataclass(frozen=True)
class CheckView:
    id: str
    name: str
    status: str
    label: str
    symbol: str
    message: Text | None
    note: bool
    untrusted: bool
    evidence: tuple[EvidenceView, ...]


def check_view(check: CheckResult, recognition: RecognitionAssessment | None = None) -> CheckView:
    """A check for the evidence list, its sentence in the reader's language. The recognition
    check's sentence is the section's line, and the recognition view renders its assessment in
    full: it is not said a third time."""
    name = CHECK_NAMES.get(check.id)
    if check.id == "recognition.convention" and recognition is not None:
        message = None
    else:
        message = say(check.message)
    return CheckView(
        id=check.id,
        name=str(name) if name is not None else check.id,
        status=check.status.value,
        label=str(STATUS_LABELS[check.status]),
        symbol=STATUS_SYMBOLS[check.status],
        message=message,
        note=check.severity.value == "info",
        untrusted=check.computed_on_untrusted_data,
        evidence=tuple(evidence_view(e) for e in check.evidence),
    )


# --- recognition ---------------------------------------------------------------------------------


# --- sections ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionView:
    key: str
    name: str
    status: str
    word: str
    symbol: str
    line: str
    judged: bool
    checks: tuple[CheckView, ...]


def _deciding(checks: Sequence[CheckResult], status: Status) -> list[CheckResult]:
    if status is Status.FAIL:
        return [c for c in checks if c.counts_as_failure and c.severity.value == "error"] or [
            c for c in checks if c.counts_as_failure
        ]
    return [c for c in checks if c.counts_as_unknown]


def _section_line(
    section: Section, status: Status, checks: Sequence[CheckResult], report: Report
) -> str:
    """One sentence: why a section passed, or which checks decided a failure or an unknown."""
    if section is Section.RECOGNITION and report.recognition is not None:
        return recognition_line(report.recognition)
    if status is Status.PASS:
        line = PASS_LINES.get(section)
        return "" if line is None else str(line)
    if status is Status.NOT_APPLICABLE:
        return _("Nothing to check here for this credential.")
    deciding = _deciding(checks, status)
    if status is Status.FAIL:
        reasons = [str(CHECK_FAILED.get(c.id, CHECK_NAMES.get(c.id, c.id))) for c in deciding]
        return _("Failed: %(reasons)s.") % {"reasons": "; ".join(dict.fromkeys(reasons))}
    names = [str(CHECK_NAMES.get(c.id, c.id)) for c in deciding]
    return _("Could not be checked: %(checks)s. This is not a confirmation.") % {
        "checks": ", ".join(dict.fromkeys(names))
    }


# --- the whole report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DegreeCard:
    holder: Text | None
    holder_id: str | None
    title: Text | None
    kind: str | None
    level: str | None
    field: Text | None
    isced_field: str | None
    awarded: str | None
    institution: Text | None
    self_name: Text | None
    issuer_did: str | None
    country: str | None
    country_claimed: str | None
    diploma_number: Text | None
    classification: Text | None
    credits: str | None
    # No registry lists the issuer: its name is only what the credential says of itself.
    institution_unlisted: bool = False


def degree_card(summary: CredentialSummary) -> DegreeCard:
    s = summary
    institution = s.registry_institution_name or s.issuer_name
    credits = None
    if s.credits_earned:
        credits = s.credits_earned  # as written, unless it is a number CLDR can format
        try:
            number = float(s.credits_earned)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            try:
                credits = _("%(number)s ECTS credits") % {"number": format_decimal(number)}
            except ArithmeticError:  # decimal.InvalidOperation: beyond the pattern's precision
                credits = s.credits_earned
    level = ISCED_LEVELS.get(s.isced_level or "")
    return DegreeCard(
        holder=_in_readers_language(s.holder_names, s.holder_name),
        holder_id=s.holder_id,
        title=_in_readers_language(s.degree_titles, s.degree_title),
        kind=degree_kind(s.achievement_type),
        level=str(level) if level is not None else (s.isced_level and f"ISCED {s.isced_level}"),
        field=_credential_text(s.field_of_study),
        isced_field=s.isced_field,
        awarded=long_date(s.awarded),
        institution=_credential_text(s.registry_institution_name)
        if s.registry_institution_name
        else _in_readers_language(s.issuer_names, s.issuer_name),
        self_name=_in_readers_language(s.issuer_names, s.issuer_name)
        if s.registry_institution_name and s.issuer_name and s.issuer_name != institution
        else None,
        issuer_did=s.issuer_did,
        country=country_name(s.issuer_country),
        country_claimed=country_name(s.issuer_country_claimed),
        diploma_number=_credential_text(s.diploma_number),
        classification=_credential_text(s.classification),
        credits=credits,
        institution_unlisted=not s.registry_institution_name and bool(s.issuer_name),
    )


@dataclass(frozen=True)
class ReportView:
    verdict: str
    verdict_label: str
    symbol: str
    sentence: str
    trusted: bool
    authenticity_failed: bool
    sections: tuple[SectionView, ...]
    degree: DegreeCard
    recognition: RecognitionView | None
    destination: str | None
    destination_name: str | None
    checked_at: str
    input_kind: str


VERDICT_SYMBOLS: Mapping[Verdict, str] = {
    Verdict.VERIFIED: "✓",
    Verdict.VERIFIED_WITH_WARNINGS: "✓",
    Verdict.NOT_VERIFIED: "✗",
    Verdict.COULD_NOT_VERIFY: "?",
}


def verdict_sentence(report: Report) -> str:
    """The verdict in one sentence of the reader's language."""
    verdict = report.verdict
    if verdict is Verdict.VERIFIED:
        return _("Genuine, in force, and from an institution accredited for this degree.")
    if verdict is Verdict.VERIFIED_WITH_WARNINGS:
        concerns = [
            str(SECTION_NAMES[s])
            for s in (Section.ISSUER_LEGITIMACY, Section.RECOGNITION)
            if report.section(s) not in (Status.PASS, Status.NOT_APPLICABLE)
        ]
        if report.authenticity_warnings:
            concerns.insert(0, str(CHECK_NAMES["recipient"]))
        return _("Genuine and in force. Read the warning about: %(concerns)s.") % {
            "concerns": ", ".join(concerns)
        }
    if verdict is Verdict.NOT_VERIFIED:
        if report.section(Section.AUTHENTICITY) is Status.FAIL:
            return _("Not genuine: do not rely on this document.")
        return _("Genuine, but no longer in force: do not rely on it.")
    return _(
        "Some checks could not be made, so this is not a confirmation that the degree is "
        "genuine and in force. Try again later."
    )


def report_view(report: Report) -> ReportView:
    authenticity = report.section(Section.AUTHENTICITY)
    judged_all = authenticity is Status.PASS
    sections = []
    for section, verdict in report.sections.items():
        status = verdict.status
        judged = judged_all or section is Section.AUTHENTICITY
        # Not judged: the one warning above the sections says why, once.
        line = _section_line(section, status, verdict.checks, report) if judged else ""
        sections.append(
            SectionView(
                key=section.value,
                name=str(SECTION_NAMES[section]),
                status=status.value,
                word=str(SECTION_WORDS[section][status]) if judged else _("Not judged"),
                symbol=STATUS_SYMBOLS[status] if judged else "–",
                line=line,
                judged=judged,
                checks=tuple(check_view(c, report.recognition) for c in verdict.checks),
            )
        )
    destination = report.destination_country
    return ReportView(
        verdict=report.verdict.value,
        verdict_label=str(VERDICT_LABELS[report.verdict]),
        symbol=VERDICT_SYMBOLS[report.verdict],
        sentence=verdict_sentence(report),
        trusted=report.trusted,
        authenticity_failed=not judged_all,
        sections=tuple(sections),
        degree=degree_card(report.summary),
        recognition=recognition_view(report.recognition) if judged_all else None,
        destination=destination,
        destination_name=country_name(destination),
        checked_at=moment(report.checked_at) or "",
        input_kind=report.input_kind,
    )


def country_codes(dataset: ConventionsDataset | None) -> set[str]:
    """The countries the conventions dataset knows (the selector's choices)."""
    return {
        party.country
        for convention in (dataset.conventions if dataset is not None else ())
        for party in convention.parties
    }


def country_choices(codes: set[str], extra: Sequence[str | None] = ()) -> list[tuple[str, str]]:
    """(code, name in the reader's language) for the country selector, sorted by name."""
    chosen = codes | {code for code in extra if code}
    return sorted(
        ((code, country_name(code) or code) for code in chosen),
        key=lambda item: item[1].casefold(),
    )
