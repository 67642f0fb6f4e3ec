"""The exact subset sum against brute force: the same verdict, never a guess."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.subset_sum import exact_subset


def _brute(amounts: list[int], target: int) -> list[tuple[int, ...]]:
    return [
        c
        for r in range(1, len(amounts) + 1)
        for c in combinations(range(len(amounts)), r)
        if sum(amounts[i] for i in c) == target
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 60), min_size=1, max_size=9), st.integers(1, 200))
def test_verdict_matches_brute_force(amounts, target):
    result = exact_subset(amounts, target)
    fits = _brute(amounts, target)
    expected = {0: "none", 1: "unique"}.get(len(fits), "ambiguous")
    assert result.status == expected
    if result.status == "unique":
        assert tuple(result.chosen) == fits[0]
    if result.status == "ambiguous":
        assert result.chosen != result.other
        for subset in (result.chosen, result.other):
            assert sum(amounts[i] for i in subset) == target


def test_over_budget_is_unsearched_not_guessed():
    amounts = [100_013 + 7 * i for i in range(50)]
    result = exact_subset(amounts, sum(amounts[:20]), budget=10_000)
    assert result.status == "unsearched" and result.chosen == []
