"""Build a month of the shop from a seed: sales, payouts, then the books."""

from __future__ import annotations

import random
from datetime import date

from sandbox.generator.ids import Ids
from sandbox.generator.month import Month, month_window
from sandbox.generator.month_books import build_books
from sandbox.generator.month_payouts import build_payouts
from sandbox.generator.month_sales import build_sales, orphan_charge
from sandbox.generator.people import retail_people

# Fewer orders leave too few payout days to plant the payout cases; more would run order
# numbers (1001 + n) into the wholesale invoice numbers (from 90001).
MIN_ORDERS, MAX_ORDERS = 20, 80_000


def build_month(seed: int, first: date, orders: int) -> Month:
    if first.day != 1:
        raise ValueError(f"month must be the first day of a month, got {first}")
    if not MIN_ORDERS <= orders <= MAX_ORDERS:
        raise ValueError(f"orders must be between {MIN_ORDERS} and {MAX_ORDERS}, got {orders}")
    rng = random.Random(seed)
    ids = Ids(rng)
    window = month_window(first)
    people = retail_people(ids, rng, min(max(12, orders // 3), 2000), window.start)
    sales, planted = build_sales(ids, rng, first, orders, people)
    orphan = orphan_charge(ids, first)
    planted.orphan_charge = orphan
    charges = sorted([s.charge for s in sales if s.charge] + [orphan], key=lambda c: c.at)
    month = Month(first, window, people, sales, charges, planted=planted)
    month.invoices = [s.invoice for s in sales if s.invoice]
    build_payouts(ids, rng, month)
    build_books(ids, rng, month)
    month.bank.sort(key=lambda line: (line.posted, line.id))
    return month
