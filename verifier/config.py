"""The verifier shells' configuration (environment) and the VerifierContext it wires up.

Only the shells (web app, CLI, wsgi) use this module; the checks receive a ready context.

    DIPLOMAT_VERIFIER_COUNTRY      default destination country (ISO 3166-1 alpha-2, default KZ)
    DIPLOMAT_REGISTRIES            comma-separated files or https URLs of signed registry credentials
    DIPLOMAT_TRUSTED_OPERATORS     comma-separated DIDs of the registry operators we trust
    DIPLOMAT_KNOWN_ISSUERS         comma-separated DCC known-issuer lists (files; known ≠ accredited)
    DIPLOMAT_CONVENTIONS           conventions dataset file (default: the one shipped)
    DIPLOMAT_DEV_MODE              1/true: unsigned registries, http and 127.0.0.1 fetching (DEMO)
    DIPLOMAT_VERIFIER_BASE_URL     where the verifier is served (default http://127.0.0.1:8002)
    DIPLOMAT_VERIFIER_MAX_BODY     largest request body in bytes (default 1 MB)
    DIPLOMAT_FETCH_TIMEOUT         seconds for one remote fetch (default 5)
    DIPLOMAT_CHALLENGE_TTL         seconds a presentation challenge stays usable (default 300)
    DIPLOMAT_VERIFIER_DATABASE_URL where presentation challenges are shared by every worker:
                                   postgresql+psycopg://user@host/db, or a SQLite file (default
                                   sqlite:///<DIPLOMAT_HOME>/var/verifier.sqlite3)
    DIPLOMAT_HOME                  base directory of var/ (default: the project directory), as for
                                   the issuer
    DIPLOMAT_BULK_MAX_ROWS         most rows (CSV) or files (ZIP) in one bulk job (default 1000)
    DIPLOMAT_BULK_MAX_UPLOAD       largest bulk upload in bytes (default 16 MB)
    DIPLOMAT_BULK_WORKERS          threads verifying bulk rows, per process (default 4)
    DIPLOMAT_BULK_MAX_JOBS         bulk jobs one process holds at once; more get 429 (default 4)
    DIPLOMAT_BULK_JOBS_PER_CLIENT  bulk jobs one client address may run at once (default 2)
    DIPLOMAT_BULK_RETENTION        seconds a bulk job's results are kept (default 86400)
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from vc import strictjson
from vc.dates import utcnow
from vc.dids import DidResolver
from vc.errors import DiplomatError, MalformedValueError
from vc.fetch import Fetcher, SafeHttpFetcher
from verifier.checks.model import Status
from verifier.context import AccreditationFinding, IssuerStanding, VerifierContext, check_country
from verifier.recognition import ConventionsDataset, default_dataset, load_dataset
from verifier.registry import KnownIssuers, LoadedRegistry, import_dcc_registry, load_registry
from verifier.registryview import RegistriesLookup
from verifier.statuscache import StatusListCache

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_COUNTRY = "KZ"
DEFAULT_BASE_URL = "http://127.0.0.1:8002"
DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_BULK_MAX_UPLOAD = 16 * 1024 * 1024
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
_DID = re.compile(r"did:[a-z0-9]+:\S+")


def default_database_url(home: Path = PROJECT_DIR) -> str:
    """The challenge database when none is configured: ``<home>/var/verifier.sqlite3``, beside
    the issuer's ``var/issuer.sqlite3``."""
    return f"sqlite:///{home / 'var' / 'verifier.sqlite3'}"


DEFAULT_DATABASE_URL = default_database_url()


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _flag(value: str | None, name: str) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise MalformedValueError(f"{name} must be 1/true/yes/on or 0/false/no/off, got {value!r}")


def _positive(value: str | None, name: str, default: float) -> float:
    if value is None or not value.strip():
        return default
    try:
        number = float(value)
    except ValueError:
        raise MalformedValueError(f"{name} must be a number, got {value!r}") from None
    if not number > 0:
        raise MalformedValueError(f"{name} must be positive, got {value!r}")
    return number


def _count(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise MalformedValueError(f"{name} must be a whole number, got {value!r}") from None
    if number < 1:
        raise MalformedValueError(f"{name} must be at least 1, got {value!r}")
    return number


@dataclass(frozen=True)
class VerifierConfig:
    """How a verifier shell is set up (see the module docstring for the variables)."""

    country: str | None = DEFAULT_COUNTRY
    registries: tuple[str, ...] = ()
    trusted_operators: tuple[str, ...] = ()
    known_issuers: tuple[str, ...] = ()
    conventions: str | None = None
    dev_mode: bool = False
    base_url: str = DEFAULT_BASE_URL
    max_body_bytes: int = DEFAULT_MAX_BODY
    fetch_timeout: float = 5.0
    challenge_ttl: float = 300.0
    database_url: str = DEFAULT_DATABASE_URL
    bulk_max_rows: int = 1000
    bulk_max_upload_bytes: int = DEFAULT_BULK_MAX_UPLOAD
    bulk_workers: int = 4
    bulk_max_jobs: int = 4
    bulk_jobs_per_client: int = 2
    bulk_retention: float = 86_400.0

    def __post_init__(self) -> None:
        check_country(self.country, "DIPLOMAT_VERIFIER_COUNTRY")
        for did in self.trusted_operators:
            if not _DID.fullmatch(did):
                raise MalformedValueError(f"trusted operator {did!r} is not a DID")
        for source in self.registries:
            if "://" in source and not source.startswith("https://") and not self.dev_mode:
                raise MalformedValueError(
                    f"registry {source!r}: only https URLs (or files) are allowed outside "
                    "development mode"
                )
        parsed = urlsplit(self.base_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise MalformedValueError(f"DIPLOMAT_VERIFIER_BASE_URL {self.base_url!r} is not a URL")
        if self.max_body_bytes < 1024:
            raise MalformedValueError("the body limit must be at least 1024 bytes")
        for name, number in (
            ("DIPLOMAT_BULK_MAX_ROWS", self.bulk_max_rows),
            ("DIPLOMAT_BULK_MAX_UPLOAD", self.bulk_max_upload_bytes),
            ("DIPLOMAT_BULK_WORKERS", self.bulk_workers),
            ("DIPLOMAT_BULK_MAX_JOBS", self.bulk_max_jobs),
            ("DIPLOMAT_BULK_JOBS_PER_CLIENT", self.bulk_jobs_per_client),
        ):
            if number < 1:
                raise MalformedValueError(f"{name} must be at least 1, got {number}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> VerifierConfig:
        """Read the configuration; raises MalformedValueError naming the bad variable."""
        country = environ.get("DIPLOMAT_VERIFIER_COUNTRY", DEFAULT_COUNTRY).strip().upper()
        return cls(
            country=country or None,
            registries=_split(environ.get("DIPLOMAT_REGISTRIES")),
            trusted_operators=_split(environ.get("DIPLOMAT_TRUSTED_OPERATORS")),
            known_issuers=_split(environ.get("DIPLOMAT_KNOWN_ISSUERS")),
            conventions=environ.get("DIPLOMAT_CONVENTIONS") or None,
            dev_mode=_flag(environ.get("DIPLOMAT_DEV_MODE"), "DIPLOMAT_DEV_MODE"),
            base_url=(environ.get("DIPLOMAT_VERIFIER_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            max_body_bytes=int(
                _positive(
                    environ.get("DIPLOMAT_VERIFIER_MAX_BODY"),
                    "DIPLOMAT_VERIFIER_MAX_BODY",
                    DEFAULT_MAX_BODY,
                )
            ),
            fetch_timeout=_positive(
                environ.get("DIPLOMAT_FETCH_TIMEOUT"), "DIPLOMAT_FETCH_TIMEOUT", 5.0
            ),
            challenge_ttl=_positive(
                environ.get("DIPLOMAT_CHALLENGE_TTL"), "DIPLOMAT_CHALLENGE_TTL", 300.0
            ),
            database_url=(
                environ.get("DIPLOMAT_VERIFIER_DATABASE_URL", "").strip()
                or default_database_url(Path(environ.get("DIPLOMAT_HOME") or PROJECT_DIR))
            ),
            bulk_max_rows=_count(environ, "DIPLOMAT_BULK_MAX_ROWS", 1000),
            bulk_max_upload_bytes=_count(
                environ, "DIPLOMAT_BULK_MAX_UPLOAD", DEFAULT_BULK_MAX_UPLOAD
            ),
            bulk_workers=_count(environ, "DIPLOMAT_BULK_WORKERS", 4),
            bulk_max_jobs=_count(environ, "DIPLOMAT_BULK_MAX_JOBS", 4),
            bulk_jobs_per_client=_count(environ, "DIPLOMAT_BULK_JOBS_PER_CLIENT", 2),
            bulk_retention=_positive(
                environ.get("DIPLOMAT_BULK_RETENTION"), "DIPLOMAT_BULK_RETENTION", 86_400.0
            ),
        )

    def with_overrides(
        self,
        *,
        country: str | None = None,
        registries: Sequence[str] = (),
        trusted_operators: Sequence[str] = (),
        dev_mode: bool = False,
    ) -> VerifierConfig:
        """This configuration plus command-line additions (the CLI's flags)."""
        return dataclasses.replace(
            self,
            country=country or self.country,
            registries=(*self.registries, *registries),
            trusted_operators=(*self.trusted_operators, *trusted_operators),
            dev_mode=self.dev_mode or dev_mode,
        )


def make_fetcher(config: VerifierConfig) -> SafeHttpFetcher:
    """The network fetcher: public https only; in development also http on 127.0.0.1."""
    return SafeHttpFetcher(
        max_bytes=config.max_body_bytes,
        timeout=config.fetch_timeout,
        allow_loopback=config.dev_mode,
        allow_http_loopback=config.dev_mode,
    )


@dataclass(frozen=True)
class RegistryLoadFailure:
    """A configured registry that could not be loaded (it is reported, never ignored)."""

    source: str
    reason: str


class ConfiguredRegistries:
    """The RegistryLookup of a configured verifier: the loaded registries, and the ones that
    failed to load, which turn "not listed" into "could not check" (fail closed, never a false
    "unknown issuer")."""

    def __init__(
        self,
        loaded: Sequence[LoadedRegistry],
        failures: Sequence[RegistryLoadFailure] = (),
        known_issuers: Sequence[KnownIssuers] = (),
    ) -> None:
        self.loaded = tuple(loaded)
        self.failures = tuple(failures)
        self._lookup = RegistriesLookup(self.loaded, known_issuers=known_issuers)

    def __call__(
        self,
        issuer_did: str,
        *,
        level: str | None,
        field: str | None,
        award_date: date | None,
        today: date,
    ) -> IssuerStanding:
        standing = self._lookup(
            issuer_did, level=level, field=field, award_date=award_date, today=today
        )
        if not self.failures:
            return standing
        unread = tuple(f"{f.source} ({f.reason})" for f in self.failures)
        if standing.known:
            return dataclasses.replace(
                standing, unchecked_registries=(*standing.unchecked_registries, *unread)
            )
        reason = "; ".join(unread)
        message = f"{standing.message}; and these registries could not be read: {reason}"
        return dataclasses.replace(
            standing,
            known=None,
            message=message,
            unchecked_registries=(*standing.unchecked_registries, *unread),
            at_award_date=_unknown(standing.at_award_date, message),
            today=_unknown(standing.today, message),
        )


def _unknown(finding: AccreditationFinding, message: str) -> AccreditationFinding:
    if finding.status is Status.PASS:
        return finding
    return AccreditationFinding(finding.on, Status.INDETERMINATE, message, finding.evidence)


def _read_source(source: str, fetcher: Fetcher) -> bytes:
    if source.startswith(("https://", "http://")):
        return fetcher(source, accept="application/vc+ld+json, application/json").body
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise MalformedValueError(f"cannot read {source}: {exc.strerror or exc}") from exc


def load_registries(
    config: VerifierConfig, *, fetcher: Fetcher, resolver: DidResolver, now: datetime
) -> ConfiguredRegistries:
    """Load every configured registry; a registry that fails is kept as a failure."""
    loaded: list[LoadedRegistry] = []
    failures: list[RegistryLoadFailure] = []
    for source in config.registries:
        try:
            document = strictjson.loads_object(_read_source(source, fetcher), "registry")
            loaded.append(
                load_registry(
                    document,
                    resolver=resolver,
                    now=now,
                    trusted_operators=config.trusted_operators,
                    allow_unsigned=config.dev_mode,
                    source=source,
                )
            )
        except DiplomatError as exc:
            failures.append(RegistryLoadFailure(source, exc.detail))
    known: list[KnownIssuers] = []
    for source in config.known_issuers:
        try:
            document = strictjson.loads_object(_read_source(source, fetcher), "known issuers")
            meta = document.get("meta")
            name = meta.get("name") if isinstance(meta, Mapping) else None
            known.append(
                import_dcc_registry(
                    document, name=name if isinstance(name, str) else source, url=source
                )
            )
        except DiplomatError as exc:
            failures.append(RegistryLoadFailure(source, exc.detail))
    return ConfiguredRegistries(loaded, failures, known)


def load_conventions(config: VerifierConfig) -> ConventionsDataset:
    """The configured conventions dataset (the shipped one by default). Raises
    MalformedValueError when the configured file is unreadable or invalid."""
    return default_dataset() if config.conventions is None else load_dataset(config.conventions)


def build_context(
    config: VerifierConfig,
    now: datetime | None = None,
    *,
    fetcher: Fetcher | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> VerifierContext:
    """Wire the VerifierContext: safe fetcher, DID resolver, status-list cache, the configured
    registries (loaded at ``now``) and conventions. With ``now`` every verification happens at
    that moment (the CLI's --now, tests); without it the ``clock`` is read per verification.

    Raises MalformedValueError for an unusable conventions dataset; registries that cannot be
    loaded are reported in each verification instead.
    """
    chosen: Fetcher = fetcher if fetcher is not None else make_fetcher(config)

    def fetch_body(url: str) -> bytes:
        return chosen(url, accept="application/did+json, application/json").body

    resolver = DidResolver(fetch_body, insecure_http_localhost=config.dev_mode)
    moment = now if now is not None else clock()
    registries = (
        load_registries(config, fetcher=chosen, resolver=resolver, now=moment)
        if config.registries or config.known_issuers
        else None
    )
    return VerifierContext(
        resolver=resolver,
        status_lists=StatusListCache(chosen, resolver=resolver),
        registries=registries,
        conventions=load_conventions(config),
        destination_country=config.country,
        now=now,
        clock=clock,
    )
