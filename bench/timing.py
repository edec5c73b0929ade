"""Timing helpers of the benchmarks: medians, the raw Ed25519 floor, and the summary table.

Every figure of ``make bench`` is a median (time.perf_counter) and is printed as a ratio to the
"floor", one raw Ed25519 signature check, and, where the same bytes can be processed by plain
pyld, to that. The machine is shared and its speed drifts within a run (a neighbour's load): an
in-process figure is therefore compared with floor batches timed just before and just after its
own samples (``Measured.floor``), not with a floor measured once at the start; figures made by
arithmetic on medians and whole-process figures (the cohort, HTTP) use the run's floor.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def forget_expansions() -> None:
    """Forget Diplomat's cached JSON-LD expansions (when it keeps any), so that the next call sees
    its document for the first time, as an issuer signing a cohort or a verifier opening a new
    credential does."""
    from vc import jsonld

    forget = getattr(jsonld.default_loader(), "forget_expansions", None)
    if forget is not None:
        forget()


class Measured(float):
    """A median in ms that also carries ``floor``: the median raw Ed25519 verification timed
    just before and after its samples (None when none was)."""

    floor: float | None = None

    @classmethod
    def of(cls, median: float, floor: float | None) -> Measured:
        measured = cls(median)
        measured.floor = floor
        return measured


_FLOOR_BATCH = 20
_floor_key = Ed25519PrivateKey.generate()
_floor_public = _floor_key.public_key()
_floor_message = os.urandom(32)
_floor_signature = _floor_key.sign(_floor_message)


def floor_batch_ms() -> float:
    """One raw Ed25519 verification, in ms, timed over a batch of 20 (the timer's own cost
    spread out)."""
    verify, signature, message = _floor_public.verify, _floor_signature, _floor_message
    started = time.perf_counter()
    for _ in range(_FLOOR_BATCH):
        verify(signature, message)
    return (time.perf_counter() - started) * 1000 / _FLOOR_BATCH


def samples_ms(
    fn: Callable[[], object],
    iterations: int,
    *,
    warmup: int = 2,
    before: Callable[[], object] | None = forget_expansions,
    floors: list[float] | None = None,
) -> list[float]:
    """Milliseconds per call of ``fn``; ``before`` (untimed) runs ahead of every call. Given
    ``floors``, ten floor batches are timed just before the samples and ten just after, and
    appended to it (not between samples: a floor batch would leave a small operation's caches
    cold)."""
    for _ in range(warmup):
        if before is not None:
            before()
        fn()
    if floors is not None:
        floors.extend(floor_batch_ms() for _ in range(10))
    samples = []
    for _ in range(iterations):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    if floors is not None:
        floors.extend(floor_batch_ms() for _ in range(10))
    return samples


def median_ms(
    fn: Callable[[], object],
    iterations: int,
    *,
    warmup: int = 2,
    before: Callable[[], object] | None = forget_expansions,
) -> Measured:
    """The median ms of ``fn``, carrying the floor timed around its samples."""
    floors: list[float] = []
    samples = samples_ms(fn, iterations, warmup=warmup, before=before, floors=floors)
    return Measured.of(statistics.median(samples), statistics.median(floors))


def floor_ms(iterations: int = 2000) -> float:
    """The run's floor: the median of one raw Ed25519 verification (pyca/cryptography, 32-byte
    message), in batches of 20 so that the timer's own cost does not count."""
    for _ in range(5):
        floor_batch_ms()
    return statistics.median(floor_batch_ms() for _ in range(max(1, iterations // _FLOOR_BATCH)))


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) on {os.cpu_count()} CPUs"


@dataclass(frozen=True)
class Figure:
    """One line of the summary: a median, and what it is compared with."""

    section: str
    operation: str
    median_ms: float | None
    pyld_ms: float | None = None  # plain pyld on the same bytes, where it applies
    note: str = ""


def format_figures(figures: Sequence[Figure], floor: float) -> str:
    """The summary table: median ms, × floor (the floor timed around the figure's own samples
    where there is one, else ``floor``), × plain pyld, note."""
    header = f"{'operation':<52} {'median ms':>10} {'× floor':>9} {'× pyld':>7}  note"
    lines = [header, "-" * (len(header) + 30)]
    section = None
    for figure in figures:
        if figure.section != section:
            section = figure.section
            lines.append(f"[{section}]")
        if figure.median_ms is None:
            lines.append(f"  {figure.operation:<50} {'—':>10} {'':>9} {'':>7}  {figure.note}")
            continue
        own = getattr(figure.median_ms, "floor", None) or floor
        ratio = f"{figure.median_ms / own:9.1f}" if own > 0 else f"{'?':>9}"
        versus = f"{figure.median_ms / figure.pyld_ms:7.2f}" if figure.pyld_ms else f"{'':>7}"
        lines.append(
            f"  {figure.operation:<50} {figure.median_ms:>10.3f} {ratio} {versus}  {figure.note}"
        )
    return "\n".join(lines)
