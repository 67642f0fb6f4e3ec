"""The vendor-neutral business: what happened in the shop's month, before any vendor renders it.

Each dataclass is one business fact (a sale, a payout, a bank line, a bill). The vendor modules
(`stripe.py`, `shopify.py`, `plaid.py`, `quickbooks.py`) only render these facts in their wire format,
so the same fact shows up consistently in every system — except where a scenario says otherwise.
Money is `Decimal` in major units; instants are aware UTC datetimes; vendor-dated facts are `date`s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

SHOP_NAME = "Juniper & Oak Goods"
SHOP_ZONE = ZoneInfo("America/New_York")
CURRENCY = "USD"
TAX_RATE = Decimal("0.08875")  # New York City sales tax
CENT = Decimal("0.01")


@dataclass
class Person:
    """A retail buyer, as each system spells them."""

    first: str
    last: str
    email: str
    phone: str | None
    shopify_id: int
    created: datetime
    qbo_id: str = ""
    qbo_name: str = ""  # the DisplayName the bookkeeper typed
    qbo_phone: str | None = None
    stripe_name: str = ""  # the name typed on the card form

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Line:
    sku: str
    title: str
    price: Decimal
    quantity: int

    @property
    def amount(self) -> Decimal:
        return self.price * self.quantity


@dataclass
class Movement:
    """A Stripe balance movement: `amount` signed as Stripe signs it, `net = amount - fee`."""

    id: str
    type: str  # charge, refund, payout, adjustment
    amount: Decimal
    fee: Decimal
    at: datetime
    source: str
    description: str | None = None

    @property
    def net(self) -> Decimal:
        return self.amount - self.fee


@dataclass
class CardRefund:
    id: str
    at: datetime
    amount: Decimal
    movement: Movement
    shopify_refund_id: int
    shopify_transaction_id: int


@dataclass
class CardCharge:
    id: str
    payment_intent: str
    at: datetime
    amount: Decimal
    email: str
    name: str
    phone: str | None
    description: str
    metadata: dict[str, str]
    movement: Movement
    refund: CardRefund | None = None


@dataclass
class BookInvoice:
    """A QuickBooks invoice (retail, synced from an order; or wholesale, net-30)."""

    id: str
    doc_number: str
    txn_date: date
    due_date: date
    customer_id: str
    customer_name: str
    lines: list[Line]
    tax: Decimal
    total: Decimal
    balance: Decimal
    created: datetime
    private_note: str | None = None
    memo: str | None = None
    paid_by: BookPayment | None = None


@dataclass
class Sale:
    """A storefront order, its card charge and its invoice in the books."""

    number: int
    shopify_id: int
    at: datetime
    person: Person
    lines: list[Line]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    currency: str = CURRENCY
    financial_status: str = "paid"
    charge: CardCharge | None = None
    invoice: BookInvoice | None = None
    line_item_ids: list[int] = field(default_factory=list)


@dataclass
class Payout:
    id: str
    at: datetime
    arrival: date
    amount: Decimal
    movement: Movement  # the payout's own balance transaction
    members: list[Movement]


@dataclass
class BankLine:
    """One posted bank line. `amount` > 0 is money in (Plaid will show it negative)."""

    id: str
    posted: date
    amount: Decimal
    name: str
    merchant: str | None
    category: tuple[str, str]
    counterparty: str | None = None
    counterparty_type: str = "merchant"
    channel: str = "other"


@dataclass
class BookPayment:
    """A QuickBooks customer payment, applied to invoices."""

    id: str
    txn_date: date
    customer_id: str
    customer_name: str
    amount: Decimal
    invoices: list[BookInvoice]
    reference: str
    created: datetime


@dataclass
class BookCustomer:
    id: str
    display_name: str
    given: str | None
    family: str | None
    company: str | None
    email: str | None
    phone: str | None
    created: datetime
    balance: Decimal = Decimal("0.00")


@dataclass
class BookVendor:
    id: str
    name: str
    email: str | None
    created: datetime


@dataclass
class Bill:
    id: str
    vendor: BookVendor
    txn_date: date
    due_date: date
    doc_number: str
    description: str
    account: str
    total: Decimal | str  # a string only for the planted unreadable amount
    balance: Decimal | str
    created: datetime
    paid_by: BillPayment | None = None


@dataclass
class BillPayment:
    id: str
    vendor: BookVendor
    txn_date: date
    bills: list[Bill]
    amount: Decimal
    doc_number: str
    created: datetime
