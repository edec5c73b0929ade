"""The package installs like real software: built with `python -m build`, installed into a new
virtual environment outside the clone, it runs `diplomat --version`, the demo, a verification and
gunicorn serving `verifier.wsgi:app`, and writes nothing outside the data home it is given.

The build runs without isolation (setuptools and build are dev dependencies), and the new
environment gets the wheel with ``pip install --no-index --no-deps``; the wheel's dependencies
are the ones already installed in the test's own environment, made visible through a ``.pth``
line (which appends that site-packages after the new one and does not run its editable-install
hook, so ``vc``, ``issuer``, ``verifier``, ``diplomat`` come from the wheel). No network is used.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("vc", "issuer", "verifier", "diplomat", "diplomat_ops")
# Written by the tools that run the tests, not by Diplomat; bytecode caches are Python's own.
UNWATCHED = {".git", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", "__pycache__"}
STARTUP_LIMIT = 120.0  # seconds: an upper bound on waiting for a line, never a sleep


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root (path → size, mtime), skipping UNWATCHED folders."""
    files: dict[str, tuple[int, int]] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [name for name in dirs if name not in UNWATCHED]
        for name in names:
            path = Path(folder, name)
            try:
                stat = path.lstat()
            except FileNotFoundError:  # pragma: no cover - a file removed while walking
                continue
            files[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return files


def _checkout_files() -> list[str]:
    """The files a fresh clone of this working tree has: tracked and new, not ignored (without
    git: every file but the virtual environment, caches and data homes)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        skipped = UNWATCHED | {".venv", "build", "dist", "diplomat-data", "var"}
        return [
            name
            for name in _snapshot(REPO)
            if not set(Path(name).parts) & skipped
            and not any(part.endswith(".egg-info") for part in Path(name).parts)
            and (not name.startswith("keys/") or name == "keys/README.md")  # private keys stay
        ]
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (REPO / name).is_file()]


def _run(argv: list[str], env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        argv, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _read_line_until(stream: Any, process: subprocess.Popen[str], predicate: Any) -> str:
    """Lines of ``stream`` until one satisfies ``predicate``; fails if the process exits or no
    such line arrives within STARTUP_LIMIT."""
    deadline = time.monotonic() + STARTUP_LIMIT
    seen: list[str] = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], deadline - time.monotonic())
        if not ready:
            break
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if predicate(line):
            return str(line)
    process.kill()
    raise AssertionError(f"expected line never came (exit {process.poll()}): {''.join(seen)}")


@contextmanager
def _running(argv: list[str], env: Mapping[str, str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        argv,
        env=dict(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover - only when shutdown hangs
                process.kill()
                process.wait()
        process.stdout.close() if process.stdout else None
        process.stderr.close() if process.stderr else None


@pytest.mark.slow
@pytest.mark.timeout(900)  # builds a wheel and installs it into a fresh venv (pip, many packages)
def test_the_wheel_installs_and_runs_outside_the_clone(tmp_path: Path) -> None:
    # python -m build, on the files a fresh clone has (copied, so that build/ and *.egg-info
    # are not written into the working tree).
    source = tmp_path / "clone"
    for name in _checkout_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    wheels = sorted(dist.glob("diplomat-*.whl"))
    assert len(wheels) == 1 and len(list(dist.glob("diplomat-*.tar.gz"))) == 1
    # Every compiled catalogue (the verifier's pages, the issuer's mail) is in the wheel: without
    # one, gettext would fall back to English without a word.
    with zipfile.ZipFile(wheels[0]) as wheel:
        packed = {name for name in wheel.namelist() if name.endswith(".mo")}
    catalogues = {name for name in _checkout_files() if name.endswith(".mo")}
    assert len(catalogues) == 14 and packed == catalogues

    # A new virtual environment outside the clone, with the wheel installed into it.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-index", "--no-deps", str(wheels[0])],
        check=True,
        capture_output=True,
    )  # fmt: skip
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "diplomat_test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )

    home, work, user_home, scratch = (tmp_path / name for name in ("home", "work", "user", "tmp"))
    for folder in (work, user_home, scratch):
        folder.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(user_home),
        "TMPDIR": str(scratch),
        "LANG": "C.UTF-8",
    }
    watched = {"clone": REPO, "venv": venv, "dependencies": Path(sysconfig.get_paths()["purelib"])}
    before = {name: _snapshot(root) for name, root in watched.items()}

    # The packages come from the wheel, not from the clone.
    where = _run(
        [str(python), "-c", "import json, vc, issuer, verifier, diplomat, vc.schemas;"
         "print(json.dumps([vc.__file__, issuer.__file__, verifier.__file__, diplomat.__file__,"
         " str(vc.schemas.SCHEMAS_DIR)]))"],
        env,
        work,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    for path in json.loads(where.stdout):
        assert Path(path).is_relative_to(site), path

    # A graduate's message in Kazakh, from the installed catalogue.
    kazakh = _run(
        [str(python), "-c", "from datetime import UTC, datetime; from issuer.mail import *;"
         "m = compose(ClaimMail('a@b.kz', 'A', 'BSc', '1', 'KazNU', 'https://u.kz/c', None, 'kk'),"
         " sender='r@u.kz', now=datetime.now(UTC)); print(m['Content-Language'], m['Subject'])"],
        env,
        work,
    )  # fmt: skip
    assert kazakh.returncode == 0, kazakh.stderr
    assert kazakh.stdout.strip() == "kk «KazNU» берген дипломыңыз"

    version = _run(["diplomat", "--version"], env, work)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"diplomat {importlib.metadata.version('diplomat')}"

    demo = ["diplomat", "demo", "--home", str(home), "--issuer-port", "0", "--verifier-port", "0"]
    once = _run([*demo, "--once"], env, work)
    assert once.returncode == 0, once.stderr
    facts = json.loads(once.stdout.strip().splitlines()[-1])
    assert facts["verdict"] == "verified_with_warnings"
    assert Path(facts["qrFile"]).is_relative_to(home)

    # `diplomat verify` of the demo credential, while the demo's issuer serves its did:web.
    with _running(demo, env, work) as serving:
        line = _read_line_until(serving.stdout, serving, lambda text: text.startswith("{"))
        facts = json.loads(line)
        verified = _run(
            ["diplomat", "verify", facts["shareUrl"], "--for", "JP", "--json", "--dev",
             "--registry", facts["registry"], "--trust", facts["trustedOperator"]],
            env,
            work,
        )  # fmt: skip
        assert verified.returncode == 0, verified.stderr
        report = json.loads(verified.stdout)
        assert report["verdict"] == "verified_with_warnings"
        assert report["sections"]["authenticity"]["status"] == "pass"
        assert report["sections"]["issuer_legitimacy"]["status"] == "pass"

    # gunicorn serving the verifier's WSGI app from the installed package.
    gunicorn = [str(python), "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1",
                "verifier.wsgi:app"]  # fmt: skip
    with _running(gunicorn, {**env, "DIPLOMAT_HOME": str(home)}, work) as server:
        line = _read_line_until(server.stderr, server, lambda text: "Listening at:" in text)
        base = line.split("Listening at:", 1)[1].split()[0]
        _read_line_until(server.stderr, server, lambda text: "Booting worker" in text)
        with urllib.request.urlopen(f"{base}/", timeout=120) as response:
            assert response.status == 200
            assert b"<html" in response.read().lower()

    # Nothing was written outside the data home.
    after = {name: _snapshot(root) for name, root in watched.items()}
    for name in watched:
        assert after[name] == before[name], (
            f"{name} changed: {_difference(before[name], after[name])}"
        )
    for folder in (work, user_home, scratch):
        assert list(folder.iterdir()) == [], f"written into {folder}"
    assert sorted(path.name for path in home.iterdir()) == ["demo", "var"]
    assert (home / "var" / "verifier.sqlite3").is_file()


def _difference(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changed = [name for name in before.keys() & after.keys() if before[name] != after[name]]
    return sorted({*before.keys() ^ after.keys(), *changed})[:20]


def test_no_other_installed_distribution_provides_our_top_level_names() -> None:
    """vc, issuer, verifier and diplomat are top-level import names (README: Installing); no
    dependency may ship one of them."""
    owners = importlib.metadata.packages_distributions()
    for name in TOP_LEVEL:
        assert set(owners.get(name, ["diplomat"])) == {"diplomat"}, (name, owners.get(name))
