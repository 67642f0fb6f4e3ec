"""What is sent to QuickBooks for a missing invoice and for a deposit paying invoices."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from activities.writeback import CannotInvoice, invoice_body, payment_body
from approvals.grouping import group_items
from models.approvals import ApprovalItem
from models.records import BankTransaction, Invoice, LineItem, Order, Source, SourceRef
from models.results import Correction


def _ref(source: Source, type_: str, id_: str) -> SourceRef:
    return SourceRef(source=source, type=type_, id=id_)


def _invoice(id_: str, day: int, balance: str) -> Invoice:
    return Invoice(
        ref=_ref(Source.QUICKBOOKS, "Invoice", id_),
        currency="USD",
        amount=Decimal(balance),
        balance=Decimal(balance),
        txn_date=date(2026, 10, day),
        customer=_ref(Source.QUICKBOOKS, "Customer", "58"),
    )


def test_a_deposit_pays_the_oldest_invoices_first_up_to_their_balances() -> None:
    deposit = BankTransaction(
        ref=_ref(Source.PLAID, "transaction", "txn_deposit_0001"),
        currency="USD",
        amount=Decimal("250.10"),
        account_id="acc",
        posted_date=date(2026, 10, 20),
    )
    body = payment_body(deposit, [_invoice("12", 9, "200.00"), _invoice("11", 3, "50.10")], "c_x")
    assert body["TotalAmt"] == Decimal("250.10") and body["TxnDate"] == "2026-10-20"
    assert [(line["LinkedTxn"][0]["TxnId"], line["Amount"]) for line in body["Line"]] == [
        ("11", Decimal("50.10")),
        ("12", Decimal("200.00")),
    ]
    assert body["CustomerRef"] == {"value": "58"} and body["PaymentRefNum"] == "txn_deposit_0001"


def test_a_missing_invoice_is_built_from_the_order() -> None:
    order = Order(
        ref=_ref(Source.SHOPIFY, "order", "450789469"),
        currency="USD",
        amount=Decimal("59.98"),
        number="1001",
        created_at=datetime(2026, 10, 4, 3, 30, tzinfo=UTC),
        line_items=[
            LineItem(
                sku="MUG-1",
                quantity=Decimal(2),
                unit_price=Decimal("29.99"),
                amount=Decimal("59.98"),
            )
        ],
    )
    body = invoice_body(order, "58", "c_y", ITEMS)
    assert (body["DocNumber"], body["TxnDate"], body["CustomerRef"]) == (
        "1001",
        "2026-10-04",
        {"value": "58"},
    )
    [line] = body["Line"]
    assert line["Amount"] == Decimal("59.98") and line["SalesItemLineDetail"]["Qty"] == Decimal(2)


# the books' items, as `item_refs` finds them: the shop's SKU → ItemRef
ITEMS = {
    "MUG-1": {"value": "12", "name": "Stoneware Mug"},
    "Sales": {"value": "1", "name": "Sales"},
}


def _order(**money: Decimal) -> Order:
    return Order(
        ref=_ref(Source.SHOPIFY, "order", "450789469"),
        currency="USD",
        number="1001",
        created_at=datetime(2026, 10, 4, 3, 30, tzinfo=UTC),
        line_items=[
            LineItem(sku="MUG-1", quantity=2, unit_price=Decimal("29.99"), amount=Decimal("59.98"))
        ],
        **money,
    )


def test_a_missing_invoice_carries_the_orders_discount_shipping_and_tax() -> None:
    order = _order(
        amount=Decimal("64.33"),  # 59.98 - 5.00 + 4.95 + 4.40
        discounts=Decimal("5.00"),
        shipping=Decimal("4.95"),
        tax=Decimal("4.40"),
    )
    body = invoice_body(order, "58", "c_y", ITEMS)
    assert [(line["DetailType"], line["Amount"]) for line in body["Line"]] == [
        ("SalesItemLineDetail", Decimal("59.98")),
        ("DiscountLineDetail", Decimal("5.00")),
        ("SalesItemLineDetail", Decimal("4.95")),
    ]
    assert body["Line"][2]["SalesItemLineDetail"]["ItemRef"] == {"value": "SHIPPING_ITEM_ID"}
    assert body["TxnTaxDetail"] == {"TotalTax": order.tax} and "GlobalTaxCalculation" not in body


def test_tax_inside_the_prices_is_not_added_again() -> None:
    order = _order(amount=Decimal("59.98"), tax=Decimal("10.00"), taxes_included=True)
    body = invoice_body(order, "58", "c_y", ITEMS)
    assert body["GlobalTaxCalculation"] == "TaxInclusive"
    assert [line["Amount"] for line in body["Line"]] == [Decimal("59.98")]


def test_an_order_whose_parts_do_not_make_its_total_gets_no_invoice() -> None:
    """A tip or duties the canonical order does not carry: an invoice of the parts would be
    short, so none is written, and the reason names the numbers."""
    order = _order(amount=Decimal("70.00"), tax=Decimal("4.80"))
    with pytest.raises(CannotInvoice) as refused:
        invoice_body(order, "58", "c_y", ITEMS)
    assert "make 64.78, not its total 70.00 USD" in str(refused.value)


def test_each_line_names_the_books_item_of_its_sku_and_an_unknown_sku_gets_no_invoice() -> None:
    order = _order(amount=Decimal("59.98"))
    [line] = invoice_body(order, "58", "c_y", ITEMS)["Line"]
    assert line["SalesItemLineDetail"]["ItemRef"] == {"value": "12", "name": "Stoneware Mug"}
    with pytest.raises(CannotInvoice, match="QuickBooks has no item with SKU MUG-1"):
        invoice_body(order, "58", "c_y", {"Sales": ITEMS["Sales"]})


def _item(
    id_: str, money: str, field: str = "total", roles: tuple[str, ...] = ("owner",)
) -> ApprovalItem:
    return ApprovalItem(
        discrepancy_id=id_,
        severity="high",
        field=field,
        explanation="",
        money_at_stake=Decimal(money),
        currency="USD",
        correction=Correction(
            system="quickbooks",
            object_type="Invoice",
            object_id=id_,
            field=field,
            from_value="1",
            to_value="2",
        ),
        roles=list(roles),
    )


def test_groups_are_one_kind_of_change_for_one_audience_largest_first_and_split() -> None:
    items = [_item(f"d{i}", str(i)) for i in range(1, 13)] + [_item("dc", "5000", roles=("cfo",))]
    groups = group_items(items, size=10)
    assert [(g.title, len(g.items)) for g in groups] == [
        ("QuickBooks · Invoice · total", 1),
        ("QuickBooks · Invoice · total (1/2)", 10),
        ("QuickBooks · Invoice · total (2/2)", 2),
    ]
    assert groups[0].items[0].roles == ["cfo"]
    assert [i.discrepancy_id for i in groups[1].items][:3] == ["d12", "d11", "d10"]
