"""A schedule's times in one line a person reads: cron-like fields, intervals, time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from temporalio.client import ScheduleCalendarSpec, ScheduleRange, ScheduleSpec

# (field, the range that means "every value") in cron order after the seconds
_CRON_FIELDS = (
    ("minute", None),
    ("hour", None),
    ("day_of_month", ScheduleRange(1, 31)),
    ("month", ScheduleRange(1, 12)),
    ("day_of_week", ScheduleRange(0, 6)),
)


def spec_text(spec: ScheduleSpec) -> str:
    """E.g. `cron 0 0 * * * (UTC)` or `every 6:00:00 (UTC)`."""
    parts = [f"cron {calendar_text(c)}" for c in spec.calendars]
    parts += [f"cron {c}" for c in spec.cron_expressions]
    parts += [f"every {_interval_text(i.every, i.offset)}" for i in spec.intervals]
    return f"{'; '.join(parts) or 'no times'} ({spec.time_zone_name or 'UTC'})"


def calendar_text(calendar: ScheduleCalendarSpec) -> str:
    fields = [_ranges_text(getattr(calendar, name), every) for name, every in _CRON_FIELDS]
    seconds = _ranges_text(calendar.second, None)
    if seconds != "0":
        fields.insert(0, seconds)
    return " ".join(fields)


def _ranges_text(ranges: Sequence[ScheduleRange], every: ScheduleRange | None) -> str:
    if every is not None and list(ranges) == [every]:
        return "*"
    return ",".join(_range_text(r) for r in ranges)


def _range_text(r: ScheduleRange) -> str:
    text = str(r.start) if r.end == r.start else f"{r.start}-{r.end}"
    return f"{text}/{r.step}" if r.step > 1 else text


def _interval_text(every: timedelta, offset: timedelta | None) -> str:
    return f"{every} offset {offset}" if offset else str(every)
