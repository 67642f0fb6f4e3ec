"""Reading one vendor record's fields, so that every failure names the record and the field.

`Fields` wraps a record's JSON object and the place it came from. Each reader either returns a
value of the right type or raises `InputError` whose `where` ends in `field <path>`, e.g.
`file shopify/orders_0001.json, order 450789469, field total_price`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from models.errors import InputError
from models.money import currency_code, from_minor_units, parse_amount


def record_where(where: str, object_type: str, record_id: object) -> str:
    """`where` plus the record, unless the caller already named it."""
    label = f"{object_type} {record_id}"
    return where if label in where else f"{where}, {label}".lstrip(", ")


def record_fields(payload: Any, *, where: str, object_type: str, id_field: str) -> Fields:
    """A record's fields, located by its id; the id is checked first, as every error names it."""
    if not isinstance(payload, dict):
        raise InputError(f"{object_type} is not a JSON object", where=where)
    record_id = payload.get(id_field)
    if isinstance(record_id, bool) or not isinstance(record_id, str | int) or record_id == "":
        place = record_where(where, object_type, "(no id)")
        raise InputError(f"missing required field {id_field}", where=f"{place}, field {id_field}")
    return Fields(payload, record_where(where, object_type, record_id))


@cache
def _steps(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


class Fields:
    """Typed, located access to one JSON object (a record, or a part of one)."""

    def __init__(self, payload: Any, where: str, prefix: str = "") -> None:
        if not isinstance(payload, dict):
            place = f"{where}, field {prefix.rstrip('.')}" if prefix else where
            raise InputError(f"expected a JSON object, got {type(payload).__name__}", where=place)
        self.payload = payload
        self.where = where
        self.prefix = prefix

    def at(self, path: str) -> str:
        return f"{self.where}, field {self.prefix}{path}"

    def fail(self, path: str, message: str) -> InputError:
        return InputError(message, where=self.at(path))

    def get(self, path: str) -> Any:
        """The value at a dotted path, or None when any step is missing or null."""
        if "." not in path:
            return self.payload.get(path)
        value: Any = self.payload
        for key in _steps(path):
            if type(value) is not dict:
                return None
            value = value.get(key)
        return value

    def require(self, path: str) -> Any:
        value = self.get(path)
        if value is None or value == "":
            raise self.fail(path, f"missing required field {path}")
        return value

    def text(self, path: str, *, required: bool = False) -> str | None:
        value = self.get(path)
        kind = type(value)
        if kind is str and (value or not required):  # the common case, first
            return value
        if value is None or value == "":
            if required:
                raise self.fail(path, f"missing required field {path}")
            return value
        if kind is int or kind is Decimal:
            return str(value)
        raise self.fail(path, f"{path} should be text, got {kind.__name__}")

    def id(self, path: str = "id") -> str:
        return self.text(path, required=True) or ""

    def flag(self, path: str, default: bool = False) -> bool:
        value = self.get(path)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(path, f"{path} should be true or false, got {value!r}")
        return value

    def currency(self, path: str, *, default: str | None = None) -> str:
        raw = self.get(path)
        if raw is None and default is not None:
            raw = default
        if raw is None:
            raise self.fail(path, f"missing required field {path}")
        try:
            return currency_code(raw)
        except InputError as error:
            raise error.at(self.at(path)) from None

    def amount(self, path: str, currency: str, *, default: Decimal | None = None) -> Decimal:
        """A decimal amount (string or exact JSON number), quantized to the currency."""
        raw = self.get(path)
        if raw is None:
            if default is not None:
                return default
            raise self.fail(path, f"missing required field {path}")
        try:
            return parse_amount(raw, currency)
        except InputError as error:
            raise error.at(self.at(path)) from None

    def optional_amount(self, path: str, currency: str) -> Decimal | None:
        return None if self.get(path) is None else self.amount(path, currency)

    def minor_units(self, path: str, currency: str, *, default: int | None = None) -> Decimal:
        """A Stripe-style integer amount in the currency's smallest unit."""
        raw = self.get(path)
        if raw is None and default is not None:
            raw = default
        if raw is None:
            raise self.fail(path, f"missing required field {path}")
        try:
            return from_minor_units(raw, currency)
        except InputError as error:
            raise error.at(self.at(path)) from None

    def number(self, path: str, *, default: Decimal | None = None) -> Decimal:
        """An exact number that is not money (a quantity, a unit price): never rounded."""
        raw = self.get(path)
        if raw is None:
            if default is not None:
                return default
            raise self.fail(path, f"missing required field {path}")
        if isinstance(raw, bool | float):
            raise self.fail(path, f"{path} {raw!r} is not an exact decimal")
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise self.fail(path, f"{path} {raw!r} does not parse as a number") from None
        if not value.is_finite():
            raise self.fail(path, f"{path} {raw!r} is not finite")
        return value

    def date(self, path: str, *, required: bool = False) -> dt.date | None:
        """A calendar date given as `YYYY-MM-DD`; it stays a date (no time zone to guess)."""
        raw = self.require(path) if required else self.get(path)
        if raw is None:
            return None
        if not isinstance(raw, str) or len(raw) != 10:
            raise self.fail(path, f"{path} {raw!r} is not a date (YYYY-MM-DD)")
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise self.fail(path, f"{path} {raw!r} is not a date (YYYY-MM-DD)") from None

    def instant(self, path: str, *, required: bool = False) -> datetime | None:
        """An ISO 8601 timestamp with its UTC offset, returned as aware UTC."""
        raw = self.require(path) if required else self.get(path)
        if raw is None:
            return None
        try:
            value = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            value = None
        if value is None:
            raise self.fail(path, f"{path} {raw!r} is not an ISO 8601 timestamp")
        if value.tzinfo is None or value.utcoffset() is None:
            raise self.fail(path, f"{path} {raw!r} has no UTC offset")
        return value.astimezone(UTC)

    def unix_instant(self, path: str, *, required: bool = False) -> datetime | None:
        """Unix seconds (Stripe `created`) as aware UTC."""
        raw = self.require(path) if required else self.get(path)
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise self.fail(path, f"{path} {raw!r} is not a unix timestamp in whole seconds")
        try:
            return datetime.fromtimestamp(raw, UTC)
        except (OverflowError, OSError, ValueError):
            raise self.fail(path, f"{path} {raw!r} is out of range") from None

    def unix_date(self, path: str, *, required: bool = False) -> dt.date | None:
        """A Stripe date-valued timestamp (midnight UTC of the day): the UTC calendar date."""
        moment = self.unix_instant(path, required=required)
        return None if moment is None else moment.date()

    def id_of(self, path: str) -> str | None:
        """A reference given as an id or as the expanded object (Stripe `expand[]`)."""
        value = self.get(path)
        if isinstance(value, dict):
            return Fields(value, self.where, f"{self.prefix}{path}.").id()
        return self.text(path)

    def string_map(self, path: str) -> dict[str, str]:
        value = self.get(path)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, f"{path} should be an object, got {type(value).__name__}")
        bad = [key for key, item in value.items() if not isinstance(item, str)]
        if bad:
            raise self.fail(f"{path}.{bad[0]}", f"{path}.{bad[0]} should be a string")
        return dict(value)

    def part(self, path: str) -> Fields | None:
        """A nested object (an embedded customer, say), located under its path; None if absent."""
        value = self.get(path)
        return None if value is None else Fields(value, self.where, f"{self.prefix}{path}.")

    def items(self, path: str) -> Iterator[Fields]:
        """The objects of a list field, each located as `path[i]`; a missing list is empty."""
        value = self.get(path)
        if value is None:
            return
        if not isinstance(value, list):
            raise self.fail(path, f"{path} should be a list, got {type(value).__name__}")
        for index, item in enumerate(value):
            yield Fields(item, self.where, f"{self.prefix}{path}[{index}].")

    def choice(self, path: str, mapping: dict[str, Any], *, if_null: Any = None) -> Any:
        """The mapped value of an enumerated vendor field; an unknown value is an error.

        `if_null` is the value for a field the vendor documents as nullable; otherwise a
        missing value is an error too.
        """
        if if_null is not None and self.get(path) is None:
            return if_null
        raw = self.text(path, required=True)
        if raw not in mapping:
            known = ", ".join(sorted(mapping))
            raise self.fail(path, f"unknown {path} {raw!r} (expected one of {known})")
        return mapping[raw]
