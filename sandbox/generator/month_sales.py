"""Storefront orders over the month, with the planted order cases (docs/matching.md 1–4, 11 and
the late invoice), and a charge taken outside the storefront."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sandbox.generator.business import CardCharge, CardRefund, Movement, Person, Sale
from sandbox.generator.catalog import planted_cart, random_cart
from sandbox.generator.clock import local, month_end
from sandbox.generator.ids import Ids
from sandbox.generator.month import Planted
from sandbox.generator.retail import make_charge, make_invoice, make_sale, order_times, stripe_fee


def scenario_slots(count: int) -> dict[str, int]:
    """Which order (by time) carries which scenario; spread out, never on the month's edges."""
    slots = {
        "margaret": 0,
        "samir": 1,
        "missing_invoice": int(count * 0.2),
        "total_mismatch": int(count * 0.35),
        "margaret_again": int(count * 0.45),
        "status_mismatch": int(count * 0.5),
        "bad_currency": int(count * 0.65),
        "leela": int(count * 0.8),
        "late_invoice": count - 1,
    }
    return slots


def build_sales(
    ids: Ids, rng: random.Random, first: date, count: int, people: list[Person]
) -> tuple[list[Sale], Planted]:
    times = order_times(rng, first, count)
    last = month_end(first) - timedelta(days=1)
    times[-1] = local(last, 19, 30)  # the window's last evening
    times.sort()
    roles = {index: role for role, index in scenario_slots(count).items()}
    buyers = {"margaret": 0, "margaret_again": 0, "samir": 1, "leela": 2}
    planted = Planted()
    planted.three_spellings, planted.shared_mailbox = people[0], people[1:3]
    sales = []
    for index, at in enumerate(times):
        role = roles.get(index, "")
        person = people[buyers[role]] if role in buyers else rng.choice(people[3:])
        lines = planted_cart(Decimal("59.89")) if role == "total_mismatch" else random_cart(rng)
        sale = make_sale(ids, 1001 + index, at, person, lines)
        if role == "bad_currency":
            sale.currency, sale.financial_status = "XYZ", "pending"  # a test order, never paid
        else:
            sale.charge = make_charge(ids, rng, sale)
        if role not in ("missing_invoice", "bad_currency"):
            booked = local(last + timedelta(days=1), 9, 12) if role == "late_invoice" else None
            sale.invoice = make_invoice(ids, rng, sale, booked)
        plant_sale(ids, rng, planted, role, sale)
        sales.append(sale)
    return sales, planted


def plant_sale(ids: Ids, rng: random.Random, planted: Planted, role: str, sale: Sale) -> None:
    if role == "total_mismatch" and sale.invoice:
        sale.invoice.total, sale.invoice.tax = Decimal("60.89"), sale.tax + 1  # a typo in the books
    if role == "status_mismatch" and sale.charge:
        refund_in_full(ids, rng, sale, sale.charge)
    if role in (
        "missing_invoice",
        "total_mismatch",
        "status_mismatch",
        "bad_currency",
        "late_invoice",
    ):
        setattr(planted, role, sale)


def refund_in_full(ids: Ids, rng: random.Random, sale: Sale, charge: CardCharge) -> None:
    """The buyer sent it back: Shopify and Stripe show the refund; the books were never told."""
    at = sale.at + timedelta(days=1, hours=rng.randrange(1, 4))
    refund_id = ids.stripe("re")
    movement = Movement(
        ids.stripe("txn"),
        "refund",
        -charge.amount,
        Decimal("0.00"),
        at,
        refund_id,
        f"REFUND FOR CHARGE (Order #{sale.number})",
    )
    charge.refund = CardRefund(refund_id, at, charge.amount, movement, ids.shopify(), ids.shopify())
    sale.financial_status = "refunded"


def orphan_charge(ids: Ids, first: date) -> CardCharge:
    """A gift-card sale taken on a Stripe payment link: money in, no storefront order."""
    at = local(first + timedelta(days=12), 15, 12, 41)
    amount = Decimal("150.00")
    charge_id = ids.stripe("ch")
    movement = Movement(
        ids.stripe("txn"), "charge", amount, stripe_fee(amount), at, charge_id, "Gift card"
    )
    return CardCharge(
        charge_id,
        ids.stripe("pi"),
        at,
        amount,
        "gifts@brightlinepartners.com",
        "Brightline Partners",
        None,
        "Juniper & Oak gift card",
        {},
        movement,
    )
