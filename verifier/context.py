"""The verifier's injected world: resolver, loader, status lists, registries, conventions, clock.

Nothing in the checks opens a socket or reads the clock: everything they need comes in through a
``VerifierContext``. Three seams are small protocols so that each piece can be swapped for an
in-memory one in tests:

* ``StatusLists`` (``verifier.statuscache.StatusListCache`` is the real one): fetch, verify and
  cache a status list credential;
* ``RegistryLookup``: what the accreditation registries say about an issuer DID, for a degree of a
  given ISCED level and field, at the award date and today (``registry_lookup`` adapts
  ``verifier.registry``);
* the conventions dataset of ``verifier.recognition``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from vc import jsonld
from vc.dates import Clock, utcnow
from vc.dids import DidResolver
from vc.errors import MalformedValueError
from vc.message import Message, english
from verifier.checks.model import Evidence, Status
from verifier.countries import LIST_NAME, is_assigned
from verifier.recognition import ConventionsDataset

_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class VerifiedStatusList:
    """A status list credential whose proof verified, with its provenance."""

    url: str
    credential: Mapping[str, Any]
    issuer: str
    signed_by: str
    fetched_at: datetime
    cache_age_seconds: float
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def evidence(self, detail: str | None = None) -> Evidence:
        return Evidence(
            kind="status-list",
            source=self.url,
            signed_by=self.signed_by,
            signature_verified=True,
            fetched_at=self.fetched_at,
            cache_age_seconds=self.cache_age_seconds,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            detail=detail,
        )


class StatusLists(Protocol):
    """Fetch a status list credential, verify its proof, and cache it."""

    def get(self, url: str, *, now: datetime) -> VerifiedStatusList:
        """Raise FetchError when it cannot be had (the caller reports "could not check"),
        UnsafeUrlError for a refused URL, and CryptographicSecurityError / StatusListError /
        MalformedValueError when what came back is not a verifiable status list."""
        ...


@dataclass(frozen=True)
class AccreditationFinding:
    """Whether the issuer was accredited for the degree's level and field on one day."""

    on: date | None
    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class IssuerStanding:
    """What the registries say about one issuer DID (``known`` is None when none could be read)."""

    known: bool | None
    message: str
    at_award_date: AccreditationFinding
    today: AccreditationFinding
    institution_name: str | None = None
    country: str | None = None
    evidence: tuple[Evidence, ...] = ()
    unchecked_registries: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)


class RegistryLookup(Protocol):
    """Look an issuer up in every configured accreditation registry."""

    def __call__(
        self,
        issuer_did: str,
        *,
        level: str | None,
        field: str | None,
        award_date: date | None,
        today: date,
    ) -> IssuerStanding: ...


_DESTINATION = Message("destination country")


def check_country(value: str | None, what: str = _DESTINATION) -> str | None:
    """Validate an officially assigned ISO 3166-1 alpha-2 code (``XX`` is refused, not assessed);
    raises MalformedValueError."""
    if value is None:
        return None
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
        raise MalformedValueError(
            Message(
                "%(what)s must be an %(list)s code (two upper-case letters), got %(value)s",
                what=english(what),
                list=LIST_NAME,
                value=repr(value),
            )
        )
    if not is_assigned(value):
        raise MalformedValueError(
            Message(
                "%(what)s %(value)s is not a country code in %(list)s (the list of two-letter "
                "country codes, e.g. JP for Japan, KZ for Kazakhstan)",
                what=english(what),
                value=repr(value),
                list=LIST_NAME,
            )
        )
    return value


@dataclass(frozen=True)
class VerifierContext:
    """Everything a verification may consult. Defaults are offline and fail closed: no status
    lists, no registries, no conventions mean "could not check", never "passed".

    ``now`` fixes the time (tests, receipts); otherwise ``clock`` is read once per verification.
    """

    resolver: DidResolver = field(default_factory=DidResolver)
    loader: jsonld.DocumentLoader = field(default_factory=jsonld.default_loader)
    status_lists: StatusLists | None = None
    registries: RegistryLookup | None = None
    conventions: ConventionsDataset | None = None
    destination_country: str | None = None
    now: datetime | None = None
    clock: Clock = utcnow

    def __post_init__(self) -> None:
        check_country(self.destination_country, "default destination country")
        if self.now is not None and self.now.tzinfo is None:
            raise MalformedValueError("VerifierContext.now must be timezone-aware")

    def current_time(self) -> datetime:
        """The moment a verification is made."""
        moment = self.now if self.now is not None else self.clock()
        if moment.tzinfo is None:
            raise MalformedValueError("the verifier clock must return aware datetimes")
        return moment
