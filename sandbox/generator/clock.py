"""The shop's calendar: local business hours in America/New_York, business days, UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sandbox.generator.business import SHOP_ZONE


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant given in the shop's wall-clock time, as aware UTC."""
    return datetime.combine(day, time(hour, minute, second), SHOP_ZONE).astimezone(UTC)


def shop_date(instant: datetime) -> date:
    return instant.astimezone(SHOP_ZONE).date()


def is_business_day(day: date) -> bool:
    return day.weekday() < 5


def add_business_days(day: date, count: int) -> date:
    while count:
        day += timedelta(days=1)
        count -= is_business_day(day)
    return day


def days_of(first: date, end: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((end - first).days)]


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)
