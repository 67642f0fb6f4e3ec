"""One-to-one assignment of candidate pairs, best first, the same way on every run.

Candidates are sorted by the caller's preference columns, then by both keys, so ties break on
stable keys. The result is the greedy assignment in that order. Pairs that are each other's
first choice (the common case) are taken in one vectorized step, which the greedy scan would
take too (nothing before them touches either side); the greedy scan settles only the rest.
"""

from __future__ import annotations

import pandas as pd


def one_to_one(
    pairs: pd.DataFrame, prefer: list[str], left: str = "left", right: str = "right"
) -> pd.DataFrame:
    """Rows of `pairs` such that no left and no right appears twice, preferring lower `prefer`."""
    if pairs.empty:
        return pairs
    ordered = pairs.sort_values([*prefer, left, right], kind="stable").reset_index(drop=True)
    mutual = ordered.index.intersection(ordered.drop_duplicates(left).index).intersection(
        ordered.drop_duplicates(right).index
    )
    taken_left = set(ordered.loc[mutual, left])
    taken_right = set(ordered.loc[mutual, right])
    keep = list(mutual)
    rest = ordered[~ordered[left].isin(taken_left) & ~ordered[right].isin(taken_right)]
    for index, a, b in zip(rest.index, rest[left], rest[right], strict=True):
        if a not in taken_left and b not in taken_right:
            taken_left.add(a)
            taken_right.add(b)
            keep.append(index)
    return ordered.loc[sorted(keep)].reset_index(drop=True)
