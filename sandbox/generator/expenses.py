"""The shop's monthly bills (rent, supplies, software, power) and how each was paid from the bank."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sandbox.generator.business import BankLine, Bill, BillPayment, BookVendor
from sandbox.generator.clock import local
from sandbox.generator.ids import Ids

OUTFLOW = ("GENERAL_SERVICES", "GENERAL_SERVICES_OTHER_GENERAL_SERVICES")
RENT = ("RENT_AND_UTILITIES", "RENT_AND_UTILITIES_RENT")
POWER = ("RENT_AND_UTILITIES", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY")


@dataclass
class Books:
    vendors: list[BookVendor] = field(default_factory=list)
    bills: list[Bill] = field(default_factory=list)
    bill_payments: list[BillPayment] = field(default_factory=list)
    withdrawals: list[BankLine] = field(default_factory=list)


class Expenses:
    def __init__(self, ids: Ids, since: datetime) -> None:
        self.ids, self.since, self.books = ids, since, Books()

    def vendor(self, name: str, email: str | None) -> BookVendor:
        vendor = BookVendor(self.ids.qbo_name(), name, email, self.since)
        self.books.vendors.append(vendor)
        return vendor

    def bill(
        self, vendor: BookVendor, day: date, doc: str, what: str, account: str, total: Decimal | str
    ) -> Bill:
        bill = Bill(
            self.ids.qbo_txn(),
            vendor,
            day,
            day + timedelta(days=15),
            doc,
            what,
            account,
            total,
            total,
            local(day, 11, 5),
        )
        self.books.bills.append(bill)
        return bill

    def pay(self, bills: list[Bill], day: date, doc: str) -> BillPayment:
        amount = sum((Decimal(b.total) for b in bills), Decimal("0.00"))
        payment = BillPayment(
            self.ids.qbo_txn(), bills[0].vendor, day, bills, amount, doc, local(day, 14, 20)
        )
        for bill in bills:
            bill.balance, bill.paid_by = Decimal("0.00"), payment
        self.books.bill_payments.append(payment)
        return payment

    def withdraw(
        self, day: date, amount: Decimal, name: str, category: tuple[str, str], vendor: BookVendor
    ) -> BankLine:
        """Money out: the bank names the payee its own way; Plaid resolves the merchant."""
        line = BankLine(
            self.ids.plaid(), day, -amount, name, vendor.name, category, vendor.name, "merchant"
        )
        self.books.withdrawals.append(line)
        return line
