"""The month's bills and how each left the bank (docs/matching.md 7 and 12).

Rent was entered with two digits swapped; supplies and software were paid by recorded bill
payments; power was paid straight from the bank with no bill payment recorded; one bill's amount
was typed so that it cannot be read.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sandbox.generator.clock import add_business_days
from sandbox.generator.expenses import OUTFLOW, POWER, RENT, Expenses
from sandbox.generator.ids import Ids
from sandbox.generator.month import Month


def build_bills(ids: Ids, month: Month) -> None:
    exp = Expenses(ids, month.window.start - timedelta(days=500))
    rent(exp, month)
    paid_by_bill_payments(exp, month)
    power(exp, month)
    packaging = exp.vendor("Pinecrest Packaging", "ar@pinecrestpack.com")
    day = add_business_days(month.first, 20)
    month.planted.bad_amount = exp.bill(
        packaging, day, "PP-3301", "Mailer boxes", "Supplies", "12,40.00"
    )
    month.books = exp.books
    month.bank.extend(exp.books.withdrawals)


def rent(exp: Expenses, month: Month) -> None:
    day = add_business_days(month.first - timedelta(days=1), 1)
    landlord = exp.vendor("Maple Street Properties", "rent@maplestreetprops.com")
    doc = f"RENT-{month.first:%Y%m}"
    bill = exp.bill(landlord, day, doc, "Shop lease", "Rent or Lease", Decimal("5520.00"))
    paid = exp.withdraw(day, Decimal("5250.00"), "ACH WITHDRAWAL MAPLE ST PROPERTI", RENT, landlord)
    month.planted.bill_typo = (paid, bill)


def paid_by_bill_payments(exp: Expenses, month: Month) -> None:
    first = month.first
    clay = exp.vendor("Hudson Clayworks", "orders@hudsonclay.com")
    day = add_business_days(first, 4)
    stock = [
        exp.bill(
            clay, day, "HC-4471", "Stoneware restock", "Cost of Goods Sold", Decimal("1843.20")
        ),
        exp.bill(clay, day, "HC-4478", "Serving bowls", "Cost of Goods Sold", Decimal("960.00")),
    ]
    soft = exp.vendor("Northline Software", "billing@northline.io")
    day = add_business_days(first, 2)
    software = exp.bill(
        soft, day, "NL-MONTHLY", "Inventory software", "Software", Decimal("149.00")
    )
    pay_day = add_business_days(first, 16)
    for bills, doc, name in (
        (stock, "ACH-1017", "ACH DEBIT HUDSON CLAYWORKS"),
        ([software], "ACH-1018", "NORTHLINE SOFTWARE ACH DEBIT"),
    ):
        payment = exp.pay(bills, pay_day, doc)
        posted = add_business_days(pay_day, 1)  # the ACH debit posts the next business day
        line = exp.withdraw(posted, payment.amount, name, OUTFLOW, bills[0].vendor)
        month.bill_withdrawals.append((line, payment))


def power(exp: Expenses, month: Month) -> None:
    utility = exp.vendor("Con Edison", None)
    day = add_business_days(month.first, 11)
    bill = exp.bill(utility, day, "CE-88213", "Electric service", "Utilities", Decimal("287.43"))
    paid = exp.withdraw(day, Decimal("287.43"), "CON ED OF NY INTELL", POWER, utility)
    month.bill_withdrawals.append((paid, bill))
