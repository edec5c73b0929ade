"""The four W3C suites: where they are, how each is configured for our deployment, how it is
installed (npm, cached by the hash of its package files) and run (mocha, JSON reporter)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.deploy import Deployment, IssuerEndpoint

BOTH_VERSIONS = {"vc": ["1.1", "2.0"]}


@dataclass(frozen=True)
class Outcome:
    """What one suite run gave: counts and the titles of the tests that failed."""

    suite: str
    passed: int
    failed: int
    pending: int
    failures: tuple[tuple[str, str], ...] = field(default=())
    pending_titles: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.pending


def _issuer(
    issuer: IssuerEndpoint, tags: list[str], options: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": issuer.did,
        "endpoint": issuer.issue_url,
        "tags": tags,
        "headers": {"Authorization": f"Bearer {issuer.token}"},
        **extra,
    }
    if options:
        entry["options"] = options
    return entry


def _verifier(dep: Deployment, tags: list[str], path: str = "credentials", **extra: Any) -> Any:
    return {
        "id": "did:web:diplomat.conformance.verifier",
        "endpoint": f"{dep.verifier_url}/{path}/verify",
        "tags": tags,
        **extra,
    }


def _data_model(dep: Deployment) -> list[dict[str, Any]]:
    tags = ["vc2.0"]
    return [
        {
            "issuers": [_issuer(dep.issuers["Ed25519"], tags)],
            "verifiers": [_verifier(dep, tags)],
            "vpVerifiers": [_verifier(dep, tags, "presentations")],
        }
    ]


def _eddsa(dep: Deployment) -> list[dict[str, Any]]:
    ed = dep.issuers["Ed25519"]
    issuers, verifiers = [], []
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        issuers.append(_issuer(ed, [suite], {"cryptosuite": suite}, supports=BOTH_VERSIONS))
        verifiers.append(_verifier(dep, [suite], supports=BOTH_VERSIONS))
    return [{"issuers": issuers, "verifiers": verifiers}]


def _ecdsa(dep: Deployment) -> list[dict[str, Any]]:
    issuers, verifiers = [], []
    for suite in ("ecdsa-rdfc-2019", "ecdsa-jcs-2019"):
        for curve in ("P-256", "P-384"):
            issuers.append(
                _issuer(
                    dep.issuers[curve],
                    [suite],
                    {"cryptosuite": suite},
                    supports=BOTH_VERSIONS,
                    supportedEcdsaKeyTypes=[curve],
                )
            )
        verifiers.append(
            _verifier(
                dep, [suite], supports=BOTH_VERSIONS, supportedEcdsaKeyTypes=["P-256", "P-384"]
            )
        )
    return [{"issuers": issuers, "verifiers": verifiers}]


def _bitstring(dep: Deployment) -> list[dict[str, Any]]:
    tags = ["BitstringStatusList"]
    return [
        {
            "issuers": [_issuer(dep.issuers["Ed25519"], tags)],
            "verifiers": [_verifier(dep, tags)],
        }
    ]


@dataclass(frozen=True)
class Suite:
    folder: str
    title: str
    target: str
    endpoints: Callable[[Deployment], list[dict[str, Any]]]
    timeout_ms: int = 15000
    # Spec vectors the suite expects inside its folder (its own npm script clones them from
    # GitHub): (folder under ../shared/vectors, where in the suite copy).
    vectors: tuple[str, str] | None = None


SUITES = (
    Suite("vc-data-model-2.0-test-suite", "VC Data Model 2.0", ">= 57/59", _data_model),
    Suite("vc-di-eddsa-test-suite", "Data Integrity EdDSA", "57/57", _eddsa),
    Suite(
        "vc-di-ecdsa-test-suite",
        "Data Integrity ECDSA",
        "43/43",
        _ecdsa,
        vectors=("vc-di-ecdsa", "tests/input/vc-di-ecdsa/TestVectors"),
    ),
    Suite(
        "vc-bitstring-status-list-test-suite",
        "Bitstring Status List",
        "all, none skipped",
        _bitstring,
    ),
)


# Outcomes no conforming implementation can change, each with its reason: (suite folder, the end
# of the test title) -> reason. Printed next to the failure or skip; never counted as a pass.
EXPLAINED: dict[tuple[str, str], str] = {
    (
        "vc-bitstring-status-list-test-suite",
        "The number of status messages MUST equal the number of possible values.",
    ): (
        "suite defect: it asserts statusMessage.length == statusSize, but Bitstring Status List "
        "§2.1 requires 2^statusSize messages (2 for statusSize 1, 4 for 2, ...); no statusSize "
        "satisfies both, so a conforming entry fails and only an entry without statusSize or "
        "statusMessage reaches the suite's skip"
    ),
    (
        "vc-bitstring-status-list-test-suite",
        "If present, the statusMessage property MUST be an array, the length of which MUST "
        "equal the number of possible status messages indicated by statusSize.",
    ): "suite defect: the same length == statusSize assertion, against §2.1's 2^statusSize",
    (
        "vc-bitstring-status-list-test-suite",
        "MAY express an id property that matches the value specified in statusListCredential "
        "for the corresponding BitstringStatusListEntry.",
    ): (
        "skipped by the suite itself (it.skip, no test body); Diplomat's lists do carry an id "
        "equal to the entry's statusListCredential"
    ),
}


def explanation(suite: Suite, title: str) -> str | None:
    """Why ``title`` (a full test title) fails or is skipped whatever the implementation does."""
    return next(
        (
            why
            for (folder, end), why in EXPLAINED.items()
            if folder == suite.folder and title.endswith(end)
        ),
        None,
    )


def local_config(suite: Suite, dep: Deployment) -> str:
    """The suite's localConfig.cjs for this deployment."""
    implementations = [
        {"name": "Diplomat", "implementation": "Diplomat (conformance run)", **part}
        for part in suite.endpoints(dep)
    ]
    config = {
        "settings": {"enableInteropTests": False, "testAllImplementations": False},
        "implementations": implementations,
    }
    return "module.exports = " + json.dumps(config, indent=2) + ";\n"


def _package_hash(folder: Path, tarballs: Path) -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        path = folder / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    for tarball in sorted(tarballs.glob("*.tgz")):
        digest.update(tarball.name.encode() + b"\0" + tarball.read_bytes())
    return digest.hexdigest()[:16]


def prepare(
    suite: Suite, source: Path, vectors: Path, scratch: Path, log: Callable[[str], None]
) -> Path:
    """A writable copy of the suite with its node_modules, installed once per package hash.

    The copy lives at ``scratch/<folder>-<hash>``, next to ``scratch/tarballs`` (the suites
    name their shared libraries as ``file:../tarballs/…``). Its test sources are refreshed from
    ``source`` on every run; ``npm install`` runs only when node_modules is missing.
    Raises subprocess.CalledProcessError when npm fails.
    """
    tarballs = scratch / "tarballs"
    shutil.copytree(source / "tarballs", tarballs, dirs_exist_ok=True)
    origin = source / suite.folder
    target = scratch / f"{suite.folder}-{_package_hash(origin, tarballs)}"
    shutil.copytree(
        origin, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("node_modules", "reports")
    )
    if suite.vectors is not None:
        shutil.copytree(vectors / suite.vectors[0], target / suite.vectors[1], dirs_exist_ok=True)
    if not (target / "node_modules" / ".diplomat-installed").exists():
        log(f"npm install in {target} (cached for later runs)")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],  # noqa: S607
            cwd=target,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (target / "node_modules" / ".diplomat-installed").write_text("ok\n")
    return target


def run(suite: Suite, folder: Path, dep: Deployment, env: dict[str, str]) -> Outcome:
    """Run the suite's mocha tests against ``dep``; the JSON report is read from a file."""
    (folder / "localConfig.cjs").write_text(local_config(suite, dep), encoding="utf-8")
    report = folder / "diplomat-report.json"
    report.unlink(missing_ok=True)
    mocha = folder / "node_modules" / ".bin" / "mocha"
    subprocess.run(  # noqa: S603 - the suite's own mocha
        [
            str(mocha),
            "tests",
            "--reporter",
            "json",
            "--reporter-option",
            f"output={report}",
            "--timeout",
            str(suite.timeout_ms),
            "--preserve-symlinks",
        ],
        cwd=folder,
        env={**os.environ, **env, "NODE_TLS_REJECT_UNAUTHORIZED": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    data = json.loads(report.read_text(encoding="utf-8"))
    failures = tuple(
        (t["fullTitle"], (t.get("err") or {}).get("message", "")) for t in data["failures"]
    )
    pending = tuple(t["fullTitle"] for t in data["pending"])
    return Outcome(suite.title, len(data["passes"]), len(failures), len(pending), failures, pending)
