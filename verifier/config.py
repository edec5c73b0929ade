"""The verifier shells' configuration (vc.settings) and the VerifierContext it wires up.

Only the shells (web app, CLI, wsgi) use this module; the checks receive a ready context. Every
setting (``DIPLOMAT_VERIFIER_COUNTRY``, ``DIPLOMAT_REGISTRIES``, ``DIPLOMAT_TRUSTED_OPERATORS``,
``DIPLOMAT_DEV``, ``DIPLOMAT_VERIFIER_DATABASE_URL``, …) is a row of ``vc.settings.SETTINGS``,
documented in docs/configuration.md.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from diplomat_ops.logformats import LOG_FORMATS
from vc import settings as settings_table
from vc import strictjson
from vc.dates import Clock, utcnow
from vc.dids import DidResolver
from vc.errors import DiplomatError, MalformedValueError
from vc.extracontexts import loader_with_extra_contexts
from vc.fetch import Fetcher, SafeHttpFetcher
from vc.message import Message, english
from verifier.checks.model import Status
from verifier.context import AccreditationFinding, IssuerStanding, VerifierContext, check_country
from verifier.recognition import ConventionsDataset, default_dataset, load_dataset
from verifier.registry import KnownIssuers, LoadedRegistry, import_dcc_registry, load_registry
from verifier.registryview import RegistriesLookup
from verifier.statuscache import StatusListCache

DEFAULT_COUNTRY = "KZ"
DEFAULT_BASE_URL = "http://127.0.0.1:8002"
DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_CONVENTIONS_MAX_AGE_DAYS = 365
DEFAULT_BULK_MAX_UPLOAD = 16 * 1024 * 1024
_DID = re.compile(r"did:[a-z0-9]+:\S+")


def default_database_url(home: Path | None = None) -> str:
    """The challenge database when none is configured: ``<home>/var/verifier.sqlite3``, beside
    the issuer's ``var/issuer.sqlite3`` (home: the data home of the current directory's
    settings when not given)."""
    if home is None:
        home = settings_table.load({}).home
    return f"sqlite:///{home / 'var' / 'verifier.sqlite3'}"


def updated_conventions_file(home: Path) -> Path:
    """Where ``diplomat conventions update`` installs a newer dataset: ``<home>/data/``."""
    return home / "data" / "conventions.json"


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
    database_url: str = dataclasses.field(default_factory=default_database_url)
    conventions_max_age_days: int = DEFAULT_CONVENTIONS_MAX_AGE_DAYS
    log_format: str = "text"
    record_font: str | None = None
    bulk_max_rows: int = 1000
    bulk_max_upload_bytes: int = DEFAULT_BULK_MAX_UPLOAD
    bulk_workers: int = 4
    bulk_max_jobs: int = 4
    bulk_jobs_per_client: int = 2
    bulk_retention: float = 86_400.0
    extra_contexts_dir: Path | None = None

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
        if self.log_format not in LOG_FORMATS:
            raise MalformedValueError(
                f"DIPLOMAT_LOG_FORMAT must be {' or '.join(LOG_FORMATS)}, got {self.log_format!r}"
            )
        if isinstance(self.conventions_max_age_days, bool) or self.conventions_max_age_days < 1:
            raise MalformedValueError(
                "DIPLOMAT_CONVENTIONS_MAX_AGE_DAYS must be a whole number of days (1 or more), "
                f"got {self.conventions_max_age_days!r}"
            )
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
        """Read the configuration (environment, then the configuration file, then defaults);
        raises MalformedValueError naming the bad setting."""
        return cls.from_settings(settings_table.load(environ))

    @classmethod
    def from_settings(cls, settings: settings_table.Settings) -> VerifierConfig:
        """The configuration from resolved settings (see docs/configuration.md)."""
        conventions = settings["conventions"]
        if conventions is None:
            updated = updated_conventions_file(settings.home)
            conventions = updated if updated.is_file() else None
        try:
            return cls._from(settings, conventions)
        except MalformedValueError as exc:
            raise settings.explain(exc) from exc

    @classmethod
    def _from(cls, settings: settings_table.Settings, conventions: Path | None) -> VerifierConfig:
        return cls(
            country=(settings["verifier_country"] or "").strip().upper() or None,
            registries=settings["registries"],
            trusted_operators=settings["trusted_operators"],
            known_issuers=settings["known_issuers"],
            conventions=str(conventions) if conventions is not None else None,
            dev_mode=settings["dev"],
            base_url=settings["verifier_base_url"].rstrip("/"),
            max_body_bytes=settings["verifier_max_body"],
            fetch_timeout=settings["fetch_timeout"],
            challenge_ttl=settings["challenge_ttl"],
            database_url=settings["verifier_database_url"],
            conventions_max_age_days=settings["conventions_max_age_days"],
            log_format=(settings["log_format"] or "text").strip().lower(),
            record_font=None if settings["record_font"] is None else str(settings["record_font"]),
            bulk_max_rows=settings["bulk_max_rows"],
            bulk_max_upload_bytes=settings["bulk_max_upload"],
            bulk_workers=settings["bulk_workers"],
            bulk_max_jobs=settings["bulk_max_jobs"],
            bulk_jobs_per_client=settings["bulk_jobs_per_client"],
            bulk_retention=settings["bulk_retention"],
            extra_contexts_dir=settings["extra_contexts"],
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
        message = Message(
            "%(finding)s; and these registries could not be read: %(reason)s",
            finding=english(standing.message),
            reason=reason,
        )
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
    clock: Clock = utcnow,
) -> VerifierContext:
    """Wire the VerifierContext: safe fetcher, DID resolver, status-list cache, the configured
    registries (loaded at ``now``) and conventions. With ``now`` every verification happens at
    that moment (the CLI's --now, tests); without it the ``clock`` is read per verification.

    Raises MalformedValueError for an unusable conventions dataset or extra-context folder
    (ExtraContextError); registries that cannot be loaded are reported in each verification
    instead.
    """
    chosen: Fetcher = fetcher if fetcher is not None else make_fetcher(config)
    loader = loader_with_extra_contexts(config.extra_contexts_dir)

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
        status_lists=StatusListCache(chosen, resolver=resolver, loader=loader),
        registries=registries,
        conventions=load_conventions(config),
        destination_country=config.country,
        now=now,
        clock=clock,
        loader=loader,
    )
