"""A loopback Shopify Admin REST API: orders, customers and events, order updates and metafields.

Paths carry the API version (`/admin/api/2024-10/orders.json`). Auth is the
`X-Shopify-Access-Token` header (401 `{"errors": "[API] Invalid API key or access token ..."}`).
Every answer carries `X-Shopify-Shop-Api-Call-Limit: n/40` from a leaky bucket (40 calls, leaking
2 per second, per token); a request into a full bucket gets 429 with `Retry-After`. Lists paginate
with `Link` headers (see `shopify_listing`). Write-back: `PUT orders/{id}.json` (note, tags, ...)
`POST orders/{id}/metafields.json` and `PUT orders/{id}/metafields/{metafield_id}.json`.
An order deleted in the shop (`ShopifyState.delete_order`) leaves the lists and is told by
`GET events.json?filter=Order&verb=destroy`, as Shopify tells it.
"""

from __future__ import annotations

import copy
import itertools
import re
import threading
import time
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.servers.host import json_response
from sandbox.servers.recent import RecentResults
from sandbox.servers.shopify_listing import Listing, ShopifyError, filters_of, matches, page

VERSION = r"(?:\d{4}-\d{2}|unstable)"
UPDATABLE = {
    "note",
    "tags",
    "email",
    "phone",
    "note_attributes",
    "buyer_accepts_marketing",
    "shipping_address",
}
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
THROTTLED = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."


class LeakyBucket:
    """Shopify's REST rate limit: each call fills one unit; the bucket leaks `leak_rate` per second."""

    def __init__(self, size: int = 40, leak_rate: float = 2.0) -> None:
        self.size, self.leak_rate = size, leak_rate
        self.level, self.at = 0.0, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self.at) * self.leak_rate)
        self.at = now
        if self.level + 1 > self.size:
            return False
        self.level += 1
        return True

    def wait(self) -> float:
        """Seconds until one more call fits (what Retry-After says)."""
        return max(0.0, (self.level + 1 - self.size) / self.leak_rate)

    def header(self) -> str:
        return f"{min(self.size, int(-(-self.level // 1)))}/{self.size}"


class ShopifyState:
    def __init__(
        self,
        orders: list[dict[str, Any]],
        customers: list[dict[str, Any]],
        access_token: str,
        bucket: LeakyBucket | None = None,
    ) -> None:
        self.access_token = access_token
        self.lock = threading.Lock()
        self.orders = {int(o["id"]): copy.deepcopy(o) for o in orders}
        self.customers = {int(c["id"]): copy.deepcopy(c) for c in customers}
        self.metafields: dict[int, list[dict[str, Any]]] = {}
        self.events: dict[int, dict[str, Any]] = {}
        # Shopify's answer to a version it no longer supports: the oldest supported one,
        # named in `X-Shopify-API-Version`; and `X-Shopify-API-Deprecated-Reason` on requests
        # that use something deprecated. None: the version asked for, nothing deprecated.
        self.served_version: str | None = None
        self.deprecated_reason: str | None = None
        self._event_ids = itertools.count(164_748_010)
        self.listings: RecentResults[str, Listing] = RecentResults()  # emptied by changes
        self.bucket = bucket or LeakyBucket()
        self._metafield_ids = itertools.count(1_069_228_900)

    def put(self, resource: str, record: dict[str, Any]) -> None:
        """Serve a new or changed order / customer from now on (a test changing the shop)."""
        with self.lock:
            store = self.orders if resource == "orders" else self.customers
            store[int(record["id"])] = copy.deepcopy(record)
            self.listings.clear()

    def delete_order(self, order_id: int, at: str | None = None) -> dict[str, Any]:
        """The shop deletes an order (a merchant in the admin) now, or `at` (ISO 8601): it
        leaves the lists, and a `destroy` event for it is served from now on; returns it."""
        with self.lock:
            order = self._order(order_id)
            del self.orders[order_id]
            self.metafields.pop(order_id, None)
            name = str(order.get("name") or f"#{order_id}")
            event_id = next(self._event_ids)
            event = {
                "id": event_id,
                "subject_id": order_id,
                "created_at": at or _now(),
                "subject_type": "Order",
                "verb": "destroy",
                "arguments": [name],
                "body": None,
                "message": f"Order {name} was deleted.",
                "author": "Shopify",
                "description": f"Order {name} was deleted.",
                "path": f"/admin/orders/{order_id}",
            }
            self.events[event_id] = event
            self.listings.clear()
            return event

    def update_order(self, order_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        order = self._order(order_id)
        order.update({k: v for k, v in changes.items() if k in UPDATABLE})
        order["updated_at"] = _now()
        self.listings.clear()
        return order

    def add_metafield(self, order_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        self._order(order_id)
        missing = [k for k in ("namespace", "key", "value", "type") if fields.get(k) in (None, "")]
        if missing:
            raise ShopifyError(422, {k: ["can't be blank"] for k in missing})
        existing = self.metafields.setdefault(order_id, [])
        if any(
            m["namespace"] == fields["namespace"] and m["key"] == fields["key"] for m in existing
        ):
            raise ShopifyError(
                422, {"key": ["must be unique within this namespace on this resource"]}
            )
        metafield_id, now = next(self._metafield_ids), _now()
        metafield = {
            "id": metafield_id,
            "namespace": fields["namespace"],
            "key": fields["key"],
            "value": fields["value"],
            "type": fields["type"],
            "description": fields.get("description"),
            "owner_id": order_id,
            "owner_resource": "order",
            "created_at": now,
            "updated_at": now,
            "admin_graphql_api_id": f"gid://shopify/Metafield/{metafield_id}",
        }
        existing.append(metafield)
        return metafield

    def update_metafield(
        self, order_id: int, metafield_id: int, fields: dict[str, Any]
    ) -> dict[str, Any]:
        self._order(order_id)
        found = [m for m in self.metafields.get(order_id, []) if m["id"] == metafield_id]
        if not found:
            raise ShopifyError(404, "Not Found")
        if fields.get("value") in (None, ""):
            raise ShopifyError(422, {"value": ["can't be blank"]})
        found[0].update(value=fields["value"], updated_at=_now())
        if fields.get("type"):
            found[0]["type"] = fields["type"]
        return found[0]

    def _order(self, order_id: int) -> dict[str, Any]:
        if order_id not in self.orders:
            raise ShopifyError(404, "Not Found")
        return self.orders[order_id]


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "-00:00")


def fault_response(kind: str, fault: Fault) -> tuple[int, Any, dict[str, str]]:
    if kind == "rate_limit":
        return 429, {"errors": THROTTLED}, {"Retry-After": f"{float(fault.retry_after):.1f}"}
    return 500, {"errors": "Internal Server Error"}, {}


def _fields(record: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    if "fields" not in params:
        return record
    wanted = [f.strip() for f in params["fields"].split(",")]
    return {k: record[k] for k in wanted if k in record}


def _links(request: Request, tokens: dict[str, str], limit: str | None) -> dict[str, str]:
    if not tokens:
        return {}
    base = str(request.url.replace(query=""))
    suffix = f"&limit={limit}" if limit else ""
    return {
        "Link": ", ".join(
            f'<{base}?page_info={token}{suffix}>; rel="{rel}"'
            for rel, token in reversed(tokens.items())
        )
    }


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ShopifyError(400, {"error": "822: unexpected token at request body"}) from None
    if not isinstance(body, dict):
        raise ShopifyError(400, {"error": "body must be a JSON object"})
    return body


def build_app(state: ShopifyState) -> Starlette:
    def endpoint(handler):
        async def wrapped(request: Request) -> Response:
            if not re.fullmatch(VERSION, request.path_params["version"]):
                return json_response({"errors": "Not Found"}, 404)
            if request.headers.get("x-shopify-access-token") != state.access_token:
                return json_response({"errors": INVALID_TOKEN}, 401)
            with state.lock:
                allowed, call_limit = state.bucket.take(), state.bucket.header()
                retry_after = f"{max(state.bucket.wait(), 0.1):.1f}"
            headers = {
                "X-Shopify-Shop-Api-Call-Limit": call_limit,
                "X-Shopify-API-Version": state.served_version or request.path_params["version"],
            }
            if state.deprecated_reason:
                headers["X-Shopify-API-Deprecated-Reason"] = state.deprecated_reason
            if not allowed:
                return json_response(
                    {"errors": THROTTLED}, 429, {**headers, "Retry-After": retry_after}
                )
            try:
                body = await _json(request) if request.method in ("PUT", "POST") else None
                with state.lock:
                    status, payload, extra = handler(request, body)
                return json_response(payload, status, {**headers, **extra})
            except ShopifyError as error:
                return json_response({"errors": error.errors}, error.status, headers)

        return wrapped

    def lister(resource: str):
        def handle(request: Request, _: Any) -> tuple[int, Any, dict[str, str]]:
            params = dict(request.query_params)
            stores = {"orders": state.orders, "customers": state.customers, "events": state.events}
            records = list(stores[resource].values())
            items, tokens = page(records, params, resource, state.listings)
            body = {resource: [_fields(r, params) for r in items]}
            return 200, body, _links(request, tokens, params.get("limit"))

        return handle

    def order_id(request: Request) -> int:
        return int(request.path_params["id"])

    def get_order(request: Request, _: Any):
        return (
            200,
            {"order": _fields(state._order(order_id(request)), dict(request.query_params))},
            {},
        )

    def put_order(request: Request, body: dict[str, Any]):
        if not isinstance(body.get("order"), dict):
            raise ShopifyError(400, {"order": "Required parameter missing or invalid"})
        return 200, {"order": state.update_order(order_id(request), body["order"])}, {}

    def order_count(request: Request, _: Any):
        filters = filters_of("orders", dict(request.query_params))
        return 200, {"count": sum(1 for o in state.orders.values() if matches(o, filters))}, {}

    def list_metafields(request: Request, _: Any):
        state._order(order_id(request))
        wanted = {k: v for k, v in request.query_params.items() if k in ("namespace", "key")}
        listed = state.metafields.get(order_id(request), [])
        return 200, {"metafields": [m for m in listed if _has(m, wanted)]}, {}

    def put_metafield(request: Request, body: dict[str, Any]):
        if not isinstance(body.get("metafield"), dict):
            raise ShopifyError(400, {"metafield": "Required parameter missing or invalid"})
        metafield_id = int(request.path_params["mid"])
        saved = state.update_metafield(order_id(request), metafield_id, body["metafield"])
        return 200, {"metafield": saved}, {}

    def post_metafield(request: Request, body: dict[str, Any]):
        if not isinstance(body.get("metafield"), dict):
            raise ShopifyError(400, {"metafield": "Required parameter missing or invalid"})
        return 201, {"metafield": state.add_metafield(order_id(request), body["metafield"])}, {}

    prefix = "/admin/api/{version}"
    routes = [
        Route(prefix + "/orders.json", endpoint(lister("orders")), methods=["GET"]),
        Route(prefix + "/orders/count.json", endpoint(order_count), methods=["GET"]),
        Route(prefix + "/customers.json", endpoint(lister("customers")), methods=["GET"]),
        Route(prefix + "/events.json", endpoint(lister("events")), methods=["GET"]),
        Route(prefix + "/orders/{id:int}.json", endpoint(get_order), methods=["GET"]),
        Route(prefix + "/orders/{id:int}.json", endpoint(put_order), methods=["PUT"]),
        Route(
            prefix + "/orders/{id:int}/metafields.json", endpoint(list_metafields), methods=["GET"]
        ),
        Route(
            prefix + "/orders/{id:int}/metafields.json", endpoint(post_metafield), methods=["POST"]
        ),
        Route(
            prefix + "/orders/{id:int}/metafields/{mid:int}.json",
            endpoint(put_metafield),
            methods=["PUT"],
        ),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        return json_response({"errors": "Not Found"}, 404)

    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})


def _has(metafield: dict[str, Any], wanted: dict[str, str]) -> bool:
    """`GET …/metafields.json?namespace=…&key=…`: Shopify's filters on the list."""
    return all(metafield.get(name) == value for name, value in wanted.items())
