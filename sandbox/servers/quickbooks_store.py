"""The books behind the QuickBooks Online sandbox: entities by type and Id, with QBO's write rules.

Writes follow QBO: a create gets the next Id, `SyncToken` "0" and `MetaData` times; an update must
carry the entity's current `SyncToken` (else 400 Fault 5010 "Stale Object Error"), bumps it and
`MetaData.LastUpdatedTime`; `sparse: true` merges the given fields, otherwise the body replaces
the entity. A `requestid` seen before returns the first answer again and writes nothing. A body
naming a property the entity does not have is refused (Fault 2010), as QBO refuses it.

QBO's business logic runs on every write, as the Intuit XSD describes it: an invoice's `TotalAmt`
is recalculated from its lines (items and shipping, less discounts, plus `TxnTaxDetail.TotalTax`
unless tax is included in the prices), its `Balance` is what payments have not covered, and a
`SubTotalLineDetail` line is added; any `TotalAmt` or `Balance` sent is overwritten. Each sales
line must name an item of the books by Id (else Fault 2500), whose name QBO fills in. A payment
lowers the balance of each invoice it is linked to, and those invoices change (`SyncToken`,
`LastUpdatedTime`, a `LinkedTxn` to it) as QBO's do, so the next fetch sees them paid. Bills
likewise: `TotalAmt` the sum of the expense lines, and a bill payment lowers their balances.
Not modelled: a payment's later update or deletion does not give its money back to the invoices.
"""

from __future__ import annotations

import copy
import threading
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.servers.quickbooks_fields import FIELDS
from sandbox.servers.recent import RecentResults

COMPANY_ZONE = ZoneInfo("America/Los_Angeles")

# Entities QBO knows (python-quickbooks' list plus a few); a query FROM anything else is refused.
ENTITIES = {
    "Account",
    "Attachable",
    "Bill",
    "BillPayment",
    "Budget",
    "Class",
    "CompanyCurrency",
    "CompanyInfo",
    "CreditCardPayment",
    "CreditMemo",
    "Customer",
    "CustomerType",
    "Department",
    "Deposit",
    "Employee",
    "Estimate",
    "ExchangeRate",
    "Invoice",
    "Item",
    "JournalEntry",
    "Payment",
    "PaymentMethod",
    "Preferences",
    "Purchase",
    "PurchaseOrder",
    "RecurringTransaction",
    "RefundReceipt",
    "SalesReceipt",
    "TaxAgency",
    "TaxCode",
    "TaxRate",
    "Term",
    "TimeActivity",
    "Transfer",
    "Vendor",
    "VendorCredit",
}
BY_URL_NAME = {name.lower(): name for name in ENTITIES}
SHIPPING_ITEM = "SHIPPING_ITEM_ID"  # QBO's shipping line: a sales item line with this ItemRef
CENT = Decimal("0.01")


class Fault(Exception):
    """A QBO ValidationFault: HTTP 400 with `{"Fault": {"Error": [...], "type"}, "time"}`."""

    def __init__(
        self,
        message: str,
        detail: str,
        code: str,
        element: str = "",
        status: int = 400,
        type_: str = "ValidationFault",
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.message, self.detail, self.code, self.element = message, detail, code, element
        self.status, self.type = status, type_

    def body(self) -> dict[str, Any]:
        error = {
            "Message": self.message,
            "Detail": self.detail,
            "code": self.code,
            "element": self.element,
        }
        return {"Fault": {"Error": [error], "type": self.type}, "time": qbo_time(millis=True)}


def qbo_time(millis: bool = False) -> str:
    now = datetime.now(COMPANY_ZONE)
    return now.isoformat(timespec="milliseconds" if millis else "seconds")


def not_found(entity: str, object_id: str) -> Fault:
    return Fault(
        "Object Not Found",
        f"Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. ({entity} {object_id})",
        "610",
    )


def _check_properties(entity: str, body: dict[str, Any]) -> None:
    known = FIELDS.get(entity)
    unknown = sorted(set(body) - known) if known else []
    if unknown:
        detail = (
            f'Property Name:Unrecognized field "{unknown[0]}" '
            f"(class com.intuit.schema.finance.v3.{entity}), not marked as ignorable"
        )
        raise Fault("Request has invalid or unsupported property", detail, "2010")


class Books:
    def __init__(self, entities: dict[str, list[dict[str, Any]]]) -> None:
        self.lock = threading.Lock()
        self.entities: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in ENTITIES}
        for name, records in entities.items():
            if name not in ENTITIES:
                raise ValueError(f"quickbooks data names unknown entity {name!r}")
            self.entities[name] = {str(r["Id"]): copy.deepcopy(r) for r in records}
        self.deleted: dict[str, list[dict[str, Any]]] = {name: [] for name in ENTITIES}
        self.answers: dict[str, tuple[int, dict[str, Any]]] = {}  # requestid -> first answer
        self.writes = 0
        # A query's matching rows in order, by (entity, conditions, order): the pages of one
        # query are slices of it. Emptied by every change to the books.
        # ordered rows of a query (without a moving time bound), with each row's update time
        self.results: RecentResults[tuple[str, str], tuple[list[dict[str, Any]], list[Any]]] = (
            RecentResults()
        )

    def changed(self) -> None:
        """The books changed: queries must be answered afresh."""
        self.results.clear()

    def get(self, entity: str, object_id: str) -> dict[str, Any]:
        if not object_id.isdigit():
            raise Fault(
                "Invalid ID",
                f"Id should be a valid number. Supplied value:{object_id}",
                "2030",
                "Id",
            )
        record = self.entities[entity].get(object_id)
        if record is None:
            raise not_found(entity, object_id)
        return record

    def write(self, entity: str, body: dict[str, Any], operation: str | None) -> dict[str, Any]:
        self.writes += 1
        self.changed()
        if operation == "delete":
            return self._delete(entity, body)
        _check_properties(entity, body)
        if body.get("Id") not in (None, ""):
            return self._update(entity, body)
        return self._create(entity, body)

    def _create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        ids = [int(i) for i in self.entities[entity]] or [0]
        now = qbo_time()
        record = {
            **body,
            "domain": "QBO",
            "sparse": False,
            "Id": str(max(ids) + 1),
            "SyncToken": "0",
        }
        record["MetaData"] = {"CreateTime": now, "LastUpdatedTime": now}
        if entity in RECALCULATED:
            _require_lines(record)
            if entity == "Invoice":
                self._resolve_items(record)
            RECALCULATED[entity](record, Decimal(0))
        elif entity in PAYS:
            self._apply_payment(record, PAYS[entity])
        self.entities[entity][record["Id"]] = record
        return record

    def _resolve_items(self, invoice: dict[str, Any]) -> None:
        """Each sales line names an item of the books by Id (QBO fills in its name, whatever
        name was sent); an Id the books do not hold is refused (Fault 2500)."""
        for line in invoice["Line"]:
            detail = line.get("SalesItemLineDetail")
            if line.get("DetailType") != "SalesItemLineDetail" or detail is None:
                continue
            if _is_shipping(line):
                continue
            ref = detail.get("ItemRef") or {}
            item = self.entities["Item"].get(str(ref.get("value", "")))
            if item is None or not item.get("Active", True):
                raise Fault(
                    "Invalid Reference Id",
                    "Invalid Reference Id : Something you're trying to use has been made "
                    "inactive. Check the fields with accounts, customers, items, vendors or "
                    f"employees. (Item {ref.get('value')!r})",
                    "2500",
                )
            detail["ItemRef"] = {"value": item["Id"], "name": item.get("Name", "")}

    def _apply_payment(self, payment: dict[str, Any], paid: str) -> None:
        """Each line lowers the balance of the `paid` entity (an Invoice, a Bill) it is linked
        to; every link is checked before anything changes."""
        applied: list[tuple[dict[str, Any], Decimal]] = []
        for line in payment.get("Line") or []:
            for linked in line.get("LinkedTxn") or []:
                if linked.get("TxnType") == paid:
                    target = self.get(paid, str(linked.get("TxnId", "")))
                    applied.append((target, _decimal(line.get("Amount", 0))))
        if paid == "Invoice":  # a customer payment may leave money unapplied
            total = _decimal(payment.get("TotalAmt", 0))
            payment["UnappliedAmt"] = total - sum((amount for _, amount in applied), Decimal(0))
        kind = "Payment"
        if paid == "Bill":  # as QBO links a bill to its payment (Intuit's bill.json)
            card = payment.get("PayType") == "CreditCard"
            kind = "BillPaymentCreditCard" if card else "BillPaymentCheck"
        for target, amount in applied:
            target["Balance"] = _decimal(target.get("Balance", 0)) - amount
            target["LinkedTxn"] = [
                *(target.get("LinkedTxn") or []),
                {"TxnId": payment["Id"], "TxnType": kind},
            ]
            target["SyncToken"] = str(int(target["SyncToken"]) + 1)
            target["MetaData"] = {**target.get("MetaData", {}), "LastUpdatedTime": qbo_time()}

    def _update(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        current = self.get(entity, str(body["Id"]))
        token = body.get("SyncToken")
        if token in (None, ""):
            raise Fault(
                "Required param missing, need to supply the required value for the API",
                "Required parameter SyncToken is missing in the request",
                "2020",
                "SyncToken",
            )
        if str(token) != current["SyncToken"]:
            raise Fault(
                "Stale Object Error",
                f"Stale Object Error : You and another user were working on the same thing. SyncToken {token} is not the current one ({current['SyncToken']}).",
                "5010",
            )
        fields = {
            k: v for k, v in body.items() if k not in ("sparse", "SyncToken", "MetaData", "domain")
        }
        record = (
            {**current, **fields}
            if body.get("sparse")
            else {"domain": "QBO", **fields, "Id": current["Id"]}
        )
        record["sparse"] = False
        record["SyncToken"] = str(int(current["SyncToken"]) + 1)
        record["MetaData"] = {**current.get("MetaData", {}), "LastUpdatedTime": qbo_time()}
        if entity in RECALCULATED:
            if not body.get("sparse"):
                _require_lines(record)
            if record.get("Line"):
                if entity == "Invoice":
                    self._resolve_items(record)
                paid = _decimal(current.get("TotalAmt", 0)) - _decimal(current.get("Balance", 0))
                RECALCULATED[entity](record, paid)
        self.entities[entity][current["Id"]] = record
        return record

    def _delete(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        current = self.get(entity, str(body.get("Id", "")))
        if str(body.get("SyncToken")) != current["SyncToken"]:
            raise Fault(
                "Stale Object Error",
                "Stale Object Error : the SyncToken is not the current one.",
                "5010",
            )
        del self.entities[entity][current["Id"]]
        tombstone = {"domain": "QBO", "status": "Deleted", "Id": current["Id"]}
        self.deleted[entity].append({**tombstone, "MetaData": {"LastUpdatedTime": qbo_time()}})
        return tombstone


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _require_lines(record: dict[str, Any]) -> None:
    if not record.get("Line"):
        raise Fault(
            "Required param missing, need to supply the required value for the API",
            "Required parameter Line is missing in the request",
            "2020",
            "Line",
        )


def _is_shipping(line: dict[str, Any]) -> bool:
    item = (line.get("SalesItemLineDetail") or {}).get("ItemRef") or {}
    return line.get("DetailType") == "SalesItemLineDetail" and item.get("value") == SHIPPING_ITEM


def recalculate_invoice(invoice: dict[str, Any], paid: Decimal) -> None:
    """QBO's totals of an invoice from its lines (see the module): items, then the subtotal
    line, then discounts and shipping; `paid` is what payments already covered."""
    lines = [line for line in invoice["Line"] if line.get("DetailType") != "SubTotalLineDetail"]
    for line in lines:  # QBO answers with numbers, whatever JSON type they were sent as
        line["Amount"] = _decimal(line.get("Amount", 0))
    items = [
        line
        for line in lines
        if line.get("DetailType") in ("SalesItemLineDetail", "GroupLineDetail")
        and not _is_shipping(line)
    ]
    subtotal = sum((line["Amount"] for line in items), Decimal(0))
    discount = Decimal(0)
    for line in lines:
        detail = line.get("DiscountLineDetail")
        if line.get("DetailType") == "DiscountLineDetail" and detail is not None:
            if detail.get("PercentBased") and detail.get("DiscountPercent") is not None:
                percent = _decimal(detail["DiscountPercent"])
                line["Amount"] = (subtotal * percent / 100).quantize(CENT, ROUND_HALF_UP)
            discount += line["Amount"]
    shipping = sum((line["Amount"] for line in lines if _is_shipping(line)), Decimal(0))
    tax = _decimal((invoice.get("TxnTaxDetail") or {}).get("TotalTax", 0))
    included = invoice.get("GlobalTaxCalculation") == "TaxInclusive"
    numbered = [int(line["Id"]) for line in lines if str(line.get("Id", "")).isdigit()]
    for line in items:
        if not line.get("Id"):
            line["Id"] = str(max(numbered, default=0) + 1)
            numbered.append(int(line["Id"]))
            line.setdefault("LineNum", int(line["Id"]))
    after_items = max((n + 1 for n, line in enumerate(lines) if line in items), default=0)
    subtotal_line: dict[str, Any] = {
        "Amount": subtotal,
        "DetailType": "SubTotalLineDetail",
        "SubTotalLineDetail": {},
    }
    invoice["Line"] = [*lines[:after_items], subtotal_line, *lines[after_items:]]
    invoice["TotalAmt"] = subtotal - discount + shipping + (Decimal(0) if included else tax)
    invoice["Balance"] = invoice["TotalAmt"] - paid


EXPENSE_LINES = ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")


def recalculate_bill(bill: dict[str, Any], paid: Decimal) -> None:
    """QBO's totals of a bill: `TotalAmt` the sum of its expense lines, `Balance` what bill
    payments have not covered."""
    for line in bill["Line"]:
        line["Amount"] = _decimal(line.get("Amount", 0))
    lines = [line for line in bill["Line"] if line.get("DetailType") in EXPENSE_LINES]
    bill["TotalAmt"] = sum((line["Amount"] for line in lines), Decimal(0))
    bill["Balance"] = bill["TotalAmt"] - paid


# what QBO works out on each write of an entity, and which entity a payment entity pays
RECALCULATED = {"Invoice": recalculate_invoice, "Bill": recalculate_bill}
PAYS = {"Payment": "Invoice", "BillPayment": "Bill"}
