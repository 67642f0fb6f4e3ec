"""Storefront sales: order → card charge (Stripe) → invoice synced into the books (QuickBooks)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sandbox.generator.business import CENT, BookInvoice, CardCharge, Line, Movement, Person, Sale
from sandbox.generator.catalog import tax_on
from sandbox.generator.clock import days_of, local, month_end, shop_date
from sandbox.generator.ids import Ids

STRIPE_RATE = Decimal("0.029")
STRIPE_FIXED = Decimal("0.30")


def stripe_fee(amount: Decimal) -> Decimal:
    """Stripe's standard US card pricing: 2.9% + 30¢, rounded to the cent."""
    return (amount * STRIPE_RATE).quantize(CENT, rounding=ROUND_HALF_UP) + STRIPE_FIXED


def order_times(rng: random.Random, first: date, count: int) -> list[datetime]:
    """`count` distinct instants over the month, in the shop's opening hours (08:00–21:00)."""
    days = days_of(first, month_end(first))
    seconds: set[tuple[int, int]] = set()
    while len(seconds) < count:
        day = rng.randrange(len(days))
        seconds.add((day, rng.randrange(8 * 3600, 21 * 3600)))
    return [local(days[d], s // 3600, s // 60 % 60, s % 60) for d, s in sorted(seconds)]


def make_sale(ids: Ids, number: int, at: datetime, person: Person, lines: list[Line]) -> Sale:
    subtotal = sum((line.amount for line in lines), Decimal("0.00"))
    tax = tax_on(subtotal)
    sale = Sale(number, ids.shopify(), at, person, lines, subtotal, tax, subtotal + tax)
    sale.line_item_ids = [ids.shopify() for _ in lines]
    return sale


def make_charge(ids: Ids, rng: random.Random, sale: Sale) -> CardCharge:
    """The card payment at checkout, a few seconds before Shopify creates the order."""
    at = sale.at - timedelta(seconds=rng.randrange(3, 40))
    charge_id = ids.stripe("ch")
    fee = stripe_fee(sale.total)
    movement = Movement(
        ids.stripe("txn"), "charge", sale.total, fee, at, charge_id, f"Order #{sale.number}"
    )
    person = sale.person
    metadata = {"order_id": str(sale.shopify_id), "order_number": str(sale.number)}
    return CardCharge(
        charge_id,
        ids.stripe("pi"),
        at,
        sale.total,
        person.email,
        person.stripe_name,
        person.phone,
        f"Order #{sale.number}",
        metadata,
        movement,
    )


def make_invoice(
    ids: Ids, rng: random.Random, sale: Sale, booked: datetime | None = None
) -> BookInvoice:
    """The invoice the Shopify→QuickBooks sync books, paid in full (the card took the money)."""
    booked = booked or sale.at + timedelta(minutes=rng.randrange(2, 50))
    day = shop_date(sale.at) if booked - sale.at < timedelta(hours=2) else shop_date(booked)
    person = sale.person
    return BookInvoice(
        ids.qbo_txn(),
        f"SH-{sale.number}",
        day,
        day,
        person.qbo_id,
        person.qbo_name,
        sale.lines,
        sale.tax,
        sale.total,
        Decimal("0.00"),
        booked,
        private_note=f"Shopify order #{sale.number}",
    )
