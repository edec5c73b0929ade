"""Diplomat's settings: one table, one ``DIPLOMAT_`` spelling each, resolved flag > env > file > default.

Every setting the issuer, the verifier and the CLI read is a row of ``SETTINGS`` (name, type,
default, secret, doc); ``docs/configuration.md`` documents the same rows. A setting ``nqf_url`` is
``DIPLOMAT_NQF_URL`` in the environment and ``nqf_url = …`` in ``diplomat.toml``; defaults may
name ``{home}``, the data home. The data home is ``--home``, else ``DIPLOMAT_HOME``, else
``diplomat-data`` under the current directory; the file is ``--config``, else ``DIPLOMAT_CONFIG``,
else ``<home>/diplomat.toml`` when it exists.

The shells pass the environment in (this module never reads ``os.environ``); it reads only the
configuration file it is pointed at. A bad value raises SettingsError naming the setting and
where it came from (file and line, or variable, or flag).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from vc.errors import MalformedValueError

Kind = Literal["str", "int", "float", "bool", "list", "path"]
PREFIX = "DIPLOMAT_"
CONFIG_FILE_NAME = "diplomat.toml"
DEFAULT_HOME_NAME = "diplomat-data"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class SettingsError(MalformedValueError):
    """A setting that is unknown, of the wrong type, or missing (CLI exit code 2)."""

    title = "Bad setting"


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    kind: Kind
    default: Any
    doc: str
    secret: bool = False
    #: env/flag only: cannot be written in diplomat.toml (home, config, a one-off password)
    env_only: bool = False
    #: old environment spellings still read, each with a deprecation note in `config show`
    deprecated_env: tuple[str, ...] = ()
    #: who reads it: "issuer", "verifier", "cli" or "all"
    used_by: str = "all"
    #: settings that must be set too when this one is
    requires: tuple[str, ...] = ()

    @property
    def env(self) -> str:
        """The environment variable: ``DIPLOMAT_`` + the upper-case name."""
        return PREFIX + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    # --- both services and the CLI -------------------------------------------------------------
    Setting("home", "path", None, "the data home: keys, databases, var/, updated data sets, the demo's files (default ./diplomat-data)", env_only=True),
    Setting("config", "path", None, "the configuration file (default <home>/diplomat.toml, when it exists)", env_only=True),
    Setting("dev", "bool", False, "development mode: did:web on 127.0.0.1 over http, unsigned registries, fetching from 127.0.0.1 (DEMO only)", deprecated_env=("DIPLOMAT_DEV_MODE",)),
    Setting("key_passphrase", "str", None, "encrypts new private-key files (PKCS#8) and decrypts existing ones", secret=True),
    Setting("log_format", "str", "text", "log lines on stderr: text, or json (one JSON object per line, with a request id and no personal data)"),
    Setting("bind", "str", None, "where `diplomat serve` listens, HOST:PORT or unix:PATH (default 127.0.0.1:8001 issuer, 127.0.0.1:8002 verifier)", used_by="cli"),
    Setting("workers", "int", 2, "gunicorn worker processes of `diplomat serve`", used_by="cli"),
    Setting("threads", "int", 4, "threads per gunicorn worker of `diplomat serve`", used_by="cli"),
    Setting("extra_contexts", "path", None, "a folder of operator-pinned JSON-LD contexts (files plus manifest.json of URL -> SHA-256, vc.contexts), checked at start-up by the issuer and the verifier, never fetched"),
    # --- issuer --------------------------------------------------------------------------------
    Setting("database_url", "str", "sqlite:///{home}/var/issuer.sqlite3", "the issuer's database (SQLite file or postgresql+psycopg://user@host/db)", used_by="issuer"),
    Setting("keys_dir", "path", "{home}/keys", "the issuer's private-key files and session secret", used_by="issuer"),
    Setting("issuer_base_url", "str", "http://127.0.0.1:8001", "the issuer's public URL: every URL it prints or encodes, and its did:web", used_by="issuer"),
    Setting("verifier_url", "str", "http://127.0.0.1:8002/verify", "the verifier page that share QR codes open", used_by="issuer"),
    Setting("nqf_name", "str", None, "name of the national qualifications framework that national_level in degree input refers to (with nqf_url)", used_by="issuer", requires=("nqf_url",)),
    Setting("nqf_url", "str", None, "URL of that national qualifications framework (with nqf_name)", used_by="issuer", requires=("nqf_name",)),
    Setting("max_upload_bytes", "int", 5 * 1024 * 1024, "largest cohort upload in bytes", used_by="issuer"),
    Setting("max_batch_rows", "int", 20_000, "most rows in one cohort", used_by="issuer"),
    Setting("status_list_ttl", "int", 300, "seconds a published status list may be cached", used_by="issuer"),
    Setting("status_messages", "bool", False, "give each new credential a third status entry, statusPurpose message (2 bits: valid, suspended, revoked), published at /status/message/<n>", used_by="issuer"),
    Setting("secret_key", "str", None, "the console's session secret (default: generated once into <keys_dir>/secret_key)", secret=True, used_by="issuer"),
    Setting("spool_dir", "path", "{home}/var/batches", "uploaded cohort files until every row is issued", used_by="issuer"),
    Setting("sign_workers", "int", 0, "processes signing a batch (0: one per CPU, at most 8; 1: in the batch's own process)", used_by="issuer"),
    Setting("claim_link_days", "int", 180, "days a graduate's claim link (their private page) stays valid; a new one can be made at any time, and the old one then stops working", used_by="issuer"),
    Setting("smtp_host", "str", None, "the SMTP server that e-mails graduates their claim links (not set: no e-mail is sent)", used_by="issuer", requires=("mail_from",)),
    Setting("smtp_port", "int", 587, "its port (587 submission with STARTTLS, 465 implicit TLS, 25 plain)", used_by="issuer"),
    Setting("smtp_security", "str", "starttls", "how the connection is protected: starttls, tls (implicit, port 465) or none", used_by="issuer"),
    Setting("smtp_username", "str", None, "the SMTP login (not set: no authentication)", used_by="issuer"),
    Setting("smtp_password", "str", None, "the SMTP password", secret=True, used_by="issuer"),
    Setting("smtp_timeout", "float", 30.0, "seconds to wait for the SMTP server", used_by="issuer"),
    Setting("mail_from", "str", None, "the From address of the messages to graduates, e.g. Registrar <diplomas@university.example>", used_by="issuer"),
    Setting("mail_language", "str", "en", "the language of what Diplomat writes to a graduate (e-mail, a batch's diploma PDFs) when their degree is taught in a language Diplomat does not write in (en, fr, ja, kk, ko, ru or zh-Hans); a degree taught in one of these gets its own", used_by="issuer"),
    Setting("mail_attach_credential", "bool", False, "also attach the signed credential (JSON) to each message", used_by="issuer"),
    Setting("mail_max_attempts", "int", 6, "attempts per message before it is marked failed (retried with back-off: 1, 2, 4, ... minutes)", used_by="issuer"),
    Setting("mail_worker", "bool", True, "the issuer app sends queued mail in a background thread (false: run `diplomat mail send` from cron)", used_by="issuer"),
    Setting("password", "str", None, "the password of `diplomat users create` (else asked on the terminal)", secret=True, env_only=True, used_by="cli"),
    # --- verifier ------------------------------------------------------------------------------
    Setting("verifier_country", "str", "KZ", "default destination country (ISO 3166-1 alpha-2) of a verification", used_by="verifier"),
    Setting("registries", "list", (), "signed accreditation registries: files or https URLs", used_by="verifier"),
    Setting("trusted_operators", "list", (), "DIDs of the registry operators trusted to sign them", used_by="verifier"),
    Setting("known_issuers", "list", (), "DCC known-issuer lists (files; known is not accredited)", used_by="verifier"),
    Setting("conventions", "path", None, "the recognition-conventions dataset (default: <home>/data/conventions.json when `conventions update` wrote one, else the shipped one)", used_by="verifier"),
    Setting("verifier_base_url", "str", "http://127.0.0.1:8002", "where the verifier is served", used_by="verifier"),
    Setting("verifier_max_body", "int", 1024 * 1024, "largest request body in bytes", used_by="verifier"),
    Setting("fetch_timeout", "float", 5.0, "seconds for one remote fetch", used_by="verifier"),
    Setting("challenge_ttl", "float", 300.0, "seconds a presentation challenge stays usable", used_by="verifier"),
    Setting("conventions_max_age_days", "int", 365, "/readyz fails when the conventions data's facts are older than this many days", used_by="verifier"),
    Setting("verifier_database_url", "str", "sqlite:///{home}/var/verifier.sqlite3", "where presentation challenges are shared by every worker (SQLite file or postgresql+psycopg://…)", used_by="verifier"),
    Setting("record_font", "path", None, "a TrueType font for the verification record PDF (default: Debian's DejaVu Sans; it must cover the scripts printed: Latin and Cyrillic)", used_by="verifier"),
    Setting("bulk_max_rows", "int", 1000, "most rows (CSV) or files (ZIP) in one bulk verification job", used_by="verifier"),
    Setting("bulk_max_upload", "int", 16 * 1024 * 1024, "largest bulk upload in bytes", used_by="verifier"),
    Setting("bulk_workers", "int", 4, "threads verifying bulk rows, per process", used_by="verifier"),
    Setting("bulk_max_jobs", "int", 4, "bulk jobs one process holds at once; more get 429 with Retry-After", used_by="verifier"),
    Setting("bulk_jobs_per_client", "int", 2, "bulk jobs one client address may run at once", used_by="verifier"),
    Setting("bulk_retention", "float", 86_400.0, "seconds a bulk job's results are kept", used_by="verifier"),
)  # fmt: skip

BY_NAME: Mapping[str, Setting] = {setting.name: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Value:
    """A setting's effective value and where it came from ("default", "env DIPLOMAT_NQF_URL",
    "file /path/diplomat.toml:3", "flag --x")."""

    setting: Setting
    value: Any
    source: str

    def shown(self) -> str:
        """The value as `config show` prints it: secrets masked, lists comma-separated."""
        if self.value is None:
            return "(not set)"
        if self.setting.secret:
            return "********"
        if isinstance(self.value, tuple):
            return ",".join(self.value) if self.value else "(none)"
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return str(self.value)


@dataclass(frozen=True)
class Settings:
    """Every setting's effective value (``settings["nqf_name"]``) and its source."""

    values: Mapping[str, Value]
    home: Path
    config_file: Path | None

    def __getitem__(self, name: str) -> Any:
        return self.values[name].value

    def source(self, name: str) -> str:
        return self.values[name].source

    def explain(self, error: MalformedValueError) -> SettingsError:
        """A service's refusal of a value (e.g. "DIPLOMAT_NQF_URL must be an absolute http(s)
        URL") as a SettingsError that also says where each setting it names was set."""
        where = [
            f"{value.setting.name} from {value.source}"
            for value in self.values.values()
            if value.source != "default"
            and re.search(rf"\b({value.setting.env}|{value.setting.name})\b", error.detail)
        ]
        return SettingsError(error.detail + (f" ({'; '.join(where)})" if where else ""))


def load(
    environ: Mapping[str, str],
    *,
    flags: Mapping[str, Any] | None = None,
    flag_names: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve every setting: ``flags`` (name → value, None = not given) > ``environ`` > the
    configuration file > the default. ``flag_names`` spells a flag that is not ``--<name>``
    (``{"issuer_base_url": "--base-url"}``), for the messages and `config show`.

    Raises SettingsError naming the setting and the flag, variable or file line that is wrong.
    """
    given = {name: value for name, value in (flags or {}).items() if value is not None}
    for name in given:
        if name not in BY_NAME:
            raise SettingsError(f"unknown setting {name!r}")
    base = cwd if cwd is not None else Path.cwd()
    spelled = dict(flag_names or {})

    def flag_source(name: str) -> str:
        return f"flag {spelled.get(name) or '--' + name.replace('_', '-')}"

    def from_flag_or_env(name: str) -> Value | None:
        setting = BY_NAME[name]
        if name in given:
            where = flag_source(name)
            return Value(setting, _parse(setting, given[name], where), where)
        env = _env(setting, environ)
        if env is not None:
            return Value(setting, _parse(setting, env[1], env[0]), env[0])
        return None

    home_value = from_flag_or_env("home")
    home = base / (home_value.value if home_value else DEFAULT_HOME_NAME)
    config_value = from_flag_or_env("config")
    config_file: Path | None
    if config_value is not None:
        config_file = base / config_value.value
        if not config_file.is_file():
            raise SettingsError(
                f"configuration file {config_file} ({config_value.source}) does not exist"
            )
    else:
        candidate = home / CONFIG_FILE_NAME
        config_file = candidate if candidate.is_file() else None
    file_values = read_file(config_file) if config_file is not None else {}

    values: dict[str, Value] = {
        "home": Value(BY_NAME["home"], home, home_value.source if home_value else "default"),
        "config": Value(
            BY_NAME["config"], config_file, config_value.source if config_value else "default"
        ),
    }
    for setting in SETTINGS:
        if setting.name in values:
            continue
        value = from_flag_or_env(setting.name)
        if value is None and setting.name in file_values:
            raw, where = file_values[setting.name]
            value = Value(setting, _parse(setting, raw, where), where)
        if value is None:
            value = Value(setting, _default(setting, home), "default")
        values[setting.name] = value
    for value in values.values():
        for other in value.setting.requires if value.value is not None else ():
            if values[other].value is None:
                needed = BY_NAME[other]
                raise SettingsError(
                    f"{value.setting.name} is set ({value.source}) but {other} is missing: "
                    f"set {other} too (in the file, or {needed.env})"
                )
    return Settings(values, home, config_file)


def _env(setting: Setting, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(source, raw) of the setting's environment variable, or a deprecated spelling; an empty
    variable counts as not set."""
    raw = environ.get(setting.env, "")
    if raw.strip():
        return f"env {setting.env}", raw
    for old in setting.deprecated_env:
        raw = environ.get(old, "")
        if raw.strip():
            return f"env {old} (deprecated: use {setting.env})", raw
    return None


def _default(setting: Setting, home: Path) -> Any:
    default = setting.default
    if isinstance(default, str) and "{home}" in default:
        text = default.replace("{home}", str(home))
        return Path(text) if setting.kind == "path" else text
    return default


def read_file(path: Path) -> dict[str, tuple[Any, str]]:
    """The file's settings by name, each with its "file PATH:LINE" source (raw TOML values).

    Raises SettingsError for an unreadable or invalid file, or an unknown setting in it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read the configuration file {path}: {exc}") from exc
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    result: dict[str, tuple[Any, str]] = {}
    for key, raw in document.items():
        where = f"file {path}:{_line_of(text, key)}"
        setting = BY_NAME.get(key)
        if setting is None:
            hint = _did_you_mean(key)
            raise SettingsError(f"unknown setting {key!r} in {where[5:]}{hint}")
        if setting.env_only:
            raise SettingsError(
                f"{key} cannot be set in the configuration file ({where[5:]}): "
                f"use {setting.env} or the --{key} flag"
            )
        result[key] = (raw, where)
    return result


def _line_of(text: str, key: str) -> int:
    """The line where ``key`` is assigned (or opens a table), 1 when not found."""
    name = re.escape(key)
    pattern = re.compile(
        rf"^[ \t]*(?:{name}|\"{name}\"|'{name}')[ \t]*[=.]|^[ \t]*\[+[ \t]*{name}[ \t]*[\].]",
        re.MULTILINE,
    )
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _did_you_mean(key: str) -> str:
    lowered = key.lower().removeprefix("diplomat_")
    if lowered in BY_NAME:
        return f" (did you mean {lowered!r}?)"
    return " (see docs/configuration.md for the settings)"


def _parse(setting: Setting, raw: Any, where: str) -> Any:
    """Convert a flag, environment string or TOML value to the setting's type (a TOML value
    must have the type already: ``sign_workers = "4"`` is refused)."""
    kind = setting.kind
    name = f"{setting.name} ({where})"
    if isinstance(raw, str) and kind != "str" and (kind == "path" or not where.startswith("file ")):
        raw = raw.strip()
        if kind == "int":
            try:
                return _check_int(setting, int(raw), name)
            except ValueError:
                raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
        if kind == "float":
            try:
                number = float(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a number, got {raw!r}") from None
            return _check_float(number, name)
        if kind == "bool":
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
            raise SettingsError(f"{name} must be true/false (1/0, yes/no, on/off), got {raw!r}")
        if kind == "list":
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if kind == "path":
            if not raw:
                raise SettingsError(f"{name} must be a path, got an empty string")
            return Path(raw)
    if kind == "str":
        if not isinstance(raw, str):
            raise SettingsError(f"{name} must be a string, got {_toml_type(raw)}")
        return raw.strip() or None
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise SettingsError(f"{name} must be an integer, got {_toml_type(raw)}")
        return _check_int(setting, raw, name)
    if kind == "float":
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise SettingsError(f"{name} must be a number, got {_toml_type(raw)}")
        return _check_float(float(raw), name)
    if kind == "bool":
        if not isinstance(raw, bool):
            raise SettingsError(f"{name} must be true or false, got {_toml_type(raw)}")
        return raw
    if kind == "list":
        if isinstance(raw, list | tuple) and all(isinstance(item, str) for item in raw):
            return tuple(item.strip() for item in raw if item.strip())
        raise SettingsError(f"{name} must be a list of strings, got {_toml_type(raw)}")
    if isinstance(raw, Path):
        return raw
    raise SettingsError(f"{name} must be a path (a string), got {_toml_type(raw)}")


def _check_int(setting: Setting, value: int, name: str) -> int:
    minimum = 0 if setting.default == 0 else 1
    if value < minimum:
        raise SettingsError(
            f"{name} must be {'zero or more' if minimum == 0 else 'positive'}, got {value}"
        )
    return value


def _check_float(value: float, name: str) -> float:
    if not value > 0 or value == float("inf"):
        raise SettingsError(f"{name} must be a positive number, got {value}")
    return value


def _toml_type(raw: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    for kind, label in names.items():
        if type(raw) is kind:
            return f"{label} ({raw!r})"
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, dict):
        return "a table"
    return type(raw).__name__
