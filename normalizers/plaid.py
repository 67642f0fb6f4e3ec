"""Plaid `/transactions/sync` bodies → `BankTransaction`.

Plaid's `amount` is positive when money moves OUT of the account; Accord's is positive when money
comes IN, so the sign is flipped here and nowhere else. `date` is the posting date, a calendar date.
"""

from __future__ import annotations

from typing import Any

from models.errors import InputError
from models.money import CURRENCY_EXPONENTS
from models.records import BankTransaction, CanonicalRecord, CanonicalStatus, Source, SourceRef
from normalizers.fields import Fields, record_fields
from normalizers.pages import Op, RawItem, expect_list, expect_object, items_of

TRANSACTION = "transaction"
PAGE_TYPES = {"transactions_sync": TRANSACTION}
SYNC_LISTS = ("added", "modified", "removed")


def split_page(page_type: str, body: Any, *, where: str) -> list[RawItem]:
    page = expect_object(body, where=where, what="a /transactions/sync response")
    if "error_code" in page and "transaction_id" not in page:
        raise InputError(
            f"Plaid error {page.get('error_type')} {page.get('error_code')}: "
            f"{page.get('error_message')}",
            where=where,
        )
    if not any(key in page for key in SYNC_LISTS):
        raise InputError(
            "not a /transactions/sync response: no added/modified/removed", where=where
        )
    items: list[RawItem] = []
    for key in SYNC_LISTS:
        records = expect_list(page.get(key, []), where=f"{where}, {key}", key=key)
        op: Op = "remove" if key == "removed" else "upsert"
        items += items_of(
            records, TRANSACTION, "transaction_id", where=f"{where}, {key}", at=key, op=op
        )
    return items


def normalize(object_type: str, payload: Any, *, where: str) -> list[CanonicalRecord]:
    if object_type != TRANSACTION:
        raise InputError(f"unknown Plaid object type {object_type!r}", where=where)
    return [transaction(payload, where=where)]


def transaction(payload: Any, *, where: str) -> BankTransaction:
    f = record_fields(payload, where=where, object_type=TRANSACTION, id_field="transaction_id")
    currency = transaction_currency(f)
    pending = f.flag("pending")
    return BankTransaction(
        ref=SourceRef(source=Source.PLAID, type=TRANSACTION, id=f.id("transaction_id")),
        status=CanonicalStatus.PENDING if pending else CanonicalStatus.COMPLETED,
        source_status="pending" if pending else "posted",
        currency=currency,
        amount=-f.amount("amount", currency),
        account_id=f.id("account_id"),
        posted_date=f.date("date", required=True),
        authorized_date=f.date("authorized_date"),
        pending=pending,
        pending_transaction_id=f.text("pending_transaction_id"),
        name=f.text("name"),
        merchant_name=f.text("merchant_name"),
        payment_channel=f.text("payment_channel"),
        counterparty=first_counterparty(f),
        memo=f.text("original_description"),
    )


def transaction_currency(f: Fields) -> str:
    """`iso_currency_code`; an `unofficial_currency_code` is accepted only if it is ISO 4217."""
    if f.get("iso_currency_code") is not None:
        return f.currency("iso_currency_code")
    unofficial = f.text("unofficial_currency_code")
    if unofficial is None:
        raise f.fail("iso_currency_code", "missing currency: no iso_currency_code")
    if unofficial.upper() not in CURRENCY_EXPONENTS:
        raise f.fail(
            "unofficial_currency_code",
            f"unofficial currency {unofficial!r} is not an ISO 4217 currency",
        )
    return unofficial.upper()


def first_counterparty(f: Fields) -> str | None:
    """The name of the first counterparty Plaid lists, if any."""
    for party in f.items("counterparties"):
        if name := party.text("name"):
            return name
    return None
