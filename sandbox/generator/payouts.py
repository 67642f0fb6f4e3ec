"""Stripe's daily automatic payouts: each business morning, every available movement goes out.

Card payments become available two business days after the charge (Stripe's standard US rolling
schedule); refunds are deducted at once. A payout's amount is the net of its balance transactions
(charges minus fees, minus refunds) and it arrives in the bank two business days later. A day whose
net would not be positive rolls over.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sandbox.generator.business import Movement, Payout
from sandbox.generator.clock import (
    add_business_days,
    days_of,
    is_business_day,
    local,
    month_end,
    shop_date,
)
from sandbox.generator.ids import Ids

PAYOUT_HOUR = 9  # local time the daily payout is created


def payout_days(first: date) -> list[date]:
    """Business days after the first of the month, up to its end."""
    return [d for d in days_of(first, month_end(first))[1:] if is_business_day(d)]


def available_on(movement: Movement) -> date:
    day = shop_date(movement.at)
    return add_business_days(day, 2) if movement.type == "charge" else day


def schedule_payouts(
    ids: Ids, rng: random.Random, movements: list[Movement], days: list[date]
) -> list[Payout]:
    ready = {m.id: available_on(m) for m in movements}  # computed once: 20,000 orders × 20 days
    pending = sorted(movements, key=lambda m: m.at)
    payouts = []
    for day in days:
        due = [m for m in pending if ready[m.id] <= day]
        if not due or sum(m.net for m in due) <= 0:
            continue
        pending = [m for m in pending if ready[m.id] > day]
        at = local(day, PAYOUT_HOUR, rng.randrange(60), rng.randrange(60))
        payouts.append(make_payout(ids, at, add_business_days(day, 2), due))
    return payouts


def make_payout(
    ids: Ids, at: datetime, arrival: date, members: list[Movement], gap: Decimal = Decimal(0)
) -> Payout:
    """`gap` makes the payout smaller than its listed members (an adjustment missing from the list)."""
    amount = sum((m.net for m in members), Decimal("0.00")) - gap
    payout_id = ids.stripe("po")
    own = Movement(
        ids.stripe("txn"), "payout", -amount, Decimal("0.00"), at, payout_id, "STRIPE PAYOUT"
    )
    return Payout(payout_id, at, arrival, amount, own, members)


def after(day: date, days: int) -> date:
    return day + timedelta(days=days)
