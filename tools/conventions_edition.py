"""Build ``verifier/data/conventions.json`` (2026-12 edition) from the research files.

    python tools/conventions_edition.py ../shared/recognition/2026-12/parties.json

Reads the product's current dataset (the 2026-11 edition: convention metadata, key articles and
the three conventions the 2026-12 research did not cover) and the 2026-12 research records, and
writes the merged dataset: every research record becomes one State row, field for field (see
``FIELDS``), keeping its source, quote, other sources and every confidence. Diplomat adds only
``party_as_of`` and ``party_as_of_basis`` (the date from which a dated source confirms a party
whose entry-into-force date is unknown, see ``_party_as_of``). Run it again for the next edition.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATASET = REPO / "verifier" / "data" / "conventions.json"

EDITION = "2026-12-02"
PREVIOUS_EDITION = "2026-11-23"
VERSION = "2026-12-02.1"

# research record key -> product row key (tests/verifier/test_recognition.py checks the same map).
FIELDS = (
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
REQUIRED = ("deposited", "in_force")  # the schema wants these keys even when null

LIST_OF_STATUS = {
    "party": "parties",
    "party_pending_confirmation": "parties",
    "domestic_approval_only": "candidates",
    "not_party": "checked_non_parties",
    "signatory_only": "signatories_not_parties",
}

WIKIPEDIA_2024_02 = "wikipedia_en_all_mini_2024-02"
UNESCO_BANGKOK_2014 = "as of 3 Feb 2014"

# Sources that carry their own date, by (convention, country): the date and why.
DATED = {
    ("tokyo-2011", "FJ"): (
        "2023-06-30",
        "NIC-Japan's 12-party list of June 2023 named in the quote (last day of that month)",
    ),
    ("tokyo-2011", "TR"): (
        "2019-09-01",
        "listed among the 8 parties as of 1 Sep 2019 by NIC-Japan (quote)",
    ),
    ("global-2019", "EC"): (
        "2024-12-31",
        "AACRAO EDGE (2024) names it among the ratifications (last day of that year)",
    ),
    ("global-2019", "SN"): (
        "2024-03-31",
        "University World News, March 2024: 'Senegal being the latest' of the first 28 "
        "(last day of that month)",
    ),
}


def _party_as_of(convention: str, record: dict[str, Any]) -> tuple[str, str] | None:
    """The date from which a dated source confirms a party whose entry into force is unknown.

    The research edition's rule (``2026-12/README.md``): such a party is a party as of its
    source's date, or, where the source is undated, as of the date the edition read it. A month
    or a year counts as its last day: the source only shows party status some time within it.
    """
    if record["status"] != "party" or record["entry_into_force"] is not None:
        return None
    key = (convention, record["iso2"])
    if key in DATED:
        return DATED[key]
    source = record["source"]
    if WIKIPEDIA_2024_02 in source:
        return (
            "2024-02-29",
            "the source is a Wikipedia dump of February 2024 (last day of that month)",
        )
    if UNESCO_BANGKOK_2014 in source:
        return "2014-02-03", "UNESCO Bangkok's list of 21 parties as of 3 Feb 2014"
    if record["change_since_2026_11"].startswith("unchanged"):
        return PREVIOUS_EDITION, "source undated: as of the day the 2026-11 edition read it"
    return EDITION, "source undated: as of the day the 2026-12 edition read it"


def product_row(convention: str, record: dict[str, Any]) -> dict[str, Any]:
    """One research record as a product State row (null optional fields left out)."""
    row: dict[str, Any] = {}
    for research_key, key in FIELDS:
        value = record.get(research_key)
        if key == "reservations" and isinstance(value, str):
            value = [value]
        if value is not None or key in REQUIRED:
            row[key] = value
    as_of = _party_as_of(convention, record)
    if as_of is not None:
        row["party_as_of"], row["party_as_of_basis"] = as_of
    return row


BANGKOK_SOURCE = "APNNIC (Asia-Pacific Network of National Information Centres), https://apnnic.net/about_us/vision-objectives"
JSCOT_2013 = "https://aph.gov.au/parliamentary_business/committees/House_of_Representatives_Committees?url=jsct%2F14may2013%2Freport%2Fchapter3.htm"
BANGKOK_TEXT_RU = "https://buxgalter.uz/doc?id=51367_regionalnaya_konvenciya_o_priznanii_uchebnyh_kursov_diplomov_o_vysshem_obrazovanii_i_uchenyh_stepeney_v_gosudarstvah_azii_i_tihogo_okeana_(bangkok_16_dekabrya_1983_g_)&prodid=1_vse_zakonodatelstvo_uzbekistana"
LISBON_VI2_TEXT = "http://wordscope.be/neerlandais/francais/houder+stelt+voldoende.html"
LISBON_III3_TEXT = "https://debates.parlamento.pt/catalogo/r3/dar/s2a/07/04/062S2/1999-05-13/159"

BANGKOK = {
    "id": "bangkok-1983",
    "name": (
        "Regional Convention on the Recognition of Studies, Diplomas and Degrees in Higher "
        "Education in Asia and the Pacific (Bangkok, 1983)"
    ),
    "short_name": "Bangkok Convention (1983)",
    "adopted": "1983-12-16",
    "adopted_place": "Bangkok",
    "in_force": "1985-10-23",
    "in_force_source": BANGKOK_SOURCE,
    "party_count_found": 21,
    "party_count_note": (
        "21 parties (APNNIC, with the year of consent for 18; UNESCO Bangkok, 3 Feb 2014). "
        "Exact deposit and entry-into-force dates were not found."
    ),
    "superseded_by": {
        "convention": "tokyo-2011",
        "note": (
            "The 2011 Tokyo Convention 'seeks to replace, but not terminate the 1983 Convention' "
            "(Australian Parliament, Joint Standing Committee on Treaties, 2013). Diplomat reads "
            "this as: between two States for which the Tokyo Convention is in force it takes the "
            "place of the 1983 Convention; for any other pair of 1983 parties the 1983 Convention "
            "still binds. Whether it still applies in practice was not confirmed (2026-12 "
            "REPORT.md section 5)."
        ),
        "source": JSCOT_2013,
    },
    "key_articles": [
        {
            "article": "Section III (Articles 3-7; the degree article's number unverified)",
            "topic": "recognition of higher education qualifications (core verifier rule)",
            "paraphrase": (
                "Section III, 'obligations requiring immediate action' (Articles 3-7), commits "
                "Contracting States to recognise one another's secondary-school certificates, "
                "studies, diplomas and degrees for admission to further study and, where "
                "applicable, for professional purposes."
            ),
            "verified": (
                "section heading and article range read from the table of contents of the "
                "Russian text (buxgalter.uz); which of Articles 3-7 covers degrees was not read"
            ),
            "confidence": "low",
            "source": BANGKOK_TEXT_RU,
            "core_rule": True,
            "plain_meaning": (
                "recognise the other party's degrees for further study; this older convention "
                "has no 'substantial difference' test in the stored sources"
            ),
        }
    ],
}

# Diplomat's additions to the core articles of the three conventions the product already had.
REFUSAL_GROUNDS = {
    "tokyo-2011": (
        "a substantial difference between the foreign qualification and the corresponding one; "
        "the recognising body must show it (NZ MFAT treaty summary)"
    ),
    "lisbon-1997": (
        "a substantial difference between the foreign qualification and the corresponding one in "
        "the Party where recognition is sought; the body undertaking the assessment must show it "
        "(Art. III.3, paragraph number not re-read)"
    ),
    "global-2019": (
        "a substantial difference from the corresponding qualification; the onus is on the "
        "competent recognition authority (Australian JSCOT report)"
    ),
}
ARTICLE_CHECKS = {
    "lisbon-1997": (
        "Diplomat, 2026-12: Article VI.2 of the official Dutch/French text applies 'the "
        f"provisions of Article VI.1' mutatis mutandis ({LISBON_VI2_TEXT}), which places the "
        f"recognition rule in VI.1; Article III.3's text read at {LISBON_III3_TEXT}"
    ),
}


def merge(current: dict[str, Any], research: dict[str, Any]) -> dict[str, Any]:
    """The 2026-12 product dataset from the current one and the research records."""
    by_convention: dict[str, list[dict[str, Any]]] = {}
    for record in research["records"]:
        by_convention.setdefault(record["convention"], []).append(record)
    conventions: list[dict[str, Any]] = []
    for entry in current["conventions"]:
        if entry["id"] == BANGKOK["id"]:
            continue  # rebuilt below, so that the tool can run again on its own output
        entry = dict(entry)
        if entry["id"] in REFUSAL_GROUNDS:
            articles = []
            for article in entry.get("key_articles", []):
                article = dict(article)
                if article.get("core_rule"):
                    article["refusal_ground"] = REFUSAL_GROUNDS[entry["id"]]
                    if entry["id"] in ARTICLE_CHECKS:
                        article["diplomat_check"] = ARTICLE_CHECKS[entry["id"]]
                articles.append(article)
            entry["key_articles"] = articles
        if entry["id"] in by_convention:
            entry = _with_rows(entry, by_convention[entry["id"]])
        conventions.append(entry)
        if entry["id"] == "global-2019":
            conventions.append(_with_rows(dict(BANGKOK), by_convention["bangkok-1983"]))
    counts = {
        "lisbon-1997": (
            57,
            "57 parties (Greece the 57th, AACRAO 2024); 31 with an entry-into-force date (23 read, 8 computed) in the 2026-12 edition; 26 without a date.",
        ),
        "global-2019": (
            28,
            "28 parties named (Senegal added in the 2026-12 edition) plus Korea and Uzbekistan pending; reported totals reach 36-38, so about 8-10 parties are still unnamed.",
        ),
    }
    for entry in conventions:
        if entry["id"] in counts:
            entry["party_count_found"], entry["party_count_note"] = counts[entry["id"]]
    sources = list(current["sources"])
    for record in research["records"]:
        if record["source"] not in sources:
            sources.append(record["source"])
    notes = dict(current["schema_notes"])
    notes["edition_2026_12"] = (
        "State rows of tokyo-2011, lisbon-1997, global-2019 and bangkok-1983 are the 2026-12 "
        "research records (parties.json), one row per record, keys renamed as listed in "
        "tools/conventions_edition.py (iso2 -> country, ratification_accession_date -> deposited, "
        "entry_into_force -> in_force, change_since_2026_11 -> change, notes -> note, ...); "
        "null optional fields are left out; a reservations string becomes a one-item list."
    )
    notes["party_as_of"] = (
        "Added by Diplomat for a party whose entry-into-force date is unknown: the date from which "
        "a dated source confirms it as a party (the source's own date; a month or year counts as "
        "its last day; an undated source counts from the day the research edition read it). "
        "party_as_of_basis says which. A check on or after that date may rely on it."
    )
    notes["status"] = (
        "party | party_pending_confirmation | domestic_approval_only (candidate: approved at "
        "home, no deposit known; never counted) | not_party | signatory_only"
    )
    return {
        "dataset_version": VERSION,
        "as_of": EDITION,
        "as_of_note": (
            "2026-12 edition, researched on 2026-12-02 (rows carried over from the 2026-11 "
            "edition say so in 'change'); UNESCO/CoE depositary lists were still not retrievable, "
            "see the research REPORT.md"
        ),
        "derived_from": (
            "Diplomat recognition research: the 2026-12 edition (parties.json, REPORT.md) for "
            "the State rows of Tokyo, Lisbon, Global and Bangkok 1983; the 2026-11 edition "
            "(conventions.json, NOTES.md) for convention metadata, key articles and the other "
            "conventions; merged by tools/conventions_edition.py"
        ),
        "schema_notes": notes,
        "conventions": conventions,
        "sources": sources,
    }


def _with_rows(entry: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    for list_name in set(LIST_OF_STATUS.values()):
        entry.pop(list_name, None)
    for record in records:
        row = product_row(entry["id"], record)
        entry.setdefault(LIST_OF_STATUS[record["status"]], []).append(row)
    return entry


def main(argv: list[str]) -> int:
    research = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    current = json.loads(DATASET.read_text(encoding="utf-8"))
    merged = merge(current, research)
    DATASET.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
