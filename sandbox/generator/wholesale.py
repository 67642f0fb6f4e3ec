"""Wholesale: three trade customers invoiced net-30 in QuickBooks, paying by ACH.

Invoice numbers start at 90001 so they can never be mistaken for a storefront order number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sandbox.generator.business import CENT, BookCustomer, BookInvoice, Line
from sandbox.generator.clock import add_business_days, local
from sandbox.generator.ids import Ids

NET_30 = timedelta(days=30)
FIRST_DOC_NUMBER = 90001


@dataclass
class Trade:
    customer: BookCustomer
    bank_name: str  # how the customer's bank names the ACH credit on our statement
    invoices: list[BookInvoice] = field(default_factory=list)


def trade_customers(ids: Ids, since: datetime) -> dict[str, Trade]:
    def customer(name: str, given: str, family: str, email: str, phone: str) -> BookCustomer:
        return BookCustomer(ids.qbo_name(), name, given, family, name, email, phone, since)

    return {
        "acme": Trade(
            customer(
                "Acme Wholesale LLC", "Dana", "Whitfield", "ap@acmewholesale.com", "(212) 555-0143"
            ),
            "ACME WHOLESALE LL",
        ),
        "birch": Trade(
            customer(
                "Birch & Co Interiors", "Rafe", "Birch", "accounts@birchandco.com", "(718) 555-0178"
            ),
            "BIRCH AND CO INTER",
        ),
        "cedar": Trade(
            customer(
                "Cedar Lane Market", "Tomas", "Reyes", "billing@cedarlanemkt.com", "(646) 555-0110"
            ),
            "CEDAR LANE MARKET",
        ),
    }


class Numbering:
    def __init__(self) -> None:
        self.next = FIRST_DOC_NUMBER

    def take(self) -> str:
        self.next += 1
        return str(self.next - 1)


TRADE_ITEMS = [
    ("JO-MUG-STN", "Stoneware Mug - Sand (case of 12)", Decimal("172.80")),
    ("JO-CND-CED", "Cedar & Smoke Candle (case of 6)", Decimal("115.20")),
    ("JO-CBD-OAK", "Oak Cutting Board (case of 4)", Decimal("172.80")),
    ("JO-TWL-LIN", "Linen Tea Towels (case of 10)", Decimal("168.00")),
    ("JO-SPN-OLV", "Olivewood Spoon (case of 24)", Decimal("259.20")),
]


def trade_invoice(
    ids: Ids, rng: random.Random, trade: Trade, numbers: Numbering, day: date
) -> BookInvoice:
    lines = [
        Line(sku, title, price, rng.randrange(1, 6))
        for sku, title, price in rng.sample(TRADE_ITEMS, k=rng.randrange(1, 3))
    ]
    return fixed_invoice(ids, trade, numbers, day, lines)


def fixed_invoice(
    ids: Ids, trade: Trade, numbers: Numbering, day: date, lines: list[Line]
) -> BookInvoice:
    """Wholesale is tax-exempt (resale certificate on file): the total is the lines."""
    total = sum((line.amount for line in lines), Decimal("0.00")).quantize(CENT)
    customer = trade.customer
    invoice = BookInvoice(
        ids.qbo_txn(),
        numbers.take(),
        day,
        day + NET_30,
        customer.id,
        customer.display_name,
        lines,
        Decimal("0.00"),
        total,
        total,
        local(day, 10, 15),
        memo="Thank you for your business. Terms: Net 30.",
    )
    trade.invoices.append(invoice)
    return invoice


def ach_day(day: date, rng: random.Random) -> date:
    return add_business_days(day, rng.randrange(0, 2))
