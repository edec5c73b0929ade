"""Benchmark of the issuer: a 10,000-row cohort issued end to end, through the CLI and the API.

CLI: a generated CSV, `diplomat issue --csv` as a subprocess on a fresh SQLite file (start-up,
parsing, status allocation, signing with eddsa-rdfc-2022, storing). API (when issuer.web exists):
the same cohort POSTed to /api/batches with a bearer token, progress polled until done. Prints the
total seconds and credentials per second of each.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLUMNS = (
    "full_name",
    "student_number",
    "email",
    "achievement_type",
    "degree_title",
    "field_of_study",
    "ects_available",
    "ects_earned",
    "awarded_date",
    "gpa",
    "gpa_scale",
    "language_of_instruction",
    "diploma_number",
    "isced_field",
    "eqf_level",
)
PROGRAMMES = (
    ("BachelorDegree", "Bachelor of Science in Computer Science", "Computer Science", "0613", "6"),
    ("BachelorDegree", "Bachelor of Laws", "Law", "0421", "6"),
    ("MasterDegree", "Master of Science in Economics", "Economics", "0311", "7"),
)


def cohort_csv(rows: int, prefix: str = "BENCH") -> bytes:
    """A realistic cohort CSV of ``rows`` graduates with distinct diploma numbers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i in range(rows):
        kind, title, field, isced, eqf = PROGRAMMES[i % len(PROGRAMMES)]
        ects = "240" if kind == "BachelorDegree" else "120"
        writer.writerow(
            (
                f"Graduate {i:05d} Example",
                f"KZ-2021-{i:05d}",
                f"student{i}@university.example.kz",
                kind,
                title,
                field,
                ects,
                ects,
                "2025-06-27",
                f"{2 + (i % 200) / 100:.2f}",
                "4",
                ("kk", "ru", "en")[i % 3],
                f"{prefix}-{i:06d}",
                isced,
                eqf,
            )
        )
    return out.getvalue().encode("utf-8")


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("DIPLOMAT_"):
            del env[name]
    env.update(
        DIPLOMAT_HOME=str(home),
        DIPLOMAT_DATABASE_URL=f"sqlite:///{home / 'issuer.sqlite3'}",
        DIPLOMAT_KEYS_DIR=str(home / "keys"),
        DIPLOMAT_ISSUER_BASE_URL="https://diplomas.university.example.kz",
    )
    return env


def _report(label: str, rows: int, seconds: float, issued: int) -> None:
    rate = issued / seconds if seconds > 0 else 0.0
    print(f"{label:<34} {rows:>7} rows  {issued:>7} issued  {seconds:>8.1f} s  {rate:>7.1f} cred/s")


def bench_cli(rows: int, workdir: Path) -> bool:
    """`diplomat issuer init` then `diplomat issue --csv` (timed) as subprocesses."""
    home = workdir / "cli"
    home.mkdir()
    env = _env(home)
    source = home / "cohort.csv"
    source.write_bytes(cohort_csv(rows))
    cli = [sys.executable, "-m", "diplomat.cli"]
    init = [*cli, "issuer", "init", "--name", "Bench University", "--domain", "u.example.kz"]
    subprocess.run([*init, "--country", "KZ"], cwd=REPO, env=env, check=True, capture_output=True)
    start = time.perf_counter()
    done = subprocess.run(
        [*cli, "issue", "--csv", str(source), "--quiet"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(f"CLI run failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        return False
    summary = json.loads(done.stdout)
    _report("CLI  diplomat issue --csv", rows, seconds, int(summary["issued"]))
    return int(summary["issued"]) == rows


def bench_api(rows: int, workdir: Path) -> bool:
    """POST /api/batches through the Flask app (test client), polling progress until done."""
    try:
        from issuer.web import create_app
    except ImportError:
        print("web layer not available (issuer.web.create_app): API run skipped")
        return True
    from issuer.config import IssuerConfig
    from issuer.service import open_service

    home = workdir / "api"
    home.mkdir()
    config = IssuerConfig.from_env(_env(home))
    service = open_service(config)
    try:
        service.identity.init_identity("Bench University", "u.example.kz", "KZ")
        token = service.accounts.create_api_token("bench", "registrar", actor="bench")
        client = create_app(config, service=service).test_client()
        headers = {"Authorization": f"Bearer {token}"}
        start = time.perf_counter()
        posted = client.post(
            "/api/batches",
            data=cohort_csv(rows, "API"),
            headers={**headers, "Content-Type": "text/csv"},
        )
        if posted.status_code != 202:
            print(f"API upload refused: {posted.status_code} {posted.get_data(as_text=True)[:300]}")
            return False
        batch_id = posted.get_json()["batchId"]
        body: dict[str, object] = {}
        while not body.get("done"):
            time.sleep(1.0)
            polled = client.get(f"/api/batches/{batch_id}", headers=headers)
            if polled.status_code != 200:
                print(f"API progress failed: {polled.status_code}")
                return False
            body = polled.get_json()
        seconds = time.perf_counter() - start
        issued = int(str(body["issued"]))
        _report("API  POST /api/batches + polling", rows, seconds, issued)
        return issued == rows
    finally:
        service.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.issuer", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000, help="cohort size (default 10000)")
    parser.add_argument("--skip-api", action="store_true", help="only the CLI run")
    args = parser.parse_args(argv)
    print(f"issuing a {args.rows}-row cohort on a fresh SQLite file (eddsa-rdfc-2022)")
    with tempfile.TemporaryDirectory(prefix="diplomat-bench-") as temp:
        ok = bench_cli(args.rows, Path(temp))
        if not args.skip_api:
            ok = bench_api(args.rows, Path(temp)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
