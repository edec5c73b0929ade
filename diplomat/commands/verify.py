"""`diplomat verify FILE|URL`: the full verification report (authenticity, validity, issuer
legitimacy, recognition), configured by the settings like the web app (docs/configuration.md) plus flags.

Exit codes: 0 genuine and in force (verdict verified, or verified with warnings, printed);
1 not verified, or could not be verified; 2 usage or input error. Human lines on stderr,
``--json`` prints the report on stdout.

``--recipient-email`` / ``--student-number`` add OB 3.0's recipient check: was the credential
issued to this person? When one is given, exit 0 also needs that check to pass: a script that
asked "is this my candidate's degree?" must not read a mismatch, or "could not check", as yes.
The value is shown masked (a***@example.org) and never written anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys

from diplomat.commands.common import moment, read_bytes, settings
from vc.ob3 import RecipientIdentity
from verifier.checks.model import Section, Status
from verifier.config import VerifierConfig, build_context, make_fetcher
from verifier.context import check_country
from verifier.intake import Intake, from_text, from_upload, share_url_of
from verifier.report import Report, Verdict, verify_credential

_MARKS = {
    Status.PASS: "✓ pass",
    Status.FAIL: "✗ FAIL",
    Status.INDETERMINATE: "? could not check",
    Status.NOT_APPLICABLE: "– not applicable",
}
_NAMES = {
    Section.AUTHENTICITY: "Authenticity",
    Section.VALIDITY: "Validity",
    Section.ISSUER_LEGITIMACY: "Issuer legitimacy",
    Section.RECOGNITION: "Recognition",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "verify",
        help="verify a degree credential (exit 0 genuine and in force, 1 not, 2 input error)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "source", help="credential file (JSON-LD, VC-JWT, or a QR image), - for stdin, or a URL"
    )
    parser.add_argument("--for", dest="country", help="destination country, e.g. JP")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    who = parser.add_mutually_exclusive_group()
    who.add_argument(
        "--recipient-email",
        metavar="EMAIL",
        help="check that the credential was issued to this e-mail address (the candidate's)",
    )
    who.add_argument(
        "--student-number",
        metavar="NUMBER",
        help="check that the credential was issued to this student number (sisSourcedId)",
    )
    parser.add_argument("--now", help="verification time (default: now)")
    parser.add_argument(
        "--registry", action="append", default=[], help="signed registry file or https URL"
    )
    parser.add_argument(
        "--trust", action="append", default=[], help="DID of a trusted registry operator"
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="development mode: unsigned registries, http on 127.0.0.1",
    )
    parser.set_defaults(handler=_verify)


def _intake(source: str, config: VerifierConfig) -> Intake:
    fetcher = make_fetcher(config)
    if share_url_of(source) is not None:
        return from_text(source, fetcher, via="link")
    return from_upload(read_bytes(source), fetcher)


def _print_human(report: Report) -> None:
    out = sys.stderr
    print(report.verdict.value.replace("_", " ").upper(), file=out)
    print(report.headline, file=out)
    summary = report.summary
    if summary.degree_title or summary.holder_name:
        print(
            f"  {summary.degree_title or '?'} — {summary.holder_name or '?'}"
            f"{', awarded ' + summary.awarded.isoformat() if summary.awarded else ''}",
            file=out,
        )
        print(
            f"  issuer: {summary.registry_institution_name or summary.issuer_name or '?'} "
            f"({summary.issuer_did or 'no issuer'})"
            f"{', ' + summary.issuer_country if summary.issuer_country else ''}",
            file=out,
        )
    if not report.trusted:
        print(
            "  ! the signature could not be confirmed: other results describe untrusted data",
            file=out,
        )
    for section, verdict in report.sections.items():
        print(f"{_NAMES[section]}: {_MARKS[verdict.status]}", file=out)
        for check in verdict.checks:
            if (
                check.status in (Status.FAIL, Status.INDETERMINATE)
                or section is Section.RECOGNITION
                or (check.id == "recipient" and check.status is Status.PASS)
            ):
                print(f"  [{check.status.value}] {check.id}: {check.message}", file=out)
    if report.recognition is not None:
        for finding in report.recognition.findings:
            print(f"  - {finding.short_name}: {finding.outcome.value}", file=out)


def _recipient(args: argparse.Namespace) -> RecipientIdentity | None:
    """The candidate's identity from the flags; MalformedValueError (exit 2) when malformed."""
    if args.recipient_email is not None:
        return RecipientIdentity.email(args.recipient_email)
    if args.student_number is not None:
        return RecipientIdentity.student_number(args.student_number)
    return None


def _verify(args: argparse.Namespace) -> int:
    country = check_country(args.country.strip().upper()) if args.country else None
    recipient = _recipient(args)
    config = VerifierConfig.from_settings(settings(args)).with_overrides(
        country=country,
        registries=args.registry,
        trusted_operators=args.trust,
        dev_mode=args.dev,
    )
    now = moment(args.now, "--now") if args.now else None
    intake = _intake(args.source, config)
    context = build_context(config, now)
    report = verify_credential(intake.credential, context, destination=country, recipient=recipient)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    _print_human(report)
    genuine = report.verdict in (Verdict.VERIFIED, Verdict.VERIFIED_WITH_WARNINGS)
    if recipient is not None and report.check("recipient").status is not Status.PASS:
        return 1
    return 0 if genuine else 1
