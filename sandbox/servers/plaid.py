"""A loopback Plaid API serving `POST /transactions/sync` for one Item.

Point plaid-python at it with `plaid.Configuration(host=url, api_key={"clientId", "secret"})`.
Credentials come in the JSON body (`client_id`, `secret`) or the `PLAID-CLIENT-ID` /
`PLAID-SECRET` headers. Cursor semantics are in `plaid_changes`. Errors use Plaid's envelope
(`error_type`, `error_code`, `error_message`, `display_message`, `request_id`, ...) and Plaid's
HTTP statuses: 400 for request/input errors, 429 for rate limits, 500 for API errors.
`PlaidState` methods change the dataset while serving (add, modify, remove, post a pending one).
"""

from __future__ import annotations

import json
import secrets
import threading
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.faults import Fault, FaultInjector
from sandbox.servers.host import json_response
from sandbox.servers.plaid_changes import ChangeLog, Cursor, InvalidCursor, MutationDuringPagination

ERROR_DOCS = "https://plaid.com/docs/errors/"


class PlaidError(Exception):
    def __init__(self, status: int, error_type: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_type, self.code, self.message = status, error_type, code, message

    def body(self, request_id: str) -> dict[str, Any]:
        return {
            "error_type": self.error_type,
            "error_code": self.code,
            "error_code_reason": None,
            "error_message": self.message,
            "display_message": None,
            "request_id": request_id,
            "causes": [],
            "status": self.status,
            "documentation_url": ERROR_DOCS,
            "suggested_action": None,
        }


def request_id() -> str:
    return secrets.token_urlsafe(11)[:15]


class PlaidState:
    """One Item: its accounts and the change log of its transactions."""

    def __init__(
        self,
        transactions: list[dict[str, Any]],
        client_id: str,
        secret: str,
        access_token: str,
        accounts: list[dict[str, Any]] | None = None,
        modified: list[dict[str, Any]] | None = None,
        removed: list[dict[str, Any]] | None = None,
    ) -> None:
        """`modified` and `removed` (the generator's later changes) are applied after the
        initial transactions, as changes in the log."""
        self.client_id, self.secret, self.access_token = client_id, secret, access_token
        self.lock = threading.Lock()
        self.log = ChangeLog(transactions)
        for txn in modified or []:
            self.log.upsert(txn)
        for ref in removed or []:
            self.log.remove(ref["transaction_id"], ref.get("account_id", ""))
        self.accounts = accounts or _accounts_of(transactions)
        # how far Plaid has pulled the Item: NOT_READY (nothing yet, empty answers),
        # INITIAL_UPDATE_COMPLETE (recent days only) or HISTORICAL_UPDATE_COMPLETE
        self.update_status = "HISTORICAL_UPDATE_COMPLETE"

    def add(self, txn: dict[str, Any]) -> None:
        with self.lock:
            self.log.add(txn)

    def modify(self, transaction_id: str, **changes: Any) -> None:
        with self.lock:
            self.log.modify(transaction_id, **changes)

    def remove(self, transaction_id: str) -> None:
        with self.lock:
            self.log.remove(transaction_id)

    def upsert(self, txn: dict[str, Any]) -> None:
        with self.lock:
            self.log.upsert(txn)

    def post_pending(self, transaction_id: str, posted_id: str, **changes: Any) -> dict[str, Any]:
        """Pending → posted as Plaid reports it: the pending one is removed and a posted one is
        added with `pending_transaction_id` pointing back at it."""
        with self.lock:
            pending = self.log.current[transaction_id]
            posted = {**pending, **changes, "transaction_id": posted_id, "pending": False}
            posted["pending_transaction_id"] = transaction_id
            self.log.remove(transaction_id)
            self.log.add(posted)
            return posted

    def touch_any(self, pick: int) -> None:
        """A no-op modification of one transaction: the log grows, the data does not change."""
        ids = sorted(self.log.current)
        if ids:
            self.log.modify(ids[pick % len(ids)])


def _accounts_of(transactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """AccountBase objects for the accounts the transactions name (balance from their sum)."""
    by_account: dict[str, list[dict[str, Any]]] = {}
    for txn in transactions:
        by_account.setdefault(txn["account_id"], []).append(txn)
    return [_account(aid, txns, n) for n, (aid, txns) in enumerate(sorted(by_account.items()))]


def _account(account_id: str, txns: list[dict[str, Any]], n: int) -> dict[str, Any]:
    spent = sum((Decimal(str(t["amount"])) for t in txns if not t.get("pending")), Decimal(0))
    balance = Decimal("25000.00") - spent  # Plaid amounts are positive for money out
    return {
        "account_id": account_id,
        "balances": {
            "available": balance,
            "current": balance,
            "iso_currency_code": txns[0].get("iso_currency_code") or "USD",
            "limit": None,
            "unofficial_currency_code": None,
        },
        "mask": f"{(n + 1) * 1111 % 10000:04d}",
        "name": "Business Checking",
        "official_name": "Accord Sandbox Business Checking",
        "subtype": "checking",
        "type": "depository",
    }


def fault_response(kind: str, fault: Fault) -> tuple[int, Any, dict[str, str]]:
    if kind == "rate_limit":
        error = PlaidError(
            429,
            "RATE_LIMIT_EXCEEDED",
            "TRANSACTIONS_SYNC_LIMIT",
            "rate limit exceeded for attempts to access this item. please try again later",
        )
        return 429, error.body(request_id()), {"Retry-After": str(fault.retry_after)}
    error = PlaidError(500, "API_ERROR", "INTERNAL_SERVER_ERROR", "an unexpected error occurred")
    return 500, error.body(request_id()), {}


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise PlaidError(
            400, "INVALID_REQUEST", "INVALID_BODY", "body could not be parsed as JSON"
        ) from None
    if not isinstance(body, dict):
        raise PlaidError(400, "INVALID_REQUEST", "INVALID_BODY", "body must be a JSON object")
    return body


def _authenticate(request: Request, body: dict[str, Any], state: PlaidState) -> None:
    client_id = body.get("client_id") or request.headers.get("plaid-client-id")
    secret = body.get("secret") or request.headers.get("plaid-secret")
    missing = [n for n, v in (("client_id", client_id), ("secret", secret)) if not v]
    if missing:
        raise PlaidError(
            400,
            "INVALID_REQUEST",
            "MISSING_FIELDS",
            f"the following required fields are missing: {', '.join(missing)}",
        )
    if (client_id, secret) != (state.client_id, state.secret):
        raise PlaidError(
            400, "INVALID_INPUT", "INVALID_API_KEYS", "invalid client_id or secret provided"
        )
    token = body.get("access_token")
    if not token:
        raise PlaidError(
            400,
            "INVALID_REQUEST",
            "MISSING_FIELDS",
            "the following required fields are missing: access_token",
        )
    if token != state.access_token:
        raise PlaidError(
            400,
            "INVALID_INPUT",
            "INVALID_ACCESS_TOKEN",
            "provided access token is in an invalid format. expected format: access-<environment>-<identifier>",
        )


def _count(body: dict[str, Any]) -> int:
    count = body.get("count", 100)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 500:
        raise PlaidError(
            400, "INVALID_REQUEST", "INVALID_FIELD", "count must be an integer between 1 and 500"
        )
    return count


def _options(body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise PlaidError(400, "INVALID_REQUEST", "INVALID_FIELD", "options must be an object")
    return options


def _shown(txn: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    if options.get("include_original_description"):
        return txn
    return {**txn, "original_description": None} if "original_description" in txn else txn


def sync(
    body: dict[str, Any], state: PlaidState, faults: FaultInjector, rid: str
) -> dict[str, Any]:
    count, options = _count(body), _options(body)
    try:
        cursor = (
            Cursor.decode(body.get("cursor"))
            if body.get("cursor") != "now"
            else Cursor(state.log.head)
        )
    except InvalidCursor:
        raise PlaidError(400, "INVALID_REQUEST", "INVALID_FIELD", "cursor is not valid") from None
    account_id = options.get("account_id")
    if account_id is not None and account_id not in {a["account_id"] for a in state.accounts}:
        raise PlaidError(
            400, "INVALID_INPUT", "INVALID_ACCOUNT_ID", "one or more of the account IDs is invalid"
        )
    if state.update_status == "NOT_READY":  # Plaid's answer before its first pull
        return _answer(state, options, [], [], [], "", False, rid)
    if cursor.head is not None and faults.pick(
        "plaid", "POST", "/transactions/sync", frozenset({"plaid_mutation"})
    ):
        state.touch_any(cursor.offset)
    try:
        update = state.log.page(cursor, count, account_id)
    except MutationDuringPagination:
        raise PlaidError(
            400,
            "TRANSACTIONS_ERROR",
            "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
            "Underlying transaction data changed since last page was fetched. Please restart pagination from last update.",
        ) from None
    except InvalidCursor:
        raise PlaidError(400, "INVALID_REQUEST", "INVALID_FIELD", "cursor is not valid") from None
    return _answer(
        state,
        options,
        update.added,
        update.modified,
        update.removed,
        update.next_cursor,
        update.has_more,
        rid,
    )


def _answer(
    state: PlaidState,
    options: dict[str, Any],
    added: list[dict[str, Any]],
    modified: list[dict[str, Any]],
    removed: list[dict[str, Any]],
    next_cursor: str,
    has_more: bool,
    rid: str,
) -> dict[str, Any]:
    accounts = [a for a in state.accounts if options.get("account_id") in (None, a["account_id"])]
    return {
        "transactions_update_status": state.update_status,
        "accounts": accounts,
        "added": [_shown(t, options) for t in added],
        "modified": [_shown(t, options) for t in modified],
        "removed": removed,
        "next_cursor": next_cursor,
        "has_more": has_more,
        "request_id": rid,
    }


def build_app(state: PlaidState, faults: FaultInjector) -> Starlette:
    async def transactions_sync(request: Request) -> Response:
        rid = request_id()
        try:
            body = await _json_body(request)
            _authenticate(request, body, state)
            with state.lock:
                return json_response(sync(body, state, faults, rid))
        except PlaidError as error:
            return json_response(error.body(rid), error.status)

    async def unknown(request: Request, exc: Exception) -> Response:
        error = PlaidError(404, "INVALID_REQUEST", "NOT_FOUND", f"unknown route {request.url.path}")
        return json_response(error.body(request_id()), 404)

    routes = [Route("/transactions/sync", transactions_sync, methods=["POST"])]
    return Starlette(routes=routes, exception_handlers={404: unknown, 405: unknown})
