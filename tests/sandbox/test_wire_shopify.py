"""ShopifyAPI (the official Python library) reads and writes against the sandbox, and the shapes
the sandbox builds itself match Shopify's fixtures."""

from __future__ import annotations

import copy
import json
from functools import partial

import httpx
import pytest
import shopify

from sandbox.generator import generate
from sandbox.servers import Sandbox
from tests.vendor_files import VENDOR

# only the server under test: starting and stopping all four for every test is slow
open_sandbox = partial(Sandbox, vendors=("shopify",))


HTTP = httpx.Client(timeout=10)  # one client: a new one per call costs ~0.1 s of TLS setup

FIXTURES = VENDOR / "shopify/shopify_python_api-fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class Data:
    def __init__(self) -> None:
        base = fixture("order.json")["order"]
        orders = []
        for i in range(12):
            o = copy.deepcopy(base) | {
                "id": 450_789_469 + i,
                "name": f"#{1001 + i}",
                "order_number": 1001 + i,
            }
            o["created_at"] = o["updated_at"] = f"2024-02-{1 + i:02d}T11:00:00-05:00"
            orders.append(o)
        self.shopify = {
            "orders": orders,
            "customers": fixture("customers_search.json")["customers"],
        }


@pytest.fixture(scope="module")
def sandbox():
    with open_sandbox(Data()) as sb:
        yield sb


@pytest.fixture
def session(sandbox, monkeypatch):
    """ShopifyAPI always builds https://<shop>.myshopify.com; these class settings make it build
    http://127.0.0.1:<port> instead (a connector may equally set `ShopifyResource.site`)."""
    monkeypatch.setattr(shopify.Session, "protocol", "http")
    monkeypatch.setattr(shopify.Session, "myshopify_domain", "0.0.1")
    monkeypatch.setattr(shopify.Session, "port", sandbox.hosts["shopify"].port)
    session = shopify.Session("127.0.0.1", "2024-10", sandbox.credentials.shopify_access_token)
    shopify.ShopifyResource.activate_session(session)
    yield session
    shopify.ShopifyResource.clear_session()


def test_sdk_pages_through_all_orders_once(sandbox, session):
    page = shopify.Order.find(limit=5, status="any")
    ids = [o.id for o in page]
    while page.has_next_page():
        page = page.next_page()
        ids += [o.id for o in page]
    assert sorted(ids) == sorted(o["id"] for o in Data().shopify["orders"])
    assert len(ids) == len(set(ids))


def test_sdk_reads_nested_order_fields(session):
    order = shopify.Order.find(450_789_469)
    assert order.total_price == "409.94"
    assert order.line_items[0].price == "199.00"
    assert order.customer.email == "bob.norman@hostmail.com"


def test_sdk_saves_note_and_tags(session):
    order = shopify.Order.find(450_789_470)
    order.note, order.tags = "Accord: payout matched", "accord"
    assert order.save()
    assert shopify.Order.find(450_789_470).tags == "accord"


def test_sdk_adds_and_lists_metafields(session):
    order = shopify.Order.find(450_789_471)
    metafield = order.add_metafield(
        shopify.Metafield(
            {"namespace": "accord", "key": "run", "value": "r1", "type": "single_line_text_field"}
        )
    )
    assert metafield.id and [m.key for m in order.metafields()] == ["run"]


def test_sdk_reads_customers_and_counts(session):
    assert [c.email for c in shopify.Customer.find()] == [
        c["email"] for c in fixture("customers_search.json")["customers"]
    ]
    assert shopify.Order.count(status="any") == 12


def test_sdk_raises_unauthorized_for_a_wrong_token(sandbox, session):
    shopify.ShopifyResource.headers["X-Shopify-Access-Token"] = "shpat_wrong"
    from pyactiveresource.connection import UnauthorizedAccess

    with pytest.raises(UnauthorizedAccess):
        shopify.Order.find()


def test_envelopes_and_built_objects_match_the_fixtures(sandbox):
    base, token = (
        sandbox.urls["shopify"] + "/admin/api/2024-10",
        sandbox.credentials.shopify_access_token,
    )
    headers = {"X-Shopify-Access-Token": token}
    orders = HTTP.get(base + "/orders.json", headers=headers).json()
    assert list(orders) == list(fixture("orders.json")) == ["orders"]
    assert set(orders["orders"][0]) == set(fixture("order.json")["order"])
    single = HTTP.get(base + "/orders/450789469.json", headers=headers).json()
    assert list(single) == list(fixture("order.json")) == ["order"]
    assert list(HTTP.get(base + "/customers.json", headers=headers).json()) == list(
        fixture("customers_search.json")
    )
    field = {
        "namespace": "contact",
        "key": "email",
        "value": "123@example.com",
        "type": "single_line_text_field",
    }
    created = HTTP.post(
        base + "/orders/450789469/metafields.json", headers=headers, json={"metafield": field}
    ).json()
    expected = set(fixture("metafield.json")["metafields"]) - {"value_type"} | {
        "type"
    }  # value_type became type in 2021-10
    assert expected <= set(created["metafield"])
    assert set(HTTP.get(base + "/orders/450789469/metafields.json", headers=headers).json()) == set(
        fixture("metafields.json")
    )


# Event fields of the REST Admin API that are newer than the library's fixture.
NEWER_EVENT_FIELDS = {"arguments", "author", "description", "path"}


def test_a_deleted_order_is_told_by_an_event_shaped_as_shopifys(monkeypatch):
    """The merchant deletes an order: the lists leave it out, and ShopifyAPI reads its
    `destroy` event (`Event.find(filter=..., verb=...)`), shaped as the fixture's events."""
    with open_sandbox(Data()) as sb:
        monkeypatch.setattr(shopify.Session, "protocol", "http")
        monkeypatch.setattr(shopify.Session, "myshopify_domain", "0.0.1")
        monkeypatch.setattr(shopify.Session, "port", sb.hosts["shopify"].port)
        token = sb.credentials.shopify_access_token
        shopify.ShopifyResource.activate_session(shopify.Session("127.0.0.1", "2024-10", token))
        try:
            sb.shopify.delete_order(450_789_470)
            events = shopify.Event.find(filter="Order", verb="destroy")
            other_kinds = shopify.Event.find(filter="Product")
            assert shopify.Order.count(status="any") == 11
        finally:
            shopify.ShopifyResource.clear_session()
        body = HTTP.get(
            sb.urls["shopify"] + "/admin/api/2024-10/events.json",
            params={"filter": "Order", "verb": "destroy"},
            headers={"X-Shopify-Access-Token": token},
        ).json()
    assert [(e.subject_id, e.subject_type, e.verb) for e in events] == [
        (450_789_470, "Order", "destroy")
    ]
    assert list(other_kinds) == []
    assert list(body) == list(fixture("events.json")) == ["events"]
    known = set(fixture("events.json")["events"][0])
    assert known <= set(body["events"][0]) <= known | NEWER_EVENT_FIELDS


# Order fields of the REST Admin API that are newer than the library's fixture (2019-era).
NEWER_ORDER_FIELDS = {
    "admin_graphql_api_id",
    "app_id",
    "contact_email",
    "customer_locale",
    "device_id",
    "payment_gateway_names",
    "phone",
    "presentment_currency",
    "processed_at",
    "refunds",
    "source_identifier",
    "source_url",
    "tags",
    "current_total_price",
    "current_subtotal_price",
    "current_total_tax",
    "current_total_discounts",
    "total_outstanding",
    "estimated_taxes",
    "order_status_url",
    "po_number",
    "merchant_of_record_app_id",
    "total_shipping_price_set",
}
CORE_ORDER_FIELDS = {
    "id",
    "name",
    "email",
    "created_at",
    "updated_at",
    "currency",
    "total_price",
    "subtotal_price",
    "total_tax",
    "financial_status",
    "line_items",
    "customer",
}


def test_generated_orders_and_customers_use_shopify_field_names():
    data = generate(seed=4, orders=30)
    known_order = set(fixture("order.json")["order"]) | NEWER_ORDER_FIELDS
    known_line = set(fixture("order.json")["order"]["line_items"][0]) | {
        "admin_graphql_api_id",
        "price_set",
        "total_discount_set",
        "current_quantity",
        "tax_lines",
        "discount_allocations",
        "duties",
        "attributed_staffs",
        "fulfillable_quantity",
        "gift_card",
        "taxable",
        "total_discount",
    }
    known_customer = set(fixture("customer.json")["customer"]) | {
        "currency",
        "phone",
        "admin_graphql_api_id",
        "email_marketing_consent",
        "sms_marketing_consent",
        "tax_exemptions",
    }
    with open_sandbox(data) as sb:
        headers = {"X-Shopify-Access-Token": sb.credentials.shopify_access_token}
        base = sb.urls["shopify"] + "/admin/api/2024-10"
        orders = HTTP.get(
            base + "/orders.json", params={"status": "any", "limit": 250}, headers=headers
        ).json()["orders"]
        customers = HTTP.get(
            base + "/customers.json", params={"limit": 250}, headers=headers
        ).json()["customers"]
    assert len(orders) == len(data.shopify["orders"]) and len(customers) == len(
        data.shopify["customers"]
    )
    for o in orders:
        assert CORE_ORDER_FIELDS <= set(o), sorted(CORE_ORDER_FIELDS - set(o))
        assert set(o) <= known_order, sorted(set(o) - known_order)
        for line in o["line_items"]:
            assert set(line) <= known_line, sorted(set(line) - known_line)
    for c in customers:
        assert set(c) <= known_customer, sorted(set(c) - known_customer)
