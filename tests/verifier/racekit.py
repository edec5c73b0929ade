"""Spawned processes racing over one challenge database (kept light: each child imports this
module, not the test module with its web and credential fixtures)."""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Callable
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest

from verifier.challenges import open_challenge_store

PROCESSES = 8
JOIN_SECONDS = 300
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


def run_processes(
    target: Callable[..., None], args: Callable[[int, Barrier, Any], tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Spawn PROCESSES processes released together by a barrier; return their reports."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    processes = [
        ctx.Process(target=target, args=args(worker, barrier, results))
        for worker in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    reports: list[tuple[Any, ...]] = []
    try:
        for _ in processes:
            reports.append(results.get(timeout=JOIN_SECONDS))
    except queue.Empty:
        pytest.fail(f"only {len(reports)} of {PROCESSES} processes reported in time")
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
    errors = [report for report in reports if report[0] == "error"]
    assert not errors, "\n".join(str(report[2]) for report in errors)
    return reports
