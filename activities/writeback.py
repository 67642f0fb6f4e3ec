"""Write-back: push an approved (or automatic) correction to its vendor, exactly once.

1. The correction's outbox row is committed before any vendor call. Its id
   (`Correction.id`, a hash of the business facts, never of the run or the attempt) is sent as
   QuickBooks' `requestid`.
2. A finished row answers any later attempt: nothing is sent again.
3. An unfinished row (a crash between the vendor call and the commit) is looked up at the vendor
   before anything is sent: each push reads the record first and sends nothing if the change is
   already there; QuickBooks also answers a repeated `requestid` with its first response.
4. A record that changed since the correction was proposed is not overwritten: the outcome is
   `conflict` and the discrepancy goes back to people.
Dry-run mode records what would be pushed and pushes nothing.

Corrections understood (system, object type, field):
- quickbooks Invoice|Bill `total`/`TotalAmt`/`amount`: correct the amount (with SyncToken);
- quickbooks Customer|Vendor `email`: PrimaryEmailAddr (with SyncToken);
- quickbooks Invoice `existence` (or no object id): create the missing invoice from the Shopify
  order the discrepancy names (or from `to_value` when it is a QBO Invoice JSON body);
- quickbooks Payment `existence`/`applied_to`: record a Payment applying the bank deposit to the
  discrepancy's invoices (or `to_value` as a QBO Payment JSON body);
- shopify order `note` | `tags` | `email` | `metafield`.
Anything else (a status, a SKU) no vendor API lets us set: it fails with that reason, and the
default mode for `status` is `never`, so nobody is asked to approve what cannot be pushed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import writeback_quickbooks as qbo
from activities.writeback_quickbooks import CannotInvoice, Pushed, QuickBooksWriter
from activities.writeback_shopify import ShopifyWriter
from approvals.config import ApprovalConfig
from connectors.errors import VendorAuthError, VendorRequestError
from ledger import outbox
from models.approvals import ApplyInput, ApplyResult, ApplyStatus
from models.records import BankTransaction, Invoice, LineItem, Order, SourceRef
from models.results import Correction
from normalizers.quickbooks import SHIPPING_ITEM

log = logging.getLogger("accord.writeback")
TOTAL_FIELDS = {"total", "totalamt", "amount"}
CREATE_FIELDS = {"existence", "create", "applied_to", "payment"}


def describe(c: Correction) -> str:
    target = f"{c.system} {c.object_type} {c.object_id or '(new)'}"
    return f"would set {target} {c.field}: {c.from_value!r} → {c.to_value!r}"


def _json_body(value: str | None) -> dict | None:
    try:
        body = json.loads(value or "", parse_float=Decimal)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class WritebackActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Any,
        quickbooks: QuickBooksWriter | None = None,
        shopify: ShopifyWriter | None = None,
    ) -> None:
        self.sessions = sessions
        self.config = ApprovalConfig.from_settings(settings)
        self.quickbooks = quickbooks
        self.shopify = shopify

    @activity.defn(name="apply_correction")
    async def apply_correction(self, request: ApplyInput) -> ApplyResult:
        c = request.correction
        activity.heartbeat(
            "outbox"
        )  # a worker that dies here is noticed within the heartbeat timeout
        async with self.sessions.begin() as session:
            row = await outbox.enter(session, request)
            if row.status in outbox.FINISHED:
                return _result(
                    c.id, ApplyStatus(row.status), row.detail, row.vendor_id, row.response_id
                )
            if self.config.dry_run:
                await outbox.finish(session, c.id, status=ApplyStatus.DRY_RUN, detail=describe(c))
                return _result(c.id, ApplyStatus.DRY_RUN, describe(c))
            await outbox.mark_sending(session, c.id)
        activity.heartbeat("push")
        pushed = await self._push(request)
        async with self.sessions.begin() as session:
            await outbox.finish(
                session,
                c.id,
                status=pushed.status,
                detail=pushed.detail,
                vendor_id=pushed.vendor_id,
                response_id=pushed.response_id,
                before=pushed.before,
                after=pushed.after,
            )
            if pushed.status == ApplyStatus.CONFLICT:
                await outbox.reopen_discrepancy(session, request.discrepancy_id, pushed.detail)
        return _result(c.id, pushed.status, pushed.detail, pushed.vendor_id, pushed.response_id)

    async def _push(self, request: ApplyInput) -> Pushed:
        c = request.correction
        try:
            if c.system == "quickbooks":
                return await self._push_quickbooks(request)
            if c.system == "shopify" and c.object_type == "order":
                writer = self._need(self.shopify, "Shopify")
                marker = {"discrepancy": request.discrepancy_id, "correction": c.id}
                return await asyncio.to_thread(
                    writer.apply, c.object_id, c.field, c.to_value or "", marker, c.from_value
                )
        except VendorAuthError as error:
            raise ApplicationError(
                str(error), type="VendorAuthError", non_retryable=True
            ) from error
        except VendorRequestError as error:
            return Pushed(ApplyStatus.FAILED, f"refused: {error}")
        return Pushed(ApplyStatus.FAILED, f"no write-back for {c.system} {c.object_type} {c.field}")

    def _need(self, writer, name: str):
        if writer is None:
            raise ApplicationError(
                f"{name} is not configured for write-back",
                type="ConfigurationError",
                non_retryable=True,
            )
        return writer

    async def _push_quickbooks(self, request: ApplyInput) -> Pushed:
        c = request.correction
        writer: QuickBooksWriter = self._need(self.quickbooks, "QuickBooks")
        field = c.field.lower()
        if c.object_type in ("Invoice", "Bill") and field in TOTAL_FIELDS and c.object_id:
            if c.to_value is None:
                return Pushed(ApplyStatus.FAILED, "no new total proposed")
            values = (c.from_value, c.to_value)
            return await qbo.set_field(writer, c.object_type, c.object_id, qbo.TOTAL, values, c.id)
        if c.object_type in ("Customer", "Vendor") and field == "email" and c.object_id:
            values = (c.from_value, c.to_value or "")
            return await qbo.set_field(writer, c.object_type, c.object_id, qbo.EMAIL, values, c.id)
        if c.object_type == "Invoice" and (field in CREATE_FIELDS or not c.object_id):
            body = _json_body(c.to_value) or await self._invoice_body(request, writer)
            if isinstance(body, Pushed):
                return body
            return await qbo.create_invoice(writer, body, c.id)
        if c.object_type == "Payment" and field in CREATE_FIELDS:
            body = _json_body(c.to_value) or await self._payment_body(request)
            if isinstance(body, Pushed):
                return body
            return await qbo.record_payment(writer, body, c.id)
        return Pushed(ApplyStatus.FAILED, f"no QuickBooks write-back for {c.object_type} {c.field}")

    async def _invoice_body(self, request: ApplyInput, writer: QuickBooksWriter) -> dict | Pushed:
        async with self.sessions() as session:
            refs = await outbox.records_of(session, request.discrepancy_id)
            order_ref = next(
                (r for r in refs if r.source.value == "shopify" and r.type == "order"), None
            )
            order = await outbox.current_record(session, order_ref) if order_ref else None
            if not isinstance(order, Order):
                return Pushed(ApplyStatus.FAILED, "no Shopify order to build the invoice from")
            customer = None
            if order.customer:
                customer = await outbox.counterpart_key(session, order.customer.key, "quickbooks")
        if customer is None:
            return Pushed(ApplyStatus.FAILED, f"no QuickBooks customer for order {order.number}")
        try:
            items = await qbo.item_refs(writer, skus_sold(order))
            return invoice_body(order, SourceRef.parse(customer).id, request.correction.id, items)
        except CannotInvoice as error:
            return Pushed(ApplyStatus.FAILED, str(error))

    async def _payment_body(self, request: ApplyInput) -> dict | Pushed:
        async with self.sessions() as session:
            refs = await outbox.records_of(session, request.discrepancy_id)
            records = [await outbox.current_record(session, r) for r in refs]
        deposit = next((r for r in records if isinstance(r, BankTransaction)), None)
        invoices = [r for r in records if isinstance(r, Invoice)]
        if deposit is None or not invoices:
            return Pushed(ApplyStatus.FAILED, "a payment needs the bank deposit and its invoices")
        if invoices[0].customer is None:
            return Pushed(ApplyStatus.FAILED, f"invoice {invoices[0].ref.id} has no customer")
        return payment_body(deposit, invoices, request.correction.id)


def _result(
    cid: str, status: ApplyStatus, detail: str | None, vendor_id=None, response_id=None
) -> ApplyResult:
    return ApplyResult(
        correction_id=cid,
        status=status,
        detail=detail or "",
        vendor_id=vendor_id,
        response_id=response_id,
    )


SALES_ITEM = "Sales"  # the item every QuickBooks company has, for goods without a SKU


def skus_sold(order: Order) -> list[str]:
    """The SKUs an invoice of the order sells, each a QuickBooks item (`item_refs`): `Sales`
    for goods without one."""
    return sorted({item.sku or SALES_ITEM for item in order.line_items} or {SALES_ITEM})


def invoice_body(
    order: Order, customer_id: str, correction_id: str, items: Mapping[str, Mapping[str, str]]
) -> dict:
    """The QuickBooks invoice of a Shopify order, whose total QuickBooks works out to the
    order's: the item lines (each SKU's item from `items`, SKU → `ItemRef`), a discount line,
    the shipping line (`SHIPPING_ITEM_ID`) and the tax (`TxnTaxDetail.TotalTax`; inside the
    prices when the shop includes it).

    `CannotInvoice` when a SKU has no item in the books, or those parts do not make the
    order's total (a tip, duties or a fee the canonical order does not carry): an invoice of
    other goods or for another amount would be wrong books.
    """
    missing = [sku for sku in skus_sold(order) if sku not in items]
    if missing:
        raise CannotInvoice(
            f"order {order.number}: QuickBooks has no item with SKU {', '.join(missing)} "
            "(by its SKU, nor by its name); add it to Products and Services, or give the item "
            "its SKU, then approve again"
        )
    tax = order.tax or Decimal(0)
    added_tax = Decimal(0) if order.taxes_included else tax
    shipping, discounts = order.shipping or Decimal(0), order.discounts or Decimal(0)
    taxed = {"TaxCodeRef": {"value": "TAX" if tax else "NON"}}
    # an order without line items is one line of its goods: the total less the rest
    rest = order.amount - added_tax - shipping + discounts
    products = order.line_items or [LineItem(unit_price=rest, amount=rest)]
    lines: list[dict[str, Any]] = [
        {
            "DetailType": "SalesItemLineDetail",
            "Amount": item.amount,
            "Description": item.description or item.sku or "",
            "SalesItemLineDetail": {
                "ItemRef": dict(items[item.sku or SALES_ITEM]),
                "Qty": item.quantity,
                "UnitPrice": item.unit_price,
                **taxed,
            },
        }
        for item in products
    ]
    if discounts:
        lines.append(
            {
                "DetailType": "DiscountLineDetail",
                "Amount": discounts,
                "DiscountLineDetail": {"PercentBased": False},
            }
        )
    if shipping:
        lines.append(
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": shipping,
                "SalesItemLineDetail": {"ItemRef": {"value": SHIPPING_ITEM}, **taxed},
            }
        )
    item_total = sum((item.amount for item in products), Decimal(0))
    total = item_total - discounts + shipping + added_tax
    if total != order.amount:
        raise CannotInvoice(
            f"order {order.number}: items {item_total}, discounts "
            f"{discounts}, shipping {shipping}, tax {tax}"
            f"{' (included)' if order.taxes_included else ''} make {total}, not its total "
            f"{order.amount} {order.currency}; no invoice written"
        )
    body = {
        "DocNumber": order.number,
        "TxnDate": order.created_at.date().isoformat(),
        "CustomerRef": {"value": customer_id},
        "CurrencyRef": {"value": order.currency},
        "Line": lines,
        "TxnTaxDetail": {"TotalTax": tax},
        "TotalAmt": order.amount,  # QuickBooks works its own out; this is what it should be
        "PrivateNote": f"Created by Accord from Shopify order {order.number} ({correction_id})",
    }
    if order.taxes_included:
        body["GlobalTaxCalculation"] = "TaxInclusive"
    return body


def payment_body(deposit: BankTransaction, invoices: list[Invoice], correction_id: str) -> dict:
    """The deposit applied to the invoices, oldest first, each up to its open balance."""
    remaining, lines = deposit.amount, []
    for inv in sorted(invoices, key=lambda i: (i.txn_date, i.ref.id)):
        amount = min(remaining, inv.balance)
        if amount <= 0:
            continue
        lines.append({"Amount": amount, "LinkedTxn": [{"TxnId": inv.ref.id, "TxnType": "Invoice"}]})
        remaining -= amount
    assert invoices[0].customer is not None
    return {
        "TotalAmt": deposit.amount,
        "TxnDate": deposit.posted_date.isoformat(),
        "CustomerRef": {"value": invoices[0].customer.id},
        "CurrencyRef": {"value": deposit.currency},
        "PaymentRefNum": deposit.ref.id[:21],
        "PrivateNote": f"Bank deposit {deposit.ref.id} applied by Accord ({correction_id})",
        "Line": lines,
    }


def writers_for(settings: Any, quickbooks: Any | None) -> dict[str, Any]:
    """The write-back clients for `approval_activities(..., **writers_for(settings, qbo))`.

    `quickbooks` is the fetch activities' `QuickBooksConnector` (share it: one owner of the OAuth
    token chain) or None. Shopify is built from `SHOPIFY_SHOP_URL` / `SHOPIFY_ACCESS_TOKEN`.
    """
    from connectors.shopify import ShopifyConfig

    shopify = None
    if getattr(settings, "shopify_shop_url", None) and getattr(
        settings, "shopify_access_token", None
    ):
        shopify = ShopifyWriter(ShopifyConfig.from_settings(settings))
    return {"quickbooks": QuickBooksWriter(quickbooks) if quickbooks else None, "shopify": shopify}
