"""Exact subset sum in integer cents, with a second solution detected and a work budget.

Which of a customer's open invoices does one deposit pay? The reachable sums are a bitset (a
Python integer, bit s set when some subset sums to s), grown one invoice at a time; a second
bitset marks sums reachable in two or more ways, so a deposit that two different subsets fit is
known to be ambiguous instead of guessed (as soon as it is: more items only add ways). Work is
`items × (target + 1)` bit operations; a search that would pass `budget` before it is decided
stops as "unsearched", so 200 candidates end with a clear outcome and bounded memory.

>>> exact_subset([500, 700, 1200], 1200).status
'ambiguous'
>>> exact_subset([500, 700, 300], 1000).chosen
[1, 2]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["unique", "none", "ambiguous", "unsearched"]


@dataclass(frozen=True)
class SubsetResult:
    status: Status
    chosen: list[int] = field(default_factory=list)  # indexes into the amounts given
    other: list[int] = field(default_factory=list)  # a second solution, when ambiguous
    work: int = 0


def _walk(amounts: list[int], prefixes: list[int], target: int, prefer_take: bool) -> list[int]:
    """One solution, read back from the per-item reachable sets (taking items when preferred)."""
    chosen, s = [], target
    for i in range(len(amounts) - 1, -1, -1):
        before = prefixes[i]
        can_skip = (before >> s) & 1
        can_take = s >= amounts[i] and (before >> (s - amounts[i])) & 1
        if can_take and (prefer_take or not can_skip):
            chosen.append(i)
            s -= amounts[i]
    return sorted(chosen)


def exact_subset(amounts: list[int], target: int, budget: int = 250_000_000) -> SubsetResult:
    """Which items (positive integers) sum exactly to `target`: unique, none, ambiguous or unsearched."""
    usable = [i for i, a in enumerate(amounts) if 0 < a <= target]
    values = [amounts[i] for i in usable]
    if target <= 0 or sum(values) < target:
        return SubsetResult("none", work=0)
    mask = (1 << (target + 1)) - 1
    one, two = 1, 0
    prefixes: list[int] = []
    for w in values:
        if (len(prefixes) + 1) * (target + 1) > budget:
            return SubsetResult("unsearched", work=len(values) * (target + 1))
        prefixes.append(one)
        shifted = (one << w) & mask
        two |= ((two << w) & mask) | (one & shifted)
        one |= shifted
        if (two >> target) & 1:  # more items only add ways: ambiguous already
            break
    work = len(prefixes) * (target + 1)
    values = values[: len(prefixes)]
    if not (one >> target) & 1:
        return SubsetResult("none", work=work)
    first = [usable[i] for i in _walk(values, prefixes, target, prefer_take=False)]
    if not (two >> target) & 1:
        return SubsetResult("unique", first, work=work)
    second = [usable[i] for i in _walk(values, prefixes, target, prefer_take=True)]
    return SubsetResult("ambiguous", first, second, work=work)
