"""Stripe list bodies (or single objects) → `Charge`, `Refund`, `Payout`, `BalanceTransaction`.

Amounts are integers in the currency's smallest unit (whole units for zero-decimal currencies
such as JPY) and go through `from_minor_units`. `created` is unix seconds (UTC); date-valued
fields (`arrival_date`, `available_on`) are unix timestamps of midnight UTC and become dates.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from models.errors import InputError
from models.records import (
    BalanceTransaction,
    CanonicalRecord,
    CanonicalStatus,
    Charge,
    Payout,
    Refund,
    Source,
    SourceRef,
)
from normalizers.fields import Fields, record_fields
from normalizers.pages import RawItem, expect_list, expect_object, items_of, one_item

PAGE_TYPES = {
    "charges": "charge",
    "refunds": "refund",
    "balance_transactions": "balance_transaction",
    "payouts": "payout",
}

REFUND_STATUS = {
    "succeeded": CanonicalStatus.COMPLETED,
    "pending": CanonicalStatus.PENDING,
    "requires_action": CanonicalStatus.PENDING,
    "failed": CanonicalStatus.FAILED,
    "canceled": CanonicalStatus.CANCELLED,
}
PAYOUT_STATUS = {
    "paid": CanonicalStatus.COMPLETED,
    "pending": CanonicalStatus.PENDING,
    "in_transit": CanonicalStatus.PENDING,
    "failed": CanonicalStatus.FAILED,
    "canceled": CanonicalStatus.CANCELLED,
}
BALANCE_STATUS = {"available": CanonicalStatus.COMPLETED, "pending": CanonicalStatus.PENDING}
CHARGE_STATUS = ("succeeded", "pending", "failed")


def split_page(page_type: str, body: Any, *, where: str) -> list[RawItem]:
    object_type = PAGE_TYPES[page_type]
    page = expect_object(body, where=where, what=f"a Stripe {page_type} list")
    if isinstance(page.get("error"), dict):
        error = page["error"]
        raise InputError(
            f"Stripe error {error.get('type')} {error.get('code') or ''}: {error.get('message')}",
            where=where,
        )
    if page.get("object") == "list":
        records = expect_list(page.get("data"), where=where, key="data")
        return items_of(records, object_type, "id", where=where, at="data")
    if page.get("object") == object_type:
        return one_item(page, object_type, "id", where=where, at="")
    raise InputError(
        f"not a Stripe {page_type} list: object is {page.get('object')!r}", where=where
    )


def normalize(object_type: str, payload: Any, *, where: str) -> list[CanonicalRecord]:
    reader = READERS.get(object_type)
    if reader is None:
        raise InputError(f"unknown Stripe object type {object_type!r}", where=where)
    f = record_fields(payload, where=where, object_type=object_type, id_field="id")
    declared = f.get("object")
    if declared is not None and declared != object_type:
        raise f.fail("object", f"expected a Stripe {object_type}, got {declared!r}")
    return [reader(f)]


def ref(f: Fields, object_type: str) -> SourceRef:
    return SourceRef(source=Source.STRIPE, type=object_type, id=f.id())


def charge(f: Fields) -> Charge:
    currency = f.currency("currency")
    amount = f.minor_units("amount", currency)
    refunded = f.minor_units("amount_refunded", currency, default=0)
    customer = f.id_of("customer")
    return Charge(
        ref=ref(f, "charge"),
        status=charge_status(f, refunded),
        source_status=f.text("status"),
        currency=currency,
        amount=amount,
        created_at=f.unix_instant("created", required=True),
        amount_refunded=refunded,
        captured=f.flag("captured", default=True),
        paid=f.flag("paid", default=True),
        description=f.text("description"),
        metadata=f.string_map("metadata"),
        email=f.text("billing_details.email") or f.text("receipt_email"),
        customer_name=f.text("billing_details.name"),
        customer=SourceRef(source=Source.STRIPE, type="customer", id=customer)
        if customer
        else None,
        balance_transaction=f.id_of("balance_transaction"),
        payment_intent=f.id_of("payment_intent"),
    )


def charge_status(f: Fields, refunded: Decimal) -> CanonicalStatus:
    """Failed and pending charges first; then refunds; a succeeded but uncaptured charge is
    only an authorization (no money moved yet), so it is pending."""
    status = f.choice("status", {name: name for name in CHARGE_STATUS})
    if status == "failed":
        return CanonicalStatus.FAILED
    if status == "pending":
        return CanonicalStatus.PENDING
    if f.flag("refunded"):
        return CanonicalStatus.REFUNDED
    if refunded > 0:
        return CanonicalStatus.PARTIAL_REFUND
    if not f.flag("captured", default=True):
        return CanonicalStatus.PENDING
    return CanonicalStatus.COMPLETED


def refund(f: Fields) -> Refund:
    """Stripe documents a refund's `status` as nullable: no status yet is not yet done."""
    currency = f.currency("currency")
    return Refund(
        ref=ref(f, "refund"),
        status=f.choice("status", REFUND_STATUS, if_null=CanonicalStatus.PENDING),
        source_status=f.text("status"),
        currency=currency,
        amount=f.minor_units("amount", currency),
        created_at=f.unix_instant("created", required=True),
        charge=f.id_of("charge"),
        balance_transaction=f.id_of("balance_transaction"),
        reason=f.text("reason"),
    )


def payout(f: Fields) -> Payout:
    currency = f.currency("currency")
    return Payout(
        ref=ref(f, "payout"),
        status=f.choice("status", PAYOUT_STATUS),
        source_status=f.text("status"),
        currency=currency,
        amount=f.minor_units("amount", currency),
        created_at=f.unix_instant("created", required=True),
        arrival_date=f.unix_date("arrival_date", required=True),
        balance_transaction=f.id_of("balance_transaction"),
        description=f.text("description"),
        statement_descriptor=f.text("statement_descriptor"),
    )


def balance_transaction(f: Fields) -> BalanceTransaction:
    """Signed as Stripe signs it: a charge is positive, a refund or a payout negative."""
    currency = f.currency("currency")
    return BalanceTransaction(
        ref=ref(f, "balance_transaction"),
        status=f.choice("status", BALANCE_STATUS),
        source_status=f.text("status"),
        currency=currency,
        amount=f.minor_units("amount", currency),
        fee=f.minor_units("fee", currency, default=0),
        net=f.minor_units("net", currency),
        created_at=f.unix_instant("created", required=True),
        available_on=f.unix_date("available_on"),
        txn_type=f.text("type", required=True) or "",
        reporting_category=f.text("reporting_category"),
        source_object=f.id_of("source"),
    )


READERS: dict[str, Callable[[Fields], CanonicalRecord]] = {
    "charge": charge,
    "refund": refund,
    "payout": payout,
    "balance_transaction": balance_transaction,
}
