"""Shopify orders and customers: decimal strings, offsets to UTC, statuses, refunds, buyers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from models.errors import InputError
from models.records import CanonicalStatus, Customer, LineItem, Order, Source, SourceRef
from normalizers import normalize, split_page

FILE = "file shopify/orders_0001.json"
ORDER_ID = "450789469"


@pytest.fixture
def the_order(shopify_body):
    """The docs sample order (order.json): #1001, authorized, three iPods, a customer."""
    return shopify_body("order.json")["order"]


def records(payload, object_type="order"):
    return normalize(Source.SHOPIFY, object_type, payload, where=FILE)


def order_of(payload) -> Order:
    order = records(payload)[0]
    assert isinstance(order, Order)
    return order


def test_an_order_gives_the_order_and_its_customer(the_order):
    order, buyer = records(the_order)
    assert isinstance(order, Order) and isinstance(buyer, Customer)
    assert (
        order.customer
        == buyer.ref
        == SourceRef(source=Source.SHOPIFY, type="customer", id="207119551")
    )


def test_the_order_amounts_are_exact(the_order):
    order = order_of(the_order)
    assert order.amount == Decimal("409.94") and order.currency == "USD"
    assert order.subtotal == Decimal("398.00") and order.tax == Decimal("11.94")
    assert order.number == "1001" and order.ref.key == f"shopify:order:{ORDER_ID}"


def test_discounts_shipping_and_tax_make_the_total(the_order, shopify_body):
    """What an invoice of the order needs: the docs' orders.json sample is 597.00 of items,
    10.00 off, no shipping (its `total_shipping_price_set`) and 11.94 tax = 598.94."""
    listed = shopify_body("orders.json")["orders"][0]
    order = order_of(listed)
    assert (order.discounts, order.shipping, order.tax) == (
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("11.94"),
    )
    items = Decimal(listed["total_line_items_price"])  # the sample lists no line items
    assert order.discounts is not None and order.shipping is not None and order.tax is not None
    assert items - order.discounts + order.shipping + order.tax == order.amount
    assert not order.taxes_included
    # order.json has no shipping set: its shipping lines say it
    the_order["shipping_lines"][0]["price"] = "7.50"
    assert order_of(the_order).shipping == Decimal("7.50")
    del the_order["shipping_lines"]
    assert order_of(the_order).shipping is None
    listed["total_shipping_price_set"]["shop_money"]["currency_code"] = "EUR"
    with pytest.raises(InputError, match="shipping in EUR, the order in USD"):
        order_of(listed)


def test_the_shop_offset_becomes_utc(the_order):
    order = order_of(the_order)  # "2008-01-10T11:00:00-05:00"
    assert order.created_at == datetime(2008, 1, 10, 16, 0, tzinfo=UTC)
    assert order.updated_at == datetime(2008, 1, 10, 16, 0, tzinfo=UTC)


def test_line_items_and_the_buyer(the_order):
    order = order_of(the_order)
    assert order.line_items[0] == LineItem(
        sku="IPOD2008GREEN",
        description="IPod Nano - 8gb",
        quantity=Decimal(1),
        unit_price=Decimal("199.00"),
        amount=Decimal("199.00"),
    )
    assert [line.sku for line in order.line_items] == [
        "IPOD2008GREEN",
        "IPOD2008RED",
        "IPOD2008BLACK",
    ]
    assert order.email == "bob.norman@hostmail.com" and order.customer_name == "Bob Norman"
    assert order.status is CanonicalStatus.PENDING and order.source_status == "authorized"


def test_two_of_an_item_are_twice_its_price(the_order):
    the_order["line_items"][0]["quantity"] = 2
    line = order_of(the_order).line_items[0]
    assert line.quantity == 2 and line.amount == Decimal("398.00")


def test_the_orders_list_page(shopify_body):
    (item,) = split_page(Source.SHOPIFY, "orders", shopify_body("orders.json"), where=FILE)
    assert (item.object_type, item.vendor_id, item.op) == ("order", ORDER_ID, "upsert")
    order, buyer = records(item.payload)
    assert order.amount == Decimal("598.94")
    assert order.status is CanonicalStatus.PARTIAL_REFUND
    assert buyer.phone == "+16136120707"


def test_refunded_money_is_the_sum_of_successful_refund_transactions(the_order, shopify_body):
    refund = shopify_body("refund.json")["refund"]  # one refund transaction of 209.00
    failed = {**refund["transactions"][0], "id": 2, "status": "failure", "amount": "50.00"}
    capture = {**refund["transactions"][0], "id": 3, "kind": "capture", "amount": "9.00"}
    second = {**refund["transactions"][0], "id": 4, "amount": "0.94"}
    refund["transactions"] += [failed, capture, second]
    the_order.update(refunds=[refund], financial_status="partially_refunded")
    order = order_of(the_order)
    assert order.refunded == Decimal("209.94")
    assert order.status is CanonicalStatus.PARTIAL_REFUND


def test_a_refund_paid_in_the_customers_currency_counts_its_shop_money(the_order, shopify_body):
    """A multi-currency store: the customer paid in EUR, the order (and the books) are USD.
    The refund transaction's own amount is EUR; its `amount_set.shop_money` is the USD."""
    refund = shopify_body("refund.json")["refund"]
    money = refund["transactions"][0]
    money.update(currency="EUR", amount="190.00")
    money["amount_set"] = {
        "shop_money": {"amount": "209.00", "currency_code": "USD"},
        "presentment_money": {"amount": "190.00", "currency_code": "EUR"},
    }
    the_order.update(refunds=[refund], financial_status="partially_refunded")
    assert order_of(the_order).refunded == Decimal("209.00")
    del money["amount_set"]  # then its EUR cannot be read as dollars
    with pytest.raises(InputError, match="a refund in EUR on an order in USD"):
        order_of(the_order)


def test_a_test_order_is_no_sale(the_order):
    the_order["test"] = True
    assert records(the_order) == []


@pytest.mark.parametrize(
    ("financial_status", "status"),
    [
        ("paid", CanonicalStatus.COMPLETED),
        ("partially_refunded", CanonicalStatus.PARTIAL_REFUND),
        ("refunded", CanonicalStatus.REFUNDED),
        ("pending", CanonicalStatus.PENDING),
        ("authorized", CanonicalStatus.PENDING),
        ("voided", CanonicalStatus.CANCELLED),
        ("partially_paid", CanonicalStatus.PARTIAL_PAYMENT),
    ],
)
def test_financial_status_maps_to_canonical(the_order, financial_status, status):
    the_order["financial_status"] = financial_status
    assert order_of(the_order).status is status


def test_a_cancelled_order_is_cancelled_whatever_was_paid(the_order):
    the_order.update(financial_status="paid", cancelled_at="2008-01-11T09:00:00-05:00")
    assert order_of(the_order).status is CanonicalStatus.CANCELLED


def test_number_from_name_when_order_number_is_absent(the_order):
    del the_order["order_number"]
    assert order_of(the_order).number == "1001"


def test_tags_note_and_a_guest_checkout(the_order):
    the_order.update(tags="wholesale, rush ,", note="leave at door", customer=None)
    order, *others = records(the_order)
    assert others == [] and order.customer is None
    assert order.tags == ["wholesale", "rush"] and order.note == "leave at door"
    assert order.customer_name == "Bob Norman"  # from the billing address


def test_a_customer_page(shopify_body):
    body = {"customers": [shopify_body("customer.json")["customer"]]}
    (item,) = split_page(Source.SHOPIFY, "customers", body, where=FILE)
    (buyer,) = records(item.payload, "customer")
    assert isinstance(buyer, Customer)
    assert buyer.name == "Bob Norman" and buyer.email == "bob.norman@hostmail.com"
    assert buyer.phone == "555-625-1199"  # from the default address
    assert buyer.created_at == datetime(2015, 5, 27, 22, 11, 24, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("total_price", None, "missing required field total_price"),
        ("total_price", "409,94", "'409,94' does not parse"),
        ("total_price", 409.94, "not an exact decimal"),
        ("currency", "ZZZ", "unknown currency 'ZZZ'"),
        ("created_at", "2008-01-10T11:00:00", "has no UTC offset"),
        ("created_at", "yesterday", "not an ISO 8601 timestamp"),
        ("financial_status", "lost", "unknown financial_status 'lost'"),
    ],
)
def test_a_bad_order_field_is_named_with_the_record(the_order, field, value, said):
    the_order[field] = value
    with pytest.raises(InputError) as caught:
        records(the_order)
    assert said in caught.value.message
    assert caught.value.where == f"{FILE}, order {ORDER_ID}, field {field}"


def test_a_bad_line_is_named_by_its_position(the_order):
    the_order["line_items"][1]["price"] = "cheap"
    with pytest.raises(InputError) as caught:
        records(the_order)
    assert caught.value.where == f"{FILE}, order {ORDER_ID}, field line_items[1].price"


def test_a_body_without_the_resource_fails_the_page():
    with pytest.raises(InputError) as caught:
        split_page(Source.SHOPIFY, "orders", {"products": []}, where=FILE)
    assert "orders" in caught.value.message and caught.value.where == FILE


def test_a_shopify_error_body_fails_the_page():
    with pytest.raises(InputError) as caught:
        split_page(Source.SHOPIFY, "orders", {"errors": "[API] Invalid API key"}, where=FILE)
    assert "Invalid API key" in caught.value.message


def test_an_embedded_customer_without_id_is_named_under_customer(the_order):
    del the_order["customer"]["id"]
    with pytest.raises(InputError) as caught:
        records(the_order)
    assert caught.value.message == "missing required field id"
    assert caught.value.where == f"{FILE}, order {ORDER_ID}, field customer.id"


EVENTS = "file shopify/events_0001.json"


def destroyed(order_id, event_id=164748010, **fields):
    """An order `destroy` event as `GET events.json?filter=Order&verb=destroy` gives it."""
    return {
        "id": event_id,
        "subject_id": order_id,
        "created_at": "2026-10-12T09:30:00-04:00",
        "subject_type": "Order",
        "verb": "destroy",
        "arguments": ["#1001"],
        "body": None,
        "message": "Order #1001 was deleted.",
        "author": "Shopify",
        "description": "Order #1001 was deleted.",
        "path": f"/admin/orders/{order_id}",
        **fields,
    }


def test_each_order_destroy_event_is_the_removal_of_its_order(shopify_body):
    placed = shopify_body("events.json")["events"][0]  # the docs' "Order was placed" event
    page = {"events": [destroyed(450789469), placed, destroyed("450789470", 164748011)]}
    items = split_page(Source.SHOPIFY, "events", page, where=EVENTS)
    assert [(i.object_type, i.vendor_id, i.op, i.path) for i in items] == [
        ("order", "450789469", "remove", "events/0"),
        ("order", "450789470", "remove", "events/2"),  # other events are passed over
    ]


def test_a_deletion_that_does_not_say_which_order_is_reported_not_dropped():
    page = {"events": [destroyed(None), "not an event", destroyed(450789469, 164748012)]}
    items = split_page(Source.SHOPIFY, "events", page, where=EVENTS)
    assert [(i.object_type, i.op) for i in items] == [
        ("order_deletion", "upsert"),
        ("order_deletion", "upsert"),
        ("order", "remove"),  # the rest of the page still counts
    ]
    with pytest.raises(InputError) as caught:
        normalize(Source.SHOPIFY, "order_deletion", items[0].payload, where=EVENTS)
    assert "does not say which order" in caught.value.message
    assert caught.value.where == f"{EVENTS}, order_deletion 164748010, field subject_id"
    with pytest.raises(InputError) as caught:
        normalize(Source.SHOPIFY, "order_deletion", items[1].payload, where=EVENTS)
    assert "not a JSON object" in caught.value.message


def test_an_events_body_without_its_list_fails_the_page():
    with pytest.raises(InputError) as caught:
        split_page(Source.SHOPIFY, "events", {"event": {}}, where=EVENTS)
    assert "events should be a list" in caught.value.message and caught.value.where == EVENTS
