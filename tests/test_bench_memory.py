"""make bench's memory figures: a worker's RSS, and beside it what it costs the machine (PSS and
its private pages, from /proc/<pid>/smaps_rollup), read from a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.verifier import _rss_parts, rollup_mib, rss_mib

pytestmark = pytest.mark.skipif(
    not Path(f"/proc/{os.getpid()}/smaps_rollup").exists(), reason="needs Linux smaps_rollup"
)

# A child that writes to every page of a 64 MiB block of its own, says so, and waits.
TOUCH = "b = bytearray(64 << 20)\nb[::4096] = b'x' * (len(b) // 4096)\nprint('ready', flush=True)\ninput()"


def test_a_private_block_counts_in_rss_pss_and_private_pages() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", TOUCH], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        rollup = rollup_mib(child.pid)
        assert rollup["Private_Dirty"] >= 64  # the block is the child's own...
        assert rollup["Pss"] >= 64  # ...so it counts whole in its proportional share
        assert rss_mib(child.pid) >= rollup["Pss"]  # shared pages count less in PSS, never more
        assert "PSS" in _rss_parts(child.pid)
    finally:
        child.communicate("\n", timeout=30)


def test_a_process_that_is_gone_has_no_rollup() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)
    assert rollup_mib(child.pid) == {}
