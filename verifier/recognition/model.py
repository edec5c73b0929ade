"""The recognition data model: conventions, their State rows and key articles (as read from the
dataset), and the findings and assessment the rule produces. Frozen values, no I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from vc.message import Message, clauses, sentences

PARTY = "party"
PENDING = "party_pending_confirmation"
CANDIDATE = "domestic_approval_only"  # approved at home, no deposit known: never counted
NOT_PARTY = "not_party"
SIGNATORY_ONLY = "signatory_only"
NOT_LISTED = "not_listed"  # not a dataset status: the convention's lists do not name the country

CONFIDENCE_ORDER = ("low", "medium", "high")
CHECK_NIC = Message("check with the national information centre")
# A covered finding's sentence; its clause is what the summary lists (covered_clause).
COVERED_BY = Message("Covered by %(clause)s").template
_URL = re.compile(r"https?://\S+")


class Coverage(StrEnum):
    """What a convention (or the dataset as a whole) says about one degree in one country."""

    COVERED = "covered"
    UNCONFIRMED = "unconfirmed"
    NOT_YET_IN_FORCE = "not_yet_in_force"
    NOT_COVERED = "not_covered"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class KeyArticle:
    """A convention article in our own words, with how sure we are of its number and substance."""

    article: str | None
    topic: str
    paraphrase: str
    confidence: str
    source: str | None
    verified: str | None = None
    core_rule: bool = False
    plain_meaning: str | None = None
    refusal_ground: str | None = None
    diplomat_check: str | None = None


@dataclass(frozen=True)
class SourceRef:
    """A further source for a fact, with the words read there (``quote``) when recorded."""

    source: str
    quote: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Party:
    """One State's standing under one convention, with the provenance of each fact."""

    country: str
    status: str
    deposited: date | None
    in_force: date | None
    confidence: str
    source: str
    note: str = ""
    reservations: tuple[str, ...] = ()
    in_force_basis: str | None = None
    name: str | None = None
    instrument: str | None = None
    deposited_source: str | None = None
    deposited_confidence: str | None = None
    in_force_source: str | None = None
    in_force_confidence: str | None = None
    other_sources: tuple[SourceRef, ...] = ()
    quote: str | None = None
    status_confidence: str | None = None
    domestic_approval: str | None = None
    party_as_of: date | None = None
    party_as_of_basis: str | None = None

    @property
    def computed(self) -> bool:
        """True when the entry-into-force date was computed from the deposit date, not read."""
        return (self.in_force_basis or "").startswith("computed")


@dataclass(frozen=True)
class Convention:
    """A recognition convention: its general entry into force, key articles and State rows."""

    id: str
    name: str
    short_name: str
    in_force: date | None
    key_articles: tuple[KeyArticle, ...]
    parties: tuple[Party, ...]
    adopted: date | None = None
    depositary: str | None = None
    superseded_by: str | None = None
    superseded_note: str | None = None
    superseded_source: str | None = None

    def party(self, country: str) -> Party | None:
        """Return the row for ``country`` (any status), or None when the convention omits it."""
        for row in self.parties:
            if row.country == country:
                return row
        return None

    @property
    def core_article(self) -> KeyArticle | None:
        """The article carrying the recognition rule for higher-education qualifications."""
        for article in self.key_articles:
            if article.core_rule:
                return article
        return None


@dataclass(frozen=True)
class ConventionsDataset:
    """The whole dataset: when its facts were gathered, its version, and the conventions."""

    as_of: date
    version: str
    conventions: tuple[Convention, ...]
    as_of_note: str | None = None

    def convention(self, convention_id: str) -> Convention | None:
        """Return the convention with this id, or None."""
        for convention in self.conventions:
            if convention.id == convention_id:
                return convention
        return None


@dataclass(frozen=True)
class CountryStanding:
    """One country's standing under one convention, as the finding reports it.

    ``party_as_of`` is the date from which a dated source confirms a party whose
    entry-into-force date is unknown (``party_as_of_basis`` says how it was dated); ``quote`` is
    what the source said.
    """

    country: str
    status: str
    in_force: date | None
    confidence: str | None
    source: str | None
    in_force_source: str | None = None
    in_force_confidence: str | None = None
    in_force_basis: str | None = None
    status_confidence: str | None = None
    party_as_of: date | None = None
    party_as_of_basis: str | None = None
    quote: str | None = None
    domestic_approval: str | None = None

    @property
    def since(self) -> date | None:
        """From when the data shows the country bound: its entry into force, else the date a
        dated source confirms it as a party; None when neither is known."""
        return self.in_force if self.in_force is not None else self.party_as_of

    @property
    def weakest(self) -> tuple[str | None, str]:
        """The weakest confidence among the facts this standing rests on, and which fact."""
        status = self.status_confidence or self.confidence
        if self.in_force is not None:
            date_confidence = self.in_force_confidence or self.confidence
            if rank(date_confidence) < rank(status):
                return date_confidence, "date"
        return status, "status"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings)."""
        return {
            "country": self.country,
            "status": self.status,
            "in_force": iso(self.in_force),
            "confidence": self.confidence,
            "source": self.source,
            "in_force_source": self.in_force_source,
            "in_force_confidence": self.in_force_confidence,
            "in_force_basis": self.in_force_basis,
            "status_confidence": self.status_confidence,
            "party_as_of": iso(self.party_as_of),
            "party_as_of_basis": self.party_as_of_basis,
            "since": iso(self.since),
            "quote": self.quote,
            "domestic_approval": self.domestic_approval,
        }


@dataclass(frozen=True)
class AppliedArticle:
    """The article a finding rests on, and what it means in plain words."""

    article: str | None
    topic: str
    paraphrase: str
    confidence: str
    source: str | None
    meaning: str
    refusal_ground: str | None = None
    verified: str | None = None

    @property
    def number_verified(self) -> bool:
        """False when the dataset marks the article number as not read from a convention text."""
        flags = ("unverified", "not read", "not re-read")
        text = f"{self.article or ''} {self.verified or ''}".lower()
        return self.article is not None and not any(flag in text for flag in flags)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "article": self.article,
            "topic": self.topic,
            "paraphrase": self.paraphrase,
            "confidence": self.confidence,
            "source": self.source,
            "meaning": self.meaning,
            "refusal_ground": self.refusal_ground,
            "verified": self.verified,
            "number_verified": self.number_verified,
        }


@dataclass(frozen=True)
class ReservationNote:
    """A reservation a party entered to one convention, shown only for a pair that convention
    binds or may bind; ``quotes`` are the recorded words of the sources about it."""

    country: str
    reservation: str
    text: str
    convention_id: str = ""
    source: str | None = None
    quotes: tuple[SourceRef, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "country": self.country,
            "reservation": self.reservation,
            "text": self.text,
            "convention_id": self.convention_id,
            "source": self.source,
            "quotes": [{"source": q.source, "quote": q.quote} for q in self.quotes],
        }


@dataclass(frozen=True)
class ConventionFinding:
    """What one convention says about a degree from ``issuer`` used in ``destination``."""

    convention_id: str
    convention_name: str
    short_name: str
    outcome: Coverage
    message: str
    issuer: CountryStanding
    destination: CountryStanding
    article: AppliedArticle | None
    reservations: tuple[ReservationNote, ...]
    as_of: date
    since: date | None = None
    confidence: str | None = None
    reasons: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings)."""
        return {
            "convention_id": self.convention_id,
            "convention_name": self.convention_name,
            "short_name": self.short_name,
            "outcome": self.outcome.value,
            "message": self.message,
            "issuer": self.issuer.to_dict(),
            "destination": self.destination.to_dict(),
            "article": None if self.article is None else self.article.to_dict(),
            "reservations": [note.to_dict() for note in self.reservations],
            "as_of": self.as_of.isoformat(),
            "since": iso(self.since),
            "confidence": self.confidence,
            "reasons": list(self.reasons),
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class RecognitionAssessment:
    """All conventions' findings for one degree; the outcome and summary are computed from them."""

    issuer_country: str
    destination_country: str
    on: date
    as_of: date
    dataset_version: str
    findings: tuple[ConventionFinding, ...]

    @property
    def domestic(self) -> bool:
        """True when the degree is used in the country that conferred it."""
        return self.issuer_country == self.destination_country

    @property
    def covered_by(self) -> tuple[str, ...]:
        """Ids of the conventions that cover the degree on the decision date (all of them)."""
        return tuple(f.convention_id for f in self.findings if f.outcome is Coverage.COVERED)

    @property
    def outcome(self) -> Coverage:
        """covered if any convention covers; else unconfirmed if any might; else not_covered."""
        if self.domestic:
            return Coverage.NOT_APPLICABLE
        outcomes = {finding.outcome for finding in self.findings}
        if Coverage.COVERED in outcomes:
            return Coverage.COVERED
        if Coverage.UNCONFIRMED in outcomes:
            return Coverage.UNCONFIRMED
        return Coverage.NOT_COVERED

    @property
    def deciding(self) -> tuple[ConventionFinding, ...]:
        """The findings the answer rests on: those whose outcome is the overall outcome."""
        return tuple(f for f in self.findings if f.outcome is self.outcome)

    @property
    def since(self) -> date | None:
        """When covered: the earliest date from which a covering convention binds the pair."""
        dates = [f.since for f in self.deciding if f.outcome is Coverage.COVERED and f.since]
        return min(dates) if dates else None

    @property
    def confidence(self) -> str | None:
        """When covered: the confidence of the best-supported covering convention (each one
        carries the confidence of its weakest fact); else None."""
        levels = [f.confidence for f in self.deciding if f.outcome is Coverage.COVERED]
        known = [level for level in levels if level is not None]
        return max(known, key=rank) if known else None

    @property
    def sources(self) -> tuple[str, ...]:
        """The sources the answer rests on, each once, in order."""
        seen: dict[str, None] = {}
        for finding in self.deciding:
            for source in finding.sources:
                seen.setdefault(source, None)
        return tuple(seen)

    @property
    def reservations(self) -> tuple[ReservationNote, ...]:
        """Reservations of the conventions the answer rests on (and only those)."""
        return tuple(note for f in self.deciding for note in f.reservations)

    @property
    def summary(self) -> str:
        """One sentence for humans."""
        outcome = self.outcome
        values = {
            "origin": self.issuer_country,
            "destination": self.destination_country,
            "as_of": self.as_of.isoformat(),
            "on": self.on.isoformat(),
        }
        if outcome is Coverage.NOT_APPLICABLE:
            return Message(
                "Not applicable: a degree from %(origin)s used in %(origin)s is a domestic "
                "qualification; recognition conventions govern foreign qualifications.",
                **values,
            )
        if outcome is Coverage.COVERED:
            covered = [covered_clause(f) for f in self.findings if f.outcome is Coverage.COVERED]
            listed = covered[0]
            for clause in covered[1:]:
                listed = Message("%(first)s; and by %(then)s", first=listed, then=clause)
            return _period(Message(COVERED_BY, clause=listed))
        if outcome is Coverage.UNCONFIRMED:
            unsure = [f for f in self.findings if f.outcome is Coverage.UNCONFIRMED]
            reasons = clauses(
                [
                    Message("%(name)s: %(reasons)s", name=f.short_name, reasons=clauses(f.reasons))
                    for f in unsure
                ]
            )
            notes = sentences([note.text for f in unsure for note in f.reservations])
            unconfirmed = Message(
                "Unconfirmed — %(advice)s: the dataset (as of %(as_of)s) cannot confirm that the "
                "%(names)s applied between %(origin)s and %(destination)s on %(on)s "
                "(%(reasons)s).",
                advice=CHECK_NIC,
                names=join_names([f.short_name for f in unsure]),
                reasons=reasons,
                **values,
            )
            return sentences([unconfirmed, notes])
        reasons = clauses(
            [f.message for f in self.findings if f.outcome is not Coverage.NOT_APPLICABLE]
        )
        if not reasons:
            return Message(
                "Not covered: no recognition convention in the dataset (as of %(as_of)s) applied "
                "between %(origin)s and %(destination)s on %(on)s.",
                **values,
            )
        return Message(
            "Not covered: no recognition convention in the dataset (as of %(as_of)s) applied "
            "between %(origin)s and %(destination)s on %(on)s (%(reasons)s).",
            reasons=reasons,
            **values,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for reports (dates as ISO strings)."""
        return {
            "issuer_country": self.issuer_country,
            "destination_country": self.destination_country,
            "on": self.on.isoformat(),
            "as_of": self.as_of.isoformat(),
            "dataset_version": self.dataset_version,
            "outcome": self.outcome.value,
            "covered_by": list(self.covered_by),
            "since": iso(self.since),
            "confidence": self.confidence,
            "sources": list(self.sources),
            "summary": self.summary,
            "findings": [finding.to_dict() for finding in self.findings],
        }


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def rank(confidence: str | None) -> int:
    return CONFIDENCE_ORDER.index(confidence) if confidence in CONFIDENCE_ORDER else -1


def covered_clause(finding: ConventionFinding) -> str:
    """The finding's sentence without its "Covered by " (it reads "Covered by the X (...):
    Article ... — meaning. ..."), still a translatable Message."""
    return _without_lead(finding.message)


def _without_lead(message: str) -> str:
    if not isinstance(message, Message):
        return message.removeprefix("Covered by ").rstrip(".")
    if message.template == COVERED_BY:
        clause = message.params["clause"]
        return clause if isinstance(clause, str) else str(clause)
    inner = message.params.get("finding")
    if isinstance(inner, str):
        return Message(message.template, **{**message.params, "finding": _without_lead(inner)})
    return str(message).removeprefix("Covered by ").rstrip(".")


def _period(message: str) -> str:
    return message if message.endswith(".") else Message("%(text)s.", text=message)


def join_names(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    listed = names[0]
    for name in names[1:]:
        listed = Message("%(first)s or the %(then)s", first=listed, then=name)
    return listed


def source_url(source: str | None) -> str | None:
    """The first http(s) URL in a source description (many name a gazette, then a copy's URL)."""
    if source is None:
        return None
    match = _URL.search(source)
    return None if match is None else match.group(0).rstrip(").,;")


def source_label(source: str) -> str:
    """A short name for a source: a URL's host, else its text up to the first parenthesis."""
    url = source_url(source)
    if url is not None and source.startswith(url):
        host = url.split("/")[2].removeprefix("www.")
        return "Wikipedia" if "wikipedia" in url.lower() else host
    text = source if url is None else source[: source.index(url)]
    label = re.sub(r"[,;:]?\s*(copy at|at)?\s*$", "", text.split(" (")[0]).strip() or source
    return label if len(label) <= 80 else label[:77] + "..."


def article_label(article: AppliedArticle) -> str:
    """How to name the article in a sentence ("Article VI.1", or the section it sits in)."""
    if article.article is None:
        return Message("the core recognition article")
    if article.article.startswith("Section"):
        return article.article
    return Message("Article %(number)s", number=article.article)
