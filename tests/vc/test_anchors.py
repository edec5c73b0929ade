"""Validators refuse a trailing newline: Python's ``$`` also matches just before a final "\\n", so
every anchored pattern in the packages ends with ``\\Z``. Found by the proof property test: a
proofValue with "\\n" appended still verified, because base58btc was checked with ``$``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from vc.dates import parse_datetime
from vc.dids import did_web_url, split_did_url
from vc.errors import DiplomatError
from vc.keys import KeyType, generate
from vc.multibase import decode_base58btc

REPO = Path(__file__).resolve().parents[2]
KEY = generate(KeyType.ED25519, bytes(32))

CASES: list[tuple[str, Callable[[str], object], str]] = [
    ("base58btc", decode_base58btc, KEY.public.multikey),
    ("dateTimeStamp", parse_datetime, "2025-01-01T00:00:00Z"),
    ("DID", split_did_url, KEY.public.did_key),
    ("did:web", did_web_url, "did:web:university.example"),
]


@pytest.mark.parametrize(("name", "check", "good"), CASES, ids=[c[0] for c in CASES])
def test_a_trailing_newline_is_refused(
    name: str, check: Callable[[str], object], good: str
) -> None:
    check(good)  # the value itself is accepted
    with pytest.raises(DiplomatError):
        check(good + "\n")


def test_no_anchored_pattern_in_the_packages_ends_with_a_dollar() -> None:
    pattern = re.compile(r"""re\.compile\(\s*r?["'].*\$["']\s*\)|\(\?P<tz>.*\$["']""")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for package in ("vc", "issuer", "verifier", "diplomat")
        for path in (REPO / package).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders, f"use \\Z, not $, to anchor: {offenders}"
