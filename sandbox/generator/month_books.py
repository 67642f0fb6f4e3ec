"""The books side of the month: wholesale invoices and their ACH payments (docs/matching.md 6, 8,
the partial payment and the ACH batch), then the bills."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations

from sandbox.generator.business import BankLine, BookInvoice, BookPayment, Line
from sandbox.generator.clock import add_business_days, local
from sandbox.generator.ids import Ids
from sandbox.generator.month import Month
from sandbox.generator.month_bills import build_bills
from sandbox.generator.wholesale import (
    Numbering,
    Trade,
    fixed_invoice,
    trade_customers,
    trade_invoice,
)

INCOME = ("INCOME", "INCOME_OTHER_INCOME")
TRADE_CATEGORY = INCOME


def ach_credit(ids: Ids, day: date, amount: Decimal, bank_name: str, info: str = "") -> BankLine:
    name = f"ACH DEPOSIT {bank_name}" + (f" PMT INFO:{info}" if info else "")
    return BankLine(ids.plaid(), day, amount, name, None, TRADE_CATEGORY, bank_name, "merchant")


def build_books(ids: Ids, rng: random.Random, month: Month) -> None:
    trades = trade_customers(ids, month.window.start - timedelta(days=400))
    month.trade_customers = [t.customer for t in trades.values()]
    numbers = Numbering()
    acme(ids, rng, month, trades["acme"], numbers)
    birch(ids, month, trades["birch"], numbers)
    cedar(ids, rng, month, trades["cedar"], numbers)
    for trade in trades.values():
        month.invoices.extend(trade.invoices)
    unexplained = BankLine(
        ids.plaid(),
        add_business_days(month.first, 13),
        Decimal("418.36"),
        "MOBILE DEPOSIT",
        None,
        INCOME,
        None,
        "merchant",
    )
    month.bank.append(unexplained)
    month.planted.unexplained_deposit = unexplained
    build_bills(ids, month)


def acme(ids: Ids, rng: random.Random, month: Month, trade: Trade, numbers: Numbering) -> None:
    """40 open invoices over two months; one ACH batch pays the 15 oldest, listing their numbers."""
    start = month.first - timedelta(days=35)
    for k in range(40):
        trade_invoice(ids, rng, trade, numbers, start + timedelta(days=k * 55 // 40))
    paid = trade.invoices[:15]
    day = add_business_days(month.first, 6)
    info = "INV " + " ".join(i.doc_number for i in paid)
    line = ach_credit(
        ids, day, sum((i.total for i in paid), Decimal("0.00")), trade.bank_name, info
    )
    month.bank.append(line)
    month.planted.ach_batch = (line, paid)


def birch(ids: Ids, month: Month, trade: Trade, numbers: Numbering) -> None:
    """Four open invoices where 400+800 and 500+700 both make the 1200.00 that arrives unreferenced."""
    for k, amount in enumerate(("400.00", "800.00", "500.00", "700.00")):
        item = Line("JO-FIX-INS", "Display fixture install", Decimal(amount), 1)
        fixed_invoice(
            ids, trade, numbers, month.first - timedelta(days=20) + timedelta(days=k * 6), [item]
        )
    line = ach_credit(ids, add_business_days(month.first, 10), Decimal("1200.00"), trade.bank_name)
    month.bank.append(line)
    month.planted.ambiguous_deposit = (line, list(trade.invoices))


def cedar(ids: Ids, rng: random.Random, month: Month, trade: Trade, numbers: Numbering) -> None:
    """Two invoices paid and recorded as a QuickBooks Payment; one paid in part, by reference."""
    for k in range(5):
        trade_invoice(
            ids, rng, trade, numbers, month.first - timedelta(days=12) + timedelta(days=k * 7)
        )
    paid, (partial, *_) = unambiguous_pair(trade.invoices)
    amount = sum((i.total for i in paid), Decimal("0.00"))
    day = add_business_days(month.first, 15)
    line = ach_credit(ids, day, amount, trade.bank_name)
    customer = trade.customer
    payment = BookPayment(
        ids.qbo_txn(),
        day,
        customer.id,
        customer.display_name,
        amount,
        paid,
        "ACH",
        local(day, 16, 2),
    )
    for invoice in paid:
        invoice.balance, invoice.paid_by = Decimal("0.00"), payment
    month.bank.append(line)
    month.payments.append((line, payment))
    part = (partial.total / 3).quantize(Decimal("0.01"))
    part_line = ach_credit(
        ids, add_business_days(month.first, 18), part, trade.bank_name, f"INV {partial.doc_number}"
    )
    month.bank.append(part_line)
    month.planted.partial_payment = (part_line, partial)


def unambiguous_pair(invoices: list[BookInvoice]) -> tuple[list[BookInvoice], list[BookInvoice]]:
    """Two invoices whose sum no subset of the others makes: the payment must pair one way only
    (wholesale totals come from a few case prices, so equal sums do happen)."""
    for pair in combinations(invoices, 2):
        rest = [i for i in invoices if i not in pair]
        amount = sum(i.total for i in pair)
        sums = {
            sum(i.total for i in c) for r in range(1, len(rest) + 1) for c in combinations(rest, r)
        }
        if amount not in sums:
            return list(pair), rest
    raise ValueError("every pair of these invoices is matched by another subset; draw again")
