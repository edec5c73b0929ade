"""`make fuzz` (python -m bench.fuzz): mutated requests to every endpoint of both services, over
HTTP, against real servers on 127.0.0.1, and a table of requests and 5xx per endpoint.

The issuer and the verifier each run in a process of their own (werkzeug, threaded) on a free
loopback port, set up like the demo (a did:web university, a registrar, an issued degree with a
share link, a signed registry). Requests come from bench.fuzzcatalog / bench.fuzzkit with a
seeded Random, spread evenly over the endpoints. Exit 1 when any answer is a 5xx (the documented
502 for a link whose server answered badly aside) or malformed problem details; the first
offending request of each endpoint is printed to reproduce it. Every bulk job a fuzzed upload
started is waited for at the end: one that failed, or a row that met an unexpected error (the
bulk form of a 500), is a bad answer too. Traffic goes to 127.0.0.1 only, and the run is bounded
by --requests and --seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import multiprocessing
import random
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from bench.fuzzcatalog import (
    ISSUER_ENDPOINTS,
    UPSTREAM,
    VERIFIER_ENDPOINTS,
    IssuerTargets,
    VerifierTargets,
    issuer_request,
    verifier_request,
    well_formed_problem,
)
from bench.fuzzkit import Request

BULK_STARTS = ("POST /api/verify/bulk", "POST /verify/bulk")
UNEXPECTED = "an unexpected error occurred"
PROJECT = Path(__file__).resolve().parents[1]
PASSWORD = "fuzz-" + "p" * 16


def _serve(app: Any, ready: Any, payload: dict[str, Any]) -> None:
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    ready.put({**payload, "port": server.server_port})
    server.serve_forever()


def _issuer_process(home: str, ready: Any) -> None:
    """Set up an issuer at a free port and serve it (the port is known before the app exists:
    its did:web and every URL it prints name it)."""
    import socket

    from issuer.config import IssuerConfig
    from issuer.degree import parse_input
    from issuer.service import open_service
    from issuer.web import create_app

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    base = f"http://127.0.0.1:{port}"
    root = Path(home)
    config = IssuerConfig(
        database_url=f"sqlite:///{root / 'issuer.sqlite3'}",
        keys_dir=root / "keys",
        public_base_url=base,
        verifier_url="http://127.0.0.1:9/verify",
        spool_dir=root / "batches",
        secret_key=secrets.token_hex(32),
        nqf_name="National Qualifications Framework (FUZZ)",
        nqf_url="https://nic.fuzz.example/nqf",
        dev_mode=True,
        status_messages=True,  # so /status/message/<n> is fuzzed too
    )
    service = open_service(config)
    issuer = service.identity.init_identity("Fuzz University", base, "KZ", actor="fuzz")
    service.accounts.create_user("registrar", PASSWORD, "registrar", actor="fuzz")
    registrar = service.accounts.create_api_token("fuzz-registrar", "registrar")
    admin = service.accounts.create_api_token("fuzz-admin", "admin")
    sample = json.loads((PROJECT / "samples" / "degree.json").read_text(encoding="utf-8"))
    issued = service.issuing.issue_degree(parse_input(sample), actor="fuzz")
    _, _, share_url = service.sharing.create_share_link(issued.credential_id, actor="fuzz")
    manage = issued.management_url or service.issuing.reset_management_token(
        issued.credential_id, actor="fuzz"
    )
    batch = service.batches.create_batch(json.dumps([sample]).encode(), "json", actor="fuzz")
    parts = urlsplit(manage)
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", port, create_app(config, service=service), threaded=True)
    ready.put(
        {
            "port": port,
            "did": issuer.did,
            "credential": issued.credential,
            "share_url": share_url,
            "targets": {
                "registrar": registrar,
                "admin": admin,
                "degree_input": sample,
                "credential_id": issued.credential_id.rsplit("/", 1)[-1],
                "share_path": urlsplit(share_url).path,
                "manage_path": f"{parts.path}?{parts.query}",
                "batch_id": batch.id,
            },
        }
    )
    server.serve_forever()


def _verifier_process(home: str, issuer_did: str, ready: Any) -> None:
    from vc import proofs, strictjson
    from vc.keys import generate
    from verifier.config import VerifierConfig
    from verifier.registry import (
        accreditation_entry,
        add_institution,
        new_registry,
        registry_credential,
    )
    from verifier.web import create_app

    operator = generate(seed=bytes([0xF0]) * 32)
    today = datetime.now(UTC).date()
    doc = new_registry(
        registry_id="https://nic.fuzz.example/registry",
        name="Fuzz registry",
        operator_did=operator.public.did_key,
        operator_name="Fuzz operator",
        jurisdiction="KZ",
        as_of=today,
        description="FUZZ data.",
    )
    doc = add_institution(
        doc,
        dids=[issuer_did],
        names={"en": "Fuzz University"},
        country="KZ",
        source_url="https://nic.fuzz.example/i",
        source_title="list",
        retrieved=today,
        accreditations=[
            accreditation_entry(
                accrediting_body="Fuzz agency",
                status="accredited",
                valid_from=date(2015, 1, 1),
                valid_until=None,
                isced_levels=["6", "7", "8"],
                source_url="https://nic.fuzz.example/d",
                source_title="decision",
                retrieved=today,
            )
        ],
    )
    now = datetime.now(UTC).replace(microsecond=0)
    unsigned = registry_credential(
        doc, operator_did=operator.public.did_key, valid_from=now - timedelta(days=1)
    )
    signed = proofs.sign(
        unsigned,
        operator,
        verification_method=f"{operator.public.did_key}#{operator.public.multikey}",
        created=now - timedelta(hours=1),
    )
    registry = Path(home) / "registry.json"
    registry.write_text(strictjson.dumps(signed), encoding="utf-8")
    config = VerifierConfig(
        country="JP",
        registries=(str(registry),),
        trusted_operators=(operator.public.did_key,),
        dev_mode=True,
        base_url="http://127.0.0.1:8002",
        database_url=f"sqlite:///{Path(home) / 'verifier.sqlite3'}",
        # Fuzzed uploads start many small jobs from one address: hold a few more than the
        # default at once, so fewer are turned away (429) and more are run.
        bulk_jobs_per_client=8,
        bulk_max_jobs=8,
    )
    _serve(create_app(config), ready, {})


@dataclass
class Tally:
    """Requests and bad answers per endpoint, and the first bad request of each."""

    sent: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    bad: Counter[str] = field(default_factory=Counter)
    first: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Bulk jobs the fuzzed uploads started: (label, Location, seed), checked after the run.
    jobs: list[tuple[str, str, int]] = field(default_factory=list)

    def record_bad(self, label: str, what: str) -> None:
        with self.lock:
            self.bad[label] += 1
            self.first.setdefault(label, what)


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "fuzz" + secrets.token_hex(8)
    chunks = []
    parts: list[tuple[str, str | None, bytes]] = [
        (name, "credential.json" if name == "file" else None, value.encode("utf-8", "replace"))
        for name, value in fields.items()
    ]
    parts += [(name, filename, content) for name, (filename, content) in files.items()]
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        chunks.append(
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), boundary


def _send(port: int, request: Request, cookie: str | None) -> tuple[int, str, bytes, str]:
    """(status, content type, body, Location) of ``request`` sent to 127.0.0.1:``port``."""
    headers = dict(request.headers)
    body = request.body
    if request.files is not None or (request.form is not None and "file" in request.form):
        body, boundary = _multipart(dict(request.form or {}), dict(request.files or {}))
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif request.form is not None:
        body = urlencode(dict(request.form)).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        headers["Cookie"] = cookie
    # What a raw client can send: header values as UTF-8 bytes when Latin-1 cannot carry them
    # (http.client would refuse them), the path's non-ASCII characters percent-encoded.
    wire: dict[str, str | bytes] = {
        name: value if value.isascii() else value.encode("utf-8") for name, value in headers.items()
    }
    path = quote(request.path, safe="".join(chr(c) for c in range(0x21, 0x7F)))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(request.method, path, body=body, headers=wire)  # type: ignore[arg-type]
        response = connection.getresponse()
        return (
            response.status,
            response.getheader("Content-Type") or "",
            response.read(),
            response.getheader("Location") or "",
        )
    finally:
        connection.close()


def _login(port: int) -> str:
    """A console session cookie for the registrar (the console endpoints need one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/console/login")
    page = connection.getresponse()
    cookie = (page.getheader("Set-Cookie") or "").split(";")[0]
    html = page.read().decode()
    connection.close()
    marker = 'name="csrf_token" value="'
    csrf = html.split(marker, 1)[1].split('"', 1)[0]
    body = urlencode(
        {"username": "registrar", "password": PASSWORD, "csrf_token": csrf, "next": ""}
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(
        "POST",
        "/console/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return (answer.getheader("Set-Cookie") or cookie).split(";")[0]


def _worker(
    jobs: list[tuple[str, str, int]],
    issuer: tuple[int, IssuerTargets, str],
    verifier: tuple[int, VerifierTargets],
    tally: Tally,
    deadline: float,
) -> None:
    for service, endpoint, seed in jobs:
        if time.monotonic() > deadline:
            return
        rng = random.Random(seed)
        if service == "issuer":
            port, targets, cookie = issuer
            request = issuer_request(rng, targets, endpoint)
            use_cookie: str | None = cookie if endpoint.startswith("GET /console") else None
        else:
            port, vtargets = verifier
            request = verifier_request(rng, vtargets, endpoint)
            use_cookie = None
        label = f"{service:8} {endpoint}"
        location = ""
        try:
            status, content_type, body, location = _send(port, request, use_cookie)
            wrong = well_formed_problem(status, content_type, body)
        except (OSError, http.client.HTTPException) as exc:
            status, wrong = 0, f"no answer: {exc}"
        except Exception as exc:  # the client's own failure: counted, never a silent dead thread
            status, wrong = 0, f"fuzz client error: {exc!r}"
        with tally.lock:
            if endpoint in BULK_STARTS and status in (202, 303) and "/verify/bulk/" in location:
                tally.jobs.append((label, location, seed))
            tally.sent[label] += 1
            tally.statuses[(label, status)] += 1
        if wrong is not None:
            tally.record_bad(
                label,
                f"{wrong}: {request.method} {request.path[:160]} seed={seed} "
                f"body={(request.body or b'')[:160]!r}",
            )


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000, help="total requests to send")
    parser.add_argument("--seconds", type=float, default=3000, help="stop sending after this")
    parser.add_argument("--seed", type=int, default=8, help="seed of every mutation")
    parser.add_argument("--threads", type=int, default=4, help="concurrent client threads")
    args = parser.parse_args(argv)
    # A run that is stopped (kill, timeout) must still stop its two server processes: SIGTERM
    # becomes SystemExit, so the ``finally`` below runs.
    signal.signal(signal.SIGTERM, _stopped)
    home = Path(tempfile.mkdtemp(prefix="diplomat-fuzz-"))
    (home / "keys").mkdir(mode=0o700)
    context = multiprocessing.get_context("spawn")
    ready = context.Queue()
    processes = []
    try:
        issuer_proc = context.Process(target=_issuer_process, args=(str(home), ready), daemon=True)
        issuer_proc.start()
        processes.append(issuer_proc)
        issued = ready.get(timeout=120)
        verifier_proc = context.Process(
            target=_verifier_process, args=(str(home), issued["did"], ready), daemon=True
        )
        verifier_proc.start()
        processes.append(verifier_proc)
        verified = ready.get(timeout=120)
        itargets = IssuerTargets(**issued["targets"])
        jwt_source = dict(issued["credential"])
        vtargets = VerifierTargets(
            jwt_source,
            _jwt_of(jwt_source),
            issued["share_url"],
            _finished_job(verified["port"], issued["share_url"]),
        )
        cookie = _login(issued["port"])
        endpoints = [("issuer", e) for e in ISSUER_ENDPOINTS] + [
            ("verifier", e) for e in VERIFIER_ENDPOINTS
        ]
        jobs = [
            (service, endpoint, args.seed * 1_000_003 + number)
            for number in range(args.requests)
            for service, endpoint in [endpoints[number % len(endpoints)]]
        ]
        random.Random(args.seed).shuffle(jobs)
        tally = Tally()
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(
                target=_worker,
                args=(
                    jobs[index :: args.threads],
                    (issued["port"], itargets, cookie),
                    (verified["port"], vtargets),
                    tally,
                    deadline,
                ),
                daemon=True,
            )
            for index in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        _check_jobs(verified["port"], tally)
    finally:
        for process in processes:
            process.terminate()
            process.join(10)
        shutil.rmtree(home, ignore_errors=True)
    return _print(tally, elapsed)


def _get_json(port: int, path: str) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return json.loads(body) if response.status == 200 else {"status": response.status}
    finally:
        connection.close()


def _wait_job(port: int, job_id: str, deadline: float) -> dict[str, Any]:
    """The job's progress once it is no longer running (or at the deadline)."""
    while True:
        progress: dict[str, Any] = _get_json(port, f"/api/verify/bulk/{job_id}")
        if progress.get("state") != "running" or time.monotonic() > deadline:
            return progress
        time.sleep(0.2)  # a client's poll interval; the job's state is what is waited on


def _finished_job(port: int, share_url: str) -> str:
    """A bulk job over the good share link, finished: the catalogue's valid job id."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(
        "POST", "/api/verify/bulk", body=share_url.encode(), headers={"Content-Type": "text/csv"}
    )
    answer = connection.getresponse()
    job_id = str(json.loads(answer.read())["id"])
    connection.close()
    _wait_job(port, job_id, time.monotonic() + 120)
    return job_id


def _check_jobs(port: int, tally: Tally) -> None:
    """Every job a fuzzed upload started must end "done", with no row that met an unexpected
    error (a bulk row's form of HTTP 500); a failure counts as a bad answer of its endpoint."""
    deadline = time.monotonic() + 300
    for label, location, seed in tally.jobs:
        job_id = location.split("/verify/bulk/", 1)[1].split("?", 1)[0].split("/", 1)[0]
        progress = _wait_job(port, job_id, deadline)
        if progress.get("state") != "done":
            tally.record_bad(label, f"bulk job {job_id[:8]} ended {progress} seed={seed}")
            continue
        results = _get_json(port, f"/api/verify/bulk/{job_id}/results")
        crashed = [row for row in results.get("rows", []) if UNEXPECTED in row.get("detail", "")]
        if crashed:
            tally.record_bad(label, f"bulk job {job_id[:8]} row {crashed[0]} seed={seed}")


def _jwt_of(credential: dict[str, Any]) -> str:
    """A compact vc+jwt of an unsigned copy, signed by a throw-away key (not the issuer's: the
    verifier reports it as not verified, which exercises the JWT path all the same)."""
    from vc.jose import sign_vc_jwt
    from vc.keys import generate

    key = generate(seed=bytes([0xF1]) * 32)
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    return sign_vc_jwt(unsigned, key, f"{key.public.did_key}#{key.public.multikey}")


def _print(tally: Tally, elapsed: float) -> int:
    total = sum(tally.sent.values())
    five = sum(n for (label, status), n in tally.statuses.items() if status >= 500)
    upstream = sum(n for (label, status), n in tally.statuses.items() if status == UPSTREAM)
    print(f"{'endpoint':48} {'requests':>9} {'5xx':>5} {'502':>5} {'bad':>5}  statuses")
    for label in sorted(tally.sent):
        codes = sorted((s, n) for (lab, s), n in tally.statuses.items() if lab == label)
        fives = sum(n for s, n in codes if s >= 500 and s != UPSTREAM)
        up = sum(n for s, n in codes if s == UPSTREAM)
        shown = " ".join(f"{s}:{n}" for s, n in codes)
        print(
            f"{label:48} {tally.sent[label]:>9} {fives:>5} {up:>5} {tally.bad[label]:>5}  {shown}"
        )
    print(
        f"\n{total} requests in {elapsed:.0f} s ({total / max(elapsed, 1e-9):.0f}/s); "
        f"{five - upstream} answers 5xx (500 and the like), {upstream} answers 502 (a link's "
        f"server answered badly: the documented upstream error), {sum(tally.bad.values())} "
        "unacceptable answers in all"
    )
    print(
        f"{len(tally.jobs)} bulk jobs started by fuzzed uploads were waited for and read: each "
        "must end done with no row that met an unexpected error"
    )
    for label, first in sorted(tally.first.items()):
        print(f"  first bad answer of {label}: {first}")
    return 1 if tally.bad else 0


if __name__ == "__main__":
    sys.exit(main())
