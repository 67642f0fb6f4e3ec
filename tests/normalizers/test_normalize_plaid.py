"""Plaid `/transactions/sync` → bank transactions, with Plaid's sign flipped."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from models.errors import InputError
from models.records import BankTransaction, CanonicalStatus, Source
from normalizers import load_json, normalize, split_page

FILE = "file plaid/transactions_sync_0001.json"
ADDED = "lPNjeW1nR6CDn5okmGQ6hEpMo4lLNoSrzqDje"
MODIFIED = "yhnUVvtcGGcCKU0bcz8PDQr5ZUxUXebUvbKC0"
REMOVED = "CmdQTNgems8BT1B7ibkoUXVPyAeehT3Tmzk0l"


@pytest.fixture
def page(plaid_sync_wire):
    return load_json(plaid_sync_wire, where=FILE)


@pytest.fixture
def items(page):
    return {
        item.vendor_id: item
        for item in split_page(Source.PLAID, "transactions_sync", page, where=FILE)
    }


def one(payload) -> BankTransaction:
    (record,) = normalize(Source.PLAID, "transaction", payload, where=FILE)
    assert isinstance(record, BankTransaction)
    return record


def test_added_modified_and_removed_become_items_with_their_op(items):
    assert {key: (item.object_type, item.op) for key, item in items.items()} == {
        ADDED: ("transaction", "upsert"),
        MODIFIED: ("transaction", "upsert"),
        REMOVED: ("transaction", "remove"),
    }


def test_an_outflow_of_72_10_becomes_minus_72_10(items):
    bought = one(items[ADDED].payload)
    assert bought.amount == Decimal("-72.10")
    assert bought.currency == "USD"
    assert bought.direction == "out"


def test_a_posted_transaction_keeps_its_dates_as_dates(items):
    bought = one(items[ADDED].payload)
    assert bought.posted_date == date(2023, 9, 24)
    assert bought.authorized_date == date(2023, 9, 22)
    assert bought.status is CanonicalStatus.COMPLETED and not bought.pending
    assert bought.pending_transaction_id == "no86Eox18VHMvaOVL7gPUM9ap3aR1LsAVZ5nc"


def test_descriptive_fields_are_kept(items):
    bought = one(items[ADDED].payload)
    assert bought.account_id == "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp"
    assert bought.name == "PURCHASE WM SUPERCENTER #1700"
    assert bought.merchant_name == "Walmart"
    assert bought.payment_channel == "in store"
    assert bought.counterparty == "Walmart"
    assert bought.ref.key == f"plaid:transaction:{ADDED}"


def test_a_pending_transaction_is_pending(items):
    food = one(items[MODIFIED].payload)
    assert food.status is CanonicalStatus.PENDING and food.pending
    assert food.amount == Decimal("-28.34")
    assert food.counterparty == "DoorDash"


def test_money_in_is_positive(items):
    deposit = {**items[ADDED].payload, "amount": Decimal("-1250.5")}
    assert one(deposit).amount == Decimal("1250.50")
    assert one(deposit).direction == "in"


def test_exact_decimals_survive_from_wire_to_record():
    body = {"added": [], "modified": [], "removed": []}
    text = json.dumps(body)[:-1] + ', "x": 0.1}'
    assert load_json(text.encode(), where=FILE)["x"] == Decimal("0.1")


def test_an_iso_unofficial_currency_is_accepted(items):
    payload = {**items[ADDED].payload, "iso_currency_code": None, "unofficial_currency_code": "eur"}
    assert one(payload).currency == "EUR"


def test_a_non_iso_unofficial_currency_is_refused_naming_it_and_where(items):
    payload = {**items[ADDED].payload, "iso_currency_code": None, "unofficial_currency_code": "BTC"}
    with pytest.raises(InputError) as caught:
        one(payload)
    assert "BTC" in caught.value.message
    assert caught.value.where == f"{FILE}, transaction {ADDED}, field unofficial_currency_code"


def test_a_float_amount_is_refused(items):
    with pytest.raises(InputError) as caught:
        one({**items[ADDED].payload, "amount": 72.1})
    assert "72.1" in caught.value.message and "exact" in caught.value.message
    assert caught.value.where.endswith(f"transaction {ADDED}, field amount")


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("amount", None, "missing required field amount"),
        ("amount", "12,34", "does not parse"),
        ("date", None, "missing required field date"),
        ("date", "24/09/2023", "not a date"),
        ("account_id", None, "missing required field account_id"),
        ("pending", "no", "true or false"),
    ],
)
def test_a_bad_field_is_named_with_the_record(items, field, value, said):
    with pytest.raises(InputError) as caught:
        one({**items[ADDED].payload, field: value})
    assert said in caught.value.message
    assert caught.value.where == f"{FILE}, transaction {ADDED}, field {field}"


def test_the_caller_naming_the_record_is_not_repeated(items):
    where = f"{FILE}, transaction {ADDED}"
    with pytest.raises(InputError) as caught:
        normalize(Source.PLAID, "transaction", {**items[ADDED].payload, "date": None}, where=where)
    assert caught.value.where == f"{where}, field date"


def test_a_plaid_error_body_fails_the_page_with_its_message():
    error = {
        "error_type": "ITEM_ERROR",
        "error_code": "ITEM_LOGIN_REQUIRED",
        "error_message": "the login details of this item have changed",
        "request_id": "abc",
    }
    with pytest.raises(InputError) as caught:
        split_page(Source.PLAID, "transactions_sync", error, where=FILE)
    assert "ITEM_LOGIN_REQUIRED" in caught.value.message and caught.value.where == FILE


def test_a_body_without_sync_lists_fails_the_page():
    with pytest.raises(InputError) as caught:
        split_page(Source.PLAID, "transactions_sync", {"accounts": []}, where=FILE)
    assert "transactions/sync" in caught.value.message and caught.value.where == FILE


def test_a_record_without_id_is_kept_and_reported_by_normalize(page):
    page["added"].append({"amount": Decimal(5)})
    items = split_page(Source.PLAID, "transactions_sync", page, where=FILE)
    assert len(items) == 4
    with pytest.raises(InputError) as caught:
        normalize(Source.PLAID, "transaction", items[1].payload, where=FILE)
    assert caught.value.message == "missing required field transaction_id"
    assert caught.value.where == f"{FILE}, transaction (no id), field transaction_id"
