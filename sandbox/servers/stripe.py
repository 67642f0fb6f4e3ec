"""A loopback Stripe API (v1) serving charges, refunds, balance transactions and payouts.

Speaks Stripe's wire format so `stripe.StripeClient(key, base_addresses={"api": url})` parses it:
list envelopes `{"object": "list", "data", "has_more", "url"}` newest first, `limit` 1–100,
`starting_after` / `ending_before` cursors, `created[gte|gt|lt|lte]` filters (and
`arrival_date[...]` on payouts, `payout=` / `type=` on balance transactions), `expand[]` of id
fields, Bearer or Basic auth with the secret key, and errors in Stripe's envelope
`{"error": {"type", "code", "message", "param"}}` (401 bad key, 404 missing object, 400 bad
parameter). Unknown query parameters are refused as Stripe refuses them.
"""

from __future__ import annotations

import base64
import itertools
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.servers.host import json_response
from sandbox.servers.recent import RecentResults

RESOURCES = {  # list path -> (object name, extra filters)
    "charges": ("charge", {"customer", "payment_intent"}),
    "refunds": ("refund", {"charge", "payment_intent"}),
    "balance_transactions": ("balance_transaction", {"payout", "type", "source", "currency"}),
    "payouts": ("payout", {"status", "destination"}),
}
RANGE_FILTERS = {"payouts": ("created", "arrival_date")}
PAGING = {"limit", "starting_after", "ending_before"}
_request_ids = itertools.count(1)


class StripeError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        type_: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": type_, "message": message}
        if code:
            self.body["code"] = code
            self.body["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param:
            self.body["param"] = param


class StripeState:
    """The objects served, newest first per list, and the payout membership of balance txns."""

    def __init__(
        self,
        objects: dict[str, list[dict[str, Any]]],
        payout_members: dict[str, list[str]],
        api_key: str,
    ) -> None:
        self.api_key = api_key
        self.lock = threading.Lock()
        self.lists = {name: _newest_first(objects.get(name, [])) for name in RESOURCES}
        self.by_id = {obj["id"]: obj for objs in self.lists.values() for obj in objs}
        self.payout_members = {po: set(ids) for po, ids in payout_members.items()}
        # A filtered list and each id's position in it, per filter: a client pages through
        # the same filter, so each page is a slice instead of a scan of everything.
        self.filtered: RecentResults[tuple, tuple[list[dict[str, Any]], dict[str, int]]] = (
            RecentResults()
        )

    def add(self, resource: str, obj: dict[str, Any], payout: str | None = None) -> None:
        """Serve one more object (a late charge, a new payout) from now on."""
        with self.lock:
            self.lists[resource] = _newest_first([*self.lists[resource], obj])
            self.by_id[obj["id"]] = obj
            self.filtered.clear()
            if payout:
                self.payout_members.setdefault(payout, set()).add(obj["id"])

    def change(self, object_id: str, **fields: Any) -> None:
        """Change an object served (a payout that fails after it arrived, say)."""
        with self.lock:
            self.by_id[object_id].update(fields)
            self.filtered.clear()


def _newest_first(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(objects, key=lambda o: (o["created"], o["id"]), reverse=True)


def fault_response(kind: str, fault: Fault) -> tuple[int, Any, dict[str, str]]:
    if kind == "rate_limit":
        body = {
            "error": {
                "type": "invalid_request_error",
                "code": "rate_limit",
                "message": "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
            }
        }
        return 429, body, {"Retry-After": str(fault.retry_after)}
    body = {"error": {"type": "api_error", "message": "An unknown error occurred"}}
    return 500, body, {}


def _check_auth(request: Request, state: StripeState) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    key = value.strip()
    if scheme.lower() == "basic":
        key = base64.b64decode(key).decode(errors="replace").split(":", 1)[0]
    if not key:
        raise StripeError(
            401,
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        )
    if key != state.api_key:
        raise StripeError(401, f"Invalid API Key provided: {key[:8]}{'*' * 4}{key[-4:]}")


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise StripeError(
            400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name
        ) from None


def _range_filter(request: Request, field: str) -> list[tuple[str, int]]:
    ops = []
    for op in ("gt", "gte", "lt", "lte"):
        value = _int_param(request, f"{field}[{op}]")
        if value is not None:
            ops.append((op, value))
    exact = _int_param(request, field)
    if exact is not None:
        ops.append(("eq", exact))
    return ops


def _in_range(value: int, ops: list[tuple[str, int]]) -> bool:
    tests = {
        "gt": value.__gt__,
        "gte": value.__ge__,
        "lt": value.__lt__,
        "lte": value.__le__,
        "eq": value.__eq__,
    }
    return all(tests[op](bound) for op, bound in ops)


def _check_params(request: Request, resource: str) -> None:
    allowed = PAGING | RESOURCES[resource][1] | set(RANGE_FILTERS.get(resource, ("created",)))
    for name in request.query_params:
        base = name.split("[", 1)[0]
        if base not in allowed and base != "expand":
            raise StripeError(
                400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )


def _filtered(
    request: Request, state: StripeState, resource: str
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The objects the request's filters select, newest first, and each id's position."""
    key = (
        resource,
        tuple(
            sorted(
                (k, v)
                for k, v in request.query_params.multi_items()
                if k not in PAGING and not k.startswith("expand")
            )
        ),
    )
    found = state.filtered.get(key)
    if found is None:
        items = _scan(request, state, resource)
        found = state.filtered.keep(key, (items, {obj["id"]: n for n, obj in enumerate(items)}))
    return found


def _scan(request: Request, state: StripeState, resource: str) -> list[dict[str, Any]]:
    ranges = {f: _range_filter(request, f) for f in RANGE_FILTERS.get(resource, ("created",))}
    exact = {
        f: request.query_params[f] for f in RESOURCES[resource][1] if f in request.query_params
    }
    members = None
    if "payout" in request.query_params:
        payout_id = exact.pop("payout", "")
        payout = state.by_id.get(payout_id)
        if payout is not None and payout.get("automatic") is False:
            raise StripeError(  # `payout` filters "for automatic Stripe payouts only"
                400,
                "Balance transaction history can only be filtered on automatic transfers, "
                "not manual.",
                param="payout",
            )
        members = state.payout_members.get(payout_id, set())
    out = []
    for obj in state.lists[resource]:
        if members is not None and obj["id"] not in members:
            continue
        if any(not _in_range(obj.get(f) or 0, ops) for f, ops in ranges.items() if ops):
            continue
        if all(_plain(obj.get(f)) == v for f, v in exact.items()):
            out.append(obj)
    return out


def _plain(value: Any) -> str | None:
    """An id field as its id, whether it is a string or an expanded object."""
    if isinstance(value, dict):
        return value.get("id")
    return None if value is None else str(value)


def _page(
    request: Request, selected: tuple[list[dict[str, Any]], dict[str, int]], resource: str
) -> tuple[list[dict[str, Any]], bool]:
    limit = _int_param(request, "limit")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        raise StripeError(
            400,
            f"This value must be between 1 and 100 (it currently is {limit}).",
            code="parameter_invalid_integer",
            param="limit",
        )
    after, before = (
        request.query_params.get("starting_after"),
        request.query_params.get("ending_before"),
    )
    items, ids = selected
    for name, cursor in (("starting_after", after), ("ending_before", before)):
        if cursor is not None and cursor not in ids:
            raise StripeError(
                400,
                f"No such {RESOURCES[resource][0]}: '{cursor}'",
                code="resource_missing",
                param=name,
            )
    if after is not None:
        start = ids[after] + 1
        return items[start : start + limit], start + limit < len(items)
    if before is not None:
        end = ids[before]
        return items[max(0, end - limit) : end], end - limit > 0
    return items[:limit], limit < len(items)


def _expand(obj: dict[str, Any], paths: list[str], state: StripeState) -> dict[str, Any]:
    out = dict(obj)
    for path in paths:
        value = out.get(path)
        if isinstance(value, str) and value in state.by_id:
            out[path] = state.by_id[value]
    return out


def _expansions(request: Request) -> list[str]:
    return [v for k, v in request.query_params.multi_items() if k.startswith("expand")]


def build_app(state: StripeState) -> Starlette:
    def endpoint(handler):
        async def wrapped(request: Request) -> Response:
            headers = {
                "Request-Id": f"req_sandbox{next(_request_ids):08d}",
                "Stripe-Version": request.headers.get("stripe-version", "2023-08-16"),
            }
            try:
                _check_auth(request, state)
                with state.lock:
                    body = handler(request)
                return json_response(body, 200, headers)
            except StripeError as error:
                return json_response({"error": error.body}, error.status, headers)

        return wrapped

    def list_handler(resource: str):
        def handle(request: Request) -> dict[str, Any]:
            _check_params(request, resource)
            page, has_more = _page(request, _filtered(request, state, resource), resource)
            paths = [p.removeprefix("data.") for p in _expansions(request) if p.startswith("data.")]
            data = [_expand(obj, paths, state) for obj in page]
            return {"object": "list", "data": data, "has_more": has_more, "url": f"/v1/{resource}"}

        return handle

    def get_handler(resource: str):
        def handle(request: Request) -> dict[str, Any]:
            object_id = request.path_params["id"]
            obj = state.by_id.get(object_id)
            if obj is None or obj.get("object") != RESOURCES[resource][0]:
                raise StripeError(
                    404,
                    f"No such {RESOURCES[resource][0]}: '{object_id}'",
                    code="resource_missing",
                    param="id",
                )
            return _expand(obj, _expansions(request), state)

        return handle

    routes = []
    for resource in RESOURCES:
        routes.append(Route(f"/v1/{resource}", endpoint(list_handler(resource)), methods=["GET"]))
        routes.append(
            Route(f"/v1/{resource}/{{id}}", endpoint(get_handler(resource)), methods=["GET"])
        )
    return Starlette(routes=routes, exception_handlers={404: _unknown_url, 405: _unknown_url})


async def _unknown_url(request: Request, exc: Exception) -> Response:
    message = f"Unrecognized request URL ({request.method}: {request.url.path})."
    return json_response({"error": {"type": "invalid_request_error", "message": message}}, 404)
