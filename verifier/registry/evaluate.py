"""Was the issuer accredited for this degree on the award date, and is it today, per one registry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum, StrEnum
from typing import Any

from vc.message import Message
from verifier.registry.dcc import KnownIssuerMatch, KnownIssuers, known_issuer_matches
from verifier.registry.model import (
    STATUS_WORDS,
    Accreditation,
    AccreditationStatus,
    Institution,
    Registry,
    Source,
    isced_field,
    isced_level,
)


class AccreditationOutcome(StrEnum):
    """The registry's answer for one date."""

    ACCREDITED = "accredited"
    NOT_ACCREDITED = "not_accredited"  # no accreditation period covers the date (or not listed)
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    OUT_OF_SCOPE = "out_of_scope"  # in force, but not for this level or field
    UNKNOWN = "unknown"  # the date, level or field is not known well enough to decide


class _Match(Enum):
    IN = "in"
    OUT = "out"
    UNDECIDABLE = "undecidable"


@dataclass(frozen=True)
class DateFinding:
    """The registry's answer on one date, with the accreditation record it rests on."""

    on: date | None
    outcome: AccreditationOutcome
    message: str
    accreditation: Accreditation | None = None
    registry_id: str | None = None

    @property
    def source(self) -> Source | None:
        return self.accreditation.source if self.accreditation else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat() if self.on else None,
            "outcome": self.outcome.value,
            "message": self.message,
            "accreditation": self.accreditation.to_dict() if self.accreditation else None,
            "source": self.source.to_dict() if self.source else None,
            "registry_id": self.registry_id,
        }


@dataclass(frozen=True)
class RegistryFinding:
    """One registry's view of one issuer: at the award date and today, reported separately."""

    issuer_did: str
    issuer_known: bool
    institution: Institution | None
    registry_id: str
    registry_name: str
    registry_as_of: date
    level: str | None
    field: str | None
    at_award: DateFinding
    today: DateFinding
    known_issuer: tuple[KnownIssuerMatch, ...] = ()

    @property
    def country(self) -> str | None:
        """The institution's country per the registry (never per the credential)."""
        return self.institution.country if self.institution else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "issuer_did": self.issuer_did,
            "issuer_known": self.issuer_known,
            "institution": self.institution.to_dict() if self.institution else None,
            "country": self.country,
            "registry_id": self.registry_id,
            "registry_name": self.registry_name,
            "registry_as_of": self.registry_as_of.isoformat(),
            "level": self.level,
            "field": self.field,
            "at_award": self.at_award.to_dict(),
            "today": self.today.to_dict(),
            "known_issuer": [m.to_dict() for m in self.known_issuer],
        }


def evaluate(
    registry: Registry,
    issuer_did: str,
    *,
    level: str | None,
    field: str | None,
    award_date: date | None,
    today: date,
    known_issuers: Sequence[KnownIssuers] = (),
) -> RegistryFinding:
    """Judge the issuer's accreditation for a degree of `level` (ISCED 2011) in `field` (ISCED-F).

    The registry alone decides: the institution, its country and its accreditations come from
    it; the function takes nothing else from the credential. `known_issuers` (e.g. DCC lists)
    are reported apart in `known_issuer` and never count as accreditation.
    Raises MalformedValueError when `level` or `field` is given but is not an ISCED code.
    """
    level_digit = isced_level(level) if level is not None else None
    field_code = isced_field(field) if field is not None else None
    institution = registry.find(issuer_did)
    known = known_issuer_matches(known_issuers, issuer_did)
    if institution is None:
        text = Message(
            "%(issuer)s is not listed in %(registry)s", issuer=issuer_did, registry=registry.name
        )
        at_award = DateFinding(
            award_date, AccreditationOutcome.NOT_ACCREDITED, text, None, registry.id
        )
        now = DateFinding(today, AccreditationOutcome.NOT_ACCREDITED, text, None, registry.id)
    else:
        at_award = _on(registry, institution, award_date, level_digit, field_code, past=True)
        now = _on(registry, institution, today, level_digit, field_code, past=False)
    return RegistryFinding(
        issuer_did=issuer_did,
        issuer_known=institution is not None,
        institution=institution,
        registry_id=registry.id,
        registry_name=registry.name,
        registry_as_of=registry.as_of,
        level=level_digit,
        field=field_code,
        at_award=at_award,
        today=now,
        known_issuer=known,
    )


def _level_match(scope_levels: tuple[str, ...], level: str | None) -> _Match:
    if level is None:
        return _Match.UNDECIDABLE
    return _Match.IN if level in scope_levels else _Match.OUT


def _field_match(scope_fields: tuple[str, ...], field: str | None) -> _Match:
    """A scope code covers every narrower code under it (06 covers 061 and 0613)."""
    if not scope_fields:
        return _Match.IN
    if field is None:
        return _Match.UNDECIDABLE
    if any(field.startswith(code) for code in scope_fields):
        return _Match.IN
    # The degree's field is broader than an accredited one (06 vs 0613): it may or may not fit.
    if any(code.startswith(field) for code in scope_fields):
        return _Match.UNDECIDABLE
    return _Match.OUT


def _scope_match(record: Accreditation, level: str | None, field: str | None) -> _Match:
    matches = (
        _level_match(record.scope.isced_levels, level),
        _field_match(record.scope.isced_fields, field),
    )
    if _Match.OUT in matches:
        return _Match.OUT
    if _Match.UNDECIDABLE in matches:
        return _Match.UNDECIDABLE
    return _Match.IN


def _on(
    registry: Registry,
    institution: Institution,
    day: date | None,
    level: str | None,
    field: str | None,
    *,
    past: bool,
) -> DateFinding:
    name = institution.name()
    per = Message(
        "per %(registry)s (as of %(as_of)s)", registry=registry.name, as_of=registry.as_of
    )
    if day is None:
        return DateFinding(
            None,
            AccreditationOutcome.UNKNOWN,
            Message(
                "the award date is not known, so it cannot be told whether %(name)s was "
                "accredited when the degree was awarded",
                name=name,
            ),
            None,
            registry.id,
        )
    covering = [a for a in institution.accreditations if a.covers(day)]
    if not covering:
        tense = dict(name=name, day=day, hint=_nearest(institution, day), per=per)
        return DateFinding(
            day,
            AccreditationOutcome.NOT_ACCREDITED,
            (
                Message(
                    "%(name)s had no accreditation in force on %(day)s%(hint)s, %(per)s",
                    **tense,
                )
                if past
                else Message(
                    "%(name)s has no accreditation in force on %(day)s%(hint)s, %(per)s",
                    **tense,
                )
            ),
            _closest(institution, day),
            registry.id,
        )
    judged = [(a, a.status_on(day), _scope_match(a, level, field)) for a in covering]

    def first(
        statuses: tuple[AccreditationStatus, ...], scopes: tuple[_Match, ...]
    ) -> Accreditation | None:
        return next((a for a, s, m in judged if s in statuses and m in scopes), None)

    ok = (AccreditationStatus.ACCREDITED,)
    record = first(ok, (_Match.IN,))
    if record is not None:
        tense = dict(
            name=name,
            day=day,
            degree=_degree(level, field),
            body=record.accrediting_body.name,
            scope=record.scope.describe(),
            period=record.period(),
            per=per,
        )
        return DateFinding(
            day,
            AccreditationOutcome.ACCREDITED,
            (
                Message(
                    "%(name)s was accredited on %(day)s for %(degree)s by %(body)s (%(scope)s; "
                    "%(period)s), %(per)s",
                    **tense,
                )
                if past
                else Message(
                    "%(name)s is accredited on %(day)s for %(degree)s by %(body)s (%(scope)s; "
                    "%(period)s), %(per)s",
                    **tense,
                )
            ),
            record,
            registry.id,
        )
    record = first(ok, (_Match.UNDECIDABLE,))
    if record is not None:
        tense = dict(
            name=name,
            day=day,
            scope=record.scope.describe(),
            reason=_undecidable_reason(level, field),
            per=per,
        )
        return DateFinding(
            day,
            AccreditationOutcome.UNKNOWN,
            (
                Message(
                    "%(name)s was accredited on %(day)s for %(scope)s, but %(reason)s, so it "
                    "cannot be told whether the degree is covered, %(per)s",
                    **tense,
                )
                if past
                else Message(
                    "%(name)s is accredited on %(day)s for %(scope)s, but %(reason)s, so it "
                    "cannot be told whether the degree is covered, %(per)s",
                    **tense,
                )
            ),
            record,
            registry.id,
        )
    possibly = (_Match.IN, _Match.UNDECIDABLE)
    for status, outcome in (
        (AccreditationStatus.WITHDRAWN, AccreditationOutcome.WITHDRAWN),
        (AccreditationStatus.SUSPENDED, AccreditationOutcome.SUSPENDED),
    ):
        record = first((status,), possibly)
        if record is not None:
            since = (
                Message("since %(since)s", since=record.status_since)
                if record.status_since
                else Message("for its whole period")
            )
            tense = dict(
                name=name,
                body=record.accrediting_body.name,
                period=record.period(),
                status=STATUS_WORDS[status],
                day=day,
                since=since,
                per=per,
            )
            return DateFinding(
                day,
                outcome,
                (
                    Message(
                        "%(name)s's accreditation by %(body)s (%(period)s) was %(status)s on "
                        "%(day)s (%(since)s), %(per)s",
                        **tense,
                    )
                    if past
                    else Message(
                        "%(name)s's accreditation by %(body)s (%(period)s) is %(status)s on "
                        "%(day)s (%(since)s), %(per)s",
                        **tense,
                    )
                ),
                record,
                registry.id,
            )
    record = covering[0]
    scopes = "; ".join(sorted({str(a.scope.describe()) for a in covering}))
    tense = dict(name=name, day=day, scopes=scopes, degree=_degree(level, field), per=per)
    return DateFinding(
        day,
        AccreditationOutcome.OUT_OF_SCOPE,
        (
            Message(
                "%(name)s was accredited on %(day)s only for (%(scopes)s), not for %(degree)s, %(per)s",
                **tense,
            )
            if past
            else Message(
                "%(name)s is accredited on %(day)s only for (%(scopes)s), not for %(degree)s, "
                "%(per)s",
                **tense,
            )
        ),
        record,
        registry.id,
    )


def _degree(level: str | None, field: str | None) -> str:
    if level and field:
        return Message("ISCED level %(level)s in field %(field)s", level=level, field=field)
    if level:
        return Message("ISCED level %(level)s", level=level)
    if field:
        return Message("an unknown level in field %(field)s", field=field)
    return Message("an unknown level")


def _undecidable_reason(level: str | None, field: str | None) -> str:
    if level is None:
        return Message("the degree's level is not known")
    if field is None:
        return Message("the degree's field of study is not known")
    return Message(
        "the degree's field %(field)s is broader than the accredited fields", field=field
    )


def _nearest(institution: Institution, day: date) -> str:
    """A hint for a date outside every period: when the last one ended or the first begins."""
    ended = [
        a.valid_until for a in institution.accreditations if a.valid_until and a.valid_until < day
    ]
    begins = [a.valid_from for a in institution.accreditations if a.valid_from > day]
    if ended:
        return Message(" (its accreditation ended on %(day)s)", day=max(ended))
    if begins:
        return Message(" (its first accreditation began on %(day)s)", day=min(begins))
    if not institution.accreditations:
        return Message(" (it is listed without any accreditation)")
    return ""


def _closest(institution: Institution, day: date) -> Accreditation | None:
    """The record the 'not accredited' hint refers to, so the report can show its source."""
    ended = [a for a in institution.accreditations if a.valid_until and a.valid_until < day]
    if ended:
        return max(ended, key=lambda a: a.valid_until or date.min)
    begins = [a for a in institution.accreditations if a.valid_from > day]
    return min(begins, key=lambda a: a.valid_from) if begins else None
