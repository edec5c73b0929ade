"""make bench's yardstick: the reference JavaScript libraries (bench/vcjs.mjs) verify Diplomat's
transcripts, and say so when a proof does not hold (an interop check as much as a benchmark)."""

from __future__ import annotations

import copy
import shutil

import pytest

from bench import core, transcripts
from vc.keys import KeyType, generate

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (core.REPO / "node_modules" / "jsonld-signatures").is_dir(),
    reason="needs node and the npm packages (make npm-tools)",
)


def test_vcjs_verifies_a_diplomat_transcript_and_times_it() -> None:
    key = generate(KeyType.ED25519, core.SEED)
    signed = {n: transcripts.sign(transcripts.degree(key, n), key) for n in (1, 50)}
    figures = core.vcjs_figures(signed, {1: 3, 50: 1})
    assert [f.operation for f in figures] == [
        "verify, 1 course result",
        "verify, 50 course results",
    ]
    for figure in figures:
        assert figure.median_ms is not None and figure.median_ms > 0
        assert getattr(figure.median_ms, "floor", 0) > 0  # the floor timed around the node run


def test_a_transcript_vcjs_does_not_verify_stops_the_bench() -> None:
    key = generate(KeyType.ED25519, core.SEED)
    tampered = copy.deepcopy(transcripts.sign(transcripts.degree(key, 1), key))
    tampered["credentialSubject"]["result"][0]["value"] = "A+"
    with pytest.raises(RuntimeError, match=r"vc\.js does not verify the 1-course transcript"):
        core.vcjs_figures({1: tampered}, {1: 1})
