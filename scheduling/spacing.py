"""Does the schedule's spacing fit the period each run reconciles?

A run reconciles `[scheduled − period, scheduled)`. If runs come further apart than the period,
the time between is never reconciled; closer together, it is reconciled twice. A cron that
fires hourly with the default one-day period is refused; irregular spacing (a daily cron in a
zone with daylight saving time gives a 23 h and a 25 h gap a year, a weekday cron a 3-day gap)
is reported as a warning, with what it costs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from temporalio.client import Client

from models.errors import InputError
from scheduling.backfill import matching_times
from scheduling.parsing import duration_text

HORIZON_RUNS = 400  # a year of nights, two weeks of hours: enough to meet both DST changes
MAX_HORIZON = timedelta(days=800)


async def upcoming_times(client: Client, schedule_id: str, period: timedelta) -> list[datetime]:
    now = datetime.now(UTC)
    horizon = min(period * HORIZON_RUNS, MAX_HORIZON)
    return await matching_times(client, schedule_id, now, now + horizon, timedelta(0))


def check_period_fits(times: Sequence[datetime], period: timedelta) -> None:
    """Refuse a period that matches none of the gaps between runs."""
    gaps = Counter(b - a for a, b in pairwise(times))
    if gaps and period not in gaps:
        usual, _ = gaps.most_common(1)[0]
        raise InputError(
            f"runs come {duration_text(usual)} apart but each reconciles {duration_text(period)}; "
            f"give --period {duration_text(usual)}",
            where="--period",
        )


def spacing_warnings(times: Sequence[datetime], period: timedelta) -> list[str]:
    """One line per gap that differs from the period: how often, from when, and what it costs."""
    odd: dict[timedelta, list[datetime]] = {}
    for before, after in pairwise(times):
        if after - before != period:
            odd.setdefault(after - before, []).append(after)
    return [_warning(gap, period, runs) for gap, runs in sorted(odd.items())]


def _warning(gap: timedelta, period: timedelta, runs: list[datetime]) -> str:
    if gap > period:
        cost = f"{duration_text(gap - period)} before each such run is never reconciled"
    else:
        cost = f"{duration_text(period - gap)} before each such run is reconciled twice"
    first = runs[0].strftime("%Y-%m-%dT%H:%MZ")
    return (
        f"{len(runs)} run(s) come {duration_text(gap)} after the one before (first {first}): {cost}"
    )
