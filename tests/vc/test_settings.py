"""vc.settings: one table, resolved flag > environment > diplomat.toml > default, with errors that
name the setting and where its bad value came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from vc import settings
from vc.settings import SETTINGS, SettingsError, load


def _write(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "diplomat.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_put_everything_under_the_home_in_the_current_directory(tmp_path: Path) -> None:
    resolved = load({}, cwd=tmp_path)
    home = tmp_path / "diplomat-data"
    assert resolved.home == home
    assert resolved.config_file is None
    assert resolved["database_url"] == f"sqlite:///{home}/var/issuer.sqlite3"
    assert resolved["verifier_database_url"] == f"sqlite:///{home}/var/verifier.sqlite3"
    assert resolved["keys_dir"] == home / "keys"
    assert resolved["spool_dir"] == home / "var" / "batches"
    assert resolved["dev"] is False
    assert {value.source for value in resolved.values.values()} == {"default"}


def test_flag_beats_environment_beats_file_beats_default(tmp_path: Path) -> None:
    home = tmp_path / "h"
    path = _write(
        home,
        'issuer_base_url = "https://file.example"\nverifier_country = "JP"\n'
        'nqf_name = "NQF"\nnqf_url = "https://nqf.example"\nsign_workers = 3\n',
    )
    env = {
        "DIPLOMAT_HOME": str(home),
        "DIPLOMAT_ISSUER_BASE_URL": "https://env.example",
        "DIPLOMAT_VERIFIER_COUNTRY": "DE",
    }
    resolved = load(env, flags={"issuer_base_url": "https://flag.example"}, cwd=tmp_path)
    assert resolved["issuer_base_url"] == "https://flag.example"
    assert resolved.source("issuer_base_url") == "flag --issuer-base-url"
    assert resolved["verifier_country"] == "DE"
    assert resolved.source("verifier_country") == "env DIPLOMAT_VERIFIER_COUNTRY"
    assert resolved["sign_workers"] == 3
    assert resolved.source("sign_workers") == f"file {path}:5"
    assert resolved["max_batch_rows"] == 20_000
    assert resolved.source("max_batch_rows") == "default"
    assert resolved.config_file == path
    assert resolved.source("home") == "env DIPLOMAT_HOME"


def test_home_flag_and_config_variable(tmp_path: Path) -> None:
    other = _write(tmp_path / "etc", 'registries = ["a.json", "https://b.example/r.json"]\n')
    resolved = load(
        {"DIPLOMAT_HOME": str(tmp_path / "env-home"), "DIPLOMAT_CONFIG": str(other)},
        flags={"home": "flag-home"},
        cwd=tmp_path,
    )
    assert resolved.home == tmp_path / "flag-home"
    assert resolved["registries"] == ("a.json", "https://b.example/r.json")
    assert load({"DIPLOMAT_REGISTRIES": " a.json, b.json ,"}, cwd=tmp_path)["registries"] == (
        "a.json",
        "b.json",
    )


def test_the_old_dev_mode_spelling_still_works_and_is_marked(tmp_path: Path) -> None:
    resolved = load({"DIPLOMAT_DEV_MODE": "on"}, cwd=tmp_path)
    assert resolved["dev"] is True
    assert resolved.source("dev") == "env DIPLOMAT_DEV_MODE (deprecated: use DIPLOMAT_DEV)"
    assert load({"DIPLOMAT_DEV": "0", "DIPLOMAT_DEV_MODE": "1"}, cwd=tmp_path)["dev"] is False


def test_secrets_are_masked(tmp_path: Path) -> None:
    resolved = load({"DIPLOMAT_KEY_PASSPHRASE": "hunter2"}, cwd=tmp_path)
    assert resolved["key_passphrase"] == "hunter2"
    assert resolved.values["key_passphrase"].shown() == "********"
    assert {s.name for s in SETTINGS if s.secret} == {
        "key_passphrase",
        "secret_key",
        "password",
        "smtp_password",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("\n\nmax_batch_row = 5\n", "unknown setting 'max_batch_row' in {path}:3"),
        (
            "DIPLOMAT_DEV = true\n",
            "unknown setting 'DIPLOMAT_DEV' in {path}:1 (did you mean 'dev'?)",
        ),
        (
            '# x\nsign_workers = "four"\n',
            "sign_workers (file {path}:2) must be an integer, got a string",
        ),
        ("dev = 1\n", "dev (file {path}:1) must be true or false, got an integer"),
        ("registries = 5\n", "registries (file {path}:1) must be a list of strings"),
        ("fetch_timeout = -1\n", "fetch_timeout (file {path}:1) must be a positive number"),
        ("[issuer]\nnqf_name = 'x'\n", "unknown setting 'issuer' in {path}:1"),
        ('home = "/x"\n', "home cannot be set in the configuration file ({path}:1)"),
        ('nqf_name = "NQF"\n', "nqf_name is set (file {path}:1) but nqf_url is missing"),
        ("sign_workers = \n", "{path}: not valid TOML"),
    ],
)
def test_bad_file_values_name_the_setting_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        load({"DIPLOMAT_HOME": str(tmp_path)}, cwd=tmp_path)
    assert message.format(path=path) in caught.value.detail


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DIPLOMAT_SIGN_WORKERS": "x"},
            "sign_workers (env DIPLOMAT_SIGN_WORKERS) must be an integer",
        ),
        ({"DIPLOMAT_DEV": "maybe"}, "dev (env DIPLOMAT_DEV) must be true/false"),
        (
            {"DIPLOMAT_MAX_BATCH_ROWS": "0"},
            "max_batch_rows (env DIPLOMAT_MAX_BATCH_ROWS) must be positive",
        ),
        (
            {"DIPLOMAT_NQF_URL": "https://x"},
            "nqf_url is set (env DIPLOMAT_NQF_URL) but nqf_name is missing",
        ),
        ({"DIPLOMAT_CONFIG": "nowhere.toml"}, "(env DIPLOMAT_CONFIG) does not exist"),
    ],
)
def test_bad_environment_values_name_the_variable(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load(env, cwd=tmp_path)
    assert message in caught.value.detail


def test_every_setting_is_spelled_once(tmp_path: Path) -> None:
    names = [s.env for s in SETTINGS] + [old for s in SETTINGS for old in s.deprecated_env]
    assert len(names) == len(set(names))
    assert all(name.startswith(settings.PREFIX) for name in names)
    resolved = load({}, cwd=tmp_path)
    assert list(resolved.values) == [s.name for s in SETTINGS]
