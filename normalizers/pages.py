"""Pages: a response body parsed exactly, and split into one raw item per vendor record.

A page whose envelope is wrong fails as a whole (`InputError`); a bad record inside a good
envelope does not: it still becomes a `RawItem`, and `normalize` reports it on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from models import exact_json
from models.errors import InputError

Op = Literal["upsert", "remove"]


@dataclass(frozen=True)
class RawItem:
    """One vendor record as received: its object type (the vendor's name), id, body, op, and
    where it sits in its page: a JSON path of keys and list indices joined by "/" (`data/3`,
    `QueryResponse/Invoice/0`; "" for a page that is the record itself)."""

    object_type: str
    vendor_id: str
    payload: Any
    op: Op = "upsert"
    path: str = ""


def load_json(data: bytes | str, *, where: str) -> Any:
    """Parse a response body with exact decimals, never floats (`models.exact_json`)."""
    try:
        return exact_json.decode(data)
    except exact_json.DecodeError as error:
        raise InputError(f"page is not valid JSON ({error})", where=where) from None


def expect_object(body: Any, *, where: str, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InputError(f"expected {what} (a JSON object), got {type(body).__name__}", where=where)
    return body


def expect_list(value: Any, *, where: str, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"{key} should be a list, got {type(value).__name__}", where=where)
    return value


def item_id(item: Any, key: str, *, where: str, index: int) -> str:
    """The record's own id, or a stand-in naming its position when it has none.

    The stand-in keeps the record (so the ledger stores it and `normalize` reports it) without
    failing the page it came in.
    """
    found = usable_id(item.get(key) if isinstance(item, dict) else None)
    return found if found is not None else f"(no {key}) {where} #{index}"


def usable_id(value: Any) -> str | None:
    """A vendor id as text: a non-empty string or an integer (not a boolean); else None."""
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
        return str(value)
    return None


def items_of(
    records: list[Any], object_type: str, key: str, *, where: str, at: str, op: Op = "upsert"
) -> list[RawItem]:
    """The records of the list at path `at` of a page, each with its own path (`at/index`)."""
    return [
        RawItem(
            object_type, item_id(item, key, where=where, index=index), item, op, f"{at}/{index}"
        )
        for index, item in enumerate(records)
    ]


def one_item(record: Any, object_type: str, key: str, *, where: str, at: str) -> list[RawItem]:
    """A page that holds one record, at path `at` ("" when the page is the record)."""
    return [RawItem(object_type, item_id(record, key, where=where, index=0), record, path=at)]
