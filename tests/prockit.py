"""Spawned processes released together by a barrier: how the concurrency tests race real
processes over one SQLite file or PostgreSQL database.

A target is ``target(*args, barrier, results)``-shaped as the caller's ``args`` builds it; it puts
``("ok", worker, value)`` or ``("error", worker, traceback)`` on ``results``.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest

PROCESSES = 8
JOIN_SECONDS = 300


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
