"""`diplomat verify FILE|URL`: the full verification report (authenticity, validity, issuer
legitimacy, recognition), configured by the settings like the web app (docs/configuration.md) plus flags.

Exit codes: 0 genuine and in force (verdict verified, or verified with warnings, printed);
1 not verified (something checked and failed); 2 could not be verified (material that could
not be obtained or checked: a key or status list unreachable or refused), or a usage or input
error. Human lines on stderr,
``--json`` prints the report on stdout.

``--recipient-email`` / ``--student-number`` add OB 3.0's recipient check: was the credential
issued to this person? When one is given, exit 0 also needs that check to pass: a script that
asked "is this my candidate's degree?" must not read a mismatch, or "could not check", as yes.
The value is shown masked (a***@example.org) and never written anywhere.

``--bulk FILE.csv|FILE.zip`` verifies many at once (a CSV of share links, with optional ``url`` /
``reference`` header, or a ZIP of credential files; see verifier.bulk.inputs) and writes one
results row per input as CSV to ``--out`` (default: stdout), with a summary on stderr. Exit codes
with --bulk: 0 every row genuine and in force; 1 at least one row not verified, could not be
verified, or could not be read (its ``detail`` says why); 2 the upload itself is unusable.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from diplomat.commands import add_command
from diplomat.commands.common import (
    InputFileError,
    InputFileNotFoundError,
    moment,
    read_bytes,
    settings,
)
from diplomat.commands.language import Language, load_language
from vc.errors import DiplomatError
from vc.ob3 import RecipientIdentity
from verifier.bulk.inputs import Limits, parse_upload
from verifier.bulk.rows import BulkRow, to_csv, verify_item
from verifier.checks.model import Section, Status
from verifier.config import VerifierConfig, build_context, make_fetcher
from verifier.context import check_country
from verifier.intake import Intake, from_text, from_upload, share_url_of
from verifier.pdfinput import printed_check
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
# With --lang: the report page's words, from the same catalogues (msgids of verifier/web).
_SYMBOLS = {
    Status.PASS: "✓",
    Status.FAIL: "✗",
    Status.INDETERMINATE: "?",
    Status.NOT_APPLICABLE: "–",
}
_STATUS_LABELS = {
    Status.PASS: "Passed",
    Status.FAIL: "Failed",
    Status.INDETERMINATE: "Could not check",
    Status.NOT_APPLICABLE: "Not applicable",
}
_VERDICT_SYMBOLS = {
    Verdict.VERIFIED: "✓",
    Verdict.VERIFIED_WITH_WARNINGS: "✓",
    Verdict.NOT_VERIFIED: "✗",
    Verdict.COULD_NOT_VERIFY: "?",
}
_VERDICT_LABELS = {
    Verdict.VERIFIED: "Verified",
    Verdict.VERIFIED_WITH_WARNINGS: "Genuine, with warnings",
    Verdict.NOT_VERIFIED: "Not verified",
    Verdict.COULD_NOT_VERIFY: "Could not be verified",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "verify",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "source",
        nargs="?",
        help="credential file (JSON-LD, VC-JWT, a diploma PDF with its credential attached, or a QR image), - for stdin, or a URL",
    )
    parser.add_argument(
        "--bulk",
        metavar="FILE",
        help="verify many: a CSV of share links or a ZIP of credential files",
    )
    parser.add_argument(
        "--out", metavar="FILE", help="with --bulk: write the results CSV here (default: stdout)"
    )
    parser.add_argument("--for", dest="country", help="destination country, e.g. JP")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument(
        "--lang",
        metavar="LANG",
        help="language of the human lines: en ja ru kk zh_Hans ko fr (JSON stays language-neutral)",
    )
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


def _print_translated(report: Report, say: Language) -> None:
    """The human lines in a language other than English: the report page's labels and the
    checks' own sentences from the catalogues."""
    out = sys.stderr
    print(
        f"{_VERDICT_SYMBOLS[report.verdict]} {say.label(_VERDICT_LABELS[report.verdict])}", file=out
    )
    print(say(report.headline), file=out)
    summary = report.summary
    if summary.degree_title or summary.holder_name:
        awarded = f", {say.label('Awarded')}: {say.day(summary.awarded)}" if summary.awarded else ""
        # The degree and the holder as the credential says them (not translated).
        print(f"  {summary.degree_title or '?'} — {summary.holder_name or '?'}{awarded}", file=out)
    for section, verdict in report.sections.items():
        status = verdict.status
        print(
            f"{say.label(_NAMES[section])}: {_SYMBOLS[status]} {say.label(_STATUS_LABELS[status])}",
            file=out,
        )
        for check in verdict.checks:
            if check.status in (Status.FAIL, Status.INDETERMINATE) or (
                check.id == "recipient" and check.status is Status.PASS
            ):
                print(f"  [{check.status.value}] {check.id}: {say(check.message)}", file=out)


def _print_human(report: Report, say: Language | None = None) -> None:
    if say is not None and say.catalogue != "en":
        _print_translated(report, say)
        return
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
            f"  issuer: {summary.issuer_display} "
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


_PRINTED = {
    "agrees": "  PDF: the name and diploma number printed on it are those of its attached credential",
    "differs": "  ! PDF: the name or diploma number printed on it is NOT that of its attached "
    "credential (the one checked): the page may have been altered",
    "unknown": "  PDF: no readable text to compare with its attached credential (the one checked)",
}


def _print_printed(found: str | None) -> None:
    """A diploma PDF: does its printed text show the credential attached to it?"""
    if found is not None:
        print(_PRINTED[found], file=sys.stderr)


def _recipient(args: argparse.Namespace) -> RecipientIdentity | None:
    """The candidate's identity from the flags; MalformedValueError (exit 2) when malformed."""
    if args.recipient_email is not None:
        return RecipientIdentity.email(args.recipient_email)
    if args.student_number is not None:
        return RecipientIdentity.student_number(args.student_number)
    return None


def _verify(args: argparse.Namespace) -> int:
    if args.bulk is not None:
        return _verify_bulk(args)
    if args.source is None:
        raise UsageError(
            "the following arguments are required: source (a credential file, - for stdin, or "
            "a URL), or --bulk FILE"
        )
    if args.out is not None:
        raise UsageError("--out goes with --bulk (a single report goes to stdout with --json)")
    country = check_country(args.country.strip().upper()) if args.country else None
    recipient = _recipient(args)
    say = load_language(args.lang)
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
    _print_human(report, say)
    _print_printed(printed_check(intake.printed, report.summary))
    if report.verdict is Verdict.NOT_VERIFIED:
        return 1
    if report.verdict is Verdict.COULD_NOT_VERIFY:
        return 2
    if recipient is not None and report.check("recipient").status is not Status.PASS:
        return 1
    return 0


class UsageError(DiplomatError):
    """Arguments that do not go together."""

    problem_type = "urn:diplomat:problem:usage"
    title = "Usage"


def _verify_bulk(args: argparse.Namespace) -> int:
    if args.source is not None:
        raise UsageError("give either one credential or --bulk FILE, not both")
    if args.json or args.recipient_email is not None or args.student_number is not None:
        raise UsageError("--json, --recipient-email and --student-number work on one credential")
    country = check_country(args.country.strip().upper()) if args.country else None
    config = VerifierConfig.from_settings(settings(args)).with_overrides(
        country=country,
        registries=args.registry,
        trusted_operators=args.trust,
        dev_mode=args.dev,
    )
    now = moment(args.now, "--now") if args.now else None
    items = parse_upload(
        read_bytes(args.bulk), filename=args.bulk, limits=Limits(max_items=config.bulk_max_rows)
    )
    if args.out is not None and args.out != "-":
        _writable(args.out)
    context = build_context(config, now)
    fetcher = make_fetcher(config)
    destination = country or config.country
    print(f"checking {len(items)} item(s) from {args.bulk}", file=sys.stderr)
    rows: list[BulkRow] = []
    step = max(1, len(items) // 10)
    with ThreadPoolExecutor(max_workers=config.bulk_workers) as pool:
        for row in pool.map(lambda item: verify_item(item, context, fetcher, destination), items):
            rows.append(row)
            if len(rows) % step == 0 or len(rows) == len(items):
                print(f"  {len(rows)}/{len(items)} checked", file=sys.stderr)
    text = to_csv(rows)
    if args.out is None or args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8", newline="")
        print(f"results written to {args.out}", file=sys.stderr)
    verdicts = Counter(row.verdict for row in rows)
    for verdict, count in sorted(verdicts.items()):
        print(f"{verdict.replace('_', ' ')}: {count}", file=sys.stderr)
    good = {Verdict.VERIFIED.value, Verdict.VERIFIED_WITH_WARNINGS.value}
    return 0 if all(row.verdict in good for row in rows) else 1


def _writable(path: str) -> None:
    """Refuse an --out the results could not be written to, before any work is done."""
    target = Path(path)
    if target.is_dir():
        raise InputFileError(f"--out {path} is a directory; name a file")
    if not target.parent.exists():
        raise InputFileNotFoundError(f"--out {path}: the folder {target.parent} does not exist")
