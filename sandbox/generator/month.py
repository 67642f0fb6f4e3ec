"""A month of the shop as built: its facts, and where each planted case of docs/matching.md landed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from models.io import Window
from sandbox.generator.business import (
    BankLine,
    Bill,
    BillPayment,
    BookCustomer,
    BookInvoice,
    BookPayment,
    CardCharge,
    Payout,
    Person,
    Sale,
)
from sandbox.generator.clock import month_end
from sandbox.generator.expenses import Books


@dataclass
class Planted:
    """Where each scenario of docs/matching.md landed; every field is set while the month is built
    (reading one before it is set raises AttributeError)."""

    missing_invoice: Sale = field(init=False)
    total_mismatch: Sale = field(init=False)
    status_mismatch: Sale = field(init=False)
    bad_currency: Sale = field(init=False)
    late_invoice: Sale = field(init=False)
    orphan_charge: CardCharge = field(init=False)
    missing_deposit: Payout = field(init=False)
    composition_gap: Payout = field(init=False)
    late_payout: Payout = field(init=False)
    unexplained_deposit: BankLine = field(init=False)
    bill_typo: tuple[BankLine, Bill] = field(init=False)
    bad_amount: Bill = field(init=False)
    ambiguous_deposit: tuple[BankLine, list[BookInvoice]] = field(init=False)
    partial_payment: tuple[BankLine, BookInvoice] = field(init=False)
    ach_batch: tuple[BankLine, list[BookInvoice]] = field(init=False)
    three_spellings: Person = field(init=False)
    shared_mailbox: list[Person] = field(init=False)


@dataclass
class Month:
    first: date
    window: Window
    people: list[Person]
    sales: list[Sale]
    charges: list[CardCharge]
    payouts: list[Payout] = field(default_factory=list)
    payout_deposits: dict[str, BankLine] = field(default_factory=dict)
    bank: list[BankLine] = field(default_factory=list)
    trade_customers: list[BookCustomer] = field(default_factory=list)
    invoices: list[BookInvoice] = field(default_factory=list)
    payments: list[tuple[BankLine, BookPayment]] = field(default_factory=list)
    books: Books = field(default_factory=Books)
    bill_withdrawals: list[tuple[BankLine, BillPayment | Bill]] = field(default_factory=list)
    planted: Planted = field(default_factory=Planted)

    @property
    def last_day(self) -> date:
        return month_end(self.first) - timedelta(days=1)


def month_window(first: date) -> Window:
    start = datetime(first.year, first.month, 1, tzinfo=UTC)
    end_day = month_end(first)
    end = datetime(end_day.year, end_day.month, 1, tzinfo=UTC)
    return Window(start=start, end=end, as_of=end + timedelta(days=3))
