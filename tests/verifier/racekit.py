"""Spawned processes racing over one challenge database (kept light: each child imports this
module, not the test module with its web and credential fixtures)."""

from __future__ import annotations

import traceback
from multiprocessing.synchronize import Barrier
from typing import Any

from verifier.challenges import open_challenge_store

TTL = 300.0


def redeem_all(
    url: str, challenges: list[str], worker: int, barrier: Barrier, results: Any
) -> None:
    """One process: open the store, wait for the others, then redeem every challenge in turn."""
    try:
        with open_challenge_store(url, ttl=TTL) as store:
            barrier.wait(timeout=120)
            outcomes = [store.redeem(challenge) for challenge in challenges]
        results.put(("ok", worker, outcomes))
    except BaseException:
        results.put(("error", worker, traceback.format_exc()))


def open_and_issue(url: str, worker: int, barrier: Barrier, results: Any) -> None:
    """One process: open (and so create the table of) a fresh database with the others at once."""
    try:
        barrier.wait(timeout=120)
        with open_challenge_store(url, ttl=TTL) as store:
            results.put(("ok", worker, store.issue()[0]))
    except BaseException:
        results.put(("error", worker, traceback.format_exc()))
