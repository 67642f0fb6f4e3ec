"""Field-by-field comparison of an order with its invoice, and of a charge with its order."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from engine.authority import Side, propose
from engine.config import EngineConfig
from engine.findings import finding
from engine.names import normalize_email
from models.records import Charge, Customer, Invoice, LineItem, Order
from models.results import Discrepancy, DiscrepancyField


def _updated(record) -> float:
    stamp = record.updated_at or getattr(record, "created_at", None)
    return stamp.timestamp() if stamp is not None else 0.0


def compare_totals(
    left, right, config: EngineConfig, what: str, evidence: str = ""
) -> Discrepancy | None:
    """`total` when two records' amounts differ (same currency; a currency clash is its own finding)."""
    if left.currency != right.currency or left.amount == right.amount:
        return None
    a = Side(left.ref, str(left.amount), _updated(left))
    b = Side(right.ref, str(right.amount), _updated(right))
    gap = left.amount - right.amount
    return finding(
        config,
        DiscrepancyField.TOTAL,
        [left.ref, right.ref],
        {left.ref.source.value: str(left.amount), right.ref.source.value: str(right.amount)},
        f"{what}: {left.ref.source.value} {left.ref.id} says {left.amount} {left.currency}, "
        f"{right.ref.source.value} {right.ref.id} says {right.amount} (difference {gap})",
        money=gap,
        currency=left.currency,
        correction=propose("total", a, b, config, evidence),
    )


def _status(order: Order, invoice: Invoice, config: EngineConfig) -> Discrepancy | None:
    if order.status == invoice.status:
        return None
    a = Side(order.ref, order.status.value, _updated(order))
    b = Side(invoice.ref, invoice.status.value, _updated(invoice))
    at_stake = order.refunded if order.refunded else order.amount
    return finding(
        config,
        DiscrepancyField.STATUS,
        [order.ref, invoice.ref],
        {"shopify": order.status.value, "quickbooks": invoice.status.value},
        f"order {order.number} is {order.status.value} in Shopify ({order.source_status or '-'}) "
        f"but invoice {invoice.doc_number or invoice.ref.id} is {invoice.status.value} in QuickBooks "
        f"({invoice.source_status or '-'})",
        money=at_stake,
        currency=order.currency,
        correction=propose("status", a, b, config),
    )


def _currency(left, right, config: EngineConfig) -> Discrepancy | None:
    if left.currency == right.currency:
        return None
    return finding(
        config,
        DiscrepancyField.CURRENCY,
        [left.ref, right.ref],
        {left.ref.source.value: left.currency, right.ref.source.value: right.currency},
        f"{left.ref.source.value} {left.ref.id} is in {left.currency}, "
        f"{right.ref.source.value} {right.ref.id} in {right.currency}",
        money=left.amount,
        currency=left.currency,
    )


def _lines(items: list[LineItem]) -> dict[str, tuple[Decimal, Decimal]]:
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for item in items:
        if item.sku:
            totals[item.sku][0] += item.quantity
            totals[item.sku][1] = item.unit_price
    return {sku: (q, p) for sku, (q, p) in totals.items()}


def _line_items(order: Order, invoice: Invoice, config: EngineConfig) -> Discrepancy | None:
    mine, theirs = _lines(order.line_items), _lines(invoice.line_items)
    if not mine or not theirs or mine == theirs:
        return None
    problems = []
    for sku in sorted(mine.keys() | theirs.keys()):
        a, b = mine.get(sku), theirs.get(sku)
        if a is None or b is None:
            problems.append(f"{sku} only in {'QuickBooks' if a is None else 'Shopify'}")
        elif a != b:
            problems.append(f"{sku}: Shopify {a[0]} × {a[1]}, QuickBooks {b[0]} × {b[1]}")
    shop = "; ".join(f"{s} {q}×{p}" for s, (q, p) in sorted(mine.items()))
    books = "; ".join(f"{s} {q}×{p}" for s, (q, p) in sorted(theirs.items()))
    fix = propose(
        "sku", Side(order.ref, shop), Side(invoice.ref, books), config, target="line_items"
    )
    return finding(
        config,
        DiscrepancyField.LINE_ITEMS,
        [order.ref, invoice.ref],
        {"shopify": shop, "quickbooks": books},
        "line items differ by SKU: " + "; ".join(problems),
        currency=order.currency,
        correction=fix,
    )


def compare_order_invoice(
    order: Order,
    invoice: Invoice,
    config: EngineConfig,
    charge: Charge | None,
    customers: tuple[str, str],
    books_customer: Customer | None = None,
) -> list[Discrepancy]:
    evidence = ""
    if charge is not None and charge.amount == order.amount and charge.currency == order.currency:
        evidence = f"Stripe charge {charge.ref.id} collected {charge.amount} {charge.currency} for this order"
    found = [
        compare_totals(order, invoice, config, f"order {order.number} vs its invoice", evidence),
        _status(order, invoice, config),
        _currency(order, invoice, config),
        _line_items(order, invoice, config),
        _customer(order, invoice, config, customers),
        _email(order, books_customer, config, customers),
    ]
    return [f for f in found if f is not None]


def _email(
    order: Order, books: Customer | None, config: EngineConfig, customers: tuple[str, str]
) -> Discrepancy | None:
    """The same customer with another email in the books: cosmetic, the most recent wins."""
    mine, theirs = customers
    if books is None or not mine or mine != theirs or not order.email or not books.email:
        return None
    if normalize_email(order.email) == normalize_email(books.email):
        return None
    a = Side(order.ref, order.email, _updated(order))
    b = Side(books.ref, books.email, _updated(books))
    return finding(
        config,
        DiscrepancyField.CUSTOMER,
        [order.ref, books.ref],
        {"shopify": order.email, "quickbooks": books.email},
        f"customer {mine} writes {order.email} on order {order.number} but {books.email} in the books",
        currency=order.currency,
        correction=propose("email", a, b, config),
        severity_key="cosmetic",
        discriminator="email",
    )


def _customer(
    order: Order, invoice: Invoice, config: EngineConfig, customers: tuple[str, str]
) -> Discrepancy | None:
    mine, theirs = customers
    if not mine or not theirs or mine == theirs:
        return None
    return finding(
        config,
        DiscrepancyField.CUSTOMER,
        [order.ref, invoice.ref],
        {
            "shopify": order.customer_name or order.email or mine,
            "quickbooks": invoice.customer_name or theirs,
        },
        f"order {order.number} belongs to customer {mine}, its invoice to {theirs}",
        currency=order.currency,
    )
