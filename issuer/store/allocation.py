"""Status-index choice and bit packing, pure: uniform among free indexes, bits MSB-first."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Protocol

from vc.errors import RangeValueError

PROBE_BATCH = 16
PROBE_ROUNDS = 8


class RandomSource(Protocol):
    """What allocation needs from a random generator: ``secrets.SystemRandom`` or ``random.Random``."""

    def randrange(self, stop: int, /) -> int: ...


def capacity(length: int, fill_ratio: float) -> int:
    """How many indexes a list of ``length`` hands out before the next list is opened (>= 1)."""
    return max(1, min(length, math.floor(length * fill_ratio)))


def choose_free_index(
    length: int,
    taken_among: Callable[[Sequence[int]], Collection[int]],
    all_taken: Callable[[], Collection[int]],
    rng: RandomSource,
) -> int | None:
    """Pick an index uniformly at random among the free ones of ``range(length)``, or None if full.

    Rejection sampling first: the first of a run of independent uniform draws that is free is
    uniform over the free set, and ``taken_among`` checks a batch of draws in one query. Should a
    nearly full list make that slow, fall back to listing the free set and drawing from it.
    """
    for _ in range(PROBE_ROUNDS):
        candidates = [rng.randrange(length) for _ in range(PROBE_BATCH)]
        taken = set(taken_among(candidates))
        for candidate in candidates:
            if candidate not in taken:
                return candidate
    taken_all = set(all_taken())
    free = [i for i in range(length) if i not in taken_all]
    if not free:
        return None
    return free[rng.randrange(len(free))]


def choose_free_indexes(
    length: int,
    count: int,
    taken_among: Callable[[Sequence[int]], Collection[int]],
    all_taken: Callable[[], Collection[int]],
    rng: RandomSource,
) -> list[int]:
    """Pick ``count`` distinct free indexes of ``range(length)``; fewer only when the list runs out.

    Each pick is uniform among the indexes still free after the picks before it, which is what
    ``count`` calls of ``choose_free_index`` would give, but a round of draws is checked in one
    ``taken_among`` query instead of one query per index. Draws are accepted in the order they were
    made, so the first free draw after the previous pick is the next pick (rejection sampling).
    """
    if count < 0:
        raise RangeValueError(f"cannot choose {count} indexes")
    chosen: list[int] = []
    picked: set[int] = set()
    for _ in range(PROBE_ROUNDS):
        if len(chosen) >= count:
            return chosen
        need = count - len(chosen)
        candidates = [rng.randrange(length) for _ in range(max(PROBE_BATCH, 2 * need))]
        taken = set(taken_among(candidates))
        for candidate in candidates:
            if candidate not in taken and candidate not in picked:
                chosen.append(candidate)
                picked.add(candidate)
                if len(chosen) == count:
                    return chosen
    if len(chosen) >= count:
        return chosen
    # A nearly full list: draw the rest from the free set itself, without replacement.
    excluded = set(all_taken()) | picked
    free = [i for i in range(length) if i not in excluded]
    while free and len(chosen) < count:
        j = rng.randrange(len(free))
        free[j], free[-1] = free[-1], free[j]
        chosen.append(free.pop())
    return chosen


def pack_bits(length: int, set_indexes: Iterable[int]) -> bytes:
    """The raw bitstring of ``length`` bits with the given indexes set.

    Bitstring Status List v1.0 §4.1: index 0 is the left-most (most significant) bit of byte 0.
    Raises RangeValueError when ``length`` is not a positive multiple of 8 or an index is outside.
    """
    if length <= 0 or length % 8:
        raise RangeValueError(f"status list length {length} is not a positive multiple of 8")
    bits = bytearray(length // 8)
    for index in set_indexes:
        if not 0 <= index < length:
            raise RangeValueError(f"status index {index} outside a list of {length}")
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)
