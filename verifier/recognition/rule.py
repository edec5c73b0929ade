"""The recognition rule: which conventions bind a degree's country and the country where it is
used, since when, how sure, on which article, with which reservations and sources. No I/O."""

from __future__ import annotations

import re
from datetime import date, datetime

from vc.errors import MalformedValueError
from verifier.recognition.model import (
    CANDIDATE,
    CHECK_NIC,
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
            f"the {successor.short_name} takes its place between {issuer} and {destination}",
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
        message = f"{message}: {article_label(article)} — {article.meaning}"
    if notes:
        message = f"{message}. " + " ".join(note.text for note in notes)
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
            f"not yet in force on {on.isoformat()} (general entry into force "
            f"{convention.in_force.isoformat()})",
        )
    later = [side for side in sides if side.in_force is not None and side.in_force > on]
    if later:
        return Coverage.NOT_YET_IN_FORCE, (
            f"not yet in force on {on.isoformat()} — "
            + "; ".join(
                f"it entered into force for {side.country} only on {iso(side.in_force)}"
                for side in later
            ),
        )
    unsure: list[str] = []
    if convention.in_force is None:
        unsure.append("the convention's general entry into force is not confirmed")
    for side in sides:
        if side.status == PENDING:
            home = (
                f" (approved at home: {side.domestic_approval})" if side.domestic_approval else ""
            )
            unsure.append(
                f"{side.country}'s party status is pending confirmation{home}; its deposit with "
                "the depositary is not confirmed"
            )
        elif side.status == CANDIDATE:
            unsure.append(
                f"{side.country} has approved it at home, but no deposit with the depositary "
                "is known"
            )
        if side.status == PARTY and side.in_force is None and side.party_as_of is None:
            unsure.append(
                f"the date the convention entered into force for {side.country} is not known"
            )
        elif side.in_force is None and side.party_as_of is not None and side.party_as_of > on:
            unsure.append(
                f"{side.country} is confirmed as a party only as of {iso(side.party_as_of)} "
                f"(per {source_label(side.source or '')}), after {on.isoformat()}"
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
    if outcome is Coverage.NOT_COVERED:
        return f"{name}: not covered — " + "; ".join(reasons)
    if outcome is Coverage.NOT_YET_IN_FORCE:
        return f"{name}: " + "; ".join(reasons)
    if outcome is Coverage.NOT_APPLICABLE:
        return f"{name}: not applied — " + "; ".join(reasons)
    if outcome is Coverage.UNCONFIRMED:
        return (
            f"{name}: unconfirmed — {CHECK_NIC} (or the depositary's list of parties): "
            + "; ".join(reasons)
        )
    first, second = sides
    parts = [_bound(first, first=True), _bound(second, first=first.in_force is None)]
    weak = [side for side in sides if side.weakest[0] == confidence != "high"]
    caveat = ""
    if weak:
        caveat = f"; confidence {confidence}: " + ", ".join(
            f"{side.weakest[0]} confidence in the date for {side.country}"
            if side.weakest[1] == "date"
            else f"{side.weakest[0]} confidence in {side.country}'s party status"
            for side in weak
        )
    if all(side.in_force is not None for side in sides):
        return f"Covered by the {name} ({', '.join(parts)}{caveat})"
    since = max(side.since for side in sides if side.since is not None)
    return (
        f"Covered by the {name} (both are parties: {'; '.join(parts)}; so it binds them at "
        f"least since {since.isoformat()}{caveat})"
    )


def _bound(side: CountryStanding, *, first: bool) -> str:
    if side.in_force is not None:
        computed = ", computed from its deposit date" if _is_computed(side) else ""
        lead = "in force for" if first else "for"
        return f"{lead} {side.country} since {side.in_force.isoformat()}{computed}"
    return f"{side.country} per {source_label(side.source or '')}, as of {iso(side.party_as_of)}"


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
        text=(
            f"{row.country} has a reservation to the {convention.short_name} {words}: "
            f"recognition under the reserved provisions is excluded for {row.country}."
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
        return f"{side.country} has only signed it, not ratified it"
    if side.status == NOT_PARTY:
        return f"{side.country} is not a party (per {source_label(side.source or '')})"
    return f"{side.country} is not listed as a party"
