"""QuickBooks Online v3 entities as the JSON API returns them (Intuit XSD element names).

Amounts are exact JSON numbers (Decimals, written without float rounding); `TxnDate`/`DueDate` are
dates; `MetaData` times carry a Pacific-time UTC offset, as QuickBooks writes them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.generator.business import (
    Bill,
    BillPayment,
    BookCustomer,
    BookInvoice,
    BookPayment,
    BookVendor,
    Line,
    Person,
)
from sandbox.generator.catalog import PRODUCTS

USD = {"value": "USD", "name": "United States Dollar"}
CHECKING = {"value": "35", "name": "Business Checking"}


# QuickBooks Online writes MetaData times in Pacific time whatever the company's zone (every
# recorded response in the vendor cassettes carries -07:00/-08:00).
QBO_ZONE = ZoneInfo("America/Los_Angeles")


def qbo_time(instant: datetime) -> str:
    return instant.astimezone(QBO_ZONE).isoformat()


def meta(created: datetime, updated: datetime | None = None) -> dict[str, str]:
    return {"CreateTime": qbo_time(created), "LastUpdatedTime": qbo_time(updated or created)}


def entity(
    id_: str, created: datetime, updated: datetime | None = None, sync: str = "0"
) -> dict[str, Any]:
    return {
        "domain": "QBO",
        "sparse": False,
        "Id": id_,
        "SyncToken": sync,
        "MetaData": meta(created, updated),
    }


def retail_customer(person: Person) -> dict[str, Any]:
    body = entity(person.qbo_id, person.created)
    body.update(
        {
            "GivenName": person.first,
            "FamilyName": person.last,
            "FullyQualifiedName": person.qbo_name,
            "DisplayName": person.qbo_name,
            "PrintOnCheckName": person.qbo_name,
            "Active": True,
            "PrimaryEmailAddr": {"Address": person.email},
            "Taxable": True,
            "Job": False,
            "BillWithParent": False,
            "Balance": Decimal("0.00"),
            "BalanceWithJobs": Decimal("0.00"),
            "CurrencyRef": USD,
            "PreferredDeliveryMethod": "None",
        }
    )
    if person.qbo_phone:
        body["PrimaryPhone"] = {"FreeFormNumber": person.qbo_phone}
    return body


def trade_customer(c: BookCustomer, balance: Decimal) -> dict[str, Any]:
    body = entity(c.id, c.created)
    body.update(
        {
            "GivenName": c.given,
            "FamilyName": c.family,
            "CompanyName": c.company,
            "FullyQualifiedName": c.display_name,
            "DisplayName": c.display_name,
            "PrintOnCheckName": c.display_name,
            "Active": True,
            "PrimaryEmailAddr": {"Address": c.email},
            "PrimaryPhone": {"FreeFormNumber": c.phone},
            "Taxable": False,
            "Job": False,
            "BillWithParent": False,
            "Balance": balance,
            "BalanceWithJobs": balance,
            "CurrencyRef": USD,
            "PreferredDeliveryMethod": "Email",
            "SalesTermRef": {"value": "3"},
        }
    )
    return body


def vendor(v: BookVendor) -> dict[str, Any]:
    body = entity(v.id, v.created)
    body.update(
        {
            "DisplayName": v.name,
            "CompanyName": v.name,
            "PrintOnCheckName": v.name,
            "Active": True,
            "Vendor1099": False,
            "Balance": Decimal("0.00"),
            "CurrencyRef": USD,
        }
    )
    if v.email:
        body["PrimaryEmailAddr"] = {"Address": v.email}
    return body


SALES_ITEM = "Sales"  # the item every new QuickBooks company has, for sales without a product
SALES_INCOME = {"value": "79", "name": "Sales of Product Income"}


# Items the books named by their SKU before they gave items a SKU of their own: the rest are
# named as people call them, their SKU in `Sku`, as QuickBooks companies mostly have them.
NAMED_BY_SKU = frozenset({"JO-SPN-OLV", "JO-VAS-BUD"})
TITLES = {sku: title for sku, title, _price in PRODUCTS}


def _first_lines(invoices: list[BookInvoice]) -> dict[str, Line]:
    """Each SKU invoiced, with the first line that sold it."""
    first: dict[str, Line] = {}
    for inv in invoices:
        for line in inv.lines:
            first.setdefault(line.sku, line)
    return first


def _item_name(sku: str, sold: Line | None) -> str:
    if sold is None:
        return SALES_ITEM
    return sku if sku in NAMED_BY_SKU else TITLES.get(sku, sold.title)


def item_refs(invoices: list[BookInvoice]) -> dict[str, dict[str, str]]:
    """The products and services the books hold, as their invoice lines name them: one item
    per SKU invoiced, and `Sales`; SKU → `ItemRef` (Id and name)."""
    first = _first_lines(invoices)
    skus = [SALES_ITEM, *sorted(first)]
    return {
        sku: {"value": str(n), "name": _item_name(sku, first.get(sku))}
        for n, sku in enumerate(skus, start=1)
    }


def items(invoices: list[BookInvoice], created: datetime) -> list[dict[str, Any]]:
    first = _first_lines(invoices)
    bodies = []
    for sku, item in item_refs(invoices).items():
        body = entity(item["value"], created)
        sold = first.get(sku)
        body.update(
            {
                "Name": item["name"],
                "Sku": sku if sold and sku not in NAMED_BY_SKU else "",
                "Description": sold.title if sold else "Sales",
                "Active": True,
                "FullyQualifiedName": item["name"],
                "Taxable": True,
                "UnitPrice": sold.price if sold else Decimal(0),
                "Type": "NonInventory" if sold else "Service",
                "IncomeAccountRef": SALES_INCOME,
            }
        )
        bodies.append(body)
    return bodies


def invoice_lines(inv: BookInvoice, item_of: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    lines = [
        {
            "Id": str(n),
            "LineNum": n,
            "Description": line.title,
            "Amount": line.amount,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {
                "ItemRef": dict(item_of[line.sku]),
                "UnitPrice": line.price,
                "Qty": line.quantity,
                "TaxCodeRef": {"value": "TAX" if inv.tax else "NON"},
            },
        }
        for n, line in enumerate(inv.lines, start=1)
    ]
    subtotal = sum((line.amount for line in inv.lines), Decimal("0.00"))
    return [
        *lines,
        {"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
    ]


def _paid(body: dict[str, Any], payment_id: str, txn_type: str, when: datetime) -> None:
    """QuickBooks links a paid transaction back to its payment and bumps its SyncToken."""
    body["LinkedTxn"] = [{"TxnId": payment_id, "TxnType": txn_type}]
    body["SyncToken"] = "1"
    body["MetaData"]["LastUpdatedTime"] = qbo_time(when)


def invoice(inv: BookInvoice, item_of: dict[str, dict[str, str]]) -> dict[str, Any]:
    body = entity(inv.id, inv.created)
    body.update(
        {
            "DocNumber": inv.doc_number,
            "TxnDate": inv.txn_date.isoformat(),
            "DueDate": inv.due_date.isoformat(),
            "CurrencyRef": USD,
            "CustomerRef": {"value": inv.customer_id, "name": inv.customer_name},
            "Line": invoice_lines(inv, item_of),
            "TxnTaxDetail": {"TotalTax": inv.tax},
            "TotalAmt": inv.total,
            "Balance": inv.balance,
            "ApplyTaxAfterDiscount": False,
            "PrintStatus": "NotSet",
            "EmailStatus": "NotSet",
        }
    )
    if inv.paid_by:
        _paid(body, inv.paid_by.id, "Payment", inv.paid_by.created)
    if inv.private_note:
        body["PrivateNote"] = inv.private_note
    if inv.memo:
        body["CustomerMemo"] = {"value": inv.memo}
    return body


def payment(p: BookPayment) -> dict[str, Any]:
    body = entity(p.id, p.created)
    body.update(
        {
            "TxnDate": p.txn_date.isoformat(),
            "CurrencyRef": USD,
            "CustomerRef": {"value": p.customer_id, "name": p.customer_name},
            "DepositToAccountRef": CHECKING,
            "PaymentRefNum": p.reference,
            "TotalAmt": p.amount,
            "UnappliedAmt": Decimal("0.00"),
            "ProcessPayment": False,
            "Line": [
                {"Amount": inv.total, "LinkedTxn": [{"TxnId": inv.id, "TxnType": "Invoice"}]}
                for inv in p.invoices
            ],
        }
    )
    return body


def bill(b: Bill) -> dict[str, Any]:
    body = entity(b.id, b.created)
    body.update(
        {
            "DocNumber": b.doc_number,
            "TxnDate": b.txn_date.isoformat(),
            "DueDate": b.due_date.isoformat(),
            "CurrencyRef": USD,
            "VendorRef": {"value": b.vendor.id, "name": b.vendor.name},
            "APAccountRef": {"value": "33", "name": "Accounts Payable (A/P)"},
            "Line": [
                {
                    "Id": "1",
                    "LineNum": 1,
                    "Description": b.description,
                    "Amount": b.total,
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": {
                        "AccountRef": {"value": "60", "name": b.account},
                        "BillableStatus": "NotBillable",
                        "TaxCodeRef": {"value": "NON"},
                    },
                }
            ],
            "TotalAmt": b.total,
            "Balance": b.balance,
        }
    )
    if b.paid_by:
        _paid(body, b.paid_by.id, "BillPaymentCheck", b.paid_by.created)
    return body


def bill_payment(p: BillPayment) -> dict[str, Any]:
    body = entity(p.id, p.created)
    body.update(
        {
            "DocNumber": p.doc_number,
            "TxnDate": p.txn_date.isoformat(),
            "CurrencyRef": USD,
            "VendorRef": {"value": p.vendor.id, "name": p.vendor.name},
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": CHECKING, "PrintStatus": "NotSet"},
            "TotalAmt": p.amount,
            "Line": [
                {"Amount": b.total, "LinkedTxn": [{"TxnId": b.id, "TxnType": "Bill"}]}
                for b in p.bills
            ],
        }
    )
    return body
