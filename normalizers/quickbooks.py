"""QuickBooks Online query bodies → `Customer`, `Vendor`, `Invoice`, `Payment`, `Bill`,
`BillPayment`.

Amounts are exact JSON numbers (parsed as `Decimal`; a float means precision was already lost and
is refused). `TxnDate`/`DueDate` are calendar dates in the company's own zone and stay dates.
`CurrencyRef` is absent when multicurrency is off: the amount is then in the home currency.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from models.errors import InputError
from models.records import (
    Bill,
    BillPayment,
    CanonicalRecord,
    CanonicalStatus,
    Customer,
    Invoice,
    LineItem,
    Payment,
    Product,
    Source,
    SourceRef,
    Vendor,
)
from normalizers.fields import Fields, record_fields
from normalizers.pages import RawItem, expect_list, expect_object, items_of, one_item

HOME_CURRENCY = "USD"  # when the company's own is not known
ENTITIES = ("Customer", "Vendor", "Item", "Invoice", "Payment", "Bill", "BillPayment")
CHANGES = "cdc"  # a change data capture response: read for its deletions
PREFERENCES = "Preferences"  # the company's settings (its home currency): no records
PAGE_TYPES = {
    **{entity: entity for entity in ENTITIES},
    CHANGES: "deleted entities",
    PREFERENCES: "preferences",
}


def split_page(page_type: str, body: Any, *, where: str) -> list[RawItem]:
    """`{"QueryResponse": {"<Entity>": [...]}}`; an empty result has no entity key at all.

    A single-entity read (`{"<Entity>": {...}, "time": ...}`) is accepted too.
    """
    page = expect_object(body, where=where, what="a QuickBooks query response")
    if "Fault" in page:
        raise InputError(f"QuickBooks fault: {fault_message(page['Fault'])}", where=where)
    if page_type == CHANGES:
        return deletions(page, where=where)
    if page_type == PREFERENCES:
        expect_object(page.get(PREFERENCES), where=where, what="a Preferences object")
        return []
    if isinstance(page.get(page_type), dict):
        return one_item(page[page_type], page_type, "Id", where=where, at=page_type)
    response = page.get("QueryResponse")
    if not isinstance(response, dict):
        raise InputError(f"expected a QueryResponse object, got keys {sorted(page)}", where=where)
    others = [key for key in response if key in ENTITIES and key != page_type]
    if others:
        raise InputError(f"expected {page_type} records, got {others[0]}", where=where)
    records = expect_list(response.get(page_type, []), where=where, key=page_type)
    return items_of(records, page_type, "Id", where=where, at=f"QueryResponse/{page_type}")


def home_currency(preferences: Any) -> str | None:
    """`Preferences.CurrencyPrefs.HomeCurrency` of a parsed `GET /preferences` answer."""
    page = preferences if isinstance(preferences, dict) else {}
    prefs = page.get(PREFERENCES)
    currency = prefs.get("CurrencyPrefs") if isinstance(prefs, dict) else None
    home = currency.get("HomeCurrency") if isinstance(currency, dict) else None
    value = home.get("value") if isinstance(home, dict) else home
    return value if isinstance(value, str) and value else None


def deletions(page: dict[str, Any], *, where: str) -> list[RawItem]:
    """The deleted entities of a CDC response, as removals.

    `{"CDCResponse": [{"QueryResponse": [{"Invoice": [...]}, ...]}]}`; a deleted entity is
    `{"status": "Deleted", "Id": ..., "MetaData": {...}}`. The changed entities beside them are
    left to the `LastUpdatedTime` queries, which return every change and page through it; the
    CDC copy of them is kept in the page, unread.
    """
    parts = expect_list(page.get("CDCResponse"), where=where, key="CDCResponse")
    items: list[RawItem] = []
    for p, part in enumerate(parts):
        part = expect_object(part, where=f"{where}, CDCResponse {p}", what="a CDC part")
        at = f"CDCResponse/{p}/QueryResponse"
        responses = expect_list(part.get("QueryResponse", []), where=where, key=at)
        for r, response in enumerate(responses):
            response = expect_object(response, where=f"{where}, {at}/{r}", what="a QueryResponse")
            for entity in ENTITIES:
                records = expect_list(response.get(entity, []), where=where, key=entity)
                found = items_of(
                    records, entity, "Id", where=where, at=f"{at}/{r}/{entity}", op="remove"
                )
                items += [i for i in found if _deleted(i.payload)]
    return items


def _deleted(entity: Any) -> bool:
    return isinstance(entity, dict) and entity.get("status") == "Deleted"


def fault_message(fault: Any) -> str:
    if not isinstance(fault, dict):
        return str(fault)
    errors = fault.get("Error")
    if not isinstance(errors, list):
        errors = []
    said = "; ".join(
        f"{e.get('code')} {e.get('Message')}: {e.get('Detail')}"
        for e in errors
        if isinstance(e, dict)
    )
    return f"{fault.get('type')} {said}".strip()


def normalize(
    object_type: str, payload: Any, *, where: str, home_currency: str = HOME_CURRENCY
) -> list[CanonicalRecord]:
    reader = READERS.get(object_type)
    if reader is None:
        raise InputError(f"unknown QuickBooks entity {object_type!r}", where=where)
    f = record_fields(payload, where=where, object_type=object_type, id_field="Id")
    return [reader(f, home_currency)]


def ref(f: Fields, entity: str, path: str = "Id") -> SourceRef:
    return SourceRef(source=Source.QUICKBOOKS, type=entity, id=f.text(path, required=True) or "")


def ref_to(f: Fields, path: str, entity: str) -> SourceRef | None:
    """A `CustomerRef`/`VendorRef` (`{"value": id, "name": ...}`) as a `SourceRef`."""
    if f.get(f"{path}.value") is None:
        return None
    return ref(f, entity, f"{path}.value")


def linked(f: Fields, txn_type: str, entity: str) -> list[SourceRef]:
    """Transactions of one type that `Line[].LinkedTxn[]` applies this one to."""
    refs: list[SourceRef] = []
    for line in f.items("Line"):
        for link in line.items("LinkedTxn"):
            if link.get("TxnType") == txn_type:
                candidate = ref(link, entity, "TxnId")
                if candidate not in refs:
                    refs.append(candidate)
    return refs


def open_status(f: Fields, total: Decimal, balance: Decimal) -> CanonicalStatus:
    """Nothing owed → completed; some paid → partial; none paid → pending.

    QuickBooks voids a document by zeroing its amounts and noting "Voided": that is cancelled.
    """
    if total == 0 and (f.text("PrivateNote") or "").startswith("Voided"):
        return CanonicalStatus.CANCELLED
    if balance == 0:
        return CanonicalStatus.COMPLETED
    if balance < total:
        return CanonicalStatus.PARTIAL_PAYMENT
    return CanonicalStatus.PENDING


SHIPPING_ITEM = "SHIPPING_ITEM_ID"  # QBO's shipping line: a sales item line with this ItemRef


def sales_lines(f: Fields, currency: str) -> list[LineItem]:
    """Item lines (`SalesItemLineDetail`); subtotal, discount, shipping and description lines
    are not items."""
    items = []
    for line in f.items("Line"):
        if line.get("DetailType") != "SalesItemLineDetail":
            continue
        if line.get("SalesItemLineDetail.ItemRef.value") == SHIPPING_ITEM:
            continue
        amount = line.amount("Amount", currency)
        quantity = line.number("SalesItemLineDetail.Qty", default=Decimal(1))
        unit = line.get("SalesItemLineDetail.UnitPrice")
        items.append(
            LineItem(
                sku=line.text("SalesItemLineDetail.ItemRef.name"),
                product=ref_to(line, "SalesItemLineDetail.ItemRef", "Item"),
                description=line.text("Description"),
                quantity=quantity,
                unit_price=line.number("SalesItemLineDetail.UnitPrice")
                if unit is not None
                else (amount / quantity if quantity else amount),
                amount=amount,
            )
        )
    return items


def custom_fields(f: Fields) -> dict[str, str]:
    """`CustomField[]` by name; fields left empty (no `StringValue`) are omitted."""
    return {
        field.text("Name", required=True) or "": value
        for field in f.items("CustomField")
        if (value := field.text("StringValue")) is not None
    }


def open_document(f: Fields, home: str, entity: str) -> dict[str, Any]:
    """What an invoice and a bill share: a total, a balance still open, a number and dates."""
    currency = f.currency("CurrencyRef.value", default=home)
    total, balance = f.amount("TotalAmt", currency), f.amount("Balance", currency)
    return {
        "ref": ref(f, entity),
        "status": open_status(f, total, balance),
        "updated_at": f.instant("MetaData.LastUpdatedTime"),
        "currency": currency,
        "amount": total,
        "doc_number": f.text("DocNumber"),
        "txn_date": f.date("TxnDate", required=True),
        "due_date": f.date("DueDate"),
        "balance": balance,
        "private_note": f.text("PrivateNote"),
        "sync_token": f.text("SyncToken"),
    }


def invoice(f: Fields, home: str) -> Invoice:
    document = open_document(f, home, "Invoice")
    return Invoice(
        **document,
        customer=ref_to(f, "CustomerRef", "Customer"),
        customer_name=f.text("CustomerRef.name"),
        customer_memo=f.text("CustomerMemo.value"),
        custom_fields=custom_fields(f),
        line_items=sales_lines(f, document["currency"]),
    )


def payment(f: Fields, home: str) -> Payment:
    currency = f.currency("CurrencyRef.value", default=home)
    return Payment(
        ref=ref(f, "Payment"),
        updated_at=f.instant("MetaData.LastUpdatedTime"),
        currency=currency,
        amount=f.amount("TotalAmt", currency),
        txn_date=f.date("TxnDate", required=True),
        customer=ref_to(f, "CustomerRef", "Customer"),
        customer_name=f.text("CustomerRef.name"),
        unapplied=f.amount("UnappliedAmt", currency, default=Decimal(0)),
        applied_to=linked(f, "Invoice", "Invoice"),
        reference=f.text("PaymentRefNum"),
        private_note=f.text("PrivateNote"),
    )


def bill(f: Fields, home: str) -> Bill:
    return Bill(
        **open_document(f, home, "Bill"),
        vendor=ref_to(f, "VendorRef", "Vendor"),
        vendor_name=f.text("VendorRef.name"),
    )


def bill_payment(f: Fields, home: str) -> BillPayment:
    currency = f.currency("CurrencyRef.value", default=home)
    return BillPayment(
        ref=ref(f, "BillPayment"),
        updated_at=f.instant("MetaData.LastUpdatedTime"),
        currency=currency,
        amount=f.amount("TotalAmt", currency),
        txn_date=f.date("TxnDate", required=True),
        vendor=ref_to(f, "VendorRef", "Vendor"),
        vendor_name=f.text("VendorRef.name"),
        pay_type=f.text("PayType"),
        applied_to=linked(f, "Bill", "Bill"),
        doc_number=f.text("DocNumber"),
        private_note=f.text("PrivateNote"),
    )


def active_status(f: Fields) -> str:
    return "active" if f.flag("Active", default=True) else "inactive"


def customer(f: Fields, home: str) -> Customer:
    return Customer(
        ref=ref(f, "Customer"),
        source_status=active_status(f),
        updated_at=f.instant("MetaData.LastUpdatedTime"),
        name=f.text("DisplayName"),
        company=f.text("CompanyName"),
        email=f.text("PrimaryEmailAddr.Address"),
        phone=f.text("PrimaryPhone.FreeFormNumber"),
        created_at=f.instant("MetaData.CreateTime"),
    )


def vendor(f: Fields, home: str) -> Vendor:
    return Vendor(
        ref=ref(f, "Vendor"),
        source_status=active_status(f),
        updated_at=f.instant("MetaData.LastUpdatedTime"),
        name=f.text("DisplayName", required=True) or "",
        email=f.text("PrimaryEmailAddr.Address"),
        created_at=f.instant("MetaData.CreateTime"),
    )


def product(f: Fields, home: str) -> Product:
    """An Item: its `Sku` is the shop's SKU of the product (empty in books that name their
    items by the SKU, or for a service)."""
    return Product(
        ref=ref(f, "Item"),
        source_status=active_status(f),
        updated_at=f.instant("MetaData.LastUpdatedTime"),
        name=f.text("Name", required=True) or "",
        sku=f.text("Sku") or None,
        created_at=f.instant("MetaData.CreateTime"),
    )


READERS: dict[str, Callable[[Fields, str], CanonicalRecord]] = {
    "Customer": customer,
    "Vendor": vendor,
    "Item": product,
    "Invoice": invoice,
    "Payment": payment,
    "Bill": bill,
    "BillPayment": bill_payment,
}
