"""Timing helpers of the benchmarks: medians, the raw Ed25519 floor, and the summary table.

Every figure of ``make bench`` is a median (time.perf_counter) and is printed as a ratio to the
"floor", one raw Ed25519 signature check measured in the same run, and, where the same bytes can
be processed by plain pyld, to that.
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


def samples_ms(
    fn: Callable[[], object],
    iterations: int,
    *,
    warmup: int = 2,
    before: Callable[[], object] | None = forget_expansions,
) -> list[float]:
    """Milliseconds per call of ``fn``; ``before`` (untimed) runs ahead of every call."""
    for _ in range(warmup):
        if before is not None:
            before()
        fn()
    samples = []
    for _ in range(iterations):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def median_ms(
    fn: Callable[[], object],
    iterations: int,
    *,
    warmup: int = 2,
    before: Callable[[], object] | None = forget_expansions,
) -> float:
    return statistics.median(samples_ms(fn, iterations, warmup=warmup, before=before))


def floor_ms(iterations: int = 2000) -> float:
    """The floor: the median of one raw Ed25519 verification (pyca/cryptography, 32-byte
    message), in batches of 20 so that the timer's own cost does not count."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    message = os.urandom(32)
    signature = key.sign(message)
    batch = 20

    def twenty() -> None:
        for _ in range(batch):
            public.verify(signature, message)

    return median_ms(twenty, max(1, iterations // batch), warmup=5, before=None) / batch


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
    """The summary table: median ms, × floor, × plain pyld, note."""
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
        ratio = f"{figure.median_ms / floor:9.1f}" if floor > 0 else f"{'?':>9}"
        versus = f"{figure.median_ms / figure.pyld_ms:7.2f}" if figure.pyld_ms else f"{'':>7}"
        lines.append(
            f"  {figure.operation:<50} {figure.median_ms:>10.3f} {ratio} {versus}  {figure.note}"
        )
    return "\n".join(lines)
