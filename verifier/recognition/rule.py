"""The recognition rule: which conventions bind a degree's country and the country where it is
used, since when, how sure, on which article, with which reservations and sources. No I/O."""

from __future__ import annotations

import re
from datetime import date, datetime

from vc.errors import MalformedValueError
from vc.message import English, Message, clauses, sentences
from verifier.recognition.model import (
    CANDIDATE,
    CHECK_NIC,
    COVERED_BY,
    NOT_LISTED,
    NOT_PARTY,
    PARTY,
    PENDING,
    SIGNATORY_ONLY,
    AppliedArticle,
    Convention,
    ConventionFinding,
    ConventionsDataset,
    CountryStanding,
    Coverage,
    Party,
    RecognitionAssessment,
    ReservationNote,
    article_label,
    iso,
    rank,
    source_label,
)

_COUNTRY = re.compile(r"[A-Z]{2}")
_RESERVATION_WORDS = ("reservation", "оговорк", "réserve", "vorbehalt")


def assess(
    dataset: ConventionsDataset, issuer_country: str, destination_country: str, on: date
) -> RecognitionAssessment:
    """Assess which conventions cover a degree from ``issuer_country`` used in another country.

    The rule: a convention covers the degree on the decision date ``on`` when both countries
    have status ``party`` and each is bound on or before ``on``: from its entry-into-force date
    when known, else from the date a dated source confirms it as a party (``party_as_of``: a
    party confirmed by a source of that date is in force at least since then). The finding
    carries the confidence of its weakest fact and the sources it rests on. A pending status,
    a candidate, a party with neither date, or a source dated after ``on`` is *unconfirmed*
    (check with the national information centre), never covered. A predecessor convention
    gives way to its successor between two States the successor covers. Reservations are shown
    only on the finding of their own convention, and only when it binds or may bind the pair.

    Returns one finding per convention that names either country. Raises MalformedValueError when a
    country is not two upper-case letters (ISO 3166-1 alpha-2) or ``on`` is not a plain date.
    """
    issuer = _country(issuer_country, "issuer country")
    destination = _country(destination_country, "destination country")
    if isinstance(on, datetime) or not isinstance(on, date):
        raise MalformedValueError(f"decision date must be a date, not {type(on).__name__}")
    findings: tuple[ConventionFinding, ...] = ()
    if issuer != destination:
        findings = tuple(
            _finding(dataset, convention, issuer, destination, on)
            for convention in dataset.conventions
            if convention.party(issuer) is not None or convention.party(destination) is not None
        )
    return RecognitionAssessment(
        issuer_country=issuer,
        destination_country=destination,
        on=on,
        as_of=dataset.as_of,
        dataset_version=dataset.version,
        findings=findings,
    )


def _country(value: object, what: str) -> str:
    if not isinstance(value, str) or _COUNTRY.fullmatch(value) is None:
        raise MalformedValueError(
            f"{what} must be an ISO 3166-1 alpha-2 code (two upper-case letters), got {value!r}"
        )
    return value


def _standing(convention: Convention, country: str) -> CountryStanding:
    row = convention.party(country)
    if row is None:
        return CountryStanding(country, NOT_LISTED, None, None, None)
    return CountryStanding(
        country=country,
        status=row.status,
        in_force=row.in_force,
        confidence=row.confidence,
        source=row.source,
        in_force_source=row.in_force_source or (row.source if row.in_force else None),
        in_force_confidence=row.in_force_confidence or (row.confidence if row.in_force else None),
        in_force_basis=row.in_force_basis,
        status_confidence=row.status_confidence or row.confidence,
        party_as_of=row.party_as_of if row.status == PARTY else None,
        party_as_of_basis=row.party_as_of_basis if row.status == PARTY else None,
        quote=row.quote,
        domestic_approval=row.domestic_approval,
    )


def _finding(
    dataset: ConventionsDataset, convention: Convention, issuer: str, destination: str, on: date
) -> ConventionFinding:
    sides = (_standing(convention, issuer), _standing(convention, destination))
    successor = dataset.convention(convention.superseded_by) if convention.superseded_by else None
    outcome, reasons = _rule(convention, sides, on)
    # A predecessor the pair is (or may be) bound by gives way where its successor covers them.
    if (
        successor is not None
        and outcome is not Coverage.NOT_COVERED
        and _rule(successor, (_standing(successor, issuer), _standing(successor, destination)), on)[
            0
        ]
        is Coverage.COVERED
    ):
        outcome = Coverage.NOT_APPLICABLE
        reasons = (
            Message(
                "the %(successor)s takes its place between %(issuer)s and %(destination)s",
                successor=successor.short_name,
                issuer=issuer,
                destination=destination,
            ),
        )
    core = convention.core_article
    article = None
    if core is not None:
        article = AppliedArticle(
            article=core.article,
            topic=core.topic,
            paraphrase=core.paraphrase,
            confidence=core.confidence,
            source=core.source,
            meaning=core.plain_meaning or core.paraphrase,
            refusal_ground=core.refusal_ground,
            verified=core.diplomat_check or core.verified,
        )
    binds = outcome in (Coverage.COVERED, Coverage.UNCONFIRMED, Coverage.NOT_YET_IN_FORCE)
    notes = tuple(
        _reservation(convention, row, reservation)
        for row in (convention.party(side.country) for side in sides)
        if binds and row is not None
        for reservation in row.reservations
    )
    since = confidence = None
    if outcome is Coverage.COVERED:
        since = max(side.since for side in sides if side.since is not None)
        confidence = min((side.weakest[0] for side in sides), key=rank)
    message = _message(convention, outcome, reasons, sides, confidence)
    if outcome is Coverage.COVERED and article is not None:
        message = Message(
            "%(finding)s: %(article)s — %(meaning)s",
            finding=message,
            article=article_label(article),
            meaning=English(article.meaning or ""),
        )
    if notes:
        message = Message(
            "%(finding)s. %(notes)s",
            finding=message,
            notes=sentences([note.text for note in notes]),
        )
    return ConventionFinding(
        convention_id=convention.id,
        convention_name=convention.name,
        short_name=convention.short_name,
        outcome=outcome,
        message=message,
        issuer=sides[0],
        destination=sides[1],
        article=article,
        reservations=notes,
        as_of=dataset.as_of,
        since=since,
        confidence=confidence,
        reasons=reasons,
        sources=_sources(convention, sides, article, outcome),
    )


def _rule(
    convention: Convention, sides: tuple[CountryStanding, CountryStanding], on: date
) -> tuple[Coverage, tuple[str, ...]]:
    """The rule of ``assess``; the order matters: a known 'no' beats an unknown."""
    absent = [side for side in sides if side.status not in (PARTY, PENDING, CANDIDATE)]
    if absent:
        return Coverage.NOT_COVERED, tuple(_absent_reason(side) for side in absent)
    if convention.in_force is not None and convention.in_force > on:
        return Coverage.NOT_YET_IN_FORCE, (
            Message(
                "not yet in force on %(on)s (general entry into force %(in_force)s)",
                on=on.isoformat(),
                in_force=convention.in_force.isoformat(),
            ),
        )
    later = [side for side in sides if side.in_force is not None and side.in_force > on]
    if later:
        return Coverage.NOT_YET_IN_FORCE, (
            Message(
                "not yet in force on %(on)s — %(reasons)s",
                on=on.isoformat(),
                reasons=clauses(
                    [
                        Message(
                            "it entered into force for %(country)s only on %(in_force)s",
                            country=side.country,
                            in_force=iso(side.in_force),
                        )
                        for side in later
                    ]
                ),
            ),
        )
    unsure: list[str] = []
    if convention.in_force is None:
        unsure.append(Message("the convention's general entry into force is not confirmed"))
    for side in sides:
        if side.status == PENDING:
            if side.domestic_approval:
                unsure.append(
                    Message(
                        "%(country)s's party status is pending confirmation (approved at home: "
                        "%(approval)s); its deposit with the depositary is not confirmed",
                        country=side.country,
                        approval=English(side.domestic_approval),
                    )
                )
            else:
                unsure.append(
                    Message(
                        "%(country)s's party status is pending confirmation; its deposit with "
                        "the depositary is not confirmed",
                        country=side.country,
                    )
                )
        elif side.status == CANDIDATE:
            unsure.append(
                Message(
                    "%(country)s has approved it at home, but no deposit with the depositary "
                    "is known",
                    country=side.country,
                )
            )
        if side.status == PARTY and side.in_force is None and side.party_as_of is None:
            unsure.append(
                Message(
                    "the date the convention entered into force for %(country)s is not known",
                    country=side.country,
                )
            )
        elif side.in_force is None and side.party_as_of is not None and side.party_as_of > on:
            unsure.append(
                Message(
                    "%(country)s is confirmed as a party only as of %(as_of)s (per %(source)s), "
                    "after %(on)s",
                    country=side.country,
                    as_of=iso(side.party_as_of),
                    source=source_label(side.source or ""),
                    on=on.isoformat(),
                )
            )
    if unsure:
        return Coverage.UNCONFIRMED, tuple(unsure)
    return Coverage.COVERED, ()


def _message(
    convention: Convention,
    outcome: Coverage,
    reasons: tuple[str, ...],
    sides: tuple[CountryStanding, CountryStanding],
    confidence: str | None,
) -> str:
    name = convention.short_name
    why = clauses(list(reasons))
    if outcome is Coverage.NOT_COVERED:
        return Message("%(name)s: not covered — %(reasons)s", name=name, reasons=why)
    if outcome is Coverage.NOT_YET_IN_FORCE:
        return Message("%(name)s: %(reasons)s", name=name, reasons=why)
    if outcome is Coverage.NOT_APPLICABLE:
        return Message("%(name)s: not applied — %(reasons)s", name=name, reasons=why)
    if outcome is Coverage.UNCONFIRMED:
        return Message(
            "%(name)s: unconfirmed — %(advice)s (or the depositary's list of parties): %(reasons)s",
            name=name,
            advice=CHECK_NIC,
            reasons=why,
        )
    first, second = sides
    parts = [_bound(first, first=True), _bound(second, first=first.in_force is None)]
    weak = [side for side in sides if side.weakest[0] == confidence != "high"]
    caveat = ""
    if weak:
        doubts = [
            Message(
                "%(level)s confidence in the date for %(country)s",
                level=side.weakest[0],
                country=side.country,
            )
            if side.weakest[1] == "date"
            else Message(
                "%(level)s confidence in %(country)s's party status",
                level=side.weakest[0],
                country=side.country,
            )
            for side in weak
        ]
        listed = doubts[0]
        for doubt in doubts[1:]:
            listed = Message("%(first)s, %(then)s", first=listed, then=doubt)
        caveat = Message("; confidence %(level)s: %(doubts)s", level=confidence, doubts=listed)
    if all(side.in_force is not None for side in sides):
        clause = Message(
            "the %(name)s (%(first)s, %(second)s%(caveat)s)",
            name=name,
            first=parts[0],
            second=parts[1],
            caveat=caveat,
        )
    else:
        since = max(side.since for side in sides if side.since is not None)
        clause = Message(
            "the %(name)s (both are parties: %(first)s; %(second)s; so it binds them at least "
            "since %(since)s%(caveat)s)",
            name=name,
            first=parts[0],
            second=parts[1],
            since=since.isoformat(),
            caveat=caveat,
        )
    return Message(COVERED_BY, clause=clause)


def _bound(side: CountryStanding, *, first: bool) -> str:
    if side.in_force is not None:
        values = {"country": side.country, "since": side.in_force.isoformat()}
        if _is_computed(side) and first:
            return Message(
                "in force for %(country)s since %(since)s, computed from its deposit date",
                **values,
            )
        if _is_computed(side):
            return Message(
                "for %(country)s since %(since)s, computed from its deposit date", **values
            )
        if first:
            return Message("in force for %(country)s since %(since)s", **values)
        return Message("for %(country)s since %(since)s", **values)
    return Message(
        "%(country)s per %(source)s, as of %(as_of)s",
        country=side.country,
        source=source_label(side.source or ""),
        as_of=iso(side.party_as_of),
    )


def _is_computed(side: CountryStanding) -> bool:
    return (side.in_force_basis or "").startswith("computed")


def _reservation(convention: Convention, row: Party, reservation: str) -> ReservationNote:
    words = re.sub(r"^Reservation\s+", "", reservation.strip()).rstrip(".")
    if not words.startswith("on "):
        words = f"on {words}"
    quotes = tuple(
        ref
        for ref in row.other_sources
        if ref.quote and any(word in ref.quote.lower() for word in _RESERVATION_WORDS)
    )
    return ReservationNote(
        country=row.country,
        reservation=reservation,
        text=Message(
            "%(country)s has a reservation to the %(convention)s %(words)s: recognition under "
            "the reserved provisions is excluded for %(country)s.",
            country=row.country,
            convention=convention.short_name,
            words=English(words),
        ),
        convention_id=convention.id,
        source=row.source,
        quotes=quotes,
    )


def _sources(
    convention: Convention,
    sides: tuple[CountryStanding, CountryStanding],
    article: AppliedArticle | None,
    outcome: Coverage,
) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for side in sides:
        for source in (side.source, side.in_force_source):
            if source:
                found.setdefault(source, None)
    if outcome is Coverage.NOT_APPLICABLE and convention.superseded_source:
        found.setdefault(convention.superseded_source, None)
    if article is not None and article.source:
        found.setdefault(article.source, None)
    return tuple(found)


def _absent_reason(side: CountryStanding) -> str:
    if side.status == SIGNATORY_ONLY:
        return Message("%(country)s has only signed it, not ratified it", country=side.country)
    if side.status == NOT_PARTY:
        return Message(
            "%(country)s is not a party (per %(source)s)",
            country=side.country,
            source=source_label(side.source or ""),
        )
    return Message("%(country)s is not listed as a party", country=side.country)
