"""Filtering and cursor pagination of Shopify Admin REST lists (orders, customers, events).

As Shopify documents: filters go on the first request only; the response's `Link` header carries
`page_info` tokens (rel="next" / rel="previous"), and a request with `page_info` may add only
`limit` and `fields`. The token here is opaque base64 of the filters, the sort and the boundary
record, so a page is the same however the data around it has changed. Default sort: `id desc`
(newest first); `order=created_at asc` etc. may be given on the first request.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from sandbox.servers.recent import RecentResults

DATE_FILTERS = {
    "created_at_min": ("created_at", ">="),
    "created_at_max": ("created_at", "<="),
    "updated_at_min": ("updated_at", ">="),
    "updated_at_max": ("updated_at", "<="),
    "processed_at_min": ("processed_at", ">="),
    "processed_at_max": ("processed_at", "<="),
}
PAGE_PARAMS = {"page_info", "limit", "fields"}
FILTERS = {
    "orders": {
        *DATE_FILTERS,
        "status",
        "financial_status",
        "fulfillment_status",
        "since_id",
        "ids",
        "order",
    },
    "customers": {*DATE_FILTERS, "since_id", "ids", "order"},
    # `filter`: subject types (`Order,Product`); `verb`: what happened (`destroy`)
    "events": {"created_at_min", "created_at_max", "since_id", "filter", "verb"},
}
SORTABLE = {"id", "created_at", "updated_at", "processed_at"}
EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


class ShopifyError(Exception):
    def __init__(self, status: int, errors: Any) -> None:
        super().__init__(str(errors))
        self.status, self.errors = status, errors


def parse_time(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ShopifyError(400, {name: f"{value!r} is not an ISO 8601 date-time"}) from None
    if parsed.tzinfo is None:
        raise ShopifyError(400, {name: f"{value!r} has no time zone offset"})
    return parsed


def limit_of(params: dict[str, str]) -> int:
    raw = params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 250:
        raise ShopifyError(400, {"limit": "must be an integer between 1 and 250"})
    return int(raw)


def filters_of(resource: str, params: dict[str, str]) -> dict[str, str]:
    if "page_info" in params:
        extra = sorted(set(params) - PAGE_PARAMS)
        if extra:
            raise ShopifyError(
                400,
                {
                    "page_info": f"page_info cannot be passed with {', '.join(extra)}; only limit and fields may accompany it"
                },
            )
        return decode_token(params["page_info"])["filters"]
    unknown = sorted(set(params) - FILTERS[resource] - PAGE_PARAMS)
    if unknown:
        raise ShopifyError(400, {unknown[0]: "is not a supported parameter"})
    return {k: v for k, v in params.items() if k in FILTERS[resource]}


def matches(record: dict[str, Any], filters: dict[str, str]) -> bool:
    for name, (field, op) in DATE_FILTERS.items():
        if name in filters:
            value = record.get(field)
            if value is None:
                return False
            bound, at = parse_time(filters[name], name), parse_time(value, field)
            if (op == ">=" and at < bound) or (op == "<=" and at > bound):
                return False
    if "since_id" in filters and not int(record["id"]) > int(filters["since_id"]):
        return False
    if "ids" in filters and str(record["id"]) not in filters["ids"].split(","):
        return False
    if "filter" in filters and record.get("subject_type") not in _subject_types(filters):
        return False
    if "verb" in filters and record.get("verb") != filters["verb"]:
        return False
    for field in ("financial_status", "fulfillment_status"):
        if filters.get(field, "any") != "any" and record.get(field) != filters[field]:
            return False
    return _status_matches(record, filters.get("status", "open"))


def _subject_types(filters: dict[str, str]) -> set[str]:
    return {name.strip() for name in filters["filter"].split(",")}


def _status_matches(record: dict[str, Any], status: str) -> bool:
    if "closed_at" not in record and "cancelled_at" not in record:
        return True  # not an order
    return {
        "any": True,
        "open": record.get("closed_at") is None and record.get("cancelled_at") is None,
        "closed": record.get("closed_at") is not None,
        "cancelled": record.get("cancelled_at") is not None,
    }.get(status, False)


def sort_spec(filters: dict[str, str]) -> tuple[str, bool]:
    field, _, direction = filters.get("order", "id desc").partition(" ")
    if field not in SORTABLE or direction.lower() not in ("", "asc", "desc"):
        raise ShopifyError(400, {"order": f"cannot sort by {filters['order']!r}"})
    return field, direction.lower() == "desc" or (direction == "" and field == "id")


def sort_key(record: dict[str, Any], field: str) -> tuple:
    value = record.get(field)
    if field == "id":
        return (int(record["id"]),)
    at = parse_time(value, field) if value else EPOCH
    return (at, int(record["id"]))


def encode_token(filters: dict[str, str], boundary: dict[str, Any], direction: str) -> str:
    raw = json.dumps({"filters": filters, "id": boundary["id"], "direction": direction})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not {"filters", "id", "direction"} <= set(data):
            raise ValueError(token)
        return data
    except ValueError:
        raise ShopifyError(400, {"page_info": "Invalid value."}) from None


Listing = tuple[list[dict[str, Any]], dict[Any, int]]  # matching records in order, id → index


def page(
    records: list[dict[str, Any]],
    params: dict[str, str],
    resource: str,
    listings: RecentResults[str, Listing] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One page of `records` and the page_info tokens for rel=next / rel=previous.

    `listings` keeps each filter's ordered matches between pages (the caller empties it when
    the records change), so a page costs a slice, not a filter and sort of every record.
    """
    filters, limit = filters_of(resource, params), limit_of(params)
    key = json.dumps([resource, filters], sort_keys=True)
    listing = listings.get(key) if listings is not None else None
    if listing is None:
        listing = _listing(records, filters)
        if listings is not None:
            listings.keep(key, listing)
    ordered, positions = listing
    start, end = _window(ordered, positions, params, limit)
    links = {}
    if end < len(ordered):
        links["next"] = encode_token(filters, ordered[end - 1], "next")
    if start > 0:
        links["previous"] = encode_token(filters, ordered[start], "previous")
    return ordered[start:end], links


def _listing(records: list[dict[str, Any]], filters: dict[str, str]) -> Listing:
    field, descending = sort_spec(filters)
    ordered = sorted(
        (r for r in records if matches(r, filters)),
        key=lambda r: sort_key(r, field),
        reverse=descending,
    )
    return ordered, {r["id"]: i for i, r in enumerate(ordered)}


def _window(
    ordered: list[dict[str, Any]], positions: dict[Any, int], params: dict[str, str], limit: int
) -> tuple[int, int]:
    if "page_info" not in params:
        return 0, min(limit, len(ordered))
    token = decode_token(params["page_info"])
    at = positions.get(token["id"])
    if at is None:
        raise ShopifyError(400, {"page_info": "Invalid value."})
    if token["direction"] == "next":
        return at + 1, min(at + 1 + limit, len(ordered))
    return max(0, at - limit), at
