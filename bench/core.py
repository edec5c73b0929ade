"""Benchmark of the standards core: sign and verify a realistic degree credential with each suite.

Per-operation medians (time.perf_counter) of the whole `vc.proofs.sign` / `vc.proofs.verify`, each
on a document seen for the first time (cached JSON-LD expansions are forgotten, untimed, before
every call; "again" rows keep them), and, timed apart, the steps inside them: canonicalization (JSON-LD expansion + RDFC-1.0, or JCS),
hashing, and the raw signature / signature check. Also cold (contexts not yet processed) against
warm canonicalization. Uses the reference degree credential from ../shared/vectors when present,
else a built-in sample of the same shape.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import timing, transcripts
from bench.timing import Figure, median_ms
from vc import jsonld, proofs
from vc.dids import DidResolver
from vc.keys import KeyPair, KeyType, generate
from vc.suites import get_suite

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "vectors" / "reference-outputs" / "unsigned"
SEED = bytes(range(32))
CREATED = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 1, tzinfo=UTC)

# (suite, key type, VC version of the document)
SUITES: tuple[tuple[str, KeyType, str], ...] = (
    ("eddsa-rdfc-2022", KeyType.ED25519, "2.0"),
    ("ecdsa-rdfc-2019", KeyType.P256, "2.0"),
    ("eddsa-jcs-2022", KeyType.ED25519, "2.0"),
    ("Ed25519Signature2020", KeyType.ED25519, "1.1"),
    ("ecdsa-jcs-2019", KeyType.P256, "2.0"),
)

_ACHIEVEMENT: dict[str, Any] = {
    "id": "https://university.example/achievements/bsc-computer-science",
    "type": ["Achievement"],
    "achievementType": "BachelorDegree",
    "name": "Bachelor of Science in Computer Science",
    "description": "Awarded on completion of the three-year undergraduate programme in Computer "
    "Science.",
    "criteria": {
        "narrative": "Completion of 180 ECTS credits in the Computer Science programme, including "
        "a final-year project."
    },
    "fieldOfStudy": "Computer Science",
}


def sample_degree(version: str) -> dict[str, Any]:
    """The built-in sample: the reference degree credential's shape (used without ../shared)."""
    document: dict[str, Any] = {
        "@context": (
            [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ]
            if version == "2.0"
            else [
                "https://www.w3.org/2018/credentials/v1",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                "https://w3id.org/security/suites/ed25519-2020/v1",
            ]
        ),
        "id": "urn:uuid:3b2e5c90-83ec-87b9-bd0b-9ff96dd0209e",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": {"id": "did:example:university", "type": ["Profile"], "name": "Example U"},
        "name": "Bachelor of Science in Computer Science",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": copy.deepcopy(_ACHIEVEMENT),
        },
    }
    document["validFrom" if version == "2.0" else "issuanceDate"] = "2025-01-01T00:00:00Z"
    return document


def load_documents() -> tuple[dict[str, dict[str, Any]], str]:
    """The VC 2.0 and VC 1.1 degree credentials, and where they came from."""
    v2 = REFERENCE / "degree-vc2-ob3-eddsa-rdfc-2022.json"
    v11 = REFERENCE / "degree-vc11-ob3-ed25519-signature-2020.json"
    if v2.is_file() and v11.is_file():
        documents = {
            "2.0": json.loads(v2.read_text(encoding="utf-8")),
            "1.1": json.loads(v11.read_text(encoding="utf-8")),
        }
        return documents, f"reference outputs ({v2.parent})"
    return {"2.0": sample_degree("2.0"), "1.1": sample_degree("1.1")}, "built-in sample"


@dataclass(frozen=True)
class Row:
    """One timed operation."""

    suite: str
    operation: str
    median_ms: float
    min_ms: float
    iterations: int


def new_document() -> None:
    """Forget the cached JSON-LD expansions, so the next call sees its document for the first time
    (as an issuer signing a cohort or a verifier opening a new credential does)."""
    forget = getattr(jsonld.default_loader(), "forget_expansions", None)
    if forget is not None:
        forget()


# Course results of the transcripts measured by ``make bench``, and iterations of each (full run).
COURSES: dict[int, int] = {1: 60, 50: 20, 200: 8}


def transcript_figures(quick: bool = False) -> list[Figure]:
    """eddsa-rdfc-2022 verify and sign of the degree with 1, 50 and 200 course results, by
    Diplomat (vc.proofs), by plain pyld on the same bytes (bench.transcripts.PlainPyld), and
    verify by the reference JavaScript libraries on the same bytes (bench/vcjs.mjs).

    Raises RuntimeError when a credential does not verify or the two paths sign differently.
    """
    key = generate(KeyType.ED25519, SEED)
    figures: list[Figure] = []
    plain_rows: list[Figure] = []
    signed: dict[int, dict[str, Any]] = {}
    iterations: dict[int, int] = {}
    for courses, full in COURSES.items():
        n = iterations[courses] = max(3, full // 6) if quick else full
        mine, plain, signed[courses] = _transcript(key, courses, n)
        figures += mine
        plain_rows += plain
    return figures + plain_rows + vcjs_figures(signed, iterations)


def _results(courses: int) -> str:
    return f"{courses} course result{'s' if courses > 1 else ''}"


VCJS_SECTION = "vc.js (Digital Bazaar's jsonld-signatures), same bytes"


def vcjs_figures(signed: dict[int, dict[str, Any]], iterations: dict[int, int]) -> list[Figure]:
    """Verify of each ``signed`` transcript (by course results) by the reference JavaScript
    libraries, in node (bench/vcjs.mjs), with the floor timed around the node run; one line
    saying why when node or the npm packages (make npm-tools) are missing.

    Raises RuntimeError when node finds a credential not verified."""
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "jsonld-signatures").is_dir():
        why = "not measured: needs node and the npm packages (make npm-tools)"
        return [Figure(VCJS_SECTION, "verify", None, None, why)]
    with tempfile.TemporaryDirectory(prefix="diplomat-bench-vcjs-") as temp:
        source = Path(temp) / "signed.json"
        source.write_text(json.dumps(list(signed.values())), encoding="utf-8")
        floors = [timing.floor_batch_ms() for _ in range(10)]
        done = subprocess.run(
            [node, str(REPO / "bench" / "vcjs.mjs"), str(source)]
            + [str(iterations[courses]) for courses in signed],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )
        floors += [timing.floor_batch_ms() for _ in range(10)]
    if done.returncode != 0:
        raise RuntimeError(f"bench/vcjs.mjs failed: {done.stderr.strip()[-500:]}")
    floor = statistics.median(floors)
    figures = []
    for line, courses in zip(done.stdout.splitlines(), signed, strict=True):
        result = json.loads(line)
        if result["verified"] is not True:
            raise RuntimeError(f"vc.js does not verify the {courses}-course transcript")
        median = timing.Measured.of(float(result["median_ms"]), floor)
        figures.append(
            Figure(
                VCJS_SECTION,
                f"verify, {_results(courses)}",
                median,
                None,
                f"n={iterations[courses]}",
            )
        )
    return figures


def _transcript(
    key: KeyPair, courses: int, n: int
) -> tuple[list[Figure], list[Figure], dict[str, Any]]:
    resolver = DidResolver()
    plain = transcripts.PlainPyld()
    document = transcripts.degree(key, courses)
    signed = transcripts.sign(document, key)
    verified = proofs.verify(signed, resolver=resolver, now=transcripts.NOW).verified
    if not verified or not plain.verify(signed, key):
        raise RuntimeError(f"the {courses}-course transcript does not verify")
    if plain.sign(document, key)["proof"] != signed["proof"]:
        raise RuntimeError(f"plain pyld signs the {courses}-course transcript differently")
    note = f"{len(json.dumps(signed).encode()) / 1000:.1f} kB, n={n}"
    what = _results(courses)
    section = "core: eddsa-rdfc-2022 (vc.proofs)"
    pyld_verify = median_ms(lambda: plain.verify(signed, key), n)
    pyld_sign = median_ms(lambda: plain.sign(document, key), n)
    verify = median_ms(lambda: proofs.verify(signed, resolver=resolver, now=transcripts.NOW), n)
    sign = median_ms(lambda: transcripts.sign(document, key), n)
    return (
        [
            Figure(section, f"verify, {what}", verify, pyld_verify, note),
            Figure(section, f"sign, {what}", sign, pyld_sign, note),
        ],
        [
            Figure("plain pyld, same bytes", f"verify, {what}", pyld_verify),
            Figure("plain pyld, same bytes", f"sign, {what}", pyld_sign),
        ],
        signed,
    )


def measure(
    suite: str,
    operation: str,
    fn: Callable[[], object],
    iterations: int,
    warmup: int = 2,
    before: Callable[[], object] | None = new_document,
) -> Row:
    """Median and minimum of ``fn`` in ms; ``before`` (untimed) runs ahead of every call."""
    for _ in range(warmup):
        if before is not None:
            before()
        fn()
    samples = []
    for _ in range(iterations):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return Row(suite, operation, statistics.median(samples), min(samples), iterations)


def _issued_by(document: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    issued = copy.deepcopy(document)
    if isinstance(issued.get("issuer"), dict):
        issued["issuer"]["id"] = key.public.did_key
    else:
        issued["issuer"] = key.public.did_key
    return issued


def bench_suite(
    suite_name: str, key: KeyPair, document: dict[str, Any], iterations: int
) -> list[Row]:
    """Time sign, verify, and the steps inside them, for one suite."""
    suite = get_suite(suite_name)
    vm = f"{key.public.did_key}#{key.public.multikey}"
    document = _issued_by(document, key)
    signed = proofs.sign(document, key, verification_method=vm, created=CREATED, suite=suite_name)
    resolver = DidResolver()
    check = proofs.verify(signed, resolver=resolver, now=NOW)
    if not check.verified:  # measure the success path, or say why not
        raise RuntimeError(
            f"{suite_name}: the benchmark credential does not verify: {check.errors}"
        )
    base = proofs.unsecured(signed)
    config = proofs.proof_configuration(suite, base, signed["proof"])
    data = suite.verify_data(base, config, key.key_type)
    hash_name = suite.hash_name(key.key_type)
    signature = key.sign(data.hash_data)
    canon = "expand + RDFC-1.0" if suite.canonicalization == "rdfc" else "JCS"

    def hash_both() -> bytes:
        return (
            hashlib.new(hash_name, data.canonical_proof_config).digest()
            + hashlib.new(hash_name, data.canonical_document).digest()
        )

    return [
        measure(
            suite_name,
            "sign (vc.proofs.sign)",
            lambda: proofs.sign(
                document, key, verification_method=vm, created=CREATED, suite=suite_name
            ),
            iterations,
        ),
        measure(
            suite_name,
            "verify (vc.proofs.verify)",
            lambda: proofs.verify(signed, resolver=resolver, now=NOW),
            iterations,
        ),
        measure(
            suite_name,
            "verify the same credential again",
            lambda: proofs.verify(signed, resolver=resolver, now=NOW),
            iterations,
            before=None,
        ),
        measure(
            suite_name,
            f"  canonicalize document ({canon})",
            lambda: suite.canonicalize(base, key.key_type, None),
            iterations,
        ),
        measure(
            suite_name,
            f"  canonicalize proof config ({canon})",
            lambda: suite.canonicalize(config, key.key_type, None),
            iterations,
        ),
        measure(suite_name, f"  hash both ({hash_name})", hash_both, iterations),
        measure(
            suite_name,
            f"  signature ({key.key_type})",
            lambda: key.sign(data.hash_data),
            iterations,
        ),
        measure(
            suite_name,
            f"  signature check ({key.key_type})",
            lambda: key.public.verify(signature, data.hash_data),
            iterations,
        ),
    ]


def _clear_jsonld_caches() -> bool:
    """Forget processed contexts (pyld's module caches); False if pyld has none by these names."""
    from pyld import jsonld as pyld_jsonld

    cleared = False
    for name in ("_resolved_context_cache", "_inverse_context_cache"):
        cache = getattr(pyld_jsonld, name, None)
        if cache is not None and hasattr(cache, "clear"):
            cache.clear()
            cleared = True
    return cleared


_FIRST_CALL = """
import json, sys, time
from vc import jsonld
document = json.loads(sys.stdin.read())
started = time.perf_counter()
jsonld.canonize(document)
print((time.perf_counter() - started) * 1000)
"""


def cold_vs_warm(document: dict[str, Any], iterations: int, processes: int = 5) -> list[Row]:
    """Canonicalization with contexts not yet processed, against the warm (cached) path."""
    rows = []
    samples = []
    for _ in range(processes):
        done = subprocess.run(
            [sys.executable, "-c", _FIRST_CALL],
            input=json.dumps(document),
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        samples.append(float(done.stdout.strip()))
    rows.append(
        Row(
            "eddsa-rdfc-2022",
            "canonicalize, first call in a fresh process",
            statistics.median(samples),
            min(samples),
            processes,
        )
    )
    if _clear_jsonld_caches():

        def cold() -> None:
            _clear_jsonld_caches()
            jsonld.canonize(document)

        rows.append(
            measure(
                "eddsa-rdfc-2022", "canonicalize, cold (context caches cleared)", cold, iterations
            )
        )
    rows.append(
        measure(
            "eddsa-rdfc-2022",
            "canonicalize, warm (contexts cached)",
            lambda: jsonld.canonize(document),
            iterations,
        )
    )
    return rows


def format_table(rows: Sequence[Row]) -> str:
    header = f"{'suite':<22} {'operation':<48} {'median ms':>10} {'min ms':>9} {'n':>4}"
    lines = [header, "-" * len(header)]
    previous = None
    for row in rows:
        suite = row.suite if row.suite != previous else ""
        previous = row.suite
        lines.append(
            f"{suite:<22} {row.operation:<48} {row.median_ms:>10.3f} {row.min_ms:>9.3f}"
            f" {row.iterations:>4}"
        )
    return "\n".join(lines)


def run(iterations: int = 50) -> tuple[list[Row], list[Row], str, int]:
    documents, source = load_documents()
    keys = {key_type: generate(key_type, SEED) for key_type in {k for _, k, _ in SUITES}}
    rows: list[Row] = []
    for suite, key_type, version in SUITES:
        rows.extend(bench_suite(suite, keys[key_type], documents[version], iterations))
    size = len(json.dumps(documents["2.0"], indent=2).encode())
    return rows, cold_vs_warm(documents["2.0"], iterations), source, size


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.core", description=__doc__)
    parser.add_argument("--iterations", type=int, default=50)
    args = parser.parse_args(argv)
    rows, cold_rows, source, size = run(args.iterations)
    print(f"document: unsigned degree credential from the {source}, {size} bytes (VC 2.0)")
    print(f"python {sys.version.split()[0]}, {args.iterations} iterations per operation\n")
    print(format_table(rows))
    print("\ncanonicalization of the VC 2.0 degree credential: cold vs warm\n")
    print(format_table(cold_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
