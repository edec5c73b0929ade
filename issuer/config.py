"""The issuer's settings as one frozen value, built by the shells from vc.settings.

Every setting (``DIPLOMAT_DATABASE_URL``, ``DIPLOMAT_ISSUER_BASE_URL``, ``DIPLOMAT_NQF_NAME``, …),
its default, type and meaning is a row of ``vc.settings.SETTINGS`` and is documented in
docs/configuration.md; the data home (``--home`` / ``DIPLOMAT_HOME``) holds ``keys/`` and ``var/``.
"""

from __future__ import annotations

import os
import secrets
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from diplomat_ops.logformats import LOG_FORMATS
from vc import settings as settings_table
from vc.errors import MalformedValueError, RangeValueError
from vc.languages import LANGUAGES, catalogue_of

DEFAULT_BASE_URL = "http://127.0.0.1:8001"
DEFAULT_VERIFIER_URL = "http://127.0.0.1:8002/verify"
DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_BATCH_ROWS = 20_000
DEFAULT_STATUS_LIST_TTL = 300
DEFAULT_CLAIM_LINK_DAYS = 180
SMTP_SECURITY = ("none", "starttls", "tls")
MAIL_LANGUAGES = tuple(sorted(name.replace("_", "-") for name in LANGUAGES))
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
    log_format: str = "text"
    extra_contexts_dir: Path | None = None
    status_messages: bool = False
    claim_link_days: int = DEFAULT_CLAIM_LINK_DAYS
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = 30.0
    mail_from: str | None = None
    mail_language: str = "en"
    mail_attach_credential: bool = False
    mail_max_attempts: int = 6
    mail_worker: bool = True

    def __post_init__(self) -> None:
        _http_url(self.public_base_url, "DIPLOMAT_ISSUER_BASE_URL")
        _http_url(self.verifier_url, "DIPLOMAT_VERIFIER_URL")
        if self.public_base_url.endswith("/"):
            object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        if isinstance(self.sign_workers, bool) or not isinstance(self.sign_workers, int):
            raise RangeValueError("sign_workers must be an integer (0 = one per CPU)")
        if self.sign_workers < 0:
            raise RangeValueError("sign_workers must not be negative (0 = one per CPU)")
        for name in (
            "max_upload_bytes",
            "max_batch_rows",
            "status_list_ttl",
            "claim_link_days",
            "smtp_port",
            "mail_max_attempts",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise RangeValueError(f"{name} must be a positive integer")
        if (self.nqf_name is None) != (self.nqf_url is None):
            raise MalformedValueError("DIPLOMAT_NQF_NAME and DIPLOMAT_NQF_URL go together")
        if self.nqf_url is not None:
            _http_url(self.nqf_url, "DIPLOMAT_NQF_URL")
        if self.smtp_security not in SMTP_SECURITY:
            raise MalformedValueError(
                f"DIPLOMAT_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)},"
                f" got {self.smtp_security!r}"
            )
        if self.smtp_host is not None and (self.mail_from is None or "@" not in self.mail_from):
            raise MalformedValueError(
                "DIPLOMAT_MAIL_FROM must be an e-mail address when DIPLOMAT_SMTP_HOST is set"
            )
        if catalogue_of(self.mail_language) is None:
            raise MalformedValueError(
                f"DIPLOMAT_MAIL_LANGUAGE must be one of {', '.join(MAIL_LANGUAGES)},"
                f" got {self.mail_language!r}"
            )
        if self.log_format not in LOG_FORMATS:
            raise MalformedValueError(
                f"DIPLOMAT_LOG_FORMAT must be {' or '.join(LOG_FORMATS)}, got {self.log_format!r}"
            )

    @property
    def mail_enabled(self) -> bool:
        """Whether graduates are e-mailed their claim links (an SMTP server is configured)."""
        return self.smtp_host is not None

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
        """Build the config from the environment and the configuration file (vc.settings).

        Raises MalformedValueError / RangeValueError naming the setting that is wrong.
        """
        return cls.from_settings(settings_table.load(os.environ if environ is None else environ))

    @classmethod
    def from_settings(cls, settings: settings_table.Settings) -> IssuerConfig:
        """Build the config from resolved settings (see docs/configuration.md)."""
        passphrase = settings["key_passphrase"]
        try:
            return cls._from(settings, passphrase)
        except MalformedValueError as exc:
            raise settings.explain(exc) from exc

    @classmethod
    def _from(cls, settings: settings_table.Settings, passphrase: str | None) -> IssuerConfig:
        return cls(
            database_url=settings["database_url"],
            keys_dir=settings["keys_dir"],
            public_base_url=settings["issuer_base_url"],
            verifier_url=settings["verifier_url"],
            key_passphrase=passphrase.encode("utf-8") if passphrase else None,
            max_upload_bytes=settings["max_upload_bytes"],
            max_batch_rows=settings["max_batch_rows"],
            status_list_ttl=settings["status_list_ttl"],
            secret_key=settings["secret_key"],
            spool_dir=settings["spool_dir"],
            nqf_name=settings["nqf_name"],
            nqf_url=settings["nqf_url"],
            sign_workers=settings["sign_workers"],
            dev_mode=settings["dev"],
            log_format=(settings["log_format"] or "text").strip().lower(),
            extra_contexts_dir=settings["extra_contexts"],
            status_messages=settings["status_messages"],
            claim_link_days=settings["claim_link_days"],
            smtp_host=settings["smtp_host"],
            smtp_port=settings["smtp_port"],
            smtp_security=(settings["smtp_security"] or "starttls").strip().lower(),
            smtp_username=settings["smtp_username"],
            smtp_password=settings["smtp_password"],
            smtp_timeout=settings["smtp_timeout"],
            mail_from=settings["mail_from"],
            mail_language=settings["mail_language"],
            mail_attach_credential=settings["mail_attach_credential"],
            mail_max_attempts=settings["mail_max_attempts"],
            mail_worker=settings["mail_worker"],
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
