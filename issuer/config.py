"""The issuer's settings as one frozen value, read from the environment by the shells only.

Environment (all optional; the defaults suit a development checkout):

    DIPLOMAT_HOME              base directory for var/ and keys/ (default: the project directory)
    DIPLOMAT_DATABASE_URL      default sqlite:///<home>/var/issuer.sqlite3
    DIPLOMAT_KEYS_DIR          default <home>/keys
    DIPLOMAT_KEY_PASSPHRASE    encrypts new key files (PKCS#8) and decrypts existing ones
    DIPLOMAT_ISSUER_BASE_URL   every absolute URL the issuer emits (default http://127.0.0.1:8001)
    DIPLOMAT_VERIFIER_URL      the verifier page QR codes point at (default http://127.0.0.1:8002/verify)
    DIPLOMAT_MAX_UPLOAD_BYTES  default 5 MB;  DIPLOMAT_MAX_BATCH_ROWS  default 20000
    DIPLOMAT_STATUS_LIST_TTL   seconds (default 300)
    DIPLOMAT_SECRET_KEY        session secret (else generated once into <keys_dir>/secret_key)
    DIPLOMAT_SPOOL_DIR         uploaded batch sources until issued (default <home>/var/batches)
    DIPLOMAT_NQF_NAME, DIPLOMAT_NQF_URL   the national qualifications framework that
                               ``national_level`` in degree input refers to (both or neither)
    DIPLOMAT_SIGN_WORKERS      processes signing a batch (default 0: one per CPU, at most 8;
                               1: sign in the batch's own process)
    DIPLOMAT_DEV               "1" for development mode
"""

from __future__ import annotations

import os
import secrets
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vc.errors import MalformedValueError, RangeValueError

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_BASE_URL = "http://127.0.0.1:8001"
DEFAULT_VERIFIER_URL = "http://127.0.0.1:8002/verify"
DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_BATCH_ROWS = 20_000
DEFAULT_STATUS_LIST_TTL = 300
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True)
class IssuerConfig:
    """Everything the issuer service and its shells need to know about their surroundings."""

    database_url: str
    keys_dir: Path
    public_base_url: str = DEFAULT_BASE_URL
    verifier_url: str = DEFAULT_VERIFIER_URL
    key_passphrase: bytes | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_batch_rows: int = DEFAULT_MAX_BATCH_ROWS
    status_list_ttl: int = DEFAULT_STATUS_LIST_TTL
    secret_key: str | None = None
    spool_dir: Path | None = None
    nqf_name: str | None = None
    nqf_url: str | None = None
    sign_workers: int = 0
    dev_mode: bool = False

    def __post_init__(self) -> None:
        _http_url(self.public_base_url, "DIPLOMAT_ISSUER_BASE_URL")
        _http_url(self.verifier_url, "DIPLOMAT_VERIFIER_URL")
        if self.public_base_url.endswith("/"):
            object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        if isinstance(self.sign_workers, bool) or not isinstance(self.sign_workers, int):
            raise RangeValueError("sign_workers must be an integer (0 = one per CPU)")
        if self.sign_workers < 0:
            raise RangeValueError("sign_workers must not be negative (0 = one per CPU)")
        for name in ("max_upload_bytes", "max_batch_rows", "status_list_ttl"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise RangeValueError(f"{name} must be a positive integer")
        if (self.nqf_name is None) != (self.nqf_url is None):
            raise MalformedValueError("DIPLOMAT_NQF_NAME and DIPLOMAT_NQF_URL go together")
        if self.nqf_url is not None:
            _http_url(self.nqf_url, "DIPLOMAT_NQF_URL")

    @property
    def batch_workers(self) -> int:
        """Signing processes a batch uses: sign_workers, or one per CPU (at most 8) when 0."""
        if self.sign_workers:
            return self.sign_workers
        return max(1, min(8, os.cpu_count() or 1))

    @property
    def batch_spool_dir(self) -> Path:
        """Where uploaded batch sources wait until every row is issued."""
        return (
            self.spool_dir
            if self.spool_dir is not None
            else self.keys_dir.parent / "var" / "batches"
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> IssuerConfig:
        """Build the config from environment variables (see the module docstring).

        Raises MalformedValueError / RangeValueError naming the variable that is wrong.
        """
        env = os.environ if environ is None else environ
        home = Path(env.get("DIPLOMAT_HOME") or PROJECT_DIR)
        database_url = (
            env.get("DIPLOMAT_DATABASE_URL") or f"sqlite:///{home / 'var' / 'issuer.sqlite3'}"
        )
        keys_dir = Path(env.get("DIPLOMAT_KEYS_DIR") or home / "keys")
        passphrase = env.get("DIPLOMAT_KEY_PASSPHRASE")
        spool = env.get("DIPLOMAT_SPOOL_DIR")
        return cls(
            database_url=database_url,
            keys_dir=keys_dir,
            public_base_url=env.get("DIPLOMAT_ISSUER_BASE_URL") or DEFAULT_BASE_URL,
            verifier_url=env.get("DIPLOMAT_VERIFIER_URL") or DEFAULT_VERIFIER_URL,
            key_passphrase=passphrase.encode("utf-8") if passphrase else None,
            max_upload_bytes=_int(env, "DIPLOMAT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES),
            max_batch_rows=_int(env, "DIPLOMAT_MAX_BATCH_ROWS", DEFAULT_MAX_BATCH_ROWS),
            status_list_ttl=_int(env, "DIPLOMAT_STATUS_LIST_TTL", DEFAULT_STATUS_LIST_TTL),
            secret_key=env.get("DIPLOMAT_SECRET_KEY") or None,
            spool_dir=Path(spool) if spool else home / "var" / "batches",
            nqf_name=env.get("DIPLOMAT_NQF_NAME") or None,
            nqf_url=env.get("DIPLOMAT_NQF_URL") or None,
            sign_workers=_int(env, "DIPLOMAT_SIGN_WORKERS", 0),
            dev_mode=env.get("DIPLOMAT_DEV", "") in ("1", "true", "yes"),
        )

    def ensure_secret_key(self) -> str:
        """The session secret: the configured one, else one generated once into keys_dir (0600)."""
        if self.secret_key:
            return self.secret_key
        path = self.keys_dir / SECRET_KEY_FILE
        self.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            value = path.read_text(encoding="ascii").strip()
            if len(value) < 32:
                raise MalformedValueError(f"{path} holds no usable secret key") from None
            return value
        value = secrets.token_urlsafe(48)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(value + "\n")
        return value


def _http_url(value: str, name: str) -> None:
    parsed = urllib.parse.urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise MalformedValueError(f"{name} must be an absolute http(s) URL, got {value!r}")
    if parsed.query or parsed.fragment:
        raise MalformedValueError(f"{name} must not have a query or fragment")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise MalformedValueError(f"{name} must be an integer, got {raw!r}") from None
