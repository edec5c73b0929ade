"""Recognition conventions (Tokyo 2011, Lisbon 1997, Global 2019, Bangkok 1983, ...): the dataset
and the rule.

    model.py        frozen values: conventions, State rows, key articles, findings, assessment
    dataset.py      the dataset file: JSON Schema validation, parsing, the shipped default
    rule.py         assess(): which conventions bind a pair, since when, how sure, and why
    maintenance.py  update_dataset(): validate a replacement dataset and list its changes

This module is the package's public face: callers import from ``verifier.recognition``.
"""

from __future__ import annotations

from verifier.recognition.dataset import DATA_FILE, default_dataset, load_dataset, parse_dataset
from verifier.recognition.maintenance import update_dataset
from verifier.recognition.model import (
    CANDIDATE,
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
    KeyArticle,
    Party,
    RecognitionAssessment,
    ReservationNote,
    SourceRef,
    article_label,
    source_label,
    source_url,
)
from verifier.recognition.rule import assess

__all__ = [
    "CANDIDATE",
    "DATA_FILE",
    "NOT_LISTED",
    "NOT_PARTY",
    "PARTY",
    "PENDING",
    "SIGNATORY_ONLY",
    "AppliedArticle",
    "Convention",
    "ConventionFinding",
    "ConventionsDataset",
    "CountryStanding",
    "Coverage",
    "KeyArticle",
    "Party",
    "RecognitionAssessment",
    "ReservationNote",
    "SourceRef",
    "article_label",
    "assess",
    "default_dataset",
    "load_dataset",
    "parse_dataset",
    "source_label",
    "source_url",
    "update_dataset",
]
