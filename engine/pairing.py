"""One-to-one assignment of candidate pairs, best first, the same way on every run.

Pairs name their sides by row position (`left`, `right`: integers; frames are sorted by key, so
position order is key order). Candidates are ordered by the caller's preference columns, then
by both positions, so ties break on stable keys. The result is the greedy assignment in that
order. Pairs that are each other's first choice (the common case) are taken in one vectorized
step — the greedy scan would take them too, since nothing before them touches either side —
and the scan settles only the rest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _greedy(lefts: np.ndarray, rights: np.ndarray, taken_l: set, taken_r: set) -> list[int]:
    keep = []
    for position, (a, b) in enumerate(zip(lefts.tolist(), rights.tolist(), strict=True)):
        if a not in taken_l and b not in taken_r:
            taken_l.add(a)
            taken_r.add(b)
            keep.append(position)
    return keep


def one_to_one(
    pairs: pd.DataFrame, prefer: list[str], left: str = "left", right: str = "right"
) -> pd.DataFrame:
    """Rows of `pairs` such that no left and no right appears twice, preferring lower `prefer`."""
    if pairs.empty:
        return pairs.reset_index(drop=True)
    columns = [pairs[c].to_numpy() for c in (right, left, *reversed(prefer))]
    order = np.lexsort(columns)
    lefts, rights = columns[1][order], columns[0][order]
    first_left = ~pd.Series(lefts).duplicated().to_numpy()
    first_right = ~pd.Series(rights).duplicated().to_numpy()
    mutual = np.flatnonzero(first_left & first_right)
    blocked = np.isin(lefts, lefts[mutual]) | np.isin(rights, rights[mutual])
    rest = np.flatnonzero(~blocked)
    chosen = rest[_greedy(lefts[rest], rights[rest], set(), set())]
    keep = np.sort(np.concatenate([mutual, chosen]))
    return pairs.iloc[order[keep]].reset_index(drop=True)


def keyed(pairs: pd.DataFrame, left_frame: pd.DataFrame, right_frame: pd.DataFrame) -> pd.DataFrame:
    """The chosen pairs with their record keys (`left_key`, `right_key`) looked up by position."""
    return pairs.assign(
        left_key=left_frame["key"].to_numpy(dtype=object)[pairs["left"].to_numpy(dtype=np.int64)],
        right_key=right_frame["key"].to_numpy(dtype=object)[
            pairs["right"].to_numpy(dtype=np.int64)
        ],
    )
