"""One month of the shop, built fact by fact from a seed, with the planted cases of docs/matching.md."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from models.io import Window
from sandbox.generator.business import (
    BankLine,
    Bill,
    BillPayment,
    BookCustomer,
    BookInvoice,
    BookPayment,
    CardCharge,
    CardRefund,
    Movement,
    Payout,
    Person,
    Sale,
)
from sandbox.generator.catalog import planted_cart, random_cart
from sandbox.generator.clock import local, month_end
from sandbox.generator.expenses import Books
from sandbox.generator.ids import Ids
from sandbox.generator.payouts import available_on, make_payout, payout_days, schedule_payouts
from sandbox.generator.people import retail_people
from sandbox.generator.retail import make_charge, make_invoice, make_sale, order_times, stripe_fee

# Fewer orders leave too few payout days to plant the payout cases; more would run order
# numbers (1001 + n) into the wholesale invoice numbers (from 90001).
MIN_ORDERS, MAX_ORDERS = 20, 80_000
STRIPE_DEPOSIT = "STRIPE TRANSFER JUNIPER AND OAK"
INCOME = ("INCOME", "INCOME_OTHER_INCOME")
TRANSFER_IN = ("TRANSFER_IN", "TRANSFER_IN_ACCOUNT_TRANSFER")


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


def orphan_charge(ids: Ids, rng: random.Random, first: date) -> CardCharge:
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


def build_payouts(ids: Ids, rng: random.Random, month: Month) -> None:
    movements = [c.movement for c in month.charges] + [
        c.refund.movement for c in month.charges if c.refund
    ]
    last = month.last_day
    regular = schedule_payouts(
        ids, rng, movements, [d for d in payout_days(month.first) if d < last]
    )
    paid = {m.id for p in regular for m in p.members}
    pending = [m for m in movements if m.id not in paid and available_on(m) <= last]
    if not pending:
        pending = regular.pop().members
    late = make_payout(
        ids, local(last, 12, 4, 51), month.window.as_of.date() + timedelta(days=1), pending
    )
    in_window = [p for p in regular if p.arrival < month.window.end.date()]
    if len(in_window) < 3:
        raise ValueError(
            "the orders fell on too few days to plant the payout cases; use more orders"
        )
    gap, missing = in_window[len(in_window) * 2 // 5], in_window[len(in_window) * 3 // 5]
    gap.amount -= Decimal("15.00")
    gap.movement.amount = -gap.amount
    month.planted.composition_gap, month.planted.missing_deposit, month.planted.late_payout = (
        gap,
        missing,
        late,
    )
    month.payouts = [*regular, late]
    for payout in regular:
        if payout is not missing:
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
    orphan = orphan_charge(ids, rng, first)
    planted.orphan_charge = orphan
    charges = sorted([s.charge for s in sales if s.charge] + [orphan], key=lambda c: c.at)
    month = Month(first, window, people, sales, charges, planted=planted)
    month.invoices = [s.invoice for s in sales if s.invoice]
    build_payouts(ids, rng, month)
    from sandbox.generator.month_books import build_books  # it builds on this module's Month

    build_books(ids, rng, month)
    month.bank.sort(key=lambda line: (line.posted, line.id))
    return month
