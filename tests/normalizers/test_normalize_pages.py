"""Pages in general: exact parsing, page types, and what fails a page versus one record."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.errors import InputError
from models.records import Source
from normalizers import PAGE_TYPES, RawItem, load_json, normalize, split_page

FILE = "file stripe/charges_0003.json"


def test_numbers_are_parsed_exactly():
    body = load_json(b'{"a": 0.1, "b": 59.890, "c": 1200}', where=FILE)
    assert body == {"a": Decimal("0.1"), "b": Decimal("59.890"), "c": 1200}
    assert isinstance(body["b"], Decimal) and str(body["b"]) == "59.890"


@pytest.mark.parametrize(
    "data",
    [
        b'{"object": "list", "data": [{"id": "ch_',
        b"",
        b"\xff\xfe not utf-8",
        b"<html>502</html>",
        b'{"amount": NaN}',
    ],
)
def test_a_page_that_is_not_json_names_the_file(data):
    with pytest.raises(InputError) as caught:
        load_json(data, where=FILE)
    assert "not valid JSON" in caught.value.message and caught.value.where == FILE
    assert str(caught.value).startswith(FILE)


def test_page_types_per_source_name_the_object_type_of_their_records():
    assert PAGE_TYPES[Source.PLAID] == {"transactions_sync": "transaction"}
    assert PAGE_TYPES[Source.STRIPE] == {
        "charges": "charge",
        "refunds": "refund",
        "balance_transactions": "balance_transaction",
        "payouts": "payout",
    }
    assert PAGE_TYPES[Source.SHOPIFY] == {
        "orders": "order",
        "customers": "customer",
        "events": "order",  # order `destroy` events: the orders the shop deleted
    }
    assert set(PAGE_TYPES[Source.QUICKBOOKS]) == {
        "Customer",
        "Vendor",
        "Item",  # products and services: an item's SKU
        "Invoice",
        "Payment",
        "Bill",
        "BillPayment",
        "cdc",  # change data capture, read for deletions
        "Preferences",  # the company's home currency; no records
    }


def test_an_unknown_page_type_fails_naming_it():
    with pytest.raises(InputError) as caught:
        split_page(Source.STRIPE, "disputes", {"object": "list", "data": []}, where=FILE)
    assert "'disputes'" in caught.value.message and caught.value.where == FILE


@pytest.mark.parametrize(
    ("source", "page_type", "body"),
    [
        (Source.STRIPE, "charges", [{"id": "ch_1"}]),
        (Source.SHOPIFY, "orders", "orders"),
        (Source.QUICKBOOKS, "Invoice", {"time": "2020-09-29T05:58:07.300-07:00"}),
        (Source.PLAID, "transactions_sync", None),
    ],
)
def test_a_body_that_is_not_the_expected_envelope_fails_the_page(source, page_type, body):
    with pytest.raises(InputError) as caught:
        split_page(source, page_type, body, where=FILE)
    assert caught.value.where == FILE


def test_source_may_be_given_by_name():
    items = split_page(
        "stripe", "charges", {"object": "list", "data": [{"id": "ch_1"}]}, where=FILE
    )
    assert items == [RawItem("charge", "ch_1", {"id": "ch_1"}, "upsert", "data/0")]


def test_records_that_are_not_objects_are_kept_and_reported_one_by_one():
    body = {"object": "list", "data": ["ch_1", {"id": "ch_2"}], "has_more": False}
    first, second = split_page(Source.STRIPE, "charges", body, where=FILE)
    assert first.vendor_id == f"(no id) {FILE} #0" and second.vendor_id == "ch_2"
    with pytest.raises(InputError) as caught:
        normalize(Source.STRIPE, first.object_type, first.payload, where=FILE)
    assert "not a JSON object" in caught.value.message and caught.value.where == FILE


def test_an_unknown_object_type_is_refused_for_every_source():
    for source in Source:
        with pytest.raises(InputError) as caught:
            normalize(source, "widget", {"id": "1"}, where=FILE)
        assert "widget" in caught.value.message


DELETED = {"domain": "QBO", "status": "Deleted", "Id": "41", "MetaData": {"LastUpdatedTime": "t"}}
CDC_PAGE = {
    "CDCResponse": [
        {
            "QueryResponse": [
                {"Invoice": [{"Id": "40", "SyncToken": "2", "TotalAmt": 5}, DELETED]},
                {},
            ]
        }
    ],
    "time": "2026-11-30T10:00:00.000-08:00",
}


def test_a_cdc_page_gives_its_deletions_as_removals_and_leaves_changes_to_queries():
    items = split_page(Source.QUICKBOOKS, "cdc", CDC_PAGE, where=FILE)
    assert [(i.object_type, i.vendor_id, i.op) for i in items] == [("Invoice", "41", "remove")]


def test_a_cdc_page_without_its_envelope_fails_naming_it():
    with pytest.raises(InputError) as caught:
        split_page(Source.QUICKBOOKS, "cdc", {"QueryResponse": {}}, where=FILE)
    assert "CDCResponse" in caught.value.message


def _at(body, path: str):
    """What a record's `path` names in its page (the ledger's view reads it the same way)."""
    for step in path.split("/") if path else []:
        body = body[int(step)] if isinstance(body, list) else body[step]
    return body


@pytest.mark.parametrize(
    ("source", "page_type", "body", "paths"),
    [
        (
            Source.PLAID,
            "transactions_sync",
            {
                "added": [{"transaction_id": "a"}, {"transaction_id": "b"}],
                "modified": [{"transaction_id": "c"}],
                "removed": [{"transaction_id": "d"}],
                "next_cursor": "x",
            },
            ["added/0", "added/1", "modified/0", "removed/0"],
        ),
        (Source.STRIPE, "charges", {"object": "list", "data": [{"id": "ch_1"}]}, ["data/0"]),
        (Source.STRIPE, "charges", {"object": "charge", "id": "ch_2"}, [""]),
        (Source.SHOPIFY, "orders", {"orders": [{"id": 1}, {"id": 2}]}, ["orders/0", "orders/1"]),
        (Source.SHOPIFY, "orders", {"order": {"id": 3}}, ["order"]),
        (
            Source.QUICKBOOKS,
            "Invoice",
            {"QueryResponse": {"Invoice": [{"Id": "7"}]}},
            ["QueryResponse/Invoice/0"],
        ),
        (Source.QUICKBOOKS, "Invoice", {"Invoice": {"Id": "8"}, "time": "t"}, ["Invoice"]),
        (Source.QUICKBOOKS, "cdc", CDC_PAGE, ["CDCResponse/0/QueryResponse/0/Invoice/1"]),
    ],
)
def test_each_record_knows_where_it_sits_in_its_page(source, page_type, body, paths):
    items = split_page(source, page_type, body, where=FILE)
    assert [item.path for item in items] == paths
    assert all(_at(body, item.path) is item.payload for item in items)
