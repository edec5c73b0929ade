"""The house's shape, checked: the three floors (import-linter contracts in pyproject.toml) and
the size of its rooms (no module over 600 lines unless it is data or a migration, no class over
400 lines)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("vc", "issuer", "verifier", "diplomat")
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 400
LINT_IMPORTS = (
    "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
)

# Modules allowed past MAX_MODULE_LINES because they are data, not logic. Each entry says what
# data it holds; keep the list short and the logic out of these files.
DATA_MODULES: dict[str, str] = {}


def modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def is_migration(path: Path) -> bool:
    return "migrations" in path.relative_to(ROOT).parts


def test_the_layering_contract_holds() -> None:
    # In a child process: import-linter configures logging (dictConfig) in the process it runs in.
    run = subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 4 kept, 0 broken." in run.stdout


def test_no_module_is_over_the_size_limit_unless_it_is_data_or_a_migration() -> None:
    too_long = {
        str(p.relative_to(ROOT)): n
        for p in modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        and not is_migration(p)
        and str(p.relative_to(ROOT)) not in DATA_MODULES
    }
    assert too_long == {}


def test_the_data_allow_list_names_only_existing_long_modules() -> None:
    for name in DATA_MODULES:
        lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
        assert len(lines) > MAX_MODULE_LINES, f"{name} no longer needs its exemption"


def test_no_class_is_over_the_size_limit() -> None:
    too_long: dict[str, int] = {}
    for p in modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                n = node.end_lineno - node.lineno + 1
                if n > MAX_CLASS_LINES:
                    too_long[f"{p.relative_to(ROOT)}::{node.name}"] = n
    assert too_long == {}
