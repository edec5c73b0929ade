"""Tests for verifier.recognition: the shipped conventions dataset and the coverage rule."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vc.errors import MalformedValueError
from verifier import recognition
from verifier.recognition import (
    ConventionsDataset,
    Coverage,
    assess,
    default_dataset,
    load_dataset,
    parse_dataset,
    update_dataset,
)

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "recognition"
EDITION = SHARED / "2026-12" / "parties.json"
SHIPPED = REPO / "verifier" / "data" / "conventions.json"
DECISION = date(2026, 12, 1)
CORE_MEANING = (
    "recognise unless a substantial difference is shown; "
    "the burden of proof lies with the recognising authority"
)


def dataset_data(**overrides: Any) -> dict[str, Any]:
    """A fresh, mutable copy of the shipped dataset, with top-level keys overridden."""
    data: dict[str, Any] = json.loads(SHIPPED.read_text(encoding="utf-8"))
    data.update(overrides)
    return data


def convention_entry(data: dict[str, Any], convention_id: str) -> dict[str, Any]:
    return next(c for c in data["conventions"] if c["id"] == convention_id)


def party_row(data: dict[str, Any], convention_id: str, country: str) -> dict[str, Any]:
    entry = convention_entry(data, convention_id)
    return next(p for p in entry["parties"] if p["country"] == country)


def finding(assessment: recognition.RecognitionAssessment, convention_id: str) -> Any:
    return next(f for f in assessment.findings if f.convention_id == convention_id)


@pytest.fixture(scope="module")
def ds() -> ConventionsDataset:
    return default_dataset()


# --- the shipped dataset -------------------------------------------------------------------------


def test_shipped_dataset_metadata(ds: ConventionsDataset) -> None:
    assert ds.as_of == date(2026, 12, 2)
    assert ds.version == "2026-12-02.1"
    assert ds.as_of_note is not None and ds.as_of_note.startswith("2026-12 edition")
    assert [c.id for c in ds.conventions] == [
        "tokyo-2011",
        "lisbon-1997",
        "global-2019",
        "bangkok-1983",
        "addis-2014",
        "buenos-aires-2019",
        "arab-states-2022",
    ]
    tokyo = ds.convention("tokyo-2011")
    assert tokyo is not None and tokyo.in_force == date(2018, 2, 1)
    core = tokyo.core_article
    assert core is not None and core.article == "VI.1" and core.confidence == "medium"
    lisbon = ds.convention("lisbon-1997")
    assert lisbon is not None and lisbon.core_article is not None
    assert lisbon.core_article.article == "VI.1"
    global_ = ds.convention("global-2019")
    assert global_ is not None and global_.core_article is not None
    assert global_.core_article.article == "V (unverified numbering)"
    assert global_.core_article.confidence == "low"
    for convention in (tokyo, lisbon, global_):
        assert convention.core_article is not None
        assert "substantial difference" in (convention.core_article.refusal_ground or "")
    bangkok = ds.convention("bangkok-1983")
    assert bangkok is not None and bangkok.in_force == date(1985, 10, 23)
    assert bangkok.superseded_by == "tokyo-2011" and len(bangkok.parties) == 21


def test_shipped_dataset_counts_of_the_2026_12_edition(ds: ConventionsDataset) -> None:
    lisbon, global_ = ds.convention("lisbon-1997"), ds.convention("global-2019")
    assert lisbon is not None and global_ is not None
    lisbon_parties = [p for p in lisbon.parties if p.status == "party"]
    assert len(lisbon_parties) == 57
    dated = [p for p in lisbon_parties if p.in_force is not None]
    assert len(dated) == 31
    assert len([p for p in dated if p.computed]) == 8  # computed dates stay marked as computed
    assert all(p.in_force_confidence != "high" for p in dated if p.computed)
    assert len([p for p in global_.parties if p.status == "party"]) == 28
    pending = sorted(p.country for p in global_.parties if p.status == "party_pending_confirmation")
    assert pending == ["KR", "UZ"]
    monaco = lisbon.party("MC")
    assert monaco is not None and monaco.status == "party" and monaco.confidence == "high"
    assert monaco.in_force == date(2023, 5, 1) and monaco.quote and "Legimonaco" in monaco.source
    senegal = global_.party("SN")
    assert senegal is not None and senegal.party_as_of == date(2024, 3, 31)
    # Every party without an entry-into-force date is dated by its source (or the edition).
    for convention in ds.conventions[:4]:
        for row in convention.parties:
            if row.status == "party" and row.in_force is None:
                assert row.party_as_of is not None and row.party_as_of_basis, row.country


def test_shipped_dataset_keeps_kazakhstan_and_kyrgyzstan_facts(ds: ConventionsDataset) -> None:
    tokyo = ds.convention("tokyo-2011")
    assert tokyo is not None
    kz = tokyo.party("KZ")
    assert kz is not None
    assert kz.status == "party_pending_confirmation"
    assert kz.deposited is None and kz.in_force is None
    assert len(kz.reservations) == 1
    assert "non-traditional modes of learning or partial studies" in kz.reservations[0]
    quoted = [ref for ref in kz.other_sources if ref.quote and "оговорку" in ref.quote]
    assert [ref.source for ref in quoted] == [
        "https://www.inform.kz/ru/prezident-podpisal-zakon-o-priznanii-diplomov-v-aziatsko-tihookeanskom-regione-ed5ef4"
    ]
    kg = tokyo.party("KG")
    assert kg is not None and kg.status == "not_party" and kg.confidence == "medium"
    lisbon = ds.convention("lisbon-1997")
    assert lisbon is not None
    kg_lisbon = lisbon.party("KG")
    assert kg_lisbon is not None and kg_lisbon.status == "party" and kg_lisbon.in_force is None
    assert kg_lisbon.party_as_of == date(2024, 2, 29)  # a Wikipedia dump of February 2024
    us = lisbon.party("US")
    assert us is not None and us.status == "signatory_only"
    nz = lisbon.party("NZ")
    assert nz is not None and nz.in_force == date(2008, 2, 1) and nz.in_force_basis == "computed"
    # Re-read in the 2026-12 edition from the Austrian gazette itself: high (was medium).
    assert nz.deposited == date(2007, 12, 4) and nz.deposited_confidence == "high"


# research record key -> product row key: the map tools/conventions_edition.py applies.
FIELD_MAP = (
    ("iso2", "country"),
    ("name", "name"),
    ("status", "status"),
    ("instrument", "instrument"),
    ("signature", "signed"),
    ("ratification_accession_date", "deposited"),
    ("ratification_accession_confidence", "deposited_confidence"),
    ("entry_into_force", "in_force"),
    ("entry_into_force_basis", "in_force_basis"),
    ("entry_into_force_confidence", "in_force_confidence"),
    ("domestic_approval", "domestic_approval"),
    ("reservations_declarations", "reservations"),
    ("status_confidence", "status_confidence"),
    ("date_confidence", "date_confidence"),
    ("confidence", "confidence"),
    ("source", "source"),
    ("quote", "quote"),
    ("other_sources", "other_sources"),
    ("conflicts", "conflicts"),
    ("change_since_2026_11", "change"),
    ("notes", "note"),
    ("partial_dates", "partial_dates"),
    ("consent_year", "consent_year"),
)
DIPLOMAT_ROW_KEYS = {"party_as_of", "party_as_of_basis"}
ROW_LISTS = ("parties", "candidates", "checked_non_parties", "signatories_not_parties")


@pytest.mark.skipif(
    not EDITION.is_file(), reason="research edition ../shared/recognition/2026-12 absent"
)
def test_every_state_row_traces_to_a_2026_12_research_record() -> None:
    research = json.loads(EDITION.read_text(encoding="utf-8"))["records"]
    records = {(r["convention"], r["iso2"]): r for r in research}
    assert len(records) == len(research) == 145
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    traced: set[tuple[str, str]] = set()
    for convention in shipped["conventions"]:
        if convention["id"] not in {r["convention"] for r in research}:
            continue
        for list_name in ROW_LISTS:
            for row in convention.get(list_name, []):
                key = (convention["id"], row["country"])
                record = records[key]  # KeyError: a row the research does not have
                assert set(row) - {k for _, k in FIELD_MAP} <= DIPLOMAT_ROW_KEYS, key
                for research_key, our_key in FIELD_MAP:
                    expected = record.get(research_key)
                    if our_key == "reservations" and isinstance(expected, str):
                        expected = [expected]
                    assert row.get(our_key) == expected, (key, our_key)
                assert list_name != "checked_non_parties" or row["status"] == "not_party"
                traced.add(key)
    assert traced == set(records)  # and every research record is in the product


@pytest.mark.skipif(not SHARED.is_dir(), reason="research snapshot ../shared/recognition absent")
def test_other_conventions_and_key_articles_are_faithful_to_the_2026_11_snapshot() -> None:
    source = json.loads((SHARED / "conventions.json").read_text(encoding="utf-8"))
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    for key, note in source["schema_notes"].items():
        if key != "status":  # the 2026-12 edition adds domestic_approval_only
            assert shipped["schema_notes"][key] == note
    assert set(source["sources"]) <= set(shipped["sources"])
    ours = {c["id"]: c for c in shipped["conventions"]}
    diplomat_article_keys = ("core_rule", "plain_meaning", "refusal_ground", "diplomat_check")
    diplomat_convention_keys = ("short_name",)
    rows_compared = 0
    for src_conv in source["conventions"]:
        our_conv = ours[src_conv["id"]]
        for src_art, our_art in zip(
            src_conv.get("key_articles", []), our_conv.get("key_articles", []), strict=True
        ):
            assert {k: v for k, v in our_art.items() if k not in diplomat_article_keys} == src_art
        if src_conv["id"] in ("tokyo-2011", "lisbon-1997", "global-2019"):
            continue  # State rows come from the 2026-12 edition (the test above)
        assert {k: v for k, v in our_conv.items() if k not in diplomat_convention_keys} == src_conv
        rows_compared += len(src_conv.get("parties", []))
    assert rows_compared == 5 + 1


# --- the rule ------------------------------------------------------------------------------------


def test_both_parties_tokyo_covered_since_2018(ds: ConventionsDataset) -> None:
    result = assess(ds, "JP", "AU", date(2019, 6, 1))
    assert result.outcome is Coverage.COVERED
    assert result.covered_by == ("tokyo-2011",)
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Coverage.COVERED
    assert (tokyo.issuer.country, tokyo.issuer.status) == ("JP", "party")
    assert tokyo.issuer.in_force == date(2018, 2, 1)
    assert tokyo.issuer.confidence == "high"
    assert tokyo.issuer.source == "https://www.nicjp.niad.ac.jp/en/site/TokyoConvention.html"
    assert tokyo.destination.in_force == date(2018, 2, 1)
    assert tokyo.article is not None
    assert tokyo.article.article == "VI.1"
    assert tokyo.article.confidence == "medium"
    assert "substantial difference" in tokyo.article.paraphrase
    assert tokyo.article.meaning == CORE_MEANING
    assert tokyo.reservations == ()
    assert tokyo.as_of == date(2026, 12, 2)
    assert tokyo.since == date(2018, 2, 1) and tokyo.confidence == "high"
    assert tokyo.sources == (
        "https://www.nicjp.niad.ac.jp/en/site/TokyoConvention.html",
        "https://www.treaties.mfat.govt.nz/search/details/t/3845/3160",
    )
    # Global Convention: AU's dates are in the data but only with low confidence; not yet in force.
    glob = finding(result, "global-2019")
    assert glob.outcome is Coverage.NOT_YET_IN_FORCE
    assert result.summary.startswith(
        "Covered by the Tokyo Convention (in force for JP since 2018-02-01, for AU since "
        "2018-02-01): Article VI.1 — recognise unless a substantial difference is shown"
    )


def test_two_conventions_cover_and_low_confidence_date_is_flagged(ds: ConventionsDataset) -> None:
    result = assess(ds, "JP", "AU", DECISION)
    assert result.covered_by == ("tokyo-2011", "global-2019")
    glob = finding(result, "global-2019")
    assert glob.destination.in_force == date(2023, 3, 21)
    assert glob.destination.in_force_confidence == "low"
    assert glob.destination.in_force_basis == "computed"
    assert "low confidence in the date for AU" in glob.message
    assert glob.article is not None and glob.article.article == "V (unverified numbering)"


def test_lisbon_pair_with_known_dates_covered(ds: ConventionsDataset) -> None:
    result = assess(ds, "AL", "AM", DECISION)
    assert result.outcome is Coverage.COVERED
    assert result.covered_by == ("lisbon-1997",)
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.issuer.in_force == date(2002, 5, 1)
    assert lisbon.destination.in_force == date(2005, 3, 1)
    assert lisbon.issuer.source == "https://zoek.officielebekendmakingen.nl/trb-2008-82.html"
    assert lisbon.article is not None and lisbon.article.article == "VI.1"
    assert result.summary == (
        "Covered by the Lisbon Recognition Convention (in force for AL since 2002-05-01, for AM "
        "since 2005-03-01): Article VI.1 — " + CORE_MEANING + "."
    )
    # AM is a Tokyo party, AL is not: Tokyo is named but does not cover.
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Coverage.NOT_COVERED
    assert tokyo.issuer.status == "not_listed"


def test_only_one_party_not_covered(ds: ConventionsDataset) -> None:
    result = assess(ds, "JP", "DE", DECISION)
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Coverage.NOT_COVERED
    assert tokyo.issuer.status == "party" and tokyo.destination.status == "not_listed"
    assert "DE is not listed as a party" in tokyo.message
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Coverage.NOT_COVERED
    assert lisbon.destination.status == "party"
    assert result.outcome is Coverage.NOT_COVERED
    assert result.covered_by == ()
    assert result.summary.startswith("Not covered: no recognition convention in the dataset")


def test_party_confirmed_by_a_dated_source_is_bound_since_that_date(
    ds: ConventionsDataset,
) -> None:
    # Was unconfirmed with the 2026-11 edition (FR has no entry-into-force date); now FR is a
    # party per a Wikipedia dump of 2024-02, and DE's date is computed from its deposit.
    result = assess(ds, "DE", "FR", DECISION)
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Coverage.COVERED
    assert (
        lisbon.issuer.in_force == date(2007, 10, 1) and lisbon.issuer.in_force_basis == "computed"
    )
    assert lisbon.destination.in_force is None
    assert lisbon.destination.party_as_of == date(2024, 2, 29)
    assert lisbon.since == date(2024, 2, 29)
    assert lisbon.confidence == "medium"  # the weakest fact: FR's status, DE's computed date
    assert "FR per Wikipedia, as of 2024-02-29" in lisbon.message
    assert "computed from its deposit date" in lisbon.message
    assert result.outcome is Coverage.COVERED and result.covered_by == ("lisbon-1997",)
    # Before the source's date the data cannot say.
    before = finding(assess(ds, "DE", "FR", date(2020, 1, 1)), "lisbon-1997")
    assert before.outcome is Coverage.UNCONFIRMED
    assert "FR is confirmed as a party only as of 2024-02-29" in before.message
    assert "unconfirmed — check with the national information centre" in before.message


def test_one_known_one_source_dated_party(ds: ConventionsDataset) -> None:
    # KZ's Lisbon row has no date and an undated source read for the 2026-11 edition.
    result = assess(ds, "KZ", "AL", DECISION)
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Coverage.COVERED
    assert lisbon.issuer.in_force is None and lisbon.issuer.party_as_of == date(2026, 11, 23)
    assert lisbon.destination.in_force == date(2002, 5, 1)
    assert lisbon.since == date(2026, 11, 23) and lisbon.confidence == "medium"
    early = finding(assess(ds, "KZ", "AL", date(2026, 11, 1)), "lisbon-1997")
    assert early.outcome is Coverage.UNCONFIRMED
    assert "KZ is confirmed as a party only as of 2026-11-23" in early.message
    assert "AL" not in early.message.split("unconfirmed")[1]


def test_kazakhstan_pending_for_tokyo_is_unconfirmed_with_reservation(
    ds: ConventionsDataset,
) -> None:
    result = assess(ds, "KZ", "JP", DECISION)
    assert result.outcome is Coverage.UNCONFIRMED
    assert result.covered_by == ()
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Coverage.UNCONFIRMED
    assert tokyo.issuer.status == "party_pending_confirmation"
    assert tokyo.issuer.in_force is None
    assert tokyo.issuer.confidence == "medium"
    assert "KZ's party status is pending confirmation" in tokyo.message
    assert "unconfirmed — check with the national information centre" in tokyo.message
    assert len(tokyo.reservations) == 1
    note = tokyo.reservations[0]
    assert note.country == "KZ" and note.convention_id == "tokyo-2011"
    assert "non-traditional modes of learning or partial studies" in note.text
    assert "excluded for KZ" in note.text
    assert [q.source for q in note.quotes] == [
        "https://www.inform.kz/ru/prezident-podpisal-zakon-o-priznanii-diplomov-v-aziatsko-tihookeanskom-regione-ed5ef4"
    ]
    assert "excluded for KZ" in result.summary
    assert tokyo.article is not None and tokyo.article.article == "VI.1"


def test_kazakhstan_reservation_shown_whichever_side(ds: ConventionsDataset) -> None:
    result = assess(ds, "AU", "KZ", DECISION)
    tokyo = finding(result, "tokyo-2011")
    assert [n.country for n in tokyo.reservations] == ["KZ"]
    # KZ is a Lisbon party too (a source-dated party now: covered), and the Tokyo reservation
    # does not leak into the Lisbon finding nor into the answer that rests on Lisbon.
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Coverage.COVERED
    assert lisbon.reservations == ()
    assert result.reservations == ()
    assert "reservation" not in result.summary


def test_kyrgyzstan_is_not_a_tokyo_party(ds: ConventionsDataset) -> None:
    result = assess(ds, "KG", "JP", DECISION)
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Coverage.NOT_COVERED
    assert tokyo.issuer.status == "not_party"
    assert "KG is not a party" in tokyo.message
    assert result.outcome is Coverage.NOT_COVERED


def test_kyrgyzstan_is_a_lisbon_party_but_dates_unknown(ds: ConventionsDataset) -> None:
    result = assess(ds, "KG", "AU", DECISION)
    assert finding(result, "tokyo-2011").outcome is Coverage.NOT_COVERED
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Coverage.COVERED  # was unconfirmed: KG is a party as of 2024-02-29
    assert lisbon.issuer.status == "party" and lisbon.issuer.in_force is None
    assert lisbon.destination.in_force == date(2003, 1, 1)
    assert result.outcome is Coverage.COVERED


@pytest.mark.parametrize("country", ["IN", "ID", "LK", "PH", "TM", "IR", "BD"])
def test_news_list_and_bangkok_1983_parties_are_not_tokyo_parties(
    ds: ConventionsDataset, country: str
) -> None:
    tokyo = finding(assess(ds, country, "JP", DECISION), "tokyo-2011")
    assert tokyo.outcome is Coverage.NOT_COVERED
    assert tokyo.issuer.status == "not_party"


def test_signatory_only_is_not_covered(ds: ConventionsDataset) -> None:
    lisbon = finding(assess(ds, "US", "AL", DECISION), "lisbon-1997")
    assert lisbon.outcome is Coverage.NOT_COVERED
    assert lisbon.issuer.status == "signatory_only"
    assert "US has only signed it" in lisbon.message


def test_decision_before_entry_into_force_for_a_party(ds: ConventionsDataset) -> None:
    result = assess(ds, "CA", "NO", date(2018, 7, 1))
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Coverage.NOT_YET_IN_FORCE
    assert lisbon.issuer.in_force == date(2018, 8, 1)
    assert "entered into force for CA only on 2018-08-01" in lisbon.message
    assert result.outcome is Coverage.NOT_COVERED
    # The day it entered into force for Canada, it covers.
    later = assess(ds, "CA", "NO", date(2018, 8, 1))
    assert later.covered_by == ("lisbon-1997",)
    assert finding(later, "lisbon-1997").destination.in_force == date(1999, 6, 1)


def test_decision_before_general_entry_into_force(ds: ConventionsDataset) -> None:
    result = assess(ds, "JP", "AU", date(2018, 1, 31))
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Coverage.NOT_YET_IN_FORCE
    assert "general entry into force 2018-02-01" in tokyo.message
    assert result.outcome is Coverage.NOT_COVERED


def test_known_future_date_beats_unknown_date(ds: ConventionsDataset) -> None:
    # TR's Tokyo dates are unknown; AM's is 2021-05-01. Before that date it cannot be covered.
    before = finding(assess(ds, "TR", "AM", date(2021, 1, 1)), "tokyo-2011")
    assert before.outcome is Coverage.NOT_YET_IN_FORCE
    after = finding(assess(ds, "TR", "AM", DECISION), "tokyo-2011")
    # Was unconfirmed: NIC-Japan listed TR among the parties as of 2019-09-01.
    assert after.outcome is Coverage.COVERED and after.since == date(2021, 5, 1)


def test_convention_not_confirmed_in_force_is_unconfirmed() -> None:
    data = dataset_data()
    arab = convention_entry(data, "arab-states-2022")
    arab["parties"].append(
        {
            "country": "JO",
            "status": "party",
            "deposited": None,
            "in_force": "2025-01-01",
            "source": "https://example.org/test-row",
            "confidence": "low",
        }
    )
    party_row(data, "arab-states-2022", "QA")["in_force"] = "2025-01-01"
    result = assess(parse_dataset(data), "QA", "JO", DECISION)
    arab_finding = finding(result, "arab-states-2022")
    assert arab_finding.outcome is Coverage.UNCONFIRMED
    assert "general entry into force is not confirmed" in arab_finding.message
    assert arab_finding.article is None


def test_same_country_not_applicable(ds: ConventionsDataset) -> None:
    result = assess(ds, "JP", "JP", DECISION)
    assert result.outcome is Coverage.NOT_APPLICABLE
    assert result.findings == ()
    assert "domestic" in result.summary and "foreign qualifications" in result.summary


def test_unknown_well_formed_countries_not_covered(ds: ConventionsDataset) -> None:
    result = assess(ds, "ZZ", "XQ", DECISION)
    assert result.outcome is Coverage.NOT_COVERED
    assert result.findings == ()


# The demo degree is Kazakh; checked on 2026-12-03 for each destination: (outcome, conventions,
# since, confidence). Only KZ → JP is left unconfirmed: KZ's Tokyo deposit is not confirmed.
DEMO_TABLE = {
    "JP": ("unconfirmed", (), None, None),
    "FR": ("covered", ("lisbon-1997",), date(2026, 11, 23), "medium"),
    "DE": ("covered", ("lisbon-1997",), date(2026, 11, 23), "medium"),
    "GB": ("covered", ("lisbon-1997",), date(2026, 11, 23), "medium"),
    "RU": ("covered", ("lisbon-1997", "bangkok-1983"), date(2026, 11, 23), "medium"),
    "KR": ("covered", ("bangkok-1983",), date(2026, 12, 2), "medium"),
    "CN": ("covered", ("bangkok-1983",), date(2026, 12, 2), "medium"),
    "AU": ("covered", ("lisbon-1997", "bangkok-1983"), date(2026, 11, 23), "medium"),
    "KG": ("covered", ("lisbon-1997", "bangkok-1983"), date(2026, 11, 23), "medium"),
}


@pytest.mark.parametrize("destination", sorted(DEMO_TABLE))
def test_the_kazakh_demo_degree_abroad(ds: ConventionsDataset, destination: str) -> None:
    result = assess(ds, "KZ", destination, date(2026, 12, 3))
    outcome, conventions, since, confidence = DEMO_TABLE[destination]
    assert (result.outcome.value, result.covered_by) == (outcome, conventions)
    assert (result.since, result.confidence) == (since, confidence)
    assert result.sources  # every answer links its sources
    # Kazakhstan's Tokyo reservation is quoted only where the answer rests on Tokyo (JP).
    shown = [(n.convention_id, n.country) for n in result.reservations]
    assert shown == ([("tokyo-2011", "KZ")] if destination == "JP" else [])
    assert ("reservation" in result.summary) == (destination == "JP")
    for covered in result.findings:
        if covered.outcome is Coverage.COVERED:
            assert covered.convention_id in conventions and covered.confidence == confidence
            assert covered.article is not None and covered.article.meaning


def test_a_reservation_stays_with_its_convention_and_pair(ds: ConventionsDataset) -> None:
    # KZ → FR: FR is not a Tokyo party, so the Tokyo finding says "not covered" and carries no
    # reservation; the answer rests on Lisbon.
    result = assess(ds, "KZ", "FR", DECISION)
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Coverage.NOT_COVERED and tokyo.reservations == ()
    assert all(f.reservations == () for f in result.findings)
    # KZ → RU: Tokyo may bind the pair (KZ pending), so its finding keeps the reservation, but the
    # answer rests on Lisbon and Bangkok and does not quote it.
    russia = assess(ds, "KZ", "RU", DECISION)
    assert [n.country for n in finding(russia, "tokyo-2011").reservations] == ["KZ"]
    assert russia.reservations == () and "reservation" not in russia.summary


def test_predecessor_gives_way_to_its_successor(ds: ConventionsDataset) -> None:
    result = assess(ds, "CN", "KR", DECISION)
    assert result.covered_by == ("tokyo-2011",)
    bangkok = finding(result, "bangkok-1983")
    assert bangkok.outcome is Coverage.NOT_APPLICABLE
    assert "the Tokyo Convention takes its place between CN and KR" in bangkok.message
    # Where Tokyo does not (yet) bind the pair, the 1983 Convention still does (from the day
    # the 2026-12 edition read APNNIC's undated list).
    kazakh = assess(ds, "KZ", "CN", date(2026, 12, 2))
    assert kazakh.covered_by == ("bangkok-1983",)
    assert finding(kazakh, "bangkok-1983").message.startswith(
        "Covered by the Bangkok Convention (1983) (both are parties: KZ per APNNIC, as of "
        "2026-12-02; CN per APNNIC, as of 2026-12-02"
    )
    assert assess(ds, "KZ", "CN", DECISION).outcome is Coverage.UNCONFIRMED


def test_candidate_and_pending_states_are_never_covered(ds: ConventionsDataset) -> None:
    glob = finding(assess(ds, "FI", "JP", DECISION), "global-2019")
    assert glob.outcome is Coverage.UNCONFIRMED
    assert "FI has approved it at home, but no deposit with the depositary is known" in glob.message
    korea = finding(assess(ds, "KR", "FR", DECISION), "global-2019")
    assert korea.outcome is Coverage.UNCONFIRMED
    assert "KR's party status is pending confirmation" in korea.message
    russia = finding(assess(ds, "RU", "FR", DECISION), "global-2019")
    assert (
        russia.outcome is Coverage.NOT_COVERED and "RU is not a party (per ug.ru" in russia.message
    )


def test_monaco_is_a_confirmed_lisbon_party(ds: ConventionsDataset) -> None:
    result = assess(ds, "MC", "AL", DECISION)
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Coverage.COVERED
    assert (lisbon.since, lisbon.confidence) == (date(2023, 5, 1), "high")
    assert lisbon.sources[0].startswith("Legimonaco")
    assert "confidence" not in lisbon.message  # high confidence needs no caveat


def test_source_helpers() -> None:
    gazette = "Austrian Federal Law Gazette BGBl. III Nr. 20/2012, copy at https://example.org/x"
    assert recognition.source_url(gazette) == "https://example.org/x"
    assert recognition.source_url("ug.ru (Uchitelskaya Gazeta), undated in store") is None
    assert recognition.source_url(None) is None
    assert recognition.source_label("https://www.nicjp.niad.ac.jp/en/a.html") == "nicjp.niad.ac.jp"
    assert recognition.source_label(gazette) == "Austrian Federal Law Gazette BGBl. III Nr. 20/2012"


def test_core_articles_say_whether_their_number_was_verified(ds: ConventionsDataset) -> None:
    articles = {
        convention_id: finding(assess(ds, "AU", other, DECISION), convention_id).article
        for convention_id, other in (("tokyo-2011", "JP"), ("global-2019", "JP"))
    }
    assert all(a is not None and not a.number_verified for a in articles.values())
    lisbon = finding(assess(ds, "AL", "AM", DECISION), "lisbon-1997").article
    assert lisbon is not None and lisbon.verified and "VI.2" in lisbon.verified


@pytest.mark.parametrize("bad", ["jp", "JPN", "J", "", "1A", " JP", None, 81])
def test_bad_country_code_raises(ds: ConventionsDataset, bad: Any) -> None:
    with pytest.raises(MalformedValueError, match="ISO 3166-1 alpha-2"):
        assess(ds, bad, "AU", DECISION)
    with pytest.raises(MalformedValueError, match="ISO 3166-1 alpha-2"):
        assess(ds, "AU", bad, DECISION)


@pytest.mark.parametrize("bad", [datetime(2026, 1, 1, 12, 0), "2026-01-01", None])
def test_bad_decision_date_raises(ds: ConventionsDataset, bad: Any) -> None:
    with pytest.raises(MalformedValueError, match="decision date"):
        assess(ds, "JP", "AU", bad)


def test_to_dict_is_json_with_iso_dates(ds: ConventionsDataset) -> None:
    result = assess(ds, "KZ", "JP", DECISION)
    out = json.loads(json.dumps(result.to_dict()))
    assert out["outcome"] == "unconfirmed"
    assert out["on"] == "2026-12-01"
    assert out["as_of"] == "2026-12-02"
    assert out["dataset_version"] == "2026-12-02.1"
    assert out["covered_by"] == []
    assert out["summary"] == result.summary
    tokyo = next(f for f in out["findings"] if f["convention_id"] == "tokyo-2011")
    assert tokyo["issuer"]["in_force"] is None
    assert tokyo["destination"]["in_force"] == "2018-02-01"
    assert tokyo["article"]["article"] == "VI.1"
    assert tokyo["reservations"][0]["country"] == "KZ"
    covered = json.loads(json.dumps(assess(ds, "AL", "AM", DECISION).to_dict()))
    assert covered["covered_by"] == ["lisbon-1997"]


@settings(max_examples=300, deadline=None)
@given(
    issuer=st.sampled_from(
        ["JP", "AU", "KZ", "KG", "DE", "FR", "AL", "AM", "NZ", "CA", "TR", "QA"]
    ),
    destination=st.sampled_from(["JP", "AU", "KZ", "KG", "DE", "NO", "AM", "MN", "VA", "GB", "ZZ"]),
    on=st.dates(min_value=date(1995, 1, 1), max_value=date(2030, 12, 31)),
)
def test_never_covered_without_two_known_dates_on_or_before(
    issuer: str, destination: str, on: date
) -> None:
    ds = default_dataset()
    result = assess(ds, issuer, destination, on)
    for f in result.findings:
        convention = ds.convention(f.convention_id)
        assert convention is not None
        rows = [convention.party(issuer), convention.party(destination)]
        really = all(
            row is not None
            and row.status == "party"
            and (row.in_force or row.party_as_of) is not None
            and (row.in_force or row.party_as_of or date.max) <= on
            and (convention.in_force is None or convention.in_force <= on)
            for row in rows
        )
        if f.outcome is Coverage.NOT_APPLICABLE:  # a predecessor, replaced by its successor
            assert convention.superseded_by in result.covered_by
            continue
        assert (f.outcome is Coverage.COVERED) == really
    assert (result.outcome is Coverage.COVERED) == bool(result.covered_by)


# --- bad dataset files ---------------------------------------------------------------------------


def write(tmp_path: Path, data: Any, name: str = "conventions.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_load_dataset_reads_a_valid_file(tmp_path: Path) -> None:
    loaded = load_dataset(write(tmp_path, dataset_data()))
    assert loaded == default_dataset()


def test_not_json_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "conventions_not_json.json"
    path.write_text("{ this is not json", encoding="utf-8")
    with pytest.raises(MalformedValueError, match="not valid JSON"):
        load_dataset(path)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(MalformedValueError, match="cannot read conventions dataset"):
        load_dataset(tmp_path / "absent.json")


def test_duplicate_json_key_raises(tmp_path: Path) -> None:
    path = tmp_path / "conventions_duplicate_key.json"
    path.write_text('{"as_of": "2026-11-23", "as_of": "2026-11-24"}', encoding="utf-8")
    with pytest.raises(MalformedValueError, match="duplicate key"):
        load_dataset(path)


def test_top_level_array_raises(tmp_path: Path) -> None:
    with pytest.raises(MalformedValueError, match="must be a JSON object"):
        load_dataset(write(tmp_path, [1, 2]))
    with pytest.raises(MalformedValueError, match="must be a JSON object"):
        parse_dataset([1, 2])  # type: ignore[arg-type]


def _mutate(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = dataset_data()
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("as_of",), _DELETE, "'as_of' is a required property"),
        (("as_of",), "23 Nov 2026", "/as_of"),
        (("dataset_version",), _DELETE, "'dataset_version' is a required property"),
        (("conventions",), [], "/conventions"),
        (("conventions", 0, "parties", 0, "status"), "ratified", "/conventions/0/parties/0/status"),
        (("conventions", 0, "parties", 0, "country"), "aus", "/conventions/0/parties/0/country"),
        (("conventions", 0, "parties", 0, "in_forse"), "2018-02-01", "in_forse"),
        (("conventions", 0, "parties", 0, "confidence"), "certain", "confidence"),
        (("conventions", 0, "parties", 0, "in_force"), 20180201, "/conventions/0/parties/0"),
        (("conventions", 0, "key_articles", 2, "paraphrase"), _DELETE, "paraphrase"),
    ],
)
def test_schema_violations_raise(
    tmp_path: Path, path: tuple[Any, ...], value: Any, message: str
) -> None:
    path_file = write(tmp_path, _mutate(path, value), "conventions_schema_violation.json")
    with pytest.raises(MalformedValueError, match="does not match its schema") as info:
        load_dataset(path_file)
    assert message in str(info.value) or (info.value.pointer or "").startswith(message)


def test_impossible_date_raises() -> None:
    data = dataset_data()
    party_row(data, "tokyo-2011", "JP")["in_force"] = "2018-02-30"
    with pytest.raises(MalformedValueError, match="not a real date") as info:
        parse_dataset(data)
    index = [p["country"] for p in convention_entry(data, "tokyo-2011")["parties"]].index("JP")
    assert info.value.pointer == f"/conventions/0/parties/{index}/in_force"


def test_country_listed_twice_raises() -> None:
    data = dataset_data()
    tokyo = convention_entry(data, "tokyo-2011")
    kg_as_party = dict(party_row(data, "tokyo-2011", "JP"), country="KG")
    tokyo["parties"].append(kg_as_party)
    with pytest.raises(MalformedValueError, match=r"lists \['KG'\] more than once"):
        parse_dataset(data)


def test_in_force_before_deposit_raises() -> None:
    data = dataset_data()
    party_row(data, "lisbon-1997", "AL")["in_force"] = "2001-01-01"
    with pytest.raises(MalformedValueError, match="before deposit"):
        parse_dataset(data)


def test_in_force_before_general_entry_into_force_raises() -> None:
    data = dataset_data()
    party_row(data, "tokyo-2011", "MN")["in_force"] = "2017-05-01"
    with pytest.raises(MalformedValueError, match="general entry into force"):
        parse_dataset(data)


def test_two_core_articles_raise() -> None:
    data = dataset_data()
    convention_entry(data, "tokyo-2011")["key_articles"][0]["core_rule"] = True
    with pytest.raises(MalformedValueError, match="more than one key article"):
        parse_dataset(data)


def test_duplicate_convention_id_raises() -> None:
    data = dataset_data()
    data["conventions"].append(copy.deepcopy(data["conventions"][0]))
    with pytest.raises(MalformedValueError, match="repeats convention id"):
        parse_dataset(data)


# --- maintenance ---------------------------------------------------------------------------------


def test_update_dataset_lists_changes(ds: ConventionsDataset) -> None:
    data = dataset_data(dataset_version="2027-01-15.1", as_of="2027-01-15")
    kz = party_row(data, "tokyo-2011", "KZ")
    kz["status"] = "party"
    kz["deposited"] = "2026-02-10"
    kz["in_force"] = "2026-04-01"
    kz["confidence"] = "high"
    tokyo = convention_entry(data, "tokyo-2011")
    tokyo["parties"] = [p for p in tokyo["parties"] if p["country"] != "FJ"]
    lisbon = convention_entry(data, "lisbon-1997")
    lisbon["parties"].append(
        {
            "country": "SG",
            "status": "party",
            "deposited": "2026-06-10",
            "in_force": "2026-08-01",
            "source": "https://example.org/test-row",
            "confidence": "high",
        }
    )
    new, changes = update_dataset(ds, data)
    assert changes == [
        "dataset_version: 2026-12-02.1 → 2027-01-15.1",
        "as_of: 2026-12-02 → 2027-01-15",
        "tokyo-2011 (Tokyo Convention): FJ removed (was party)",
        "tokyo-2011 (Tokyo Convention): KZ status party_pending_confirmation → party",
        "tokyo-2011 (Tokyo Convention): KZ deposited unknown → 2026-02-10",
        "tokyo-2011 (Tokyo Convention): KZ in_force unknown → 2026-04-01",
        "tokyo-2011 (Tokyo Convention): KZ confidence medium → high",
        "lisbon-1997 (Lisbon Recognition Convention): SG added (status party, in force 2026-08-01)",
    ]
    assert new.version == "2027-01-15.1" and new.as_of == date(2027, 1, 15)
    # With the confirmed deposit, KZ→JP is covered by Tokyo from 2026-04-01, reservation kept.
    result = assess(new, "KZ", "JP", DECISION)
    assert result.covered_by == ("tokyo-2011",)
    tokyo_finding = finding(result, "tokyo-2011")
    assert tokyo_finding.issuer.in_force == date(2026, 4, 1)
    assert "excluded for KZ" in tokyo_finding.reservations[0].text
    assert "excluded for KZ" in result.summary
    # The current dataset is untouched.
    assert assess(ds, "KZ", "JP", DECISION).outcome is Coverage.UNCONFIRMED


def test_update_dataset_convention_added_and_removed(ds: ConventionsDataset) -> None:
    data = dataset_data(dataset_version="2027.2")
    data["conventions"] = [c for c in data["conventions"] if c["id"] != "addis-2014"]
    data["conventions"].append(
        {"id": "test-2030", "name": "Test Convention", "short_name": "Test", "in_force": None}
    )
    _, changes = update_dataset(ds, data)
    assert "convention added: test-2030 (Test, 0 State row(s))" in changes
    assert "convention removed: addis-2014 (Addis Convention)" in changes


def test_update_dataset_same_content_no_changes(ds: ConventionsDataset) -> None:
    new, changes = update_dataset(ds, dataset_data())
    assert changes == []
    assert new == ds


def test_update_dataset_requires_new_version_for_new_content(ds: ConventionsDataset) -> None:
    data = dataset_data()
    party_row(data, "lisbon-1997", "DE")["in_force"] = "2007-11-01"
    with pytest.raises(MalformedValueError, match="keeps dataset_version"):
        update_dataset(ds, data)


def test_update_dataset_rejects_invalid_replacement(ds: ConventionsDataset) -> None:
    data = dataset_data(dataset_version="2027.3")
    party_row(data, "lisbon-1997", "DE")["status"] = "ratified"
    with pytest.raises(MalformedValueError, match="does not match its schema"):
        update_dataset(ds, data)
