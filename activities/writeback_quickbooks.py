"""Corrections pushed to QuickBooks Online's Accounting REST API (requestid, SyncToken).

Every write carries the correction id as QBO's `requestid` (QBO answers a repeated requestid with
the first response and writes nothing twice). Every write is preceded by a read that decides it:
- an amount is changed only while the record still holds the value the correction was proposed
  against; if it already holds the new value, nothing is sent (a crash after the write);
- the update carries the SyncToken just read; a stale token (Fault 5010) means someone changed
  the record meanwhile: read again and decide again, never overwrite blindly. An update's
  requestid is the correction id and the SyncToken it applies to: QBO answers a repeated
  requestid with its first answer (a 5010 too), and a write against a newer version is a new
  decision, while a crashed attempt's retry against the same version repeats the same request;
- an invoice is created only if no invoice with its DocNumber exists; a payment only while the
  invoices it pays still carry a balance.

"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import simplejson

from connectors.errors import TransientVendorError, VendorRequestError
from connectors.quickbooks import MINOR_VERSION, VENDOR, QuickBooksConnector, qbo_error
from models.approvals import ApplyStatus
from models.errors import InputError
from models.records import Product
from normalizers.quickbooks import SHIPPING_ITEM, normalize

STALE_OBJECT = "5010"
MAX_STALE_RETRIES = 3


@dataclass
class Pushed:
    """What a push did: its status, the vendor's ids, the record before and after."""

    status: ApplyStatus
    detail: str = ""
    vendor_id: str | None = None
    response_id: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    calls: list[str] = field(default_factory=list)


class QuickBooksWriter:
    """Reads and writes QBO entities with exact decimals, keeping each response's `intuit_tid`.

    It shares the fetch connector's HTTP client and OAuth (`QuickBooksAuth`), so one owner
    refreshes and rotates the tokens: a second OAuth session (python-quickbooks' own) would rotate
    the refresh token out from under the fetcher.
    """

    def __init__(self, connector: QuickBooksConnector) -> None:
        self.connector = connector
        self.last_tid: str | None = None

    async def _call(self, method: str, path: str, body: str | None = None, **params: str) -> dict:
        c = self.connector
        url = f"{c.config.api_base}/v3/company/{c.config.realm_id}/{path}"
        params = {"minorversion": MINOR_VERSION, **params}
        for attempt in range(2):  # a 401 gets one fresh token, then it is the credentials
            token = await c.auth.access_token()
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            if body is not None:
                headers["Content-Type"] = (
                    "application/json" if body.startswith("{") else "application/text"
                )
            try:
                response = await c.http.request(
                    method, url, params=params, headers=headers, content=body
                )
            except httpx.TransportError as error:
                raise TransientVendorError(
                    VENDOR, "connection", f"{method} {path}: {error!r}"
                ) from error
            if response.status_code == 401 and attempt == 0:
                await c.auth.rejected(token)
                continue
            self.last_tid = response.headers.get("intuit_tid")
            if response.status_code != 200:
                raise qbo_error(response)
            return json.loads(response.content, parse_float=Decimal)
        raise AssertionError("unreachable")

    async def read(self, entity: str, entity_id: str) -> dict:
        return (await self._call("GET", f"{entity.lower()}/{entity_id}"))[entity]

    async def query(self, sql: str) -> list[dict]:
        result = await self._call("GET", "query", None, query=sql)
        entity = sql.split(" FROM ", 1)[1].split()[0]
        return result.get("QueryResponse", {}).get(entity, [])

    async def write(self, entity: str, body: dict, request_id: str) -> dict:
        text = simplejson.dumps(body, use_decimal=True)
        return (await self._call("POST", entity.lower(), text, requestid=request_id))[entity]


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


def _adjusted_lines(record: dict, target: Decimal) -> list[dict]:
    """The record's lines with its last item line moved by the difference, so the total is
    `target` (not a discount line, which would move it the other way, nor the shipping)."""
    lines = [
        dict(line)
        for line in record.get("Line", [])
        if line.get("DetailType") != "SubTotalLineDetail"
    ]
    movable = [
        line
        for line in lines
        if line.get("DetailType") != "DiscountLineDetail"
        and (line.get("SalesItemLineDetail") or {}).get("ItemRef", {}).get("value") != SHIPPING_ITEM
    ]
    if not movable:
        raise ValueError(f"{record.get('Id')} has no lines to adjust")
    last = movable[-1]
    last["Amount"] = _money(last["Amount"]) + target - _money(record["TotalAmt"])
    detail = last.get("SalesItemLineDetail")
    if detail is not None and _money(detail.get("Qty", 1)) == 1:
        last["SalesItemLineDetail"] = {**detail, "UnitPrice": last["Amount"]}
    return lines


@dataclass(frozen=True)
class FieldRule:
    """How one field of a QBO entity is read and changed (a sparse update)."""

    label: str
    current: Callable[[dict], str]
    change: Callable[[dict, str], dict]
    same: Callable[[str, str], bool] = lambda a, b: a == b


def _total_change(record: dict, after: str) -> dict:
    return {"Line": _adjusted_lines(record, _money(after)), "TotalAmt": _money(after)}


TOTAL = FieldRule(
    "total",
    lambda r: str(_money(r["TotalAmt"])),
    _total_change,
    lambda a, b: _money(a) == _money(b),
)
EMAIL = FieldRule(
    "email",
    lambda r: str((r.get("PrimaryEmailAddr") or {}).get("Address") or ""),
    lambda r, after: {"PrimaryEmailAddr": {"Address": after}},
    lambda a, b: a.strip().lower() == b.strip().lower(),
)


async def set_field(
    writer: QuickBooksWriter,
    entity: str,
    entity_id: str,
    rule: FieldRule,
    values: tuple[str | None, str],
    request_id: str,
) -> Pushed:
    """Change one field, only from the value it was proposed against (`values` = before, after)."""
    before, after = values
    for _ in range(MAX_STALE_RETRIES):
        record = await writer.read(entity, entity_id)
        current = rule.current(record)
        snapshot = {rule.label: current, "SyncToken": record.get("SyncToken")}
        if rule.same(current, after):
            done = f"already holds the new {rule.label}"
            return Pushed(ApplyStatus.APPLIED, done, entity_id, writer.last_tid, snapshot, snapshot)
        if before is not None and not rule.same(current, before):
            changed = f"{entity} {entity_id} {rule.label} is now {current}, not {before}"
            return Pushed(ApplyStatus.CONFLICT, changed, entity_id, writer.last_tid, snapshot)
        body = {"Id": entity_id, "SyncToken": record["SyncToken"], "sparse": True}
        body |= rule.change(record, after)
        try:
            saved = await writer.write(entity, body, f"{request_id}-{record['SyncToken']}")
        except VendorRequestError as error:
            if error.code == STALE_OBJECT:
                continue  # someone changed it meanwhile: read again and decide again
            raise
        now = rule.current(saved)
        done_snapshot = {rule.label: now, "SyncToken": saved.get("SyncToken")}
        # QuickBooks works some fields out itself (a total from lines under a percent discount)
        short = "" if rule.same(now, after) else f"QuickBooks now holds {now}, not {after}"
        return Pushed(
            ApplyStatus.APPLIED, short, entity_id, writer.last_tid, snapshot, done_snapshot
        )
    kept = f"{entity} {entity_id} kept changing (stale SyncToken)"
    return Pushed(ApplyStatus.CONFLICT, kept, entity_id)


def _quoted(text: str) -> str:
    """A string literal of QBO's query language (a quote inside is escaped by a backslash)."""
    return "'" + text.replace("'", "\\'") + "'"


class CannotInvoice(ValueError):
    """An order Accord cannot put in the books as it is: a SKU the books have no item for, or
    two, or parts (items, discounts, shipping, tax) that do not make its total."""


async def item_refs(writer: QuickBooksWriter, skus: list[str]) -> dict[str, dict[str, str]]:
    """The books' active items of these SKUs: SKU → its `ItemRef`, as the engine reads an
    invoice line's SKU: an item's `Sku`, or, for an item without one, its name (books that
    name their items by the shop's SKUs, and `Sales`). QuickBooks' queries know no OR: two of
    them; and `SELECT *, Sku`, as python-quickbooks asks, for `SELECT *` may leave `Sku` out.

    `CannotInvoice` when a SKU names two items (which one sold is not guessed), or an item
    the books answer cannot be read."""
    found: dict[str, list[Product]] = {}
    for by in ("Sku", "Name"):
        wanted = [sku for sku in skus if sku not in found]
        if not wanted:
            break
        for body in await writer.query(
            f"SELECT *, Sku FROM Item WHERE {by} IN ({', '.join(_quoted(s) for s in wanted)})"
            " ORDERBY Id MAXRESULTS 1000"
        ):
            item = _item(body)
            if item.source_status == "active" and item.shop_sku in wanted:
                found.setdefault(item.shop_sku, []).append(item)
    twice = {sku: items for sku, items in found.items() if len(items) > 1}
    if twice:
        raise CannotInvoice(
            "; ".join(
                f"SKU {sku} names {len(items)} items in QuickBooks "
                f"({', '.join(f'{i.name} {i.ref.id}' for i in items)})"
                for sku, items in sorted(twice.items())
            )
            + ": which one was sold is not guessed; make the SKU name one item, then approve again"
        )
    return {sku: {"value": items[0].ref.id, "name": items[0].name} for sku, items in found.items()}


def _item(body: dict) -> Product:
    """An item the books answered, read as every fetch reads it."""
    where = f"QuickBooks Item {body.get('Id')}, looked up for an invoice"
    try:
        [item] = normalize("Item", body, where=where)
    except InputError as error:
        raise CannotInvoice(str(error)) from error
    assert isinstance(item, Product)
    return item


async def create_invoice(writer: QuickBooksWriter, body: dict, request_id: str) -> Pushed:
    """Create a missing invoice unless the books hold it already: one with its DocNumber, or
    one of the same customer, date and total (`TotalAmt` in the body): most likely this very
    sale, booked under another number by whatever syncs the shop, after what the run read. That
    one goes back to people (`conflict`) rather than be booked twice."""
    doc = str(body.get("DocNumber") or "")
    if doc:
        found = await writer.query(f"SELECT * FROM Invoice WHERE DocNumber = {_quoted(doc)}")
        if found:
            inv = found[0]
            return Pushed(
                ApplyStatus.APPLIED,
                f"invoice {doc} exists",
                inv["Id"],
                writer.last_tid,
                None,
                _brief(inv),
            )
    twin = await _same_sale(writer, body)
    if twin is not None:
        detail = (
            f"QuickBooks already has invoice {twin.get('DocNumber') or twin['Id']} for customer "
            f"{body['CustomerRef']['value']} on {body['TxnDate']} for {twin['TotalAmt']}: "
            "not booked twice; is it this sale?"
        )
        return Pushed(ApplyStatus.CONFLICT, detail, twin["Id"], writer.last_tid, _brief(twin))
    saved = await writer.write("Invoice", body, request_id)
    detail = ""
    if "TotalAmt" in body and _money(saved["TotalAmt"]) != _money(body["TotalAmt"]):
        detail = f"QuickBooks totals it {saved['TotalAmt']}, not {body['TotalAmt']}"
    return Pushed(ApplyStatus.APPLIED, detail, saved["Id"], writer.last_tid, None, _brief(saved))


async def _same_sale(writer: QuickBooksWriter, body: dict) -> dict | None:
    customer = (body.get("CustomerRef") or {}).get("value")
    if not customer or not body.get("TxnDate") or body.get("TotalAmt") is None:
        return None
    found = await writer.query(
        f"SELECT * FROM Invoice WHERE CustomerRef = {_quoted(str(customer))}"
        f" AND TxnDate = {_quoted(str(body['TxnDate']))} MAXRESULTS 1000"
    )
    total = _money(body["TotalAmt"])
    return next((inv for inv in found if _money(inv.get("TotalAmt", 0)) == total), None)


async def record_payment(writer: QuickBooksWriter, body: dict, request_id: str) -> Pushed:
    """Record a Payment applying a deposit to invoices, unless they are already paid."""
    invoice_ids = [
        linked["TxnId"] for line in body.get("Line", []) for linked in line.get("LinkedTxn", [])
    ]
    balances = {i: _money((await writer.read("Invoice", i))["Balance"]) for i in invoice_ids}
    before = {"balances": {k: str(v) for k, v in balances.items()}}
    if invoice_ids and all(b == 0 for b in balances.values()):
        return Pushed(
            ApplyStatus.APPLIED, "invoices already paid", None, writer.last_tid, before, before
        )
    saved = await writer.write("Payment", body, request_id)
    return Pushed(ApplyStatus.APPLIED, "", saved["Id"], writer.last_tid, before, _brief(saved))


def _brief(entity: dict) -> dict[str, Any]:
    keys = ("Id", "SyncToken", "DocNumber", "TotalAmt", "Balance", "TxnDate")
    return {k: str(entity[k]) for k in keys if k in entity}
