"""Small canonical-record builders for the engine's unit tests (one place, short names)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from models.io import Window
from models.records import (
    BalanceTransaction,
    BankTransaction,
    Bill,
    BillPayment,
    CanonicalStatus,
    Charge,
    Customer,
    Invoice,
    LineItem,
    Order,
    Payment,
    Payout,
    Source,
    SourceRef,
    Vendor,
)

OCT = Window(
    start=datetime(2026, 10, 1, tzinfo=UTC),
    end=datetime(2026, 11, 1, tzinfo=UTC),
    as_of=datetime(2026, 11, 4, tzinfo=UTC),
)


def ref(source: str, type_: str, id_: str) -> SourceRef:
    return SourceRef(source=Source(source), type=type_, id=id_)


def at(day: int, hour: int = 12, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def d(day: int, month: int = 10) -> date:
    return date(2026, month, day)


def money(value: str | int) -> Decimal:
    return Decimal(str(value))


def order(
    number: str,
    amount: str,
    day: int = 5,
    *,
    id_: str | None = None,
    customer: str | None = "c1",
    email: str | None = "ann@example.com",
    status=CanonicalStatus.COMPLETED,
    currency="USD",
    lines: list[LineItem] | None = None,
    hour: int = 12,
    month: int = 10,
    refunded: str = "0",
) -> Order:
    return Order(
        ref=ref("shopify", "order", id_ or f"o{number}"),
        number=number,
        amount=money(amount),
        currency=currency,
        created_at=at(day, hour, month),
        customer=ref("shopify", "customer", customer) if customer else None,
        email=email,
        status=status,
        line_items=lines or [],
        refunded=money(refunded),
    )


def invoice(
    id_: str,
    amount: str,
    day: int = 5,
    *,
    doc: str | None = None,
    customer: str | None = "Q1",
    balance: str | None = None,
    note: str | None = None,
    memo: str | None = None,
    status=CanonicalStatus.COMPLETED,
    currency="USD",
    lines: list[LineItem] | None = None,
    custom: dict[str, str] | None = None,
    month: int = 10,
) -> Invoice:
    return Invoice(
        ref=ref("quickbooks", "Invoice", id_),
        amount=money(amount),
        currency=currency,
        txn_date=d(day, month),
        doc_number=doc,
        balance=money(balance if balance is not None else "0"),
        status=status,
        customer=ref("quickbooks", "Customer", customer) if customer else None,
        private_note=note,
        customer_memo=memo,
        line_items=lines or [],
        custom_fields=custom or {},
    )


def charge(
    id_: str,
    amount: str,
    day: int = 5,
    *,
    order_id: str | None = None,
    number: str | None = None,
    description: str | None = None,
    email: str | None = "ann@example.com",
    name: str | None = "Ann Lee",
    hour: int = 12,
    status=CanonicalStatus.COMPLETED,
    currency="USD",
) -> Charge:
    metadata = {k: v for k, v in (("order_id", order_id), ("order_number", number)) if v}
    return Charge(
        ref=ref("stripe", "charge", id_),
        amount=money(amount),
        currency=currency,
        created_at=at(day, hour),
        metadata=metadata,
        description=description,
        email=email,
        customer_name=name,
        status=status,
    )


def customer(
    source: str,
    id_: str,
    name: str | None,
    email: str | None = None,
    phone: str | None = None,
    company: str | None = None,
) -> Customer:
    type_ = "Customer" if source == "quickbooks" else "customer"
    return Customer(
        ref=ref(source, type_, id_), name=name, email=email, phone=phone, company=company
    )


def bank(
    id_: str,
    amount: str,
    day: int,
    *,
    name: str | None = None,
    memo: str | None = None,
    pending: bool = False,
    month: int = 10,
) -> BankTransaction:
    return BankTransaction(
        ref=ref("plaid", "transaction", id_),
        amount=money(amount),
        currency="USD",
        account_id="acc",
        posted_date=d(day, month),
        name=name,
        memo=memo,
        pending=pending,
    )


def payout(
    id_: str,
    amount: str,
    created: int,
    arrival: int,
    *,
    arrival_month: int = 10,
    status=CanonicalStatus.COMPLETED,
) -> Payout:
    return Payout(
        ref=ref("stripe", "payout", id_),
        amount=money(amount),
        currency="USD",
        created_at=at(created),
        arrival_date=d(arrival, arrival_month),
        status=status,
        balance_transaction=f"txn_{id_}",
    )


def balance_txn(
    id_: str, amount: str, fee: str, payout_id: str, txn_type: str = "charge"
) -> BalanceTransaction:
    return BalanceTransaction(
        ref=ref("stripe", "balance_transaction", id_),
        amount=money(amount),
        fee=money(fee),
        net=money(amount) - money(fee),
        currency="USD",
        created_at=at(3),
        txn_type=txn_type,
        payout=payout_id,
    )


def payment(
    id_: str,
    amount: str,
    day: int,
    *,
    customer: str = "Q1",
    applied: list[str] = (),
    name: str | None = None,
) -> Payment:
    return Payment(
        ref=ref("quickbooks", "Payment", id_),
        amount=money(amount),
        currency="USD",
        txn_date=d(day),
        customer=ref("quickbooks", "Customer", customer),
        customer_name=name,
        applied_to=[ref("quickbooks", "Invoice", i) for i in applied],
    )


def vendor(id_: str, name: str, created: datetime | None = None) -> Vendor:
    return Vendor(ref=ref("quickbooks", "Vendor", id_), name=name, created_at=created)


def bill(
    id_: str, amount: str, day: int, *, vendor_id: str = "V1", vendor_name: str = "Oak Supply Co"
) -> Bill:
    return Bill(
        ref=ref("quickbooks", "Bill", id_),
        amount=money(amount),
        currency="USD",
        txn_date=d(day),
        balance=money(amount),
        vendor=ref("quickbooks", "Vendor", vendor_id),
        vendor_name=vendor_name,
    )


def bill_payment(
    id_: str,
    amount: str,
    day: int,
    *,
    bills: list[str] = (),
    vendor_id: str = "V1",
    vendor_name: str = "Oak Supply Co",
) -> BillPayment:
    return BillPayment(
        ref=ref("quickbooks", "BillPayment", id_),
        amount=money(amount),
        currency="USD",
        txn_date=d(day),
        vendor=ref("quickbooks", "Vendor", vendor_id),
        vendor_name=vendor_name,
        applied_to=[ref("quickbooks", "Bill", b) for b in bills],
    )


def keys(match) -> list[str]:
    return sorted(r.key for r in match.records)


def later(window: Window, days: int) -> Window:
    return Window(start=window.start, end=window.end, as_of=window.end + timedelta(days=days))
