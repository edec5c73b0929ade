"""`diplomat conventions`: what the recognition-conventions dataset says, and its update path.

    show KZ JP [--on DATE]     which conventions cover a degree from KZ used in JP, since when,
                               how sure, which article, and the sources (codes: ISO 3166-1
                               alpha-2; an unknown code such as XX is refused, exit 2)
    update FILE [--dataset P]  validate a new dataset, print what changes, write P atomically
                               (default: <home>/data/conventions.json, which the verifier then
                               reads instead of the shipped one; the package is never written)

Exit codes: 0 done, 2 usage or input error (invalid dataset, unchanged version...).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from diplomat.commands import add_command
from diplomat.commands.common import read_bytes, settings
from diplomat.commands.registry import write_atomically
from vc import strictjson
from vc.dates import utcnow
from vc.errors import MalformedValueError
from verifier.config import updated_conventions_file
from verifier.context import check_country
from verifier.recognition import (
    DATA_FILE,
    CountryStanding,
    Coverage,
    article_label,
    assess,
    load_dataset,
    update_dataset,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(sub, "conventions")
    commands = parser.add_subparsers(dest="conventions_command", required=True)

    show = commands.add_parser("show", help="which conventions cover ISSUER → DESTINATION")
    show.add_argument("issuer", help="country that conferred the degree, e.g. KZ")
    show.add_argument("destination", help="country where it is used, e.g. JP")
    show.add_argument("--on", help="decision date (default: today)")
    show.add_argument(
        "--dataset",
        help="dataset file (default: the conventions setting, else the updated one "
        "in the data home, else the shipped one)",
    )
    show.add_argument("--json", action="store_true", help="print the assessment as JSON")
    show.set_defaults(handler=_show)

    update = commands.add_parser("update", help="validate and install a new dataset")
    update.add_argument("file", help="the new dataset (JSON)")
    update.add_argument(
        "--dataset",
        help="the file to write (default: the conventions setting, else "
        "<home>/data/conventions.json)",
    )
    update.set_defaults(handler=_update)


def _show(args: argparse.Namespace) -> int:
    issuer = check_country(args.issuer.strip().upper(), "issuer country")
    destination = check_country(args.destination.strip().upper(), "destination country")
    dataset = load_dataset(args.dataset or _configured(args) or DATA_FILE)
    try:
        on = date.fromisoformat(args.on) if args.on else utcnow().date()
    except ValueError:
        raise MalformedValueError(f"--on must be a date like 2026-01-31, got {args.on!r}") from None
    result = assess(dataset, issuer or "", destination or "", on)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    out = sys.stdout if not args.json else sys.stderr
    print(result.summary, file=out)
    if result.since is not None:
        print(
            f"binding since {result.since.isoformat()} (confidence: {result.confidence})", file=out
        )
    for finding in result.findings:
        print(f"- {finding.short_name}: {finding.outcome.value}", file=out)
        for side in (finding.issuer, finding.destination):
            print(f"    {side.country}: {side.status}, {_since(side)}", file=out)
        relevant = finding.outcome not in (Coverage.NOT_COVERED, Coverage.NOT_APPLICABLE)
        if finding.article is not None and relevant:
            article = finding.article
            flagged = article.number_verified or "unverified" in (article.article or "")
            unverified = "" if flagged else " (article number not verified)"
            print(f"    {article_label(article)}{unverified}: {article.meaning}", file=out)
            if article.refusal_ground:
                print(f"    ground for refusal: {article.refusal_ground}", file=out)
        for note in finding.reservations:
            print(f"    reservation: {note.text}", file=out)
            for quote in note.quotes:
                print(f"      {quote.quote} ({quote.source})", file=out)
        for source in finding.sources if relevant else ():
            print(f"    source: {source}", file=out)
    print(f"dataset {result.dataset_version}, facts as of {result.as_of.isoformat()}", file=out)
    return 0


def _since(side: CountryStanding) -> str:
    if side.in_force is not None:
        computed = ", computed" if (side.in_force_basis or "").startswith("computed") else ""
        return f"in force since {side.in_force.isoformat()}{computed}"
    if side.party_as_of is not None:
        return (
            f"confirmed as a party as of {side.party_as_of.isoformat()} ({side.party_as_of_basis})"
        )
    return "date not known"


def _configured(args: argparse.Namespace) -> Path | None:
    """The dataset the verifier would read: the conventions setting, else an updated one."""
    resolved = settings(args)
    if resolved["conventions"] is not None:
        configured: Path = resolved["conventions"]
        return configured
    updated = updated_conventions_file(resolved.home)
    return updated if updated.is_file() else None


def _update(args: argparse.Namespace) -> int:
    resolved = settings(args)
    target = Path(
        args.dataset or resolved["conventions"] or updated_conventions_file(resolved.home)
    )
    current = load_dataset(target if target.is_file() else DATA_FILE)
    raw = read_bytes(args.file)
    new_data = strictjson.loads_object(raw, "conventions dataset")
    new, changes = update_dataset(current, new_data)
    if not changes:
        print(f"no changes: {args.file} has the same content as {target}", file=sys.stderr)
        return 0
    for line in changes:
        print(line)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, raw.decode("utf-8"))
    print(
        f"installed dataset {new.version} (as of {new.as_of.isoformat()}) into {target}",
        file=sys.stderr,
    )
    return 0
