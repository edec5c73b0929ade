"""`python -m bench` (make bench): every figure of the issue "Fast" side by side, in one run.

Each line is a median, and a ratio to the floor (one raw Ed25519 signature check, measured in the
same run) and, where plain pyld can do the same work on the same bytes, to plain pyld:

    core       eddsa-rdfc-2022 verify and sign of a degree with 1, 50 and 200 course results, and
               verify of the same bytes by the reference JavaScript libraries (vc.js, in node)
    checks     the degree JSON Schema: the Python validator and jsonschema-rs
    verifier   the full report (status lists cached, and fetched from memory)
    cohort     10,000 graduates through `diplomat issue --csv` and `POST /api/batches`: wall and
               CPU per credential; the API again on PostgreSQL (127.0.0.1:5432, when there is
               one), with the server's CPU
    HTTP       POST /api/verify under gunicorn (2 workers) at 8 and 32 concurrent clients (wrk when
               installed, else threads): p50, p99, verifications per second; then each worker's RSS

``--quick`` (under a minute): fewer iterations, a 400-row cohort, 3 s of load per level.
The per-suite details are ``python -m bench.core``; the fuzzer is ``make fuzz``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Sequence

from bench import core, issuer, timing, verifier


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a run of under a minute")
    parser.add_argument("--rows", type=int, help="cohort size (10000; --quick: 400)")
    args = parser.parse_args(argv)
    rows = args.rows or (400 if args.quick else 10_000)
    started = time.perf_counter()
    print(f"python {platform.python_version()}, load average at start {timing.load_average()}")
    floor = timing.floor_ms()
    figures = [timing.Figure("floor", "raw Ed25519 verify (pyca/cryptography)", floor)]
    figures += core.transcript_figures(args.quick)
    figures += issuer.validation_figures(args.quick)
    figures += verifier.report_figures(args.quick)
    figures += issuer.breakdown_figures(args.quick)
    figures += issuer.cohort_figures(rows)
    http, lines = verifier.http_figures(args.quick)
    figures += http
    print()
    print(timing.format_figures(figures, floor))
    print()
    print("\n".join(lines))
    print(
        f"\nload average at end {timing.load_average()}; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
