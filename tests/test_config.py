"""One configuration: `diplomat config show`, `--version`, bad settings (exit 2, named, no
traceback), `issuer init` flags that let a fresh issuer issue the sample cohort, the data home
for `conventions update`, and docs/configuration.md against every DIPLOMAT_* name in the code."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from diplomat.cli import main
from vc.settings import SETTINGS
from verifier.recognition import DATA_FILE, load_dataset

REPO = Path(__file__).resolve().parents[1]
SAMPLE_CSV = REPO / "samples" / "degrees.csv"
DOC = REPO / "docs" / "configuration.md"
NAME = re.compile(r"DIPLOMAT_[A-Z][A-Z0-9_]*")
NQF = [
    "--nqf-name",
    "National Qualifications Framework of Kazakhstan",
    "--nqf-url",
    "https://nqf.example.kz",
]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the caller; the current directory is a scratch one."""
    for name in list(os.environ):
        if name.startswith("DIPLOMAT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"diplomat {importlib.metadata.version('diplomat')}"


def test_config_show_prints_every_setting_with_its_source_and_masks_secrets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "diplomat.toml").write_text(
        'verifier_country = "JP"\n\nsecret_key = "file-secret-value-0123456789"\n', encoding="utf-8"
    )
    monkeypatch.setenv("DIPLOMAT_KEY_PASSPHRASE", "env-passphrase")
    monkeypatch.setenv("DIPLOMAT_DEV_MODE", "1")
    code, out, _ = run(capsys, "config", "show", "--home", str(home))
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert list(lines) == [setting.name for setting in SETTINGS]
    assert lines["home"].endswith("[flag --home]")
    assert (
        f"verifier_country  JP  [file {home / 'diplomat.toml'}:1]".split()
        == lines["verifier_country"].split()
    )
    assert lines["secret_key"].split()[1] == "********"
    assert lines["key_passphrase"].split()[1:] == ["********", "[env", "DIPLOMAT_KEY_PASSPHRASE]"]
    assert "deprecated: use DIPLOMAT_DEV" in lines["dev"]
    assert lines["database_url"].split()[1] == f"sqlite:///{home}/var/issuer.sqlite3"
    assert "env-passphrase" not in out and "file-secret-value" not in out
    code, out, _ = run(capsys, "--home", str(home), "config", "show", "--json")
    shown: dict[str, Any] = json.loads(out)
    assert shown["verifier_country"]["value"] == "JP"
    assert shown["secret_key"]["value"] == "********"
    assert not (home / "var").exists()  # showing the configuration writes nothing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max_batch_row = 5\n", "unknown setting 'max_batch_row' in {path}:1"),
        ('\nsign_workers = "four"\n', "sign_workers (file {path}:2) must be an integer"),
        (
            'nqf_url = "https://nqf.example"\n',
            "nqf_url is set (file {path}:1) but nqf_name is missing",
        ),
        ("dev = yes\n", "{path}: not valid TOML"),
    ],
)
def test_a_bad_configuration_file_is_exit_2_naming_setting_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(text, encoding="utf-8")
    for argv in (
        ["--config", str(path), "config", "show"],
        ["issuer", "did-document", "--config", str(path)],
        ["verify", str(REPO / "samples" / "degree.json"), "--config", str(path)],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 2, argv
        assert expected.format(path=path) in err
        assert out == ""


def test_a_value_a_service_refuses_is_named_with_its_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "custom.toml"
    path.write_text('nqf_name = "NQF"\nnqf_url = "ftp://nqf.example"\n', encoding="utf-8")
    for argv in (["config", "show"], ["issuer", "did-document"]):
        code, out, err = run(capsys, *argv, "--config", str(path))
        assert code == 2
        assert (
            "DIPLOMAT_NQF_URL must be an absolute http(s) URL, got 'ftp://nqf.example'"
            f" (nqf_url from file {path}:2)"
        ) in err
        assert out == ""
    monkeypatch.setenv("DIPLOMAT_VERIFIER_BASE_URL", "verifier.example")
    code, _, err = run(capsys, "config", "show")
    assert code == 2
    assert "(verifier_base_url from env DIPLOMAT_VERIFIER_BASE_URL)" in err


def test_a_bad_environment_value_names_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIPLOMAT_FETCH_TIMEOUT", "soon")
    code, _, err = run(capsys, "config", "show")
    assert code == 2
    assert "fetch_timeout (env DIPLOMAT_FETCH_TIMEOUT) must be a number, got 'soon'" in err


def _init(capsys: pytest.CaptureFixture[str], home: Path, *extra: str) -> tuple[int, str, str]:
    return run(
        capsys,
        "--home",
        str(home),
        "issuer",
        "init",
        "--name",
        "Al-Farabi Kazakh National University",
        "--domain",
        "kaznu.kz",
        "--country",
        "KZ",
        *extra,
    )


def _issue_sample(
    capsys: pytest.CaptureFixture[str], home: Path
) -> tuple[int, dict[str, Any], str]:
    code, out, err = run(capsys, "issue", "--csv", str(SAMPLE_CSV), "--quiet", "--home", str(home))
    summary: dict[str, Any] = json.loads(out)
    return code, summary, err


def test_a_fresh_issuer_initialised_with_flags_issues_the_whole_sample_cohort(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    code, out, err = _init(capsys, home, "--base-url", "https://diplomas.kaznu.kz", *NQF)
    assert code == 0, err
    assert json.loads(out)["id"] == "did:web:diplomas.kaznu.kz"
    recorded = (home / "diplomat.toml").read_text(encoding="utf-8")
    assert 'issuer_base_url = "https://diplomas.kaznu.kz"' in recorded
    assert 'nqf_name = "National Qualifications Framework of Kazakhstan"' in recorded
    code, summary, err = _issue_sample(capsys, home)
    assert code == 0, err
    assert (summary["total"], summary["issued"], summary["errors"]) == (10, 10, 0)
    assert sorted(path.name for path in home.iterdir()) == ["diplomat.toml", "keys", "var"]
    # The recorded settings are the ones in force, and the file is never silently rewritten.
    code, out, _ = run(capsys, "config", "show", "--home", str(home))
    assert f"[file {home / 'diplomat.toml'}:1]" in out
    code, _, err = _init(capsys, home, "--base-url", "https://other.example")
    assert code == 2
    assert f"issuer_base_url is already set in {home / 'diplomat.toml'}:1" in err


def test_without_a_framework_the_cohort_errors_say_which_flag_to_set(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    code, _, err = _init(capsys, home, "--base-url", "https://diplomas.kaznu.kz")
    assert code == 0
    assert "--nqf-name/--nqf-url" in err
    code, summary, err = _issue_sample(capsys, home)
    assert code == 1
    assert summary["errors"] == 6
    assert err.count("--nqf-name") == 6 and "DIPLOMAT_NQF_URL" in err


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ((), "is a loopback address"),
        (
            ("--base-url", "http://localhost:8001"),
            "(flag --base-url) is a loopback address: its did:web would resolve nowhere else. Pass --base-url https://your-public-host",
        ),
        (("--base-url", "https://[::1]:8443"), "or --dev for a development issuer"),
        (
            ("--base-url", "http://diplomas.kaznu.kz"),
            "--base-url (DIPLOMAT_ISSUER_BASE_URL) must be https",
        ),
        (("--nqf-name", "NQF"), "nqf_name is set (flag --nqf-name) but nqf_url is missing"),
    ],
)
def test_issuer_init_refuses_a_useless_first_issuer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: tuple[str, ...], expected: str
) -> None:
    home = tmp_path / "home"
    code, out, err = _init(capsys, home, *extra)
    assert code == 2
    assert expected in err
    assert out == ""
    assert not home.exists()  # refused before anything was written


def test_issuer_init_dev_allows_a_loopback_did_web(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    code, out, err = _init(capsys, home, "--dev", *NQF)
    assert code == 0, err
    assert json.loads(out)["id"] == "did:web:127.0.0.1%3A8001"
    assert "dev = true" in (home / "diplomat.toml").read_text(encoding="utf-8")


def test_conventions_update_writes_into_the_data_home_never_the_package(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    shipped = DATA_FILE.read_bytes()
    data = json.loads(shipped)
    data["dataset_version"] += ".home"
    new_file = tmp_path / "new.json"
    new_file.write_text(json.dumps(data), encoding="utf-8")
    home = tmp_path / "home"
    code, _, err = run(capsys, "--home", str(home), "conventions", "update", str(new_file))
    assert code == 0, err
    installed = home / "data" / "conventions.json"
    assert load_dataset(installed).version == data["dataset_version"]
    assert DATA_FILE.read_bytes() == shipped
    code, out, _ = run(capsys, "--home", str(home), "conventions", "show", "KZ", "JP")
    assert f"dataset {data['dataset_version']}" in out


def _code_names() -> set[str]:
    names: set[str] = set()
    for package in ("vc", "issuer", "verifier", "diplomat", "bench"):
        for path in (REPO / package).rglob("*.py"):
            names.update(NAME.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_variable_the_code_reads_is_documented_and_in_the_table() -> None:
    documented = set(NAME.findall(DOC.read_text(encoding="utf-8")))
    table = {s.env for s in SETTINGS} | {old for s in SETTINGS for old in s.deprecated_env}
    code = _code_names() | table  # the table's names are built from the setting names
    assert code - documented == set(), "undocumented: add them to docs/configuration.md"
    assert documented - code == set(), "documented but read nowhere"
    assert code - table == set(), "read outside vc.settings: add a row to vc.settings.SETTINGS"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/configuration.md" in readme
    assert set(NAME.findall(readme)) <= documented
