"""Benchmark of the verifier: the full report for a realistic signed degree, in process and over HTTP.

In process: ``verify_credential`` on an OB 3.0 Master's degree (eddsa-rdfc-2022, did:key issuer)
with a revocation status list served from memory (StaticFetcher, cached by StatusListCache after
the first call), a signed accreditation registry and the shipped conventions dataset.
Over HTTP: ``POST /api/verify?for=JP`` to the real app on a 127.0.0.1 port with one keep-alive
connection (http.client). Every timed report sees its credential for the first time (cached
JSON-LD expansions are forgotten, untimed, before each), except the "again" line. Prints median,
p90 and count; the target is well under a second.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from vc import jsonld, proofs, strictjson
from vc.contexts import OB_V3P0, VC_V2
from vc.dids import DidResolver
from vc.fetch import StaticFetcher
from vc.keys import KeyPair, generate
from vc.status import Bitstring, status_entry, status_list_credential
from verifier.config import VerifierConfig
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

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
SIGNED = datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
LIST_URL = "https://university.bench.example/status/revocation/1"


def _vm(key: KeyPair) -> str:
    return f"{key.public.did_key}#{key.public.multikey}"


def _sign(document: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    return proofs.sign(document, key, verification_method=_vm(key), created=SIGNED)


def _degree(university: KeyPair, holder: KeyPair) -> dict[str, Any]:
    alignment = [
        {
            "type": ["Alignment"],
            "targetName": "Master's or equivalent level",
            "targetCode": "7",
            "targetFramework": "ISCED 2011",
            "targetType": "ext:ISCED2011Level",
            "targetUrl": "https://uis.unesco.org/isced",
        },
        {
            "type": ["Alignment"],
            "targetName": "Software and applications development and analysis",
            "targetCode": "0613",
            "targetFramework": "ISCED-F 2013",
            "targetType": "ext:ISCEDF2013Field",
            "targetUrl": "https://uis.unesco.org/isced",
        },
    ]
    return _sign(
        {
            "@context": [VC_V2, OB_V3P0],
            "id": "urn:uuid:51f4c2f8-98a1-4f5e-9e5d-2f0c4a1b7d10",
            "type": ["VerifiableCredential", "AchievementCredential"],
            "issuer": {
                "id": university.public.did_key,
                "type": ["Profile"],
                "name": "Bench State University",
                "address": {"type": ["Address"], "addressCountryCode": "KZ"},
            },
            "validFrom": "2024-07-01T00:00:00Z",
            "awardedDate": "2024-06-30T00:00:00Z",
            "name": "Master of Science in Software Engineering",
            "credentialStatus": status_entry(list_id=LIST_URL, index=42, purpose="revocation"),
            "credentialSubject": {
                "id": holder.public.did_key,
                "type": ["AchievementSubject"],
                "name": "Aigerim Sarsenbayeva",
                "achievement": {
                    "id": "urn:uuid:0b7c5d2e-1111-4a2b-9c3d-4e5f6a7b8c9d",
                    "type": ["Achievement"],
                    "achievementType": "MasterDegree",
                    "name": "Master of Science in Software Engineering",
                    "criteria": {"narrative": "Two-year programme, 120 ECTS, thesis defended."},
                    "fieldOfStudy": "Software Engineering",
                    "alignment": alignment,
                },
            },
        },
        university,
    )


def build() -> tuple[dict[str, Any], Callable[[], VerifierContext]]:
    """The credential and a factory of fresh contexts (each with an empty status-list cache)."""
    university, operator, holder = (generate(seed=bytes([n]) * 32) for n in (0xE1, 0xE2, 0xE3))
    bits = Bitstring.new()
    bits.set(3, True)
    status_list = _sign(
        status_list_credential(
            list_id=LIST_URL,
            issuer=university.public.did_key,
            purpose="revocation",
            bitstring=bits,
            valid_from=SIGNED,
        ),
        university,
    )
    registry = new_registry(
        registry_id="https://nic.bench.example/registry",
        name="Bench registry",
        operator_did=operator.public.did_key,
        operator_name="Bench NIC",
        jurisdiction="KZ",
        as_of=date(2026, 4, 1),
        description="Benchmark data.",
    )
    registry = add_institution(
        registry,
        dids=[university.public.did_key],
        names={"en": "Bench State University"},
        country="KZ",
        source_url="https://nic.bench.example/i/1",
        source_title="Record",
        retrieved=date(2026, 4, 1),
        accreditations=[
            accreditation_entry(
                accrediting_body="Bench Agency",
                status="accredited",
                valid_from=date(2015, 1, 1),
                valid_until=None,
                isced_levels=["6", "7", "8"],
                source_url="https://agency.bench.example/d/1",
                source_title="Decision",
                retrieved=date(2026, 4, 1),
            )
        ],
    )
    signed_registry = _sign(
        registry_credential(
            registry,
            operator_did=operator.public.did_key,
            valid_from=datetime(2026, 4, 1, tzinfo=UTC),
        ),
        operator,
    )
    loaded = load_registry(
        signed_registry,
        resolver=DidResolver(),
        now=NOW,
        trusted_operators=[operator.public.did_key],
    )
    lists = {LIST_URL: strictjson.dumps(status_list)}

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

    return _degree(university, holder), context


def _figures(name: str, samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return (
        f"{name:<46} median {statistics.median(ordered) * 1000:8.2f} ms   "
        f"p90 {p90 * 1000:8.2f} ms   n={len(ordered)}"
    )


def new_credential() -> None:
    """Forget cached JSON-LD expansions: the next report sees its credential for the first time."""
    jsonld.default_loader().forget_expansions()


def _timed(
    operation: Callable[[], object],
    count: int,
    before: Callable[[], object] | None = new_credential,
) -> list[float]:
    """Seconds per call of ``operation``; ``before`` (untimed) runs ahead of every call."""
    samples = []
    for _ in range(count):
        if before is not None:
            before()
        started = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - started)
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.verifier", description=__doc__)
    parser.add_argument("--iterations", type=int, default=30)
    args = parser.parse_args(argv)
    credential, factory = build()

    cold: list[float] = []
    for _ in range(max(3, args.iterations // 10)):
        ctx = (
            factory()
        )  # empty cache: the status list is fetched (from memory) and its proof verified
        new_credential()
        started = time.perf_counter()
        report = verify_credential(credential, ctx, destination="JP")
        cold.append(time.perf_counter() - started)
    ctx = factory()
    verify_credential(credential, ctx, destination="JP")
    warm = _timed(lambda: verify_credential(credential, ctx, destination="JP"), args.iterations)
    again = _timed(
        lambda: verify_credential(credential, ctx, destination="JP"), args.iterations, before=None
    )
    print(
        f"verdict: {report.verdict.value} ({', '.join(f'{s.value}={v.status.value}' for s, v in report.sections.items())})"
    )
    print(_figures("in process, status list not yet cached", cold))
    print(_figures("in process, status list cached", warm))
    print(_figures("in process, the same credential again", again))

    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    from verifier.web import create_app

    scratch = Path(tempfile.mkdtemp(prefix="diplomat-bench-verifier-"))
    config = VerifierConfig(country="JP", database_url=f"sqlite:///{scratch / 'verifier.sqlite3'}")
    app = create_app(config, context_factory=lambda: ctx)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    body = json.dumps(credential).encode()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
    try:

        def post() -> None:
            connection.request(
                "POST",
                "/api/verify?for=JP",
                body=body,
                headers={"Content-Type": "application/json", "Connection": "keep-alive"},
            )
            response = connection.getresponse()
            data = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {data[:200]!r}")

        post()
        http_samples = _timed(post, args.iterations)
    finally:
        connection.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        shutil.rmtree(scratch, ignore_errors=True)
    print(_figures("HTTP POST /api/verify (keep-alive, 127.0.0.1)", http_samples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
