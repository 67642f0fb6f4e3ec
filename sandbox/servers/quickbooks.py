"""A loopback QuickBooks Online Accounting API (v3) with Intuit's OAuth 2.0.

    GET|POST /v3/company/{realm}/query?query=SELECT ...      (see quickbooks_query)
    GET      /v3/company/{realm}/{entity}/{id}
    POST     /v3/company/{realm}/{entity}[?operation=delete]  create / sparse or full update
    GET      /v3/company/{realm}/cdc?entities=..&changedSince=..
    GET      /v3/company/{realm}/preferences                   CurrencyPrefs (the home currency)
    POST     /oauth2/v1/tokens/bearer                          refresh (rotates the refresh token)
    GET      /.well-known/openid_configuration                 discovery, for intuit-oauth

`requestid` makes a POST idempotent (the same answer again, no second write). Requests need a
live Bearer token (401 in QBO's AUTHENTICATION fault otherwise) and count against a per-realm
throttle (429 ThrottleExceeded after `limit` requests in `window` seconds).
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.faults import Fault as ConfiguredFault
from sandbox.servers.host import json_response
from sandbox.servers.quickbooks_auth import OAuthState, authentication_fault, discovery_document
from sandbox.servers.quickbooks_query import QueryError, comparable, holds, lookup, parse, run
from sandbox.servers.quickbooks_store import (
    BY_URL_NAME,
    COMPANY_ZONE,
    ENTITIES,
    Books,
    Fault,
    qbo_time,
)


class Throttle:
    """At most `limit` requests per `window` seconds (QBO: 500 per minute per realm)."""

    def __init__(self, limit: int = 500, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self.seen: deque[float] = deque()

    def allow(self) -> bool:
        now = time.monotonic()
        while self.seen and now - self.seen[0] >= self.window:
            self.seen.popleft()
        if len(self.seen) >= self.limit:
            return False
        self.seen.append(now)
        return True


def throttle_fault() -> Fault:
    return Fault(
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.",
        "003001",
        status=429,
        type_="SERVICE",
    )


def fault_response(kind: str, fault: ConfiguredFault) -> tuple[int, Any, dict[str, str]]:
    if kind == "rate_limit":
        return 429, throttle_fault().body(), {"Retry-After": str(fault.retry_after)}
    error = Fault(
        "An application error has occurred while processing your request",
        "System Failure Error: An unexpected error occurred while accessing or saving your data.",
        "10000",
        status=500,
        type_="SystemFault",
    )
    return 500, error.body(), {}


class QuickBooksState:
    def __init__(
        self,
        entities: dict[str, list[dict[str, Any]]],
        realm_id: str,
        oauth: OAuthState,
        throttle: Throttle | None = None,
    ) -> None:
        self.realm_id = realm_id
        self.books = Books(entities)
        # The company's preferences Accord reads: its home currency (amounts without a
        # CurrencyRef are in it). Shaped as Intuit's `GET /preferences` answer.
        self.currency_prefs: dict[str, Any] = {
            "MultiCurrencyEnabled": False,
            "HomeCurrency": {"value": "USD"},
        }
        self.oauth = oauth
        self.throttle = throttle or Throttle()

    def put(self, entity: str, record: dict[str, Any]) -> None:
        """Serve a new or changed entity as given (a bookkeeper's edit made outside Accord)."""
        with self.books.lock:
            self.books.entities[entity][str(record["Id"])] = dict(record)
            self.books.changed()


UPDATED = "MetaData.LastUpdatedTime"
# Fields `SELECT *` leaves out unless the query names them: an Item's SKU, as reported in
# python-quickbooks #373 (2025; it asks `SELECT *, Sku FROM Item` since 0.9.12). Older reports
# tie the missing SKU to minor versions below 4 instead; the sandbox plays the stricter reading,
# so a client that does not name it is caught here.
NAMED_ONLY = {"Item": ("Sku",)}


def _query_response(query_text: str, books: Books) -> dict[str, Any]:
    query = parse(query_text, ENTITIES)
    # A client paging by time moves the lower bound every page: the rows without it are kept
    # ordered, and each page only filters them (a scan, instead of a filter and a sort).
    moving = [c for c in query.where if c.path == UPDATED and c.op == ">="]
    settled = replace(query, where=[c for c in query.where if c not in moving])
    key = (query.entity, repr((settled.where, settled.order)))
    kept = books.results.get(key)
    if kept is None:
        ordered = run(settled, list(books.entities[query.entity].values()))
        kept = books.results.keep(key, (ordered, [comparable(lookup(r, UPDATED)) for r in ordered]))
    rows, stamps = kept
    for bound in moving:
        least = comparable(bound.value)
        if isinstance(least, datetime):
            rows, stamps = _since(rows, stamps, least)
        else:
            rows = [r for r in rows if holds(r, bound)]
    if query.count:
        return {"QueryResponse": {"totalCount": len(rows)}, "time": qbo_time(millis=True)}
    chosen = rows[query.start - 1 : query.start - 1 + query.max_results]
    if query.fields:
        chosen = [
            {f: lookup(r, f) for f in ["Id", *query.fields] if lookup(r, f) is not None}
            for r in chosen
        ]
    elif left_out := [f for f in NAMED_ONLY.get(query.entity, ()) if f not in query.named]:
        chosen = [{k: v for k, v in r.items() if k not in left_out} for r in chosen]
    body: dict[str, Any] = {}
    if chosen:
        body = {query.entity: chosen, "startPosition": query.start, "maxResults": len(chosen)}
    return {"QueryResponse": body, "time": qbo_time(millis=True)}


def _since(rows: list, stamps: list, least: datetime) -> tuple[list, list]:
    kept = [
        (r, t) for r, t in zip(rows, stamps, strict=True) if isinstance(t, datetime) and t >= least
    ]
    return [r for r, _ in kept], [t for _, t in kept]


CDC_KEPT = timedelta(days=30)  # Intuit keeps this much change history
CDC_LIMIT = 1000  # objects in one CDC response, all entities together


def _cdc(request: Request, books: Books) -> dict[str, Any]:
    """Entities changed or deleted since `changedSince`, within the 30 days kept; at most
    1,000 objects in all, the earliest changes first."""
    names = [
        BY_URL_NAME.get(n.strip().lower())
        for n in request.query_params.get("entities", "").split(",")
    ]
    since = request.query_params.get("changedSince")
    moment = _instant(since) if since else None
    if moment is None or not all(names):
        raise Fault(
            "Invalid query",
            "cdc needs entities=<QBO entities> and changedSince=<date-time>",
            "4001",
        )
    moment = max(moment, datetime.now(UTC) - CDC_KEPT)
    left = CDC_LIMIT
    responses = []
    for name in [n for n in names if n]:
        rows = [
            r
            for r in [*books.entities[name].values(), *books.deleted[name]]
            if _changed_since(r, moment)
        ]
        rows.sort(key=lambda r: _instant(r["MetaData"]["LastUpdatedTime"]) or moment)
        rows, left = rows[:left], left - len(rows[:left])
        responses.append({name: rows, "startPosition": 1, "maxResults": len(rows)} if rows else {})
    return {"CDCResponse": [{"QueryResponse": responses}], "time": qbo_time(millis=True)}


def _changed_since(record: dict[str, Any], moment: datetime) -> bool:
    stamp = _instant(str(record.get("MetaData", {}).get("LastUpdatedTime", "")))
    return stamp is not None and stamp >= moment


def _instant(text: str) -> datetime | None:
    """An ISO date-time; one without an offset (python-quickbooks sends those) is the
    company's own (Pacific) time."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=COMPANY_ZONE)


async def _entity_body(request: Request, entity: str) -> dict[str, Any]:
    try:
        body = json.loads(await request.body(), parse_float=Decimal)
    except ValueError:
        raise Fault(
            "Request has invalid or unsupported property", "Request body is not valid JSON", "2010"
        ) from None
    if not isinstance(body, dict):
        raise Fault(
            "Request has invalid or unsupported property", f"Body must be a {entity} object", "2010"
        )
    return body


def build_app(state: QuickBooksState) -> Starlette:
    books = state.books

    def company(handler):
        async def wrapped(request: Request) -> Response:
            problem = state.oauth.access_problem(request.headers.get("authorization", ""))
            if problem:
                return json_response(
                    authentication_fault(problem),
                    401,
                    {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'},
                )
            if request.path_params["realm"] != state.realm_id:
                denied = Fault(
                    "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                    "",
                    "003100",
                    status=403,
                    type_="AUTHORIZATION",
                )
                return json_response(denied.body(), 403)
            try:
                with books.lock:
                    if not state.throttle.allow():
                        raise throttle_fault()
                status, body = await handler(request)
                return json_response(
                    body, status, {"intuit_tid": f"1-sandbox-{time.monotonic_ns()}"}
                )
            except QueryError as error:
                return json_response(Fault("Invalid query", error.detail, "4000").body(), 400)
            except Fault as fault:
                return json_response(fault.body(), fault.status)

        return wrapped

    def entity_of(request: Request) -> str:
        name = BY_URL_NAME.get(request.path_params["entity"].lower())
        if name is None:
            raise Fault(
                "Unsupported Operation",
                f"Operation Could not find resource for relative : {request.url.path} is not supported.",
                "500",
            )
        return name

    async def query(request: Request) -> tuple[int, dict[str, Any]]:
        text = request.query_params.get("query") or (await request.body()).decode()
        with books.lock:
            return 200, _query_response(text, books)

    async def get_entity(request: Request) -> tuple[int, dict[str, Any]]:
        entity = entity_of(request)
        with books.lock:
            return 200, {
                entity: books.get(entity, request.path_params["id"]),
                "time": qbo_time(millis=True),
            }

    async def post_entity(request: Request) -> tuple[int, dict[str, Any]]:
        entity, request_id = entity_of(request), request.query_params.get("requestid")
        body = await _entity_body(request, entity)
        with books.lock:
            if request_id and request_id in books.answers:
                return books.answers[request_id]
            try:
                answer = (
                    200,
                    {
                        entity: books.write(entity, body, request.query_params.get("operation")),
                        "time": qbo_time(millis=True),
                    },
                )
            except Fault as fault:
                answer = (fault.status, fault.body())
            if request_id:
                books.answers[request_id] = answer
            return answer

    async def preferences(request: Request) -> tuple[int, dict[str, Any]]:
        body = {
            "CurrencyPrefs": state.currency_prefs,
            "domain": "QBO",
            "sparse": False,
            "Id": "1",
            "SyncToken": "0",
            "MetaData": {
                "CreateTime": "2024-01-01T00:00:00-08:00",
                "LastUpdatedTime": "2024-01-01T00:00:00-08:00",
            },
        }
        return 200, {"Preferences": body, "time": qbo_time(millis=True)}

    async def cdc(request: Request) -> tuple[int, dict[str, Any]]:
        with books.lock:
            return 200, _cdc(request, books)

    async def token(request: Request) -> Response:
        if not state.oauth.client_ok(request.headers.get("authorization", "")):
            return json_response({"error": "invalid_client"}, 401)
        form = dict(parse_qsl((await request.body()).decode()))
        if form.get("grant_type") != "refresh_token":
            return json_response({"error": "unsupported_grant_type"}, 400)
        issued = state.oauth.refresh(str(form.get("refresh_token", "")))
        return (
            json_response(issued, 200) if issued else json_response({"error": "invalid_grant"}, 400)
        )

    async def revoke(request: Request) -> Response:
        return Response(
            status_code=200
            if state.oauth.client_ok(request.headers.get("authorization", ""))
            else 401
        )

    async def discovery(request: Request) -> Response:
        return json_response(discovery_document(str(request.base_url).rstrip("/")))

    v3 = "/v3/company/{realm}"
    routes = [
        Route(v3 + "/query", company(query), methods=["GET", "POST"]),
        Route(v3 + "/cdc", company(cdc), methods=["GET"]),
        Route(v3 + "/preferences", company(preferences), methods=["GET"]),
        Route(v3 + "/{entity}/{id}", company(get_entity), methods=["GET"]),
        Route(v3 + "/{entity}", company(post_entity), methods=["POST"]),
        Route("/oauth2/v1/tokens/bearer", token, methods=["POST"]),
        Route("/oauth2/v1/tokens/revoke", revoke, methods=["POST"]),
        Route("/.well-known/openid_configuration", discovery, methods=["GET"]),
        Route("/.well-known/openid_sandbox_configuration", discovery, methods=["GET"]),
    ]

    async def unsupported(request: Request, exc: Exception) -> Response:
        fault = Fault(
            "Unsupported Operation",
            f"Operation Could not find resource for relative : {request.url.path} is not supported.",
            "500",
        )
        return json_response(fault.body(), 400)

    return Starlette(routes=routes, exception_handlers={404: unsupported, 405: unsupported})
