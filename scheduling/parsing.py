"""Command-line values: durations (`1d`, `6h30m`, `PT6H`) and instants (ISO date or datetime)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from pydantic import TypeAdapter, ValidationError

from models.errors import InputError

_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_SHORT = re.compile(r"(\d+)([wdhms])")
_ISO = TypeAdapter(timedelta)


def parse_duration(text: str, option: str) -> timedelta:
    """`1d`, `6h`, `1d12h`, `90m`, `30s`, `2w`, or ISO 8601 (`P1D`, `PT6H`)."""
    value = text.strip().lower()
    if value and _SHORT.sub("", value) == "":
        parts = {_UNITS[unit]: 0 for unit in _UNITS}
        for amount, unit in _SHORT.findall(value):
            parts[_UNITS[unit]] += int(amount)
        return timedelta(**parts)
    if value.startswith("p"):
        try:
            return _ISO.validate_python(text.strip().upper())
        except ValidationError:
            pass
    raise InputError(f"{text!r} is not a duration (e.g. 1d, 6h, 1d12h, 30m, PT6H)", where=option)


def parse_instant(text: str, option: str) -> datetime:
    """ISO 8601 date or datetime; a date means its midnight UTC, a time without zone is UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), time())
        except ValueError:
            raise InputError(
                f"{text!r} is not an ISO date or datetime (e.g. 2026-10-01 or 2026-10-01T00:00Z)",
                where=option,
            ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def duration_text(value: timedelta | None) -> str:
    """The short form `parse_duration` reads: `1d`, `48h`, `1d12h`, `90s`."""
    if value is None:
        return "-"
    seconds = int(value.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h")]
    parts += [(seconds % 3600 // 60, "m"), (seconds % 60, "s")]
    return "".join(f"{n}{unit}" for n, unit in parts if n) or "0s"
