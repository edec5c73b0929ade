"""CI cannot quietly skip its oracles: with DIPLOMAT_REQUIRE_SHARED (set by .ci/run) a test
skipped because ../shared is absent fails; without it, it still skips with its reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sharedkit import REQUIRE_SHARED_ENV, is_missing_shared_skip, shared_required

VECTORS_ABSENT = "../shared/vectors is absent (it is provided beside the repository in CI)"

REPO = Path(__file__).resolve().parents[1]


def test_the_ci_script_requires_shared_and_runs_exactly_make_test() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert f"export {REQUIRE_SHARED_ENV}=1" in script
    commands = [
        line.strip()
        for line in script.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "set ", "cd ", "export "))
    ]
    assert commands == ["make test"]


@pytest.mark.parametrize(
    "reason",
    [
        VECTORS_ABSENT,
        "../shared/contexts is absent (it is provided beside the repository in CI)",
        "shared vectors not found at /x/shared/vectors",
        "research snapshot ../shared/recognition absent",
    ],
)
def test_every_missing_shared_reason_is_recognised(reason: str) -> None:
    assert is_missing_shared_skip(reason)


@pytest.mark.parametrize(
    "reason",
    [
        "PostgreSQL at 127.0.0.1:5432 (db test, user postgres) unreachable: refused",
        "signedProofChain1.json: proof chains (previousProof) are not implemented",
        "/usr/bin/chromium is absent",
    ],
)
def test_other_skips_stay_skips(reason: str) -> None:
    assert not is_missing_shared_skip(reason)


def test_the_switch_reads_the_environment() -> None:
    assert shared_required({REQUIRE_SHARED_ENV: "1"})
    assert not shared_required({REQUIRE_SHARED_ENV: "0"})
    assert not shared_required({})


def _run(tmp_path: Path, required: bool) -> str:
    tmp_path.mkdir()
    for name in ("conftest.py", "sharedkit.py", "openapikit.py"):
        (tmp_path / name).write_text(
            (REPO / "tests" / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    (tmp_path / "test_oracle.py").write_text(
        "import pytest\n\n"
        "def test_needs_vectors() -> None:\n"
        f"    pytest.skip({VECTORS_ABSENT!r})\n\n"
        "def test_other() -> None:\n"
        "    pytest.skip('not today')\n",
        encoding="utf-8",
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != REQUIRE_SHARED_ENV}
    if required:
        env[REQUIRE_SHARED_ENV] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.stdout


def test_in_ci_a_missing_oracle_fails_and_elsewhere_it_skips(tmp_path: Path) -> None:
    ci = _run(tmp_path / "ci", required=True)
    assert "1 failed, 1 skipped" in ci, ci
    assert "oracle is missing" in ci
    plain = _run(tmp_path / "plain", required=False)
    assert "2 skipped" in plain and "failed" not in plain, plain
