"""The generated objects are what each vendor's documents say its API returns.

Stripe objects validate against Stripe's OpenAPI spec, Plaid transactions against Plaid's, every
QuickBooks key is an element (or attribute) of its Intuit XSD type, and every Shopify key is one
the Admin REST fixtures use.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from sandbox.generator import VendorData, generate
from tests.vendor_files import VENDOR, nullable_fix, parsed_spec

QBO_NS = "{http://schema.intuit.com/finance/v3}"


@pytest.fixture(scope="module")
def month() -> VendorData:
    return generate(seed=21, month=date(2026, 10, 1), orders=40)


def _registry(request: pytest.FixtureRequest, path: Path, uri: str) -> Registry:
    spec = parsed_spec(request, path)
    nullable_fix(spec)
    return Registry().with_resource(uri, Resource.from_contents(spec, default_specification=DRAFT4))


def _errors(registry: Registry, ref: str, body: object) -> list[str]:
    validator = OAS30Validator({"$ref": ref}, registry=registry)
    return [f"{list(e.absolute_path)}: {e.message[:160]}" for e in validator.iter_errors(body)]


def _as_json(body: object) -> Any:
    """What a client sees after parsing the wire text (Decimals become JSON numbers)."""
    import simplejson

    return json.loads(simplejson.dumps(body, use_decimal=True))


# --- Stripe -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stripe_spec(request: pytest.FixtureRequest) -> Registry:
    return _registry(request, VENDOR / "stripe" / "spec3.yaml", "urn:stripe")


@pytest.mark.parametrize(
    ("resource", "schema"),
    [
        ("charges", "charge"),
        ("refunds", "refund"),
        ("balance_transactions", "balance_transaction"),
        ("payouts", "payout"),
    ],
)
def test_stripe_objects_validate_against_the_openapi_spec(
    month: VendorData, stripe_spec: Registry, resource: str, schema: str
) -> None:
    objects = month.stripe[resource]
    assert objects
    for obj in objects:
        errors = _errors(stripe_spec, f"urn:stripe#/components/schemas/{schema}", obj)
        assert not errors, (obj["id"], errors[:5])


def test_stripe_amounts_are_integer_cents_and_times_unix_seconds(month: VendorData) -> None:
    for charge in month.stripe["charges"]:
        assert isinstance(charge["amount"], int) and isinstance(charge["created"], int)
        assert charge["currency"] == "usd" and charge["id"].startswith("ch_")
    for payout in month.stripe["payouts"]:
        assert payout["arrival_date"] % 86400 == 0, "midnight UTC of the arrival day"
        assert payout["id"].startswith("po_")


def test_a_stripe_object_the_spec_forbids_is_caught(
    month: VendorData, stripe_spec: Registry
) -> None:
    broken = dict(month.stripe["charges"][0], amount="59.89")
    assert _errors(stripe_spec, "urn:stripe#/components/schemas/charge", broken)


# --- Plaid ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plaid_spec(request: pytest.FixtureRequest) -> Registry:
    return _registry(request, VENDOR / "plaid" / "openapi" / "2020-09-14.yml", "urn:plaid")


def test_plaid_transactions_validate_against_the_transaction_schema(
    month: VendorData, plaid_spec: Registry
) -> None:
    for txn in _as_json(month.plaid_transactions):
        errors = _errors(plaid_spec, "urn:plaid#/components/schemas/Transaction", txn)
        assert not errors, (txn["name"], errors[:5])


def test_plaid_sync_accounts_validate_against_the_account_schema(
    month: VendorData, plaid_spec: Registry
) -> None:
    for account in _as_json(month.plaid_accounts):
        assert not _errors(plaid_spec, "urn:plaid#/components/schemas/AccountBase", account)


def test_plaid_sign_is_positive_for_money_out(month: VendorData) -> None:
    by_name = {t["name"]: t["amount"] for t in month.plaid_transactions}
    assert by_name["ACH WITHDRAWAL MAPLE ST PROPERTI"] > 0
    assert all(
        amount < 0 for name, amount in by_name.items() if name.startswith(("STRIPE", "ACH DEPOSIT"))
    )


# --- QuickBooks -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def intuit() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(VENDOR / "quickbooks" / "intuit-xsd" / "Finance.xsd"))


def _unknown_keys(xsd_type: Any, body: dict[str, Any], path: str) -> list[str]:
    """Keys of `body` that are neither a child element nor an attribute of `xsd_type`, recursively.

    A type with simple content (e.g. `ReferenceType`) carries its text as `value` in JSON.
    """
    children = (
        {e.local_name: e for e in xsd_type.content.iter_elements()}
        if xsd_type.has_complex_content()
        else {}
    )
    allowed = set(children) | {a.split("}")[-1] for a in xsd_type.attributes}
    if xsd_type.has_simple_content():
        allowed.add("value")
    problems = [f"{path}.{key}" for key in body if key not in allowed]
    for key, value in body.items():
        if key in children and children[key].type.is_complex():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    problems += _unknown_keys(children[key].type, item, f"{path}.{key}")
    return problems


@pytest.mark.parametrize(
    "entity", ["Customer", "Vendor", "Item", "Invoice", "Payment", "Bill", "BillPayment"]
)
def test_quickbooks_keys_are_elements_of_the_intuit_xsd(
    month: VendorData, intuit: xmlschema.XMLSchema, entity: str
) -> None:
    xsd_type = intuit.maps.types[QBO_NS + entity]
    assert month.quickbooks[entity]
    for body in month.quickbooks[entity]:
        assert _unknown_keys(xsd_type, body, entity) == []


def test_the_xsd_check_catches_an_invented_key(
    month: VendorData, intuit: xmlschema.XMLSchema
) -> None:
    invoice = dict(month.quickbooks["Invoice"][0], InvoiceTotal=1)
    invoice["CustomerRef"] = {"value": "1", "label": "x"}
    assert _unknown_keys(intuit.maps.types[QBO_NS + "Invoice"], invoice, "Invoice") == [
        "Invoice.InvoiceTotal",
        "Invoice.CustomerRef.label",
    ]


# --- Shopify ----------------------------------------------------------------------------------


def _fixture(name: str) -> Any:
    return json.loads((VENDOR / "shopify" / "shopify_python_api-fixtures" / name).read_text())


def _keys(objects: list[dict[str, Any]]) -> set[str]:
    return {k for o in objects for k in o}


@pytest.fixture(scope="module")
def shopify_keys() -> dict[str, set[str]]:
    orders = [_fixture("order.json")["order"], *_fixture("orders.json")["orders"]]
    refund = _fixture("refund.json")["refund"]
    customers = [
        _fixture("customer.json")["customer"],
        *(o["customer"] for o in orders if o.get("customer")),
    ]
    items = [li for o in orders for li in o.get("line_items", [])] + [
        r["line_item"] for r in refund["refund_line_items"]
    ]
    addresses = [
        a for o in orders for a in (o.get("billing_address"), o.get("shipping_address")) if a
    ]
    return {
        "order": _keys(orders)
        | {"refunds"},  # `refunds` is embedded in orders (Admin REST 2019-07+)
        "refund": set(refund),
        "transaction": _keys(refund["transactions"]),
        "customer": _keys(customers),
        "line_item": _keys(items),
        "address": _keys(addresses) | _keys([c["default_address"] for c in customers]),
    }


def test_shopify_orders_use_only_the_admin_rest_fields(
    month: VendorData, shopify_keys: dict[str, set[str]]
) -> None:
    for order in month.shopify["orders"]:
        assert set(order) - shopify_keys["order"] == set()
        assert set(order["customer"]) - shopify_keys["customer"] == set()
        for item in order["line_items"]:
            assert set(item) - shopify_keys["line_item"] == set()
        for address in (order["billing_address"], order["shipping_address"]):
            assert set(address) - shopify_keys["address"] == set()
        for refund in order["refunds"]:
            assert set(refund) - shopify_keys["refund"] == set()
            for txn in refund["transactions"]:
                assert set(txn) - shopify_keys["transaction"] == set()
    for customer in month.shopify["customers"]:
        assert set(customer) - shopify_keys["customer"] == set()


def test_shopify_prices_are_two_decimal_strings_and_ids_numbers(month: VendorData) -> None:
    for order in month.shopify["orders"]:
        assert isinstance(order["id"], int) and order["name"] == f"#{order['order_number']}"
        for key in ("total_price", "subtotal_price", "total_tax"):
            assert isinstance(order[key], str) and len(order[key].split(".")[1]) == 2
