"""Canonical records → one pandas DataFrame per kind, exact and sorted.

Money is kept exact as integer minor units (`amount`, `balance`, `net`, `fee` in int64, with the
currency's exponent in `exp`), never float. Dates are whole days since 1970-01-01 (`day`),
instants are whole seconds since the epoch (`ts`), so window and tolerance arithmetic is integer
arithmetic too. Each frame is sorted by `key` (the `SourceRef.key`), so the same records in any
order give the same frames. The records themselves stay reachable by key in `Frames.records`
for the details (line items, notes) a comparison needs.

>>> frames = build_frames(records)
>>> frames.orders[["key", "number", "amount", "currency"]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from models.money import CURRENCY_EXPONENTS, exponent
from models.records import (
    BalanceTransaction,
    BankTransaction,
    Bill,
    BillPayment,
    CanonicalRecord,
    Charge,
    Customer,
    Invoice,
    Order,
    Payment,
    Payout,
    Refund,
    SourceRef,
    Vendor,
)

EPOCH = date(1970, 1, 1)


def day_number(value: date | datetime | None) -> int:
    """Days since 1970-01-01 (a datetime counts by its UTC date); -1 for None."""
    if value is None:
        return -1
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date()
    return (value - EPOCH).days


def epoch_seconds(value: datetime | date | None) -> int:
    if value is None:
        return -1
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return int(value.timestamp())


def minor(amount: Decimal | None, currency: str) -> int:
    """Exact integer minor units (59.89 USD → 5989)."""
    if amount is None:
        return 0
    return int(amount.scaleb(exponent(currency)))


def major(units: int, exp: int) -> Decimal:
    """Integer minor units back to a Decimal with the currency's exponent (5989, 2 → 59.89)."""
    return Decimal(int(units)).scaleb(-int(exp))


def _key(ref: SourceRef | None) -> str:
    return ref.key if ref is not None else ""


# A small integer per currency, the same in every run, so money joins are integer joins.
CURRENCY_INDEX = {code: i for i, code in enumerate(sorted(CURRENCY_EXPONENTS))}


def _money(r: Any) -> dict[str, Any]:
    return {
        "currency": r.currency,
        "ccy": CURRENCY_INDEX[r.currency],
        "exp": exponent(r.currency),
        "amount": minor(r.amount, r.currency),
    }


def _number_int(number: str) -> int:
    """The order number as an integer key (-1 when it is not all digits)."""
    digits = number.lstrip("#").strip()
    return int(digits) if digits.isdigit() and len(digits) < 18 else -1


_NEVER = datetime.min.replace(tzinfo=UTC)


def _common(r: CanonicalRecord) -> dict[str, Any]:
    return {"key": r.ref.key, "id": r.ref.id, "status": str(r.status)}


def _order(r: Order) -> dict[str, Any]:
    return {
        "number": r.number.lstrip("#").strip(),
        "number_key": r.number.lstrip("#").strip().lstrip("0"),
        "number_int": _number_int(r.number),
        "ts": epoch_seconds(r.created_at),
        "day": day_number(r.created_at),
        "customer_key": _key(r.customer),
        "email": r.email or "",
        "customer_name": r.customer_name or "",
    }


def _invoice(r: Invoice) -> dict[str, Any]:
    return {
        "doc_number": r.doc_number or "",
        "day": day_number(r.txn_date),
        "balance": minor(r.balance, r.currency),
        "customer_key": _key(r.customer),
        "customer_name": r.customer_name or "",
        "private_note": r.private_note or "",
        "customer_memo": r.customer_memo or "",
        "custom": tuple(sorted(r.custom_fields.items())),
    }


def _payment(r: Payment) -> dict[str, Any]:
    return {
        "day": day_number(r.txn_date),
        "customer_key": _key(r.customer),
        "customer_name": r.customer_name or "",
        "applied": tuple(sorted(ref.key for ref in r.applied_to)),
    }


def _bill(r: Bill) -> dict[str, Any]:
    return {
        "day": day_number(r.txn_date),
        "balance": minor(r.balance, r.currency),
        "vendor_key": _key(r.vendor),
        "vendor_name": r.vendor_name or "",
        "doc_number": r.doc_number or "",
    }


def _bill_payment(r: BillPayment) -> dict[str, Any]:
    return {
        "day": day_number(r.txn_date),
        "vendor_key": _key(r.vendor),
        "vendor_name": r.vendor_name or "",
        "applied": tuple(sorted(ref.key for ref in r.applied_to)),
    }


def _bank(r: BankTransaction) -> dict[str, Any]:
    parts = [r.name, r.merchant_name, r.counterparty, r.memo]
    return {
        "day": day_number(r.posted_date),
        "pending": bool(r.pending),
        "text": " | ".join(p for p in parts if p),
        "payer": r.counterparty or r.merchant_name or r.name or "",
    }


def _charge(r: Charge) -> dict[str, Any]:
    return {
        "ts": epoch_seconds(r.created_at),
        "day": day_number(r.created_at),
        "email": r.email or "",
        "customer_name": r.customer_name or "",
        "customer_key": _key(r.customer),
        "description": r.description or "",
        "meta_order_id": r.metadata.get("order_id", ""),
        "meta_order_number": r.metadata.get("order_number", "").lstrip("#").strip(),
        "refunded": minor(r.amount_refunded, r.currency),
        "paid": bool(r.paid and r.captured),
    }


def _refund(r: Refund) -> dict[str, Any]:
    return {
        "ts": epoch_seconds(r.created_at),
        "day": day_number(r.created_at),
        "charge": r.charge or "",
    }


def _payout(r: Payout) -> dict[str, Any]:
    return {
        "ts": epoch_seconds(r.created_at),
        "day": day_number(r.arrival_date),
        "created_day": day_number(r.created_at),
        "own_txn": r.balance_transaction or "",
    }


def _balance_txn(r: BalanceTransaction) -> dict[str, Any]:
    return {
        "ts": epoch_seconds(r.created_at),
        "day": day_number(r.created_at),
        "net": minor(r.net, r.currency),
        "fee": minor(r.fee, r.currency),
        "txn_type": r.txn_type,
        "payout": r.payout or "",
        "source_object": r.source_object or "",
    }


def _customer(r: Customer) -> dict[str, Any]:
    return {
        "name": r.name or "",
        "company": r.company or "",
        "email": r.email or "",
        "phone": r.phone or "",
        "day": day_number(r.created_at),
    }


def _vendor(r: Vendor) -> dict[str, Any]:
    return {"name": r.name, "email": r.email or "", "day": day_number(r.created_at)}


@dataclass(frozen=True)
class _Spec:
    frame: str
    columns: Callable[[Any], dict[str, Any]]
    money: bool


SPECS: dict[type, _Spec] = {
    Order: _Spec("orders", _order, True),
    Invoice: _Spec("invoices", _invoice, True),
    Payment: _Spec("payments", _payment, True),
    Bill: _Spec("bills", _bill, True),
    BillPayment: _Spec("bill_payments", _bill_payment, True),
    BankTransaction: _Spec("bank", _bank, True),
    Charge: _Spec("charges", _charge, True),
    Refund: _Spec("refunds", _refund, True),
    Payout: _Spec("payouts", _payout, True),
    BalanceTransaction: _Spec("balance_txns", _balance_txn, True),
    Customer: _Spec("customers", _customer, False),
    Vendor: _Spec("vendors", _vendor, False),
}
FRAME_NAMES = [spec.frame for spec in SPECS.values()]
INT_COLUMNS = {
    "amount",
    "balance",
    "net",
    "fee",
    "refunded",
    "exp",
    "ccy",
    "day",
    "ts",
    "created_day",
    "number_int",
}


_BLANKS: dict[str, Any] = {
    "ref": SourceRef.parse("plaid:blank:0"),
    "currency": "USD",
    "amount": Decimal(0),
    "balance": Decimal(0),
    "net": Decimal(0),
    "number": "",
    "name": "",
    "txn_type": "",
    "account_id": "",
    "created_at": datetime(1970, 1, 1, tzinfo=UTC),
    "txn_date": EPOCH,
    "posted_date": EPOCH,
    "arrival_date": EPOCH,
}


def _blank_row(cls: Any, spec: _Spec) -> dict[str, Any]:
    """A row describing a blank record: the columns (and dtypes) of an empty frame."""
    values = {n: _BLANKS[n] for n, f in cls.model_fields.items() if f.is_required()}
    record = cls.model_construct(**values)
    row = _common(record)
    if spec.money:
        row.update(_money(record))
    row.update(spec.columns(record))
    return row


@dataclass
class Frames:
    """One DataFrame per kind (see `FRAME_NAMES`) and every record by key."""

    orders: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    bills: pd.DataFrame
    bill_payments: pd.DataFrame
    bank: pd.DataFrame
    charges: pd.DataFrame
    refunds: pd.DataFrame
    payouts: pd.DataFrame
    balance_txns: pd.DataFrame
    customers: pd.DataFrame
    vendors: pd.DataFrame
    records: dict[str, CanonicalRecord] = field(default_factory=dict)

    def record(self, key: str) -> Any:
        """The record with this key, typed loosely: callers know its kind from the frame."""
        return self.records[key]

    def get(self, key: str) -> Any:
        return self.records.get(key)


def _frame(rows: list[dict[str, Any]], cls: type, spec: _Spec) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows or [_blank_row(cls, spec)])
    if not rows:
        frame = frame.iloc[0:0]
    for column in INT_COLUMNS & set(frame.columns):
        frame[column] = frame[column].astype(np.int64)
    return frame.sort_values("key", kind="stable").reset_index(drop=True)


def build_frames(records: Iterable[CanonicalRecord]) -> Frames:
    """One frame per kind from canonical records, in key order whatever the input order.

    A record given twice (same key) counts once: the one with the latest `updated_at` wins.
    """
    latest: dict[str, CanonicalRecord] = {}
    for record in records:
        key = record.ref.key
        seen = latest.get(key)
        if seen is None or (record.updated_at or _NEVER) >= (seen.updated_at or _NEVER):
            latest[key] = record
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in FRAME_NAMES}
    for key in sorted(latest):
        record = latest[key]
        spec = SPECS.get(type(record))
        if spec is None:
            continue
        row = {"key": key, "id": record.ref.id, "status": str(record.status)}
        if spec.money:
            row.update(_money(record))
        row.update(spec.columns(record))
        rows[spec.frame].append(row)
    frames = {spec.frame: _frame(rows[spec.frame], cls, spec) for cls, spec in SPECS.items()}
    return Frames(**frames, records=latest)
