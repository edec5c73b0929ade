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
    Outcome,
    assess,
    default_dataset,
    load_dataset,
    parse_dataset,
    update_dataset,
)

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "recognition"
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
    assert ds.as_of == date(2026, 11, 23)
    assert ds.version == "2026-11-23.1"
    assert ds.as_of_note is not None and ds.as_of_note.startswith("2026-11 (supplementary pass")
    assert [c.id for c in ds.conventions] == [
        "tokyo-2011",
        "lisbon-1997",
        "global-2019",
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


def test_shipped_dataset_keeps_kazakhstan_and_kyrgyzstan_facts(ds: ConventionsDataset) -> None:
    tokyo = ds.convention("tokyo-2011")
    assert tokyo is not None
    kz = tokyo.party("KZ")
    assert kz is not None
    assert kz.status == "party_pending_confirmation"
    assert kz.deposited is None and kz.in_force is None
    assert kz.reservations == (
        "non-traditional learning / partial studies articles (exact article numbers not captured)",
    )
    kg = tokyo.party("KG")
    assert kg is not None and kg.status == "not_party" and kg.confidence == "medium"
    lisbon = ds.convention("lisbon-1997")
    assert lisbon is not None
    kg_lisbon = lisbon.party("KG")
    assert kg_lisbon is not None and kg_lisbon.status == "party" and kg_lisbon.in_force is None
    us = lisbon.party("US")
    assert us is not None and us.status == "signatory_only"
    nz = lisbon.party("NZ")
    assert nz is not None and nz.in_force == date(2008, 2, 1) and nz.in_force_basis == "computed"
    assert nz.deposited == date(2007, 12, 4) and nz.deposited_confidence == "medium"


@pytest.mark.skipif(not SHARED.is_dir(), reason="research snapshot ../shared/recognition absent")
def test_shipped_dataset_is_faithful_to_the_research_snapshot() -> None:
    source = json.loads((SHARED / "conventions.json").read_text(encoding="utf-8"))
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert shipped["as_of_note"] == source["as_of"]
    assert shipped["sources"] == source["sources"]
    for key, note in source["schema_notes"].items():
        assert shipped["schema_notes"][key] == note
    assert [c["id"] for c in shipped["conventions"]] == [c["id"] for c in source["conventions"]]
    rows_compared = 0
    for src_conv, our_conv in zip(source["conventions"], shipped["conventions"], strict=True):
        for key, value in src_conv.items():
            if key in ("key_articles", "parties", "checked_non_parties", "signatories_not_parties"):
                continue
            assert our_conv[key] == value, (src_conv["id"], key)
        for src_art, our_art in zip(
            src_conv.get("key_articles", []), our_conv.get("key_articles", []), strict=True
        ):
            assert {
                k: v for k, v in our_art.items() if k not in ("core_rule", "plain_meaning")
            } == (src_art)
        for list_name in ("parties", "checked_non_parties", "signatories_not_parties"):
            for src_row, our_row in zip(
                src_conv.get(list_name, []), our_conv.get(list_name, []), strict=True
            ):
                expected = dict(src_row)
                if isinstance(expected.get("reservations"), str):
                    expected["reservations"] = [expected["reservations"]]
                assert our_row == expected
                rows_compared += 1
    assert rows_compared == 13 + 15 + 57 + 1 + 27 + 5 + 1


# --- the rule ------------------------------------------------------------------------------------


def test_both_parties_tokyo_covered_since_2018(ds: ConventionsDataset) -> None:
    result = assess(ds, "JP", "AU", date(2019, 6, 1))
    assert result.outcome is Outcome.COVERED
    assert result.covered_by == ("tokyo-2011",)
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Outcome.COVERED
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
    assert tokyo.as_of == date(2026, 11, 23)
    # Global Convention: AU's dates are in the data but only with low confidence; not yet in force.
    glob = finding(result, "global-2019")
    assert glob.outcome is Outcome.NOT_YET_IN_FORCE
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
    assert result.outcome is Outcome.COVERED
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
    assert tokyo.outcome is Outcome.NOT_COVERED
    assert tokyo.issuer.status == "not_listed"


def test_only_one_party_not_covered(ds: ConventionsDataset) -> None:
    result = assess(ds, "JP", "DE", DECISION)
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Outcome.NOT_COVERED
    assert tokyo.issuer.status == "party" and tokyo.destination.status == "not_listed"
    assert "DE is not listed as a party" in tokyo.message
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Outcome.NOT_COVERED
    assert lisbon.destination.status == "party"
    assert result.outcome is Outcome.NOT_COVERED
    assert result.covered_by == ()
    assert result.summary.startswith("Not covered: no recognition convention in the dataset")


def test_lisbon_pair_with_unknown_dates_unconfirmed(ds: ConventionsDataset) -> None:
    result = assess(ds, "DE", "FR", DECISION)
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Outcome.UNCONFIRMED
    assert lisbon.issuer.in_force is None and lisbon.destination.in_force is None
    assert "unconfirmed — check with the national information centre" in lisbon.message
    assert result.outcome is Outcome.UNCONFIRMED
    assert "covered" not in result.covered_by
    assert result.summary.startswith("Unconfirmed — check with the national information centre")


def test_one_known_one_null_date_unconfirmed(ds: ConventionsDataset) -> None:
    result = assess(ds, "KZ", "AL", DECISION)
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Outcome.UNCONFIRMED
    assert lisbon.issuer.in_force is None
    assert lisbon.destination.in_force == date(2002, 5, 1)
    assert "the date the convention entered into force for KZ is not known" in lisbon.message
    assert "AL" not in lisbon.message.split("unconfirmed")[1]


def test_kazakhstan_pending_for_tokyo_is_unconfirmed_with_reservation(
    ds: ConventionsDataset,
) -> None:
    result = assess(ds, "KZ", "JP", DECISION)
    assert result.outcome is Outcome.UNCONFIRMED
    assert result.covered_by == ()
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Outcome.UNCONFIRMED
    assert tokyo.issuer.status == "party_pending_confirmation"
    assert tokyo.issuer.in_force is None
    assert tokyo.issuer.confidence == "medium"
    assert "KZ's party status is pending confirmation" in tokyo.message
    assert "unconfirmed — check with the national information centre" in tokyo.message
    assert len(tokyo.reservations) == 1
    note = tokyo.reservations[0]
    assert note.country == "KZ"
    assert "non-traditional learning / partial studies" in note.text
    assert "excluded for KZ" in note.text
    assert tokyo.article is not None and tokyo.article.article == "VI.1"


def test_kazakhstan_reservation_shown_whichever_side(ds: ConventionsDataset) -> None:
    result = assess(ds, "AU", "KZ", DECISION)
    tokyo = finding(result, "tokyo-2011")
    assert [n.country for n in tokyo.reservations] == ["KZ"]
    # KZ is a Lisbon party too, but its Lisbon dates are unknown: unconfirmed, and the Tokyo
    # reservation does not leak into the Lisbon finding.
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Outcome.UNCONFIRMED
    assert lisbon.reservations == ()


def test_kyrgyzstan_is_not_a_tokyo_party(ds: ConventionsDataset) -> None:
    result = assess(ds, "KG", "JP", DECISION)
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Outcome.NOT_COVERED
    assert tokyo.issuer.status == "not_party"
    assert "KG is not a party" in tokyo.message
    assert result.outcome is Outcome.NOT_COVERED


def test_kyrgyzstan_is_a_lisbon_party_but_dates_unknown(ds: ConventionsDataset) -> None:
    result = assess(ds, "KG", "AU", DECISION)
    assert finding(result, "tokyo-2011").outcome is Outcome.NOT_COVERED
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Outcome.UNCONFIRMED
    assert lisbon.issuer.status == "party" and lisbon.issuer.in_force is None
    assert lisbon.destination.in_force == date(2003, 1, 1)
    assert result.outcome is Outcome.UNCONFIRMED


@pytest.mark.parametrize("country", ["IN", "ID", "LK", "PH", "TM", "IR", "BD"])
def test_news_list_and_bangkok_1983_parties_are_not_tokyo_parties(
    ds: ConventionsDataset, country: str
) -> None:
    tokyo = finding(assess(ds, country, "JP", DECISION), "tokyo-2011")
    assert tokyo.outcome is Outcome.NOT_COVERED
    assert tokyo.issuer.status == "not_party"


def test_signatory_only_is_not_covered(ds: ConventionsDataset) -> None:
    lisbon = finding(assess(ds, "US", "AL", DECISION), "lisbon-1997")
    assert lisbon.outcome is Outcome.NOT_COVERED
    assert lisbon.issuer.status == "signatory_only"
    assert "US has only signed it" in lisbon.message


def test_decision_before_entry_into_force_for_a_party(ds: ConventionsDataset) -> None:
    result = assess(ds, "CA", "NO", date(2018, 7, 1))
    lisbon = finding(result, "lisbon-1997")
    assert lisbon.outcome is Outcome.NOT_YET_IN_FORCE
    assert lisbon.issuer.in_force == date(2018, 8, 1)
    assert "entered into force for CA only on 2018-08-01" in lisbon.message
    assert result.outcome is Outcome.NOT_COVERED
    # The day it entered into force for Canada, it covers.
    later = assess(ds, "CA", "NO", date(2018, 8, 1))
    assert later.covered_by == ("lisbon-1997",)
    assert finding(later, "lisbon-1997").destination.in_force == date(1999, 6, 1)


def test_decision_before_general_entry_into_force(ds: ConventionsDataset) -> None:
    result = assess(ds, "JP", "AU", date(2018, 1, 31))
    tokyo = finding(result, "tokyo-2011")
    assert tokyo.outcome is Outcome.NOT_YET_IN_FORCE
    assert "general entry into force 2018-02-01" in tokyo.message
    assert result.outcome is Outcome.NOT_COVERED


def test_known_future_date_beats_unknown_date(ds: ConventionsDataset) -> None:
    # TR's Tokyo dates are unknown; AM's is 2021-05-01. Before that date it cannot be covered.
    before = finding(assess(ds, "TR", "AM", date(2021, 1, 1)), "tokyo-2011")
    assert before.outcome is Outcome.NOT_YET_IN_FORCE
    after = finding(assess(ds, "TR", "AM", DECISION), "tokyo-2011")
    assert after.outcome is Outcome.UNCONFIRMED


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
    assert arab_finding.outcome is Outcome.UNCONFIRMED
    assert "general entry into force is not confirmed" in arab_finding.message
    assert arab_finding.article is None


def test_same_country_not_applicable(ds: ConventionsDataset) -> None:
    result = assess(ds, "JP", "JP", DECISION)
    assert result.outcome is Outcome.NOT_APPLICABLE
    assert result.findings == ()
    assert "domestic" in result.summary and "foreign qualifications" in result.summary


def test_unknown_well_formed_countries_not_covered(ds: ConventionsDataset) -> None:
    result = assess(ds, "ZZ", "XQ", DECISION)
    assert result.outcome is Outcome.NOT_COVERED
    assert result.findings == ()


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
    assert out["as_of"] == "2026-11-23"
    assert out["dataset_version"] == "2026-11-23.1"
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
            and row.in_force is not None
            and row.in_force <= on
            for row in rows
        )
        assert (f.outcome is Outcome.COVERED) == really
    assert (result.outcome is Outcome.COVERED) == bool(result.covered_by)


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
    assert info.value.pointer == "/conventions/0/parties/3/in_force"


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
        "dataset_version: 2026-11-23.1 → 2027-01-15.1",
        "as_of: 2026-11-23 → 2027-01-15",
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
    assert assess(ds, "KZ", "JP", DECISION).outcome is Outcome.UNCONFIRMED


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
    party_row(data, "lisbon-1997", "DE")["in_force"] = "2007-10-01"
    with pytest.raises(MalformedValueError, match="keeps dataset_version"):
        update_dataset(ds, data)


def test_update_dataset_rejects_invalid_replacement(ds: ConventionsDataset) -> None:
    data = dataset_data(dataset_version="2027.3")
    party_row(data, "lisbon-1997", "DE")["status"] = "ratified"
    with pytest.raises(MalformedValueError, match="does not match its schema"):
        update_dataset(ds, data)
