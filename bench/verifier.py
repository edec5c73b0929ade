"""Benchmark of the verifier: the full report of a realistic signed degree, in process and over
HTTP under gunicorn.

The credential is the issuer's degree of one graduate (bench.transcripts, one course result,
eddsa-rdfc-2022, did:key issuer) with a revocation and a suspension entry; the university is
listed in a signed accreditation registry; the shipped conventions dataset answers for Japan.

In process: ``verify_credential`` with the status lists served from memory (StaticFetcher), first
with an empty status-list cache, then cached (the steady state of a verifier). Every timed report
sees its credential for the first time (cached JSON-LD expansions are forgotten before each).

Over HTTP: ``diplomat serve verifier --workers 2`` (gunicorn) in development mode, the status lists
served by a small HTTP server of this process on 127.0.0.1, the registry from a file; the load
(bench.loadgen: wrk, or threads) POSTs the credential to ``/api/verify?for=JP`` at 8 and 32
concurrent clients, after 2,000 untimed verifications (about 1,000 per worker: each worker's
resident set size, VmRSS, is taken then), and each worker's VmRSS again after all of them.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench import loadgen, transcripts
from bench.timing import Figure, floor_ms, format_figures, median_ms
from vc import strictjson
from vc.dids import DidResolver
from vc.fetch import StaticFetcher
from vc.keys import KeyPair, generate
from vc.status import Bitstring, status_list_credential
from verifier.context import VerifierContext
from verifier.recognition import default_dataset
from verifier.registry import (
    accreditation_entry,
    add_institution,
    load_registry,
    new_registry,
    registry_credential,
)
from verifier.registryview import RegistriesLookup
from verifier.report import verify_credential
from verifier.statuscache import StatusListCache

REPO = Path(__file__).resolve().parents[1]
NOW = transcripts.NOW
SECTION = "verifier: full report (verify_credential)"
SERVE = [sys.executable, "-m", "diplomat.cli", "serve", "verifier", "--workers", "2"]
WARM_REQUESTS = 2000  # before the timed load: about 1,000 verifications per worker


@dataclass(frozen=True)
class Setup:
    """Keys, the signed registry, and the signed status lists of one list base URL."""

    university: KeyPair
    operator: KeyPair
    registry: dict[str, Any]
    list_base: str
    lists: dict[str, bytes]

    def credential(self, index: int = 42) -> dict[str, Any]:
        """The degree of graduate ``index`` (distinct ids, numbers and status index)."""
        return transcripts.sign(
            transcripts.degree(self.university, 1, list_base=self.list_base, index=index),
            self.university,
        )


def _registry(university: KeyPair, operator: KeyPair) -> dict[str, Any]:
    registry = new_registry(
        registry_id="https://nic.bench.example/registry",
        name="Bench registry",
        operator_did=operator.public.did_key,
        operator_name="Bench NIC",
        jurisdiction="KZ",
        as_of=date(2025, 10, 1),
        description="Benchmark data.",
    )
    registry = add_institution(
        registry,
        dids=[university.public.did_key],
        names={"en": "Bench State University"},
        country="KZ",
        source_url="https://nic.bench.example/i/1",
        source_title="Record",
        retrieved=date(2025, 10, 1),
        accreditations=[
            accreditation_entry(
                accrediting_body="Bench Agency",
                status="accredited",
                valid_from=date(2015, 1, 1),
                valid_until=None,
                isced_levels=["6", "7", "8"],
                source_url="https://agency.bench.example/d/1",
                source_title="Decision",
                retrieved=date(2025, 10, 1),
            )
        ],
    )
    return transcripts.proofs.sign(
        registry_credential(
            registry,
            operator_did=operator.public.did_key,
            valid_from=datetime(2025, 10, 1, tzinfo=UTC),
        ),
        operator,
        verification_method=transcripts.verification_method(operator),
        created=datetime(2025, 10, 1, tzinfo=UTC),
    )


def setup(list_base: str = transcripts.STATUS_BASE) -> Setup:
    university, operator = (generate(seed=bytes([n]) * 32) for n in (0xE1, 0xE2))
    lists: dict[str, bytes] = {}
    for purpose in ("revocation", "suspension"):
        bits = Bitstring.new()
        bits.set(3, True)
        url = f"{list_base}/{purpose}/1"
        signed = transcripts.sign(
            status_list_credential(
                list_id=url,
                issuer=university.public.did_key,
                purpose=purpose,
                bitstring=bits,
                valid_from=transcripts.CREATED,
            ),
            university,
        )
        lists[url] = strictjson.dumps(signed).encode()
    return Setup(university, operator, _registry(university, operator), list_base, lists)


def context_factory(bench: Setup) -> Callable[[], VerifierContext]:
    """Fresh verifier contexts (each with an empty status-list cache)."""
    loaded = load_registry(
        bench.registry,
        resolver=DidResolver(),
        now=NOW,
        trusted_operators=[bench.operator.public.did_key],
    )
    lists = {url: body.decode() for url, body in bench.lists.items()}

    def context() -> VerifierContext:
        resolver = DidResolver()
        return VerifierContext(
            resolver=resolver,
            status_lists=StatusListCache(
                StaticFetcher(lists, clock=lambda: NOW), resolver=resolver
            ),
            registries=RegistriesLookup([loaded]),
            conventions=default_dataset(),
            destination_country="JP",
            now=NOW,
        )

    return context


def report_figures(quick: bool = False) -> list[Figure]:
    """The full report in process: status lists not yet cached, then cached."""
    bench = setup()
    credential = bench.credential()
    factory = context_factory(bench)
    iterations = 10 if quick else 60
    ctx = factory()
    report = verify_credential(credential, ctx, destination="JP")
    # Recognition for Japan is "indeterminate" (a warning): every other section must pass.
    if report.verdict.value not in ("verified", "verified_with_warnings"):
        raise RuntimeError(f"the bench credential does not verify: {report.verdict.value}")
    plain = transcripts.PlainPyld()
    pyld = median_ms(lambda: plain.verify(credential, bench.university), iterations)
    cold = median_ms(
        lambda: verify_credential(credential, factory(), destination="JP"),
        max(3, iterations // 4),
    )
    warm = median_ms(lambda: verify_credential(credential, ctx, destination="JP"), iterations)
    return [
        Figure(SECTION, "full report, status lists cached", warm, pyld, f"n={iterations}"),
        Figure(SECTION, "full report, status lists fetched (memory)", cold, pyld),
    ]


# ------------------------------------------------------------------------------ over HTTP


@contextlib.contextmanager
def serve_lists(lists: dict[str, bytes]) -> Iterator[int]:
    """Serve ``{path: body}`` on 127.0.0.1 (a port of its own, yielded) while in the block."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = lists.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/vc+ld+json")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def status_mib(pid: int) -> dict[str, float]:
    """The memory lines of /proc/<pid>/status in MiB, read at one instant: VmRSS (resident set),
    RssAnon (its own heap, private after the fork's copy-on-write) and RssFile (pages of mapped
    files: shared libraries' code, the same pages in every worker)."""
    fields = (line.split() for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return {f[0].rstrip(":"): int(f[1]) / 1024 for f in fields if len(f) == 3 and f[2] == "kB"}


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """A process's resident set (VmRSS), or one part of it (status_mib)."""
    return status_mib(pid).get(field, float("nan"))


def rollup_mib(pid: int) -> dict[str, float]:
    """The process's /proc/<pid>/smaps_rollup in MiB (Pss, Private_Dirty...): empty where the
    kernel has none."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    fields = (line.split() for line in text.splitlines()[1:])
    return {f[0].rstrip(":"): int(f[1]) / 1024 for f in fields if len(f) == 3 and f[2] == "kB"}


def _rss_parts(pid: int) -> str:
    """RSS, its heap and mapped-file parts, and beside them what the worker costs the machine:
    PSS (shared pages divided among the processes sharing them) and its private pages."""
    rollup = rollup_mib(pid)
    own = ""
    if "Pss" in rollup:
        private = rollup.get("Private_Clean", 0.0) + rollup.get("Private_Dirty", 0.0)
        own = f"; PSS {rollup['Pss']:.1f}, private {private:.1f}"
    status = status_mib(pid)  # one reading: the parts add up to the whole
    return (
        f"{status['VmRSS']:.1f} (heap {status['RssAnon']:.1f}, "
        f"mapped files {status['RssFile']:.1f}{own})"
    )


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, log: Path) -> Iterator[tuple[int, list[int]]]:
    """``diplomat serve verifier --workers 2`` until both workers are ready; yields (master pid,
    worker pids)."""
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5):
                    pass
                workers = _children(process.pid)
                # Both workers built (diplomat.serving logs "Worker ready: <pid>"): measured
                # before that, a worker's memory is that of one still importing.
                text = log.read_text(encoding="utf-8", errors="replace")
                if len(workers) == 2 and all(f"Worker ready: {pid} " in text for pid in workers):
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {log.read_text()[-800:]}")
            time.sleep(0.2)
        yield process.pid, workers
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http_figures(quick: bool = False) -> tuple[list[Figure], list[str]]:
    """Throughput and latency at 8 and 32 clients, and the workers' RSS afterwards."""
    seconds = 3.0 if quick else 12.0
    figures: list[Figure] = []
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="diplomat-bench-http-") as temp:
        home = Path(temp)
        holder: dict[str, bytes] = {}
        with serve_lists(holder) as list_port:
            bench = setup(f"http://127.0.0.1:{list_port}/status")
            holder.update({url.split(str(list_port), 1)[1]: b for url, b in bench.lists.items()})
            registry = home / "registry.json"
            registry.write_text(json.dumps(bench.registry), encoding="utf-8")
            env = {k: v for k, v in os.environ.items() if not k.startswith("DIPLOMAT_")}
            env.update(
                DIPLOMAT_HOME=str(home),
                DIPLOMAT_DEV="1",
                DIPLOMAT_VERIFIER_COUNTRY="JP",
                DIPLOMAT_REGISTRIES=str(registry),
                DIPLOMAT_TRUSTED_OPERATORS=bench.operator.public.did_key,
                DIPLOMAT_VERIFIER_DATABASE_URL=f"sqlite:///{home / 'verifier.sqlite3'}",
            )
            port = _free_port()
            url = f"http://127.0.0.1:{port}/api/verify?for=JP"
            # More distinct credentials than any cache of the verifier keeps (64 expansions).
            bodies = [
                json.dumps(bench.credential(n)).encode() for n in range(100 if quick else 200)
            ]
            body = bodies[0]
            with gunicorn(env, port, home / "gunicorn.log") as (_master, workers):
                idle = [rss_mib(pid) for pid in workers]
                request = urllib.request.Request(
                    url, data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    verdict = json.loads(response.read())["verdict"]
                lines.append(f"HTTP report verdict: {verdict} (gunicorn workers {workers})")
                # The memory figure: a worker after 1,000 verifications (2,000 spread
                # over the two workers, untimed; they also bring both to a steady state).
                failed = loadgen.send(url, bodies, 8, WARM_REQUESTS)
                if failed:
                    raise RuntimeError(f"{failed} of {WARM_REQUESTS} verifications failed")
                warm = [_rss_parts(pid) for pid in workers]
                total = 1 + WARM_REQUESTS
                for clients in (8, 32):
                    load = loadgen.run(url, bodies, clients, seconds)
                    total += load.requests
                    note = (
                        f"{load.per_second:.0f} verifications/s, p99 {load.p99_ms:.1f} ms, "
                        f"{load.requests} requests, {load.failures} failed ({load.tool})"
                    )
                    figures.append(
                        Figure(
                            "HTTP: POST /api/verify under gunicorn, 2 workers",
                            f"{clients} clients: p50 latency",
                            load.p50_ms,
                            None,
                            note,
                        )
                    )
                after = [_rss_parts(pid) for pid in workers]
        lines.append(
            "verifier worker RSS: idle "
            + ", ".join(f"{x:.1f}" for x in idle)
            + f" MiB; after {1 + WARM_REQUESTS} verifications (both workers) "
            + ", ".join(warm)
            + f" MiB; after {total} "
            + ", ".join(after)
            + " MiB"
        )
    return figures, lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.verifier", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    floor = floor_ms()
    figures = report_figures(args.quick)
    http, lines = http_figures(args.quick)
    print(format_figures([*figures, *http], floor))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
