"""The vectorized candidate passes every matcher builds on.

Rows are named by position (frame index labels; frames are sorted by key). Money and currency
are folded into one int64 join key, so a million-by-a-million pass is an integer hash join plus
an integer filter on the day gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CURRENCY_SLOTS = 1024


def window_pairs(
    left: pd.DataFrame,
    right: pd.DataFrame,
    days: int,
    *,
    same_amount: bool = True,
    left_amount: str = "amount",
    right_amount: str = "amount",
) -> pd.DataFrame:
    """(left, right, gap): rows in the same currency (and the same amount unless
    `same_amount=False`) whose `day` columns are at most `days` apart."""
    if left.empty or right.empty:
        return pd.DataFrame({"left": [], "right": [], "gap": []}, dtype=np.int64)
    lc = left["ccy"].to_numpy(dtype=np.int64)
    rc = right["ccy"].to_numpy(dtype=np.int64)
    if same_amount:
        lc = left[left_amount].to_numpy(dtype=np.int64) * CURRENCY_SLOTS + lc
        rc = right[right_amount].to_numpy(dtype=np.int64) * CURRENCY_SLOTS + rc
    lframe = pd.DataFrame({"k": lc, "day_l": left["day"].to_numpy(), "left": left.index.to_numpy()})
    rframe = pd.DataFrame(
        {"k": rc, "day_r": right["day"].to_numpy(), "right": right.index.to_numpy()}
    )
    pairs = lframe.merge(rframe, on="k")
    gap = np.abs(pairs["day_l"].to_numpy() - pairs["day_r"].to_numpy())
    keep = gap <= days
    return pd.DataFrame(
        {
            "left": pairs["left"].to_numpy()[keep],
            "right": pairs["right"].to_numpy()[keep],
            "gap": gap[keep],
        }
    )


def column_at(frame: pd.DataFrame, column: str, positions: pd.Series | np.ndarray) -> np.ndarray:
    """A frame column's values at the given row positions."""
    return frame[column].to_numpy()[np.asarray(positions, dtype=np.int64)]
