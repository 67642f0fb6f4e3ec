"""One deposit against a customer's open invoices: the exact subset sum in integer cents.

Prints the outcome and milliseconds for 40 open invoices of which 15 are paid (random amounts,
where many subsets usually fit and the honest outcome is "ambiguous"; and amounts whose subset
sums are all distinct, where the one answer is found), then for 200 invoices.

    .venv/bin/python bench/bench_subset_sum.py
"""

from __future__ import annotations

import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.config import EngineConfig
from engine.subset_sum import exact_subset

BUDGET = EngineConfig().subset_sum_budget


def _case(label: str, amounts: list[int], paid: list[int], repeat: int = 5) -> None:
    target = sum(amounts[i] for i in paid)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = exact_subset(amounts, target, BUDGET)
        best = min(best, time.perf_counter() - start)
    right = "the paid ones" if result.chosen == sorted(paid) else "another subset"
    detail = {
        "unique": f"found {len(result.chosen)} invoices ({right})",
        "ambiguous": f"two different subsets fit ({len(result.chosen)} and {len(result.other)} invoices); not guessed",
        "unsearched": f"{result.work:,} steps over the budget {BUDGET:,}: too many candidates, not guessed",
        "none": "no subset fits",
    }[result.status]
    print(f"  {label:<52} {best * 1000:8.2f} ms  {result.status}: {detail}")


def run() -> None:
    rng = random.Random(5)
    print("subset sum (best of 5; target ≤ 10 ms for 40 invoices)")
    amounts = [rng.randint(5_000, 200_000) for _ in range(40)]
    _case("40 open, 15 paid, random $50-$2,000", amounts, rng.sample(range(40), 15))
    distinct = [(1 << k) * 100 + rng.randint(1, 99) for k in range(12)]  # sums all distinct
    distinct += [rng.randint(5_000, 20_000) * 1_000_000 for _ in range(28)]  # far too large to mix
    _case(
        "40 open (28 above the deposit), 8 paid, distinct sums", distinct, rng.sample(range(12), 8)
    )
    wide = [rng.randint(5_000, 200_000) for _ in range(200)]
    _case("200 open, 15 paid, random $50-$2,000", wide, rng.sample(range(200), 15), repeat=1)
    large = [rng.randint(100_000, 2_000_000) for _ in range(200)]
    _case("200 open, 15 paid, random $1,000-$20,000", large, rng.sample(range(200), 15), repeat=1)
    small = [rng.randint(500, 20_000) for _ in range(200)]
    _case("200 open, 15 paid, random $5-$200", small, rng.sample(range(200), 15), repeat=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS of this process): {peak:.0f} MB")


if __name__ == "__main__":
    run()
