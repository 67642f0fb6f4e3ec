"""Shopify Admin REST bodies (`{"orders": [...]}`, `{"customers": [...]}`) → `Order`, `Customer`.

Prices are decimal strings in the shop's currency; timestamps carry the shop's UTC offset and
become UTC. An order's embedded customer is returned as a `Customer` too. A deleted order is
in no list: `{"events": [...]}` (`filter=Order&verb=destroy`) tells it, and each such event is
the order's removal.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from models.errors import InputError
from models.records import (
    CanonicalRecord,
    CanonicalStatus,
    Customer,
    LineItem,
    Order,
    Source,
    SourceRef,
)
from normalizers.fields import Fields, record_fields
from normalizers.pages import (
    RawItem,
    expect_list,
    expect_object,
    item_id,
    items_of,
    one_item,
    usable_id,
)

# `events`: the orders the shop deleted (each event is the removal of its order)
PAGE_TYPES = {"orders": "order", "customers": "customer", "events": "order"}
DELETION = "order_deletion"  # a deletion event that does not say which order

FINANCIAL_STATUS = {
    "paid": CanonicalStatus.COMPLETED,
    "partially_refunded": CanonicalStatus.PARTIAL_REFUND,
    "refunded": CanonicalStatus.REFUNDED,
    "pending": CanonicalStatus.PENDING,
    "authorized": CanonicalStatus.PENDING,
    "voided": CanonicalStatus.CANCELLED,
    "partially_paid": CanonicalStatus.PARTIAL_PAYMENT,
}


def split_page(page_type: str, body: Any, *, where: str) -> list[RawItem]:
    """`{"orders": [...]}`; a single `{"order": {...}}` is accepted too."""
    object_type = PAGE_TYPES[page_type]
    page = expect_object(body, where=where, what=f"a Shopify {page_type} response")
    if "errors" in page:
        raise InputError(f"Shopify error: {page['errors']}", where=where)
    if page_type == "events":
        return deletions(page, where=where)
    if page_type in page:
        records = expect_list(page[page_type], where=where, key=page_type)
        return items_of(records, object_type, "id", where=where, at=page_type)
    if isinstance(page.get(object_type), dict):
        return one_item(page[object_type], object_type, "id", where=where, at=object_type)
    raise InputError(f'expected {{"{page_type}": [...]}}, got keys {sorted(page)}', where=where)


def deletions(page: dict[str, Any], *, where: str) -> list[RawItem]:
    """Each order `destroy` event → the removal of its order (`subject_id`). Events of other
    kinds (not asked for) are passed over; one that does not say which order it deleted is
    kept as a record of its own, which `normalize` reports."""
    events = expect_list(page.get("events"), where=where, key="events")
    items: list[RawItem] = []
    for index, event in enumerate(events):
        at = f"events/{index}"
        if isinstance(event, dict) and (event.get("subject_type"), event.get("verb")) != (
            "Order",
            "destroy",
        ):
            continue
        order_id = usable_id(event.get("subject_id")) if isinstance(event, dict) else None
        if order_id is not None:
            items.append(RawItem("order", order_id, event, "remove", at))
        else:
            event_id = item_id(event, "id", where=where, index=index)
            items.append(RawItem(DELETION, event_id, event, "upsert", at))
    return items


def normalize(object_type: str, payload: Any, *, where: str) -> list[CanonicalRecord]:
    reader = READERS.get(object_type)
    if reader is None:
        raise InputError(f"unknown Shopify object type {object_type!r}", where=where)
    return reader(record_fields(payload, where=where, object_type=object_type, id_field="id"))


def ref(f: Fields, object_type: str) -> SourceRef:
    return SourceRef(source=Source.SHOPIFY, type=object_type, id=f.id())


def order_records(f: Fields) -> list[CanonicalRecord]:
    """The order, then its embedded customer (absent for a guest checkout). A test order
    (`"test": true`, from Shopify's test gateway) is no sale: it gives no records (its raw
    version is kept)."""
    if f.flag("test"):
        return []
    buyer = f.part("customer")
    records: list[CanonicalRecord] = [order(f, buyer)]
    if buyer is not None:
        records.append(customer(buyer))
    return records


def order(f: Fields, buyer: Fields | None) -> Order:
    currency = f.currency("currency")
    return Order(
        ref=ref(f, "order"),
        status=order_status(f),
        source_status=f.text("financial_status"),
        updated_at=f.instant("updated_at"),
        currency=currency,
        amount=f.amount("total_price", currency),
        number=order_number(f),
        created_at=f.instant("created_at", required=True),
        customer=ref(buyer, "customer") if buyer else None,
        email=f.text("email") or (buyer.text("email") if buyer else None),
        customer_name=(person_name(buyer) if buyer else None) or f.text("billing_address.name"),
        subtotal=f.optional_amount("subtotal_price", currency),
        tax=f.optional_amount("total_tax", currency),
        taxes_included=f.flag("taxes_included"),
        discounts=f.optional_amount("total_discounts", currency),
        shipping=shipping(f, currency),
        refunded=refunded(f, currency),
        line_items=[line_item(line, currency) for line in f.items("line_items")],
        note=f.text("note"),
        tags=tags(f.text("tags")),
    )


def order_status(f: Fields) -> CanonicalStatus:
    """A cancelled order is cancelled whatever its payment state says."""
    status = f.choice("financial_status", FINANCIAL_STATUS)
    return CanonicalStatus.CANCELLED if f.get("cancelled_at") else status


def order_number(f: Fields) -> str:
    """`order_number` (1001); else `name` without its "#" ("#1001" → "1001")."""
    number = f.text("order_number")
    if number is None:
        number = (f.text("name", required=True) or "").lstrip("#")
    return number


def refunded(f: Fields, currency: str) -> Decimal:
    """Money actually returned: successful refund transactions of every refund."""
    total = Decimal(0)
    for refund in f.items("refunds"):
        for money in refund.items("transactions"):
            if money.get("kind") == "refund" and money.get("status") == "success":
                total += shop_money(money, currency)
    return total


def shipping(f: Fields, currency: str) -> Decimal | None:
    """Shipping charged in the shop's currency, before shipping discounts:
    `total_shipping_price_set.shop_money`, else the sum of the `shipping_lines` prices;
    None when the order gives neither."""
    if f.get("total_shipping_price_set.shop_money.amount") is not None:
        path = "total_shipping_price_set.shop_money"
        shop = f.currency(f"{path}.currency_code", default=currency)
        if shop != currency:
            raise f.fail(f"{path}.currency_code", f"shipping in {shop}, the order in {currency}")
        return f.amount(f"{path}.amount", currency)
    if f.get("shipping_lines") is None:
        return None
    return sum((line.amount("price", currency) for line in f.items("shipping_lines")), Decimal(0))


def shop_money(money: Fields, currency: str) -> Decimal:
    """A transaction's amount in the shop's currency (the order's). Its own `amount` is in
    the currency the customer paid in; `amount_set.shop_money` is the shop's, where given.
    Without it, an amount in another currency cannot be read as the shop's."""
    if money.get("amount_set.shop_money.amount") is not None:
        shop = money.currency("amount_set.shop_money.currency_code", default=currency)
        if shop != currency:
            raise money.fail(
                "amount_set.shop_money.currency_code",
                f"shop money in {shop}, the order in {currency}",
            )
        return money.amount("amount_set.shop_money.amount", currency)
    paid_in = money.currency("currency", default=currency)
    if paid_in != currency:
        raise money.fail(
            "currency", f"a refund in {paid_in} on an order in {currency}, without its shop money"
        )
    return money.amount("amount", currency)


def line_item(f: Fields, currency: str) -> LineItem:
    quantity = f.number("quantity", default=Decimal(1))
    price = f.amount("price", currency)
    return LineItem(
        sku=f.text("sku") or None,
        description=f.text("title") or f.text("name"),
        quantity=quantity,
        unit_price=price,
        amount=price * quantity,
    )


def tags(raw: str | None) -> list[str]:
    return [tag.strip() for tag in (raw or "").split(",") if tag.strip()]


def person_name(f: Fields) -> str | None:
    parts = [f.text("first_name"), f.text("last_name")]
    name = " ".join(part.strip() for part in parts if part and part.strip())
    return name or f.text("default_address.name") or None


def customer(f: Fields) -> Customer:
    return Customer(
        ref=ref(f, "customer"),
        source_status=f.text("state"),
        updated_at=f.instant("updated_at"),
        name=person_name(f),
        company=f.text("default_address.company"),
        email=f.text("email"),
        phone=f.text("phone") or f.text("default_address.phone"),
        created_at=f.instant("created_at"),
    )


def customer_records(f: Fields) -> list[CanonicalRecord]:
    return [customer(f)]


def unreadable_deletion(f: Fields) -> list[CanonicalRecord]:
    raise f.fail("subject_id", "an order deletion event that does not say which order it deleted")


READERS: dict[str, Callable[[Fields], list[CanonicalRecord]]] = {
    "order": order_records,
    "customer": customer_records,
    DELETION: unreadable_deletion,
}
