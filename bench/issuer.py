"""Benchmark of the issuer: a 10,000-row cohort issued end to end, through the CLI and the API.

CLI: a generated CSV, `diplomat issue --csv` as a subprocess on a fresh SQLite file (start-up,
parsing, status allocation, signing with eddsa-rdfc-2022, storing). API: the same cohort POSTed
to /api/batches with a bearer token until the batch is done. Each: wall time and CPU time (the
process and its signing workers) per credential. The API run again on PostgreSQL (the machine's
server at 127.0.0.1:5432, a database made for the run and dropped after; skipped, saying why,
when there is none), with the server's CPU for the run (its processes read from /proc).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.timing import Figure, floor_ms, format_figures, median_ms

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
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


@dataclass(frozen=True)
class Cohort:
    """One cohort run: wall seconds, CPU seconds (this process and its children), credentials."""

    label: str
    rows: int
    issued: int
    wall: float
    cpu: float
    parent_cpu: float | None = None  # the process doing the database (when measured apart)
    server_cpu: float | None = None  # the database server's processes (PostgreSQL)

    def figures(self) -> list[Figure]:
        per = self.issued or 1
        note = (
            f"{self.rows} rows, {self.issued} issued, {self.wall:.1f} s wall, "
            f"{self.issued / self.wall if self.wall else 0:.0f} cred/s, "
            f"CPU {self.cpu * 1000 / per:.2f} ms/credential"
        )
        figures = [
            Figure(
                SECTION, f"{self.label}: wall per credential", self.wall * 1000 / per, None, note
            ),
            Figure(SECTION, f"{self.label}: CPU per credential", self.cpu * 1000 / per, None),
        ]
        parts = (
            (self.parent_cpu, "CPU of the parent (database)", "the rest is the signing workers'"),
            (self.server_cpu, "CPU of the server", "not in the CPU above"),
        )
        for seconds, what, says in parts:
            if seconds is not None:
                figures.append(
                    Figure(
                        SECTION,
                        f"{self.label}: {what}",
                        seconds * 1000 / per,
                        None,
                        f"per credential; {says}",
                    )
                )
        return figures


SECTION = "issuer: cohort on a fresh database, SQLite unless named (eddsa-rdfc-2022)"


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _stat_cpu(stat: str, *, children: bool = False) -> float:
    """CPU seconds in the text of a /proc/<pid>/stat: utime and stime, and with ``children``
    also cutime and cstime (its waited-for children's)."""
    fields = stat.rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11 : 15 if children else 13]) / os.sysconf("SC_CLK_TCK")


def _living_children_cpu() -> float:
    """CPU seconds of this process's living child processes (the signing workers it keeps)."""
    me = os.getpid()
    try:
        children = Path(f"/proc/{me}/task/{me}/children").read_text().split()
    except OSError:
        return 0.0
    total = 0.0
    for pid in children:
        with contextlib.suppress(OSError):
            total += _stat_cpu(Path(f"/proc/{pid}/stat").read_text())
    return total


def bench_cli(rows: int, workdir: Path) -> Cohort:
    """`diplomat issuer init` then `diplomat issue --csv` (timed: the whole process, start-up
    included, and the CPU of it and its signing workers) as subprocesses."""
    home = workdir / "cli"
    home.mkdir()
    env = _env(home)
    source = home / "cohort.csv"
    source.write_bytes(cohort_csv(rows))
    cli = [sys.executable, "-m", "diplomat.cli"]
    init = [*cli, "issuer", "init", "--name", "Bench University", "--domain", "u.example.kz"]
    subprocess.run([*init, "--country", "KZ"], cwd=REPO, env=env, check=True, capture_output=True)
    cpu = _cpu(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [*cli, "issue", "--csv", str(source), "--quiet"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    cpu = _cpu(resource.RUSAGE_CHILDREN) - cpu
    if done.returncode != 0:
        raise RuntimeError(f"CLI run failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    summary = json.loads(done.stdout)
    return Cohort("CLI diplomat issue --csv", rows, int(summary["issued"]), seconds, cpu)


def bench_api(rows: int, workdir: Path, database_url: str | None = None) -> Cohort:
    """POST /api/batches through the Flask app (test client; the batch runs in the app's
    background runner thread, joined), then its progress through GET /api/batches. On a fresh
    SQLite file, or on ``database_url`` (an empty PostgreSQL database)."""
    from issuer.config import IssuerConfig
    from issuer.service import open_service
    from issuer.web import create_app
    from issuer.web.state import EXTENSION

    home = workdir / ("api" if database_url is None else "api-postgres")
    home.mkdir()
    env = _env(home)
    if database_url is not None:
        env["DIPLOMAT_DATABASE_URL"] = database_url
    config = IssuerConfig.from_env(env)
    service = open_service(config)
    try:
        service.identity.init_identity("Bench University", "u.example.kz", "KZ")
        token = service.accounts.create_api_token("bench", "registrar", actor="bench")
        app = create_app(config, service=service)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        source = cohort_csv(rows, "API")
        own = _cpu(resource.RUSAGE_SELF)
        children = _cpu(resource.RUSAGE_CHILDREN) + _living_children_cpu()
        server = _postgres_cpu() if database_url is not None else None
        start = time.perf_counter()
        posted = client.post(
            "/api/batches", data=source, headers={**headers, "Content-Type": "text/csv"}
        )
        if posted.status_code != 202:
            raise RuntimeError(
                f"API upload refused: {posted.status_code} {posted.get_data()[:300]!r}"
            )
        batch_id = posted.get_json()["batchId"]
        # The app's batch runner thread, joined: no polling in this process to load the machine
        # it measures (GET /api/batches/<id> lists all 10,000 rows).
        app.extensions[EXTENSION].runner.join()
        seconds = time.perf_counter() - start
        own = _cpu(resource.RUSAGE_SELF) - own
        children = _cpu(resource.RUSAGE_CHILDREN) + _living_children_cpu() - children
        if server is not None:
            server = _postgres_cpu() - server
        body = client.get(f"/api/batches/{batch_id}", headers=headers).get_json()
        issued = int(body["issued"])
        label = "API POST /api/batches" if database_url is None else "API on PostgreSQL"
        return Cohort(label, rows, issued, seconds, own + children, own, server)
    finally:
        service.close()


def _postgres_cpu() -> float:
    """CPU seconds of the machine's postgres processes (theirs and their exited children's)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            text = stat.read_text()
            if text[text.index("(") + 1 : text.rindex(")")] == "postgres":
                total += _stat_cpu(text, children=True)
    return total


@contextlib.contextmanager
def postgres_database() -> Iterator[str | None]:
    """An empty database on the machine's PostgreSQL server for one run (dropped after), or
    None (with the reason printed) when there is no server to use."""
    try:
        import psycopg
        from psycopg import sql

        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            name = f"diplomat_bench_{secrets.token_hex(4)}"
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except Exception as exc:  # any reason means: no PostgreSQL figure
        print(f"cohort on PostgreSQL skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
        yield None
        return
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def validation_figures(quick: bool = False) -> list[Figure]:
    """The degree credential JSON Schema check: the Python validator (``iter_errors``, what every
    check cost before jsonschema-rs) and jsonschema-rs (``schema_matches``); the input schema too."""
    from bench import transcripts
    from issuer.degree import validate_credential
    from vc.keys import generate
    from vc.schemas import DEGREE_CREDENTIAL, DEGREE_INPUT, schema_matches, schema_validator

    key = generate(seed=bytes(32))
    document = transcripts.sign(transcripts.degree(key, 1), key)
    row = dict(transcripts.ROW)
    n = 20 if quick else 200
    python = schema_validator(DEGREE_CREDENTIAL)
    section = "checks: JSON Schema (degree credential, 1 course result)"
    return [
        Figure(
            section,
            "Python jsonschema iter_errors (before)",
            median_ms(lambda: list(python.iter_errors(document)), n, before=None),
        ),
        Figure(
            section,
            "jsonschema-rs schema_matches (now)",
            median_ms(lambda: schema_matches(DEGREE_CREDENTIAL, document), n, before=None),
        ),
        Figure(
            section,
            "issuer validate_credential (schema + dates)",
            median_ms(lambda: validate_credential(document), n, before=None),
        ),
        Figure(
            section,
            "degree input: Python / jsonschema-rs",
            median_ms(lambda: schema_matches(DEGREE_INPUT, row), n, before=None),
            median_ms(
                lambda: list(schema_validator(DEGREE_INPUT).iter_errors(row)), n, before=None
            ),
            "× pyld column = jsonschema-rs / Python here",
        ),
    ]


def breakdown_figures(quick: bool = False) -> list[Figure]:
    """Where one row's time goes, each step timed alone in this process: the CSV parsed (per
    row, of a whole cohort), the credential built, checked, signed and serialized."""
    from bench import transcripts
    from issuer.degree import IssuerProfile, build_credential, parse_input, validate_credential
    from issuer.service.batches import parse_source
    from vc import strictjson
    from vc.keys import generate
    from vc.status import status_entry

    key = generate(seed=bytes(32))
    profile = IssuerProfile(
        did=key.public.did_key, legal_name="Bench U", url="https://u.example", country="KZ"
    )
    entries = [
        status_entry(list_id=f"https://u.example/status/{p}/1", index=9, purpose=p)
        for p in ("revocation", "suspension")
    ]
    inp = parse_input(dict(transcripts.ROW))

    def build() -> dict[str, Any]:
        return build_credential(
            inp,
            profile,
            credential_id="urn:uuid:00000000-0000-4000-8000-000000000009",
            valid_from=transcripts.CREATED,
            status_entries=entries,
        )

    unsigned = build()
    signed = transcripts.sign(unsigned, key)
    n = 10 if quick else 60
    rows = 1000
    source = cohort_csv(rows)
    section = "issuer: one row, step by step (one process)"
    return [
        Figure(
            section,
            "CSV parsed and checked (per row of 1,000)",
            median_ms(lambda: parse_source(source, "csv", max_rows=rows), 3, before=None) / rows,
        ),
        Figure(section, "credential built", median_ms(build, n, before=None)),
        Figure(section, "credential checked", median_ms(lambda: validate_credential(unsigned), n)),
        Figure(
            section,
            "credential signed (vc.proofs)",
            median_ms(lambda: transcripts.sign(unsigned, key), n),
        ),
        Figure(section, "credential serialized", median_ms(lambda: strictjson.dumps(signed), n)),
    ]


def cohort_figures(rows: int, *, api: bool = True) -> list[Figure]:
    """The cohort through the CLI and the API, each on its own fresh SQLite file, and through
    the API on a fresh PostgreSQL database when the machine has a server."""
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="diplomat-bench-") as temp:
        figures += bench_cli(rows, Path(temp)).figures()
        if api:
            figures += bench_api(rows, Path(temp)).figures()
            with postgres_database() as url:
                if url is not None:
                    figures += bench_api(rows, Path(temp), url).figures()
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.issuer", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000, help="cohort size (default 10000)")
    parser.add_argument("--skip-api", action="store_true", help="only the CLI run")
    args = parser.parse_args(argv)
    print(format_figures(cohort_figures(args.rows, api=not args.skip_api), floor_ms()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
