"""The canonical model: every vendor's record, said one way.

Conventions, whatever the vendor said:
- money is `Decimal` quantized to `currency` (see `models.money`);
- instants are timezone-aware UTC datetimes; dates a vendor gives as dates (a bank posting date,
  a QuickBooks TxnDate, a Stripe payout's arrival date) stay `date`;
- `BankTransaction.amount` is positive for money *into* the account (a deposit) and negative for
  money out. Plaid's own sign is the opposite (positive = money out) and is flipped on the way in;
- `status` is the canonical status (`CanonicalStatus`); the vendor's word is kept in
  `source_status`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from models.money import quantize


class Source(StrEnum):
    PLAID = "plaid"
    STRIPE = "stripe"
    SHOPIFY = "shopify"
    QUICKBOOKS = "quickbooks"


class SourceRef(BaseModel):
    """One vendor record: its system, its object type as the vendor names it, its own id."""

    model_config = ConfigDict(frozen=True)

    source: Source
    type: str
    id: str

    @property
    def key(self) -> str:
        return f"{self.source.value}:{self.type}:{self.id}"

    @classmethod
    def parse(cls, key: str) -> SourceRef:
        source, type_, id_ = key.split(":", 2)
        return cls(source=Source(source), type=type_, id=id_)


class CanonicalStatus(StrEnum):
    COMPLETED = "completed"
    PENDING = "pending"
    PARTIAL_PAYMENT = "partial_payment"
    PARTIAL_REFUND = "partial_refund"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    FAILED = "failed"
    REMOVED = "removed"


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is UTC:  # what every normalizer already gives
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must be timezone-aware")
    return value.astimezone(UTC)


AwareDatetime = Annotated[datetime, AfterValidator(_aware_utc)]


class LineItem(BaseModel):
    """One line of an order or invoice. `amount` is quantity × unit price before discounts,
    as QuickBooks' SalesItemLine has it (a discount is its own line there, and an order's
    `discount_allocations` in Shopify).

    A QuickBooks line names an item, not a SKU: `product` is that item and `sku` its name as
    the line gives it. The engine reads the SKU off the item (`Product.sku`) where it has one;
    books whose items are named by the shop's SKUs need none."""

    model_config = ConfigDict(frozen=True)

    sku: str | None = None
    product: SourceRef | None = None  # the item sold (QuickBooks `ItemRef`)
    description: str | None = None
    quantity: Decimal = Decimal(1)
    unit_price: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)


class CanonicalRecord(BaseModel):
    """Fields every canonical record has."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClassVar[str]
    ref: SourceRef
    source_ids: list[SourceRef] = Field(default_factory=list)
    status: CanonicalStatus = CanonicalStatus.COMPLETED
    source_status: str | None = None
    updated_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ref_in_source_ids(self) -> CanonicalRecord:
        if not self.source_ids:
            object.__setattr__(self, "source_ids", [self.ref])
        elif self.ref not in self.source_ids:
            object.__setattr__(self, "source_ids", [self.ref, *self.source_ids])
        return self


class MoneyRecord(CanonicalRecord):
    currency: str
    amount: Decimal

    # The record's own money fields (`Decimal` or `Decimal | None`), found once per class.
    money_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.money_fields = tuple(
            name
            for name, field in cls.model_fields.items()
            if field.annotation in (Decimal, Decimal | None)
        )

    @model_validator(mode="after")
    def _quantized(self) -> MoneyRecord:
        """Every money field carries exactly the currency's exponent ("59.9" → "59.90")."""
        for name in self.money_fields:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, quantize(value, self.currency))
        return self


class Customer(CanonicalRecord):
    kind: ClassVar[str] = "customer"
    name: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    created_at: AwareDatetime | None = None


class Vendor(CanonicalRecord):
    """A supplier (QuickBooks Vendor): the other side of bills and bill payments."""

    kind: ClassVar[str] = "vendor"
    name: str
    email: str | None = None
    created_at: AwareDatetime | None = None


class Product(CanonicalRecord):
    """A product or service the books sell (QuickBooks Item): what an invoice line names.
    `sku` is the item's stock keeping unit, as the shop knows the product; `name` is what
    people call it in the books."""

    kind: ClassVar[str] = "product"
    name: str
    sku: str | None = None
    created_at: AwareDatetime | None = None

    @property
    def shop_sku(self) -> str:
        """The SKU the item stands for: its `sku`, or its name where it has none (books that
        name their items by the shop's SKUs). The engine reads invoice lines by it, and the
        write-back chooses items by it."""
        return self.sku or self.name


class Order(MoneyRecord):
    """A storefront sale. `amount` is the order's total price (what the buyer was charged)."""

    kind: ClassVar[str] = "order"
    number: str  # the human order number, e.g. "1001" (Shopify `name` "#1001")
    created_at: AwareDatetime
    customer: SourceRef | None = None
    email: str | None = None
    customer_name: str | None = None
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    taxes_included: bool = False  # the prices include the tax (it is not added on top)
    discounts: Decimal | None = None  # every discount on the order (Shopify `total_discounts`)
    shipping: Decimal | None = None  # shipping charged, before shipping discounts
    refunded: Decimal = Decimal(0)
    line_items: list[LineItem] = Field(default_factory=list)
    note: str | None = None
    tags: list[str] = Field(default_factory=list)


class Invoice(MoneyRecord):
    """A QuickBooks invoice. `amount` is TotalAmt; `balance` what is still owed."""

    kind: ClassVar[str] = "invoice"
    doc_number: str | None = None
    txn_date: date
    due_date: date | None = None
    balance: Decimal
    customer: SourceRef | None = None
    customer_name: str | None = None
    private_note: str | None = None
    customer_memo: str | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)
    line_items: list[LineItem] = Field(default_factory=list)
    sync_token: str | None = None


class Payment(MoneyRecord):
    """A QuickBooks customer payment, with the invoices it is applied to."""

    kind: ClassVar[str] = "payment"
    txn_date: date
    customer: SourceRef | None = None
    customer_name: str | None = None
    unapplied: Decimal = Decimal(0)
    applied_to: list[SourceRef] = Field(default_factory=list)
    reference: str | None = None
    private_note: str | None = None


class Bill(MoneyRecord):
    kind: ClassVar[str] = "bill"
    doc_number: str | None = None
    txn_date: date
    due_date: date | None = None
    balance: Decimal
    vendor: SourceRef | None = None
    vendor_name: str | None = None
    private_note: str | None = None
    sync_token: str | None = None


class BillPayment(MoneyRecord):
    kind: ClassVar[str] = "bill_payment"
    txn_date: date
    vendor: SourceRef | None = None
    vendor_name: str | None = None
    pay_type: str | None = None
    applied_to: list[SourceRef] = Field(default_factory=list)
    doc_number: str | None = None
    private_note: str | None = None


class BankTransaction(MoneyRecord):
    """A bank line. `amount` > 0 is money in (deposit); < 0 money out (Plaid's sign flipped)."""

    kind: ClassVar[str] = "bank_transaction"
    account_id: str
    posted_date: date
    authorized_date: date | None = None
    pending: bool = False
    pending_transaction_id: str | None = None
    name: str | None = None
    merchant_name: str | None = None
    payment_channel: str | None = None
    counterparty: str | None = None
    memo: str | None = None

    @property
    def direction(self) -> Literal["in", "out"]:
        return "in" if self.amount > 0 else "out"


class Charge(MoneyRecord):
    kind: ClassVar[str] = "charge"
    created_at: AwareDatetime
    amount_refunded: Decimal = Decimal(0)
    captured: bool = True
    paid: bool = True
    description: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    email: str | None = None
    customer_name: str | None = None
    customer: SourceRef | None = None
    balance_transaction: str | None = None
    payment_intent: str | None = None


class Refund(MoneyRecord):
    kind: ClassVar[str] = "refund"
    created_at: AwareDatetime
    charge: str | None = None
    balance_transaction: str | None = None
    reason: str | None = None


class Payout(MoneyRecord):
    """A Stripe payout to the bank. `arrival_date` is the date the bank should see it."""

    kind: ClassVar[str] = "payout"
    created_at: AwareDatetime
    arrival_date: date
    balance_transaction: str | None = None
    description: str | None = None
    statement_descriptor: str | None = None


class BalanceTransaction(MoneyRecord):
    """A Stripe balance movement. `amount` gross (signed as Stripe signs it), `fee`, `net`."""

    kind: ClassVar[str] = "balance_transaction"
    created_at: AwareDatetime
    available_on: date | None = None
    fee: Decimal = Decimal(0)
    net: Decimal
    txn_type: str
    reporting_category: str | None = None
    source_object: str | None = None
    payout: str | None = None


RECORD_TYPES: dict[str, type[CanonicalRecord]] = {
    cls.kind: cls
    for cls in (
        Customer,
        Vendor,
        Product,
        Order,
        Invoice,
        Payment,
        Bill,
        BillPayment,
        BankTransaction,
        Charge,
        Refund,
        Payout,
        BalanceTransaction,
    )
}


def record_from_json(kind: str, data: dict[str, Any]) -> CanonicalRecord:
    """Rebuild a canonical record stored as JSON (the ledger keeps `model_dump(mode="json")`)."""
    return RECORD_TYPES[kind].model_validate(data)
