"""The recognition answer on a report page: one line, the conventions that bind the pair, and each
fact behind it with its source (rendered from whatever ``verifier.recognition`` carries)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel.speaklater import LazyString

from vc import strictjson
from verifier.recognition import (
    ConventionFinding,
    Coverage,
    RecognitionAssessment,
    source_url,
)
from verifier.web.i18n import (
    DEFAULT,
    country_name,
    long_date,
)
from verifier.web.viewtext import Text, _, _l, english, say, without_paths

STANDING_WORDS: Mapping[str, LazyString] = {
    "party": _l("party"),
    "party_pending_confirmation": _l("party (pending confirmation)"),
    "not_party": _l("not a party"),
    "signatory_only": _l("signed, not ratified"),
    "not_listed": _l("not listed"),
}
CONFIDENCE_WORDS: Mapping[str, LazyString] = {
    "high": _l("high confidence"),
    "medium": _l("medium confidence"),
    "low": _l("low confidence"),
}
COVERAGE_WORDS: Mapping[Coverage, LazyString] = {
    Coverage.COVERED: _l("Covers this degree"),
    Coverage.UNCONFIRMED: _l("Unconfirmed"),
    Coverage.NOT_YET_IN_FORCE: _l("Not yet in force"),
    Coverage.NOT_COVERED: _l("Does not apply"),
    Coverage.NOT_APPLICABLE: _l("Not applicable"),
}


@dataclass(frozen=True)
class FactItem:
    """One value of a fact: its text, and the first http(s) URL in it (a source's link)."""

    text: str
    url: str | None


@dataclass(frozen=True)
class Fact:
    """One labelled fact of a finding, rendered generically (whatever fields the recognition
    result carries), its values in order."""

    label: str
    items: tuple[FactItem, ...]


@dataclass(frozen=True)
class StandingView:
    country: str
    name: str
    status: str
    since: str | None
    source: str | None
    confidence: str | None


@dataclass(frozen=True)
class FindingView:
    name: str
    short_name: str
    outcome: str
    outcome_label: str
    sides: tuple[StandingView, ...]
    article: str | None
    article_meaning: Text | None
    article_paraphrase: Text | None
    article_source: str | None
    refusal_ground: Text | None
    reservations: tuple[Text, ...]
    facts: tuple[Fact, ...]


_SHOWN_KEYS = frozenset(
    {
        "convention_id",
        "convention_name",
        "short_name",
        "outcome",
        "message",
        "issuer",
        "destination",
        "article",
        "reservations",
    }
)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _items(value: Any) -> list[FactItem]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [item for each in value for item in _items(each)]
    if isinstance(value, Mapping):
        return [FactItem(without_paths(strictjson.dumps(dict(value))), None)]
    if isinstance(value, bool):
        return [FactItem("yes" if value else "no", None)]  # inside the English facts list
    text = str(value)
    if _ISO_DATE.fullmatch(text):
        text = long_date(_date(text)) or text
    return [FactItem(without_paths(text), source_url(text))]


def _facts(prefix: str, value: Any) -> list[Fact]:
    """Whatever else a finding carries (new fields included): one labelled line per field, a
    nested object's fields each on their own line."""
    if isinstance(value, Mapping):
        out: list[Fact] = []
        for key, item in value.items():
            out.extend(_facts(f"{prefix} · {key}" if prefix else str(key), item))
        return out
    items = _items(value)
    label = prefix.replace("_", " ").strip().capitalize()
    return [Fact(label, tuple(items))] if items else []


def _standing(side: Mapping[str, Any]) -> StandingView:
    code = str(side.get("country") or "")
    status = str(side.get("status") or "")
    word = STANDING_WORDS.get(status)
    in_force = side.get("in_force")
    as_of = side.get("party_as_of")
    since = None
    if isinstance(in_force, str):
        since = long_date(_date(in_force))
    elif isinstance(as_of, str):
        # No entry-into-force date: a dated source confirms the party from then on.
        since = _("a party as of %(date)s, per its source") % {"date": long_date(_date(as_of))}
    confidence = side.get("status_confidence") or side.get("confidence")
    word_of = CONFIDENCE_WORDS.get(str(confidence))
    source = side.get("in_force_source") or side.get("source")
    return StandingView(
        country=code,
        name=country_name(code) or code,
        status=str(word) if word is not None else status.replace("_", " "),
        since=since,
        source=source_url(str(source)) if source else None,
        confidence=str(word_of) if word_of is not None else None,
    )


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _finding(finding: ConventionFinding) -> FindingView:
    data = finding.to_dict()
    article = data.get("article") if isinstance(data.get("article"), Mapping) else None
    number = None
    if article is not None:
        label = str(article.get("article") or "")
        if not label:
            number = _("Core recognition article")
        elif label.startswith("Section"):  # a convention without numbered articles
            number = label
        else:
            number = _("Article %(number)s") % {"number": label}
        if label and article.get("number_verified") is False:
            number += " " + _("(number not checked against the convention text)")
    notes = data.get("reservations") or []
    extra: list[Fact] = []
    for key, value in data.items():
        if key not in _SHOWN_KEYS:
            extra.extend(_facts(key, value))
    return FindingView(
        name=finding.convention_name,
        short_name=finding.short_name,
        outcome=finding.outcome.value,
        outcome_label=str(COVERAGE_WORDS.get(finding.outcome, finding.outcome.value)),
        sides=tuple(
            _standing(side)
            for side in (data.get("issuer"), data.get("destination"))
            if isinstance(side, Mapping)
        ),
        article=number,
        article_meaning=None if article is None else english(article.get("meaning")),
        article_paraphrase=None if article is None else english(article.get("paraphrase")),
        article_source=None if article is None else source_url(article.get("source")),
        refusal_ground=None if article is None else english(article.get("refusal_ground")),
        # The notes' sentences are the core's (vc.message.Message): in the reader's language.
        reservations=tuple(
            t
            for t in (say(n.get("text")) for n in notes if isinstance(n, Mapping))
            if t is not None
        ),
        facts=tuple(extra),
    )


@dataclass(frozen=True)
class RecognitionView:
    line: str
    outcome: str
    unconfirmed: bool
    findings: tuple[FindingView, ...]
    dataset: str


def _names(findings: Sequence[ConventionFinding], outcome: Coverage) -> str:
    """The conventions with this outcome, as a list in the reader's language ("A, B or C" for
    the ones that may apply, "A and B" for the ones that do)."""
    names = [f.short_name for f in findings if f.outcome is outcome]
    locale = get_locale() or DEFAULT
    if outcome is Coverage.COVERED:
        return str(format_list(names, style="standard", locale=locale))
    return str(format_list(names, style="or", locale=locale))


def recognition_line(assessment: RecognitionAssessment) -> str:
    """The recognition answer in one sentence of the reader's language."""
    values = {
        "origin": country_name(assessment.issuer_country) or assessment.issuer_country,
        "destination": country_name(assessment.destination_country)
        or assessment.destination_country,
    }
    outcome = assessment.outcome
    if outcome is Coverage.NOT_APPLICABLE:
        return (
            _(
                "A degree from %(origin)s used in %(origin)s is a domestic qualification: "
                "recognition conventions do not apply."
            )
            % values
        )
    if outcome is Coverage.COVERED:
        values["conventions"] = _names(assessment.findings, Coverage.COVERED)
        line = (
            _(
                "%(conventions)s binds %(origin)s and %(destination)s: the degree is to be "
                "recognised unless a substantial difference is shown."
            )
            % values
        )
        since = long_date(assessment.since)
        confidence = CONFIDENCE_WORDS.get(assessment.confidence or "")
        if since and confidence is not None:
            line += " " + _("In force between them since %(since)s (%(confidence)s).") % {
                "since": since,
                "confidence": str(confidence),
            }
        return line
    if outcome is Coverage.UNCONFIRMED:
        values["conventions"] = _names(assessment.findings, Coverage.UNCONFIRMED)
        return (
            _(
                "The data cannot confirm that %(conventions)s binds %(origin)s and %(destination)s: "
                "check with the national information centre (ENIC-NARIC) of %(destination)s."
            )
            % values
        )
    return _("No recognition convention in the data binds %(origin)s and %(destination)s.") % values


def recognition_view(assessment: RecognitionAssessment | None) -> RecognitionView | None:
    if assessment is None:
        return None
    return RecognitionView(
        line=recognition_line(assessment),
        outcome=assessment.outcome.value,
        unconfirmed=assessment.outcome is Coverage.UNCONFIRMED,
        findings=tuple(_finding(f) for f in assessment.findings),
        dataset=_(
            "Conventions dataset %(version)s, facts as of %(as_of)s; decision date %(on)s. "
            "Not legal advice: the recognising authority decides."
        )
        % {
            "version": assessment.dataset_version,
            "as_of": long_date(assessment.as_of),
            "on": long_date(assessment.on),
        },
    )
