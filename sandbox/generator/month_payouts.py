"""The month's Stripe payouts and the bank deposits they became, with the planted payout cases
(docs/matching.md 5, 9, 10)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sandbox.generator.business import BankLine, Payout
from sandbox.generator.clock import local
from sandbox.generator.ids import Ids
from sandbox.generator.month import Month
from sandbox.generator.payouts import available_on, make_payout, payout_days, schedule_payouts

STRIPE_DEPOSIT = "STRIPE TRANSFER JUNIPER AND OAK"
TRANSFER_IN = ("TRANSFER_IN", "TRANSFER_IN_ACCOUNT_TRANSFER")
GAP = Decimal("15.00")  # an adjustment (e.g. a dispute fee) missing from the payout's itemization


def build_payouts(ids: Ids, rng: random.Random, month: Month) -> None:
    movements = [c.movement for c in month.charges]
    movements += [c.refund.movement for c in month.charges if c.refund]
    last = month.last_day
    days = [d for d in payout_days(month.first) if d < last]
    regular = schedule_payouts(ids, rng, movements, days)
    paid = {m.id for p in regular for m in p.members}
    pending = [m for m in movements if m.id not in paid and available_on(m) <= last]
    if not pending:  # nothing new since the last business day: that payout slips to the last day
        pending = regular.pop().members
    late_arrival = month.window.as_of.date() + timedelta(days=1)
    late = make_payout(ids, local(last, 12, 4, 51), late_arrival, pending)
    missing = plant_gap_and_missing(month, regular)
    month.planted.late_payout = late
    month.payouts = [*regular, late]
    for payout in regular:
        if payout is not missing:
            deposit(ids, month, payout)


def plant_gap_and_missing(month: Month, regular: list[Payout]) -> Payout:
    """Plant the composition gap and the missing deposit on two payouts arriving in the window;
    returns the one whose deposit never reaches the bank."""
    in_window = [p for p in regular if p.arrival < month.window.end.date()]
    if len(in_window) < 3:
        raise ValueError(
            "the orders fell on too few days to plant the payout cases; use more orders"
        )
    gap, missing = in_window[len(in_window) * 2 // 5], in_window[len(in_window) * 3 // 5]
    gap.amount -= GAP
    gap.movement.amount = -gap.amount
    month.planted.composition_gap, month.planted.missing_deposit = gap, missing
    return missing


def deposit(ids: Ids, month: Month, payout: Payout) -> None:
    """The payout as the bank posts it, on its arrival date."""
    line = BankLine(
        ids.plaid(),
        payout.arrival,
        payout.amount,
        STRIPE_DEPOSIT,
        "Stripe",
        TRANSFER_IN,
        "Stripe",
        "payment_terminal",
    )
    month.payout_deposits[payout.id] = line
    month.bank.append(line)
