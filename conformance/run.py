"""Run the W3C suites against Diplomat's own issuers and verifier and print pass/total per suite.

    python -m conformance [--suites DIR] [--scratch DIR] [--only NAME ...] [--json FILE]

The suites (third-party code) are read from ``../shared/w3c-suites`` (or --suites /
DIPLOMAT_W3C_SUITES) and copied to a scratch folder (default ``var/conformance``), never into
the repository. The examples context the suites use comes from ``../shared/vectors/contexts``
through the operator-pinned extra contexts (DIPLOMAT_EXTRA_CONTEXTS in a real deployment).
Exit code: 0 when every suite ran (whatever its score), 2 when a suite could not run; a run that
cannot start at all (no node, npm or suites) prints why and exits 0 as a skip.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from conformance.deploy import deployment
from conformance.suites import SUITES, Outcome, Suite, explanation, prepare, run

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def _say(text: str) -> None:
    print(text, flush=True)


def _skip_reason(suites: Path) -> str | None:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not suites.is_dir():
        return f"the W3C suites are absent ({suites})"
    missing = [s.folder for s in SUITES if not (suites / s.folder).is_dir()]
    if missing or not (suites / "tarballs").is_dir():
        return f"incomplete W3C suites in {suites}: {', '.join(missing) or 'tarballs/'}"
    return None


def _print(outcome: Outcome, suite: Suite) -> None:
    _say(
        f"\n== {outcome.suite}: {outcome.passed}/{outcome.total} passed"
        f" ({outcome.failed} failed, {outcome.pending} skipped; target {suite.target})"
    )
    for title, message in outcome.failures:
        _say(f"  FAIL {title}")
        if message:
            _say(f"       {message.splitlines()[0][:200]}")
        if why := explanation(suite, title):
            _say(f"       explained: {why}")
    for title in outcome.pending_titles:
        _say(f"  SKIP {title}")
        if why := explanation(suite, title):
            _say(f"       explained: {why}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__)
    parser.add_argument("--suites", type=Path, default=SHARED / "w3c-suites")
    parser.add_argument("--vectors", type=Path, default=SHARED / "vectors")
    parser.add_argument("--contexts", type=Path, default=SHARED / "vectors" / "contexts")
    parser.add_argument("--scratch", type=Path, default=REPO / "var" / "conformance")
    parser.add_argument("--only", action="append", help="run only suites whose folder has this")
    parser.add_argument("--json", type=Path, help="also write the outcomes here")
    parser.add_argument("--trace", type=Path, help="record every HTTP exchange (JSON lines)")
    args = parser.parse_args(argv)
    reason = _skip_reason(args.suites)
    if reason is not None:
        _say(f"conformance: skipped: {reason}")
        return 0
    chosen = [s for s in SUITES if not args.only or any(o in s.folder for o in args.only)]
    scratch: Path = args.scratch.resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    contexts = args.contexts if args.contexts.is_dir() else None
    if contexts is None:
        _say(f"note: no extra contexts at {args.contexts}: examples-context tests will fail")
    folders = {}
    try:
        for suite in chosen:
            folders[suite.folder] = prepare(suite, args.suites, args.vectors, scratch, _say)
    except (subprocess.CalledProcessError, OSError) as exc:
        _say(f"conformance: could not install a suite: {exc}")
        return 2
    outcomes: list[Outcome] = []
    with (
        tempfile.TemporaryDirectory(prefix="deploy-", dir=scratch) as home,
        deployment(Path(home), contexts, args.trace) as dep,
    ):
        _say("issuers: " + ", ".join(f"{k} {v.did} at {v.url}" for k, v in dep.issuers.items()))
        _say(f"verifier: {dep.verifier_url}")
        for suite in chosen:
            _say(f"running {suite.title} …")
            try:
                outcome = run(suite, folders[suite.folder], dep, {})
            except (OSError, ValueError, KeyError) as exc:
                _say(f"conformance: {suite.title} gave no report: {exc}")
                return 2
            outcomes.append(outcome)
            _print(outcome, suite)
    _say("\nsummary:")
    for outcome, suite in zip(outcomes, chosen, strict=True):
        _say(
            f"  {outcome.suite:<24} {outcome.passed:>3}/{outcome.total:<3}"
            f" failed {outcome.failed}, skipped {outcome.pending} (target {suite.target})"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "suite": o.suite,
                        "passed": o.passed,
                        "failed": o.failed,
                        "skipped": o.pending,
                        "failures": [{"title": t, "message": m} for t, m in o.failures],
                        "skippedTitles": list(o.pending_titles),
                    }
                    for o in outcomes
                ],
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
