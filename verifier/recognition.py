"""Recognition conventions (Tokyo 2011, Lisbon 1997, Global 2019, ...): the dataset and the rule."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]  # ships no type information

from vc import strictjson
from vc.errors import MalformedValueError, ParsingError
from vc.schemas import CONVENTIONS, schema_validator

DATA_FILE = Path(__file__).resolve().parent / "data" / "conventions.json"

PARTY = "party"
PENDING = "party_pending_confirmation"
CANDIDATE = "domestic_approval_only"  # approved at home, no deposit known: never counted
NOT_PARTY = "not_party"
SIGNATORY_ONLY = "signatory_only"
NOT_LISTED = "not_listed"  # not a dataset status: the convention's lists do not name the country

# The lists of a convention entry that hold per-country rows; the row's own status is what counts.
_PARTY_LISTS = ("parties", "candidates", "checked_non_parties", "signatories_not_parties")
_CONFIDENCE_ORDER = ("low", "medium", "high")
_URL = re.compile(r"https?://\S+")
_RESERVATION_WORDS = ("reservation", "оговорк", "réserve", "vorbehalt")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CHECK_NIC = "check with the national information centre"


class Outcome(StrEnum):
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
            if _rank(date_confidence) < _rank(status):
                return date_confidence, "date"
        return status, "status"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings)."""
        return {
            "country": self.country,
            "status": self.status,
            "in_force": _iso(self.in_force),
            "confidence": self.confidence,
            "source": self.source,
            "in_force_source": self.in_force_source,
            "in_force_confidence": self.in_force_confidence,
            "in_force_basis": self.in_force_basis,
            "status_confidence": self.status_confidence,
            "party_as_of": _iso(self.party_as_of),
            "party_as_of_basis": self.party_as_of_basis,
            "since": _iso(self.since),
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
    outcome: Outcome
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
            "since": _iso(self.since),
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
        return tuple(f.convention_id for f in self.findings if f.outcome is Outcome.COVERED)

    @property
    def outcome(self) -> Outcome:
        """covered if any convention covers; else unconfirmed if any might; else not_covered."""
        if self.domestic:
            return Outcome.NOT_APPLICABLE
        outcomes = {finding.outcome for finding in self.findings}
        if Outcome.COVERED in outcomes:
            return Outcome.COVERED
        if Outcome.UNCONFIRMED in outcomes:
            return Outcome.UNCONFIRMED
        return Outcome.NOT_COVERED

    @property
    def deciding(self) -> tuple[ConventionFinding, ...]:
        """The findings the answer rests on: those whose outcome is the overall outcome."""
        return tuple(f for f in self.findings if f.outcome is self.outcome)

    @property
    def since(self) -> date | None:
        """When covered: the earliest date from which a covering convention binds the pair."""
        dates = [f.since for f in self.deciding if f.outcome is Outcome.COVERED and f.since]
        return min(dates) if dates else None

    @property
    def confidence(self) -> str | None:
        """When covered: the confidence of the best-supported covering convention (each one
        carries the confidence of its weakest fact); else None."""
        levels = [f.confidence for f in self.deciding if f.outcome is Outcome.COVERED]
        known = [level for level in levels if level is not None]
        return max(known, key=_rank) if known else None

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
        if outcome is Outcome.NOT_APPLICABLE:
            return (
                f"Not applicable: a degree from {self.issuer_country} used in "
                f"{self.issuer_country} is a domestic qualification; recognition conventions "
                "govern foreign qualifications."
            )
        if outcome is Outcome.COVERED:
            covered = [f for f in self.findings if f.outcome is Outcome.COVERED]
            return "Covered by " + "; and by ".join(_covered_clause(f) for f in covered) + "."
        if outcome is Outcome.UNCONFIRMED:
            unsure = [f for f in self.findings if f.outcome is Outcome.UNCONFIRMED]
            reasons = "; ".join(f"{f.short_name}: {'; '.join(f.reasons)}" for f in unsure)
            notes = " ".join(note.text for f in unsure for note in f.reservations)
            return (
                f"Unconfirmed — {_CHECK_NIC}: the dataset (as of {self.as_of.isoformat()}) cannot "
                f"confirm that the {_join([f.short_name for f in unsure])} applied between "
                f"{self.issuer_country} and {self.destination_country} on {self.on.isoformat()} "
                f"({reasons})." + (f" {notes}" if notes else "")
            )
        reasons = "; ".join(
            f.message for f in self.findings if f.outcome is not Outcome.NOT_APPLICABLE
        )
        tail = f" ({reasons})" if reasons else ""
        return (
            f"Not covered: no recognition convention in the dataset (as of "
            f"{self.as_of.isoformat()}) applied between {self.issuer_country} and "
            f"{self.destination_country} on {self.on.isoformat()}{tail}."
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
            "since": _iso(self.since),
            "confidence": self.confidence,
            "sources": list(self.sources),
            "summary": self.summary,
            "findings": [finding.to_dict() for finding in self.findings],
        }


# --- loading and parsing -------------------------------------------------------------------------


def parse_dataset(data: Mapping[str, Any]) -> ConventionsDataset:
    """Validate parsed JSON against ``schemas/conventions.schema.json`` and build the dataset.

    Raises MalformedValueError when the data does not match the schema, a date is not a real
    date, a country appears twice in one convention, a convention id repeats, a convention marks
    more than one core article, or a State's dates contradict each other.
    """
    if not isinstance(data, Mapping):
        raise MalformedValueError(
            f"conventions dataset must be a JSON object, not {type(data).__name__}"
        )
    document = dict(data)
    error = jsonschema.exceptions.best_match(schema_validator(CONVENTIONS).iter_errors(document))
    if error is not None:
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        detail = error.message if len(error.message) <= 300 else error.message[:297] + "..."
        raise MalformedValueError(
            f"conventions dataset does not match its schema at {pointer}: {detail}",
            pointer=pointer,
        )
    conventions = tuple(
        _parse_convention(entry, f"/conventions/{index}")
        for index, entry in enumerate(document["conventions"])
    )
    ids = [convention.id for convention in conventions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise MalformedValueError(f"conventions dataset repeats convention id(s) {duplicates}")
    unknown = sorted(
        c.superseded_by for c in conventions if c.superseded_by and c.superseded_by not in ids
    )
    if unknown:
        raise MalformedValueError(f"superseded_by names unknown convention(s) {unknown}")
    as_of_note = document.get("as_of_note")
    return ConventionsDataset(
        as_of=_date(document["as_of"], "/as_of"),
        version=document["dataset_version"],
        conventions=conventions,
        as_of_note=as_of_note if isinstance(as_of_note, str) else None,
    )


def load_dataset(path: str | Path) -> ConventionsDataset:
    """Read, strictly parse and validate a conventions dataset file.

    Raises MalformedValueError when the file cannot be read, is not JSON, or is not a valid dataset.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise MalformedValueError(
            f"cannot read conventions dataset {path}: {exc.strerror or exc}"
        ) from exc
    try:
        data = strictjson.loads_object(raw, "conventions dataset")
    except ParsingError as exc:
        raise MalformedValueError(f"conventions dataset {path} is not valid JSON: {exc}") from exc
    return parse_dataset(data)


@functools.cache
def default_dataset() -> ConventionsDataset:
    """The dataset shipped with Diplomat (``verifier/data/conventions.json``), read once."""
    return load_dataset(DATA_FILE)


def _parse_convention(entry: Mapping[str, Any], pointer: str) -> Convention:
    convention_id: str = entry["id"]
    general = _optional_date(entry.get("in_force"), f"{pointer}/in_force")
    articles = tuple(
        KeyArticle(
            article=item["article"],
            topic=item["topic"],
            paraphrase=item["paraphrase"],
            confidence=item["confidence"],
            source=item["source"],
            verified=item.get("verified"),
            core_rule=bool(item.get("core_rule", False)),
            plain_meaning=item.get("plain_meaning"),
            refusal_ground=item.get("refusal_ground"),
            diplomat_check=item.get("diplomat_check"),
        )
        for item in entry.get("key_articles", [])
    )
    if sum(article.core_rule for article in articles) > 1:
        raise MalformedValueError(
            f"convention {convention_id} marks more than one key article as core_rule",
            pointer=f"{pointer}/key_articles",
        )
    rows: list[Party] = []
    for list_name in _PARTY_LISTS:
        for index, row in enumerate(entry.get(list_name, [])):
            rows.append(_parse_party(row, f"{pointer}/{list_name}/{index}", general))
    countries = [row.country for row in rows]
    repeated = sorted({c for c in countries if countries.count(c) > 1})
    if repeated:
        raise MalformedValueError(
            f"convention {convention_id} lists {repeated} more than once", pointer=pointer
        )
    successor = entry.get("superseded_by") or {}
    return Convention(
        id=convention_id,
        name=entry["name"],
        short_name=entry["short_name"],
        in_force=general,
        key_articles=articles,
        parties=tuple(rows),
        adopted=_optional_date(entry.get("adopted"), f"{pointer}/adopted"),
        depositary=entry.get("depositary"),
        superseded_by=successor.get("convention"),
        superseded_note=successor.get("note"),
        superseded_source=successor.get("source"),
    )


def _parse_party(row: Mapping[str, Any], pointer: str, general: date | None) -> Party:
    deposited = _optional_date(row["deposited"], f"{pointer}/deposited")
    in_force = _optional_date(row["in_force"], f"{pointer}/in_force")
    if deposited is not None and in_force is not None and in_force < deposited:
        raise MalformedValueError(
            f"{row['country']}: in_force {in_force} is before deposit {deposited}", pointer=pointer
        )
    if general is not None and in_force is not None and in_force < general:
        raise MalformedValueError(
            f"{row['country']}: in_force {in_force} is before the convention's general entry "
            f"into force {general}",
            pointer=pointer,
        )
    return Party(
        country=row["country"],
        status=row["status"],
        deposited=deposited,
        in_force=in_force,
        confidence=row["confidence"],
        source=row["source"],
        note=row.get("note", ""),
        reservations=tuple(row.get("reservations", ())),
        in_force_basis=row.get("in_force_basis"),
        name=row.get("name"),
        instrument=row.get("instrument"),
        deposited_source=row.get("deposited_source"),
        deposited_confidence=row.get("deposited_confidence"),
        in_force_source=row.get("in_force_source"),
        in_force_confidence=row.get("in_force_confidence"),
        other_sources=tuple(_source_ref(item) for item in row.get("other_sources", ())),
        quote=row.get("quote"),
        status_confidence=row.get("status_confidence"),
        domestic_approval=row.get("domestic_approval"),
        party_as_of=_optional_date(row.get("party_as_of"), f"{pointer}/party_as_of"),
        party_as_of_basis=row.get("party_as_of_basis"),
    )


def _source_ref(item: str | Mapping[str, Any]) -> SourceRef:
    if isinstance(item, str):
        return SourceRef(item)
    return SourceRef(item["source"], item.get("quote"), item.get("role"))


def _date(value: str, pointer: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise MalformedValueError(f"{value!r} is not a real date", pointer=pointer) from exc


def _optional_date(value: str | None, pointer: str) -> date | None:
    return None if value is None else _date(value, pointer)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# --- the rule ------------------------------------------------------------------------------------


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


def _country(value: object, what: str) -> str:
    if not isinstance(value, str) or _COUNTRY.fullmatch(value) is None:
        raise MalformedValueError(
            f"{what} must be an ISO 3166-1 alpha-2 code (two upper-case letters), got {value!r}"
        )
    return value


def _rank(confidence: str | None) -> int:
    return _CONFIDENCE_ORDER.index(confidence) if confidence in _CONFIDENCE_ORDER else -1


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
        and outcome is not Outcome.NOT_COVERED
        and _rule(successor, (_standing(successor, issuer), _standing(successor, destination)), on)[
            0
        ]
        is Outcome.COVERED
    ):
        outcome = Outcome.NOT_APPLICABLE
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
    binds = outcome in (Outcome.COVERED, Outcome.UNCONFIRMED, Outcome.NOT_YET_IN_FORCE)
    notes = tuple(
        _reservation(convention, row, reservation)
        for row in (convention.party(side.country) for side in sides)
        if binds and row is not None
        for reservation in row.reservations
    )
    since = confidence = None
    if outcome is Outcome.COVERED:
        since = max(side.since for side in sides if side.since is not None)
        confidence = min((side.weakest[0] for side in sides), key=_rank)
    message = _message(convention, outcome, reasons, sides, confidence)
    if outcome is Outcome.COVERED and article is not None:
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
) -> tuple[Outcome, tuple[str, ...]]:
    """The rule of ``assess``; the order matters: a known 'no' beats an unknown."""
    absent = [side for side in sides if side.status not in (PARTY, PENDING, CANDIDATE)]
    if absent:
        return Outcome.NOT_COVERED, tuple(_absent_reason(side) for side in absent)
    if convention.in_force is not None and convention.in_force > on:
        return Outcome.NOT_YET_IN_FORCE, (
            f"not yet in force on {on.isoformat()} (general entry into force "
            f"{convention.in_force.isoformat()})",
        )
    later = [side for side in sides if side.in_force is not None and side.in_force > on]
    if later:
        return Outcome.NOT_YET_IN_FORCE, (
            f"not yet in force on {on.isoformat()} — "
            + "; ".join(
                f"it entered into force for {side.country} only on {_iso(side.in_force)}"
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
                f"{side.country} is confirmed as a party only as of {_iso(side.party_as_of)} "
                f"(per {source_label(side.source or '')}), after {on.isoformat()}"
            )
    if unsure:
        return Outcome.UNCONFIRMED, tuple(unsure)
    return Outcome.COVERED, ()


def _message(
    convention: Convention,
    outcome: Outcome,
    reasons: tuple[str, ...],
    sides: tuple[CountryStanding, CountryStanding],
    confidence: str | None,
) -> str:
    name = convention.short_name
    if outcome is Outcome.NOT_COVERED:
        return f"{name}: not covered — " + "; ".join(reasons)
    if outcome is Outcome.NOT_YET_IN_FORCE:
        return f"{name}: " + "; ".join(reasons)
    if outcome is Outcome.NOT_APPLICABLE:
        return f"{name}: not applied — " + "; ".join(reasons)
    if outcome is Outcome.UNCONFIRMED:
        return (
            f"{name}: unconfirmed — {_CHECK_NIC} (or the depositary's list of parties): "
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
    return f"{side.country} per {source_label(side.source or '')}, as of {_iso(side.party_as_of)}"


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
    outcome: Outcome,
) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for side in sides:
        for source in (side.source, side.in_force_source):
            if source:
                found.setdefault(source, None)
    if outcome is Outcome.NOT_APPLICABLE and convention.superseded_source:
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


def article_label(article: AppliedArticle) -> str:
    """How to name the article in a sentence ("Article VI.1", or the section it sits in)."""
    if article.article is None:
        return "the core recognition article"
    if article.article.startswith("Section"):
        return article.article
    return f"Article {article.article}"


def _covered_clause(finding: ConventionFinding) -> str:
    # The finding's message already reads "Covered by the X (...): Article ... — meaning. ...".
    return finding.message.removeprefix("Covered by ").rstrip(".")


def _join(names: Sequence[str]) -> str:
    return " or the ".join(names)


# --- maintenance ---------------------------------------------------------------------------------


def update_dataset(
    current: ConventionsDataset, new_data: Mapping[str, Any]
) -> tuple[ConventionsDataset, list[str]]:
    """Validate a maintainer's replacement dataset and list, in plain words, what it changes.

    Returns the new dataset and the list of changes (empty when the content is the same). Raises
    MalformedValueError when the new data is invalid, or changes content without a new
    ``dataset_version``.
    """
    new = parse_dataset(new_data)
    changes: list[str] = []
    if new.as_of != current.as_of:
        direction = " (earlier than the current dataset)" if new.as_of < current.as_of else ""
        changes.append(f"as_of: {current.as_of.isoformat()} → {new.as_of.isoformat()}{direction}")
    old_ids = {c.id for c in current.conventions}
    new_ids = {c.id for c in new.conventions}
    for convention in new.conventions:
        if convention.id not in old_ids:
            changes.append(
                f"convention added: {convention.id} ({convention.short_name}, "
                f"{len(convention.parties)} State row(s))"
            )
    for convention in current.conventions:
        if convention.id not in new_ids:
            changes.append(f"convention removed: {convention.id} ({convention.short_name})")
    for old in current.conventions:
        replacement = new.convention(old.id)
        if replacement is not None:
            changes.extend(_convention_changes(old, replacement))
    content_changed = bool(changes)
    if new.version != current.version:
        changes.insert(0, f"dataset_version: {current.version} → {new.version}")
    elif content_changed:
        raise MalformedValueError(
            f"the new dataset changes content but keeps dataset_version {new.version!r}; "
            "give it a new version"
        )
    return new, changes


def _convention_changes(old: Convention, new: Convention) -> list[str]:
    label = f"{old.id} ({new.short_name})"
    changes: list[str] = []
    for field in ("name", "short_name", "in_force"):
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            changes.append(f"{label}: {field} {_show(before)} → {_show(after)}")
    old_articles = {(a.article, a.topic): a for a in old.key_articles}
    new_articles = {(a.article, a.topic): a for a in new.key_articles}
    for key in new_articles.keys() - old_articles.keys():
        changes.append(f"{label}: key article added: {_article_key(key)}")
    for key in old_articles.keys() - new_articles.keys():
        changes.append(f"{label}: key article removed: {_article_key(key)}")
    for key in old_articles.keys() & new_articles.keys():
        if old_articles[key] != new_articles[key]:
            changes.append(f"{label}: key article changed: {_article_key(key)}")
    old_rows = {row.country: row for row in old.parties}
    new_rows = {row.country: row for row in new.parties}
    for country in sorted(new_rows.keys() - old_rows.keys()):
        row = new_rows[country]
        changes.append(
            f"{label}: {country} added (status {row.status}, in force {_show(row.in_force)})"
        )
    for country in sorted(old_rows.keys() - new_rows.keys()):
        changes.append(f"{label}: {country} removed (was {old_rows[country].status})")
    for country in sorted(old_rows.keys() & new_rows.keys()):
        before_row, after_row = old_rows[country], new_rows[country]
        for field in (
            "status",
            "deposited",
            "in_force",
            "party_as_of",
            "confidence",
            "source",
            "reservations",
        ):
            before, after = getattr(before_row, field), getattr(after_row, field)
            if before != after:
                changes.append(f"{label}: {country} {field} {_show(before)} → {_show(after)}")
    return changes


def _article_key(key: tuple[str | None, str]) -> str:
    article, topic = key
    return f"{article or '(no number)'} — {topic}"


def _show(value: object) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "[" + "; ".join(str(item) for item in value) + "]" if value else "none"
    return str(value)
