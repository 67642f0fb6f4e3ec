"""Render a built month in each vendor's wire format: the `VendorData` others call."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from models.io import Window
from sandbox.generator import plaid, quickbooks, shopify, stripe
from sandbox.generator.expected import Expected, expected_for
from sandbox.generator.month import Month


@dataclass
class VendorData:
    """A generated month as each vendor's API would return it (money exact: ints, strings, Decimals)."""

    plaid_transactions: list[dict[str, Any]]
    stripe: dict[str, list[dict[str, Any]]]
    stripe_payout_members: dict[str, list[str]]
    shopify: dict[str, list[dict[str, Any]]]
    quickbooks: dict[str, list[dict[str, Any]]]
    window: Window
    expected: Expected
    plaid_accounts: list[dict[str, Any]] = field(default_factory=list)
    plaid_modified: list[dict[str, Any]] = field(default_factory=list)
    plaid_removed: list[dict[str, Any]] = field(default_factory=list)
    seed: int = 0


def render(month: Month, seed: int) -> VendorData:
    balance = Decimal("18250.00") + sum((line.amount for line in month.bank), Decimal("0.00"))
    return VendorData(
        plaid_transactions=[plaid.transaction(line) for line in month.bank],
        stripe=render_stripe(month),
        stripe_payout_members={
            p.id: [m.id for m in p.members] + [p.movement.id] for p in month.payouts
        },
        shopify=render_shopify(month),
        quickbooks=render_quickbooks(month),
        window=month.window,
        expected=expected_for(month),
        plaid_accounts=[plaid.account(balance)],
        seed=seed,
    )


def _newest_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda o: (o["created"], o["id"]), reverse=True)


def render_stripe(month: Month) -> dict[str, list[dict[str, Any]]]:
    as_of = month.window.as_of.date()
    movements = [c.movement for c in month.charges]
    movements += [c.refund.movement for c in month.charges if c.refund]
    movements += [p.movement for p in month.payouts]
    return {
        "charges": _newest_first([stripe.charge(c) for c in month.charges]),
        "refunds": _newest_first([stripe.refund(c, c.refund) for c in month.charges if c.refund]),
        "balance_transactions": _newest_first(
            [stripe.balance_transaction(m, as_of) for m in movements]
        ),
        "payouts": _newest_first([stripe.payout(p, as_of) for p in month.payouts]),
    }


def render_shopify(month: Month) -> dict[str, list[dict[str, Any]]]:
    by_person = defaultdict(list)
    for sale in month.sales:
        by_person[sale.person.shopify_id].append(sale)
    tokens = [f"{sale.shopify_id:x}".rjust(32, "0") for sale in month.sales]
    orders = [
        shopify.order(sale, token, by_person[sale.person.shopify_id])
        for sale, token in zip(month.sales, tokens, strict=True)
    ]
    return {
        "orders": orders[::-1],  # Shopify lists newest first
        "customers": [shopify.customer(p, by_person[p.shopify_id]) for p in month.people],
    }


def render_quickbooks(month: Month) -> dict[str, list[dict[str, Any]]]:
    open_balance: defaultdict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for invoice in month.invoices:
        open_balance[invoice.customer_id] += invoice.balance
    books = month.books
    item_of = quickbooks.item_refs(month.invoices)
    opened = min(p.created for p in month.people)  # the books were set up before any sale
    return {
        "Customer": [quickbooks.retail_customer(p) for p in month.people]
        + [quickbooks.trade_customer(c, open_balance[c.id]) for c in month.trade_customers],
        "Vendor": [quickbooks.vendor(v) for v in books.vendors],
        "Item": quickbooks.items(month.invoices, opened),
        "Invoice": sorted(
            (quickbooks.invoice(i, item_of) for i in month.invoices), key=lambda e: int(e["Id"])
        ),
        "Payment": [quickbooks.payment(p) for _, p in month.payments],
        "Bill": [quickbooks.bill(b) for b in books.bills],
        "BillPayment": [quickbooks.bill_payment(p) for p in books.bill_payments],
    }
