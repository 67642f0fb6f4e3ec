"""Which records a run checks, and which are not due yet.

A record is checked when its time falls in `[window.start, window.end)`; a date-only field
(a bank posting date, a payout's arrival date) counts from midnight UTC of that day. A record
whose counterpart is missing but whose time + `timing_grace` is still after `as_of` is not late
yet: its finding gets status `pending_timing` and the next run checks it again.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from models.io import Window

DAY = 86_400


def seconds_of(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Epoch seconds of a frame's time column (`ts` already is; `day` columns are days)."""
    values = frame[column].to_numpy(dtype=np.int64)
    return values if column == "ts" else values * DAY


def in_window(frame: pd.DataFrame, column: str, window: Window) -> np.ndarray:
    seconds = seconds_of(frame, column)
    return (seconds >= int(window.start.timestamp())) & (seconds < int(window.end.timestamp()))


def not_due(seconds: np.ndarray, window: Window, grace: timedelta) -> np.ndarray:
    """True where the time + grace is still after `as_of`."""
    return seconds + int(grace.total_seconds()) > int(window.as_of.timestamp())
