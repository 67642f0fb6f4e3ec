"""Stripe charges, refunds, payouts and balance transactions: minor units, UTC, statuses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from models.errors import InputError
from models.records import (
    BalanceTransaction,
    CanonicalStatus,
    Charge,
    Payout,
    Refund,
    Source,
    SourceRef,
)
from normalizers import normalize, split_page

FILE = "file stripe/charges_0001.json"
CHARGE_ID = "ch_1NnlpSGPxmnHQRkJcYsK19E8"
THE_FIXTURE_MOMENT = datetime(2009, 2, 13, 23, 31, 30, tzinfo=UTC)  # 1234567890


def one(object_type: str, payload):
    (record,) = normalize(Source.STRIPE, object_type, payload, where=FILE)
    return record


def list_page(*objects, has_more=False):
    return {"object": "list", "data": list(objects), "has_more": has_more, "url": "/v1/charges"}


def test_the_fixture_charge_in_cents(stripe_object):
    charge = one("charge", stripe_object("charge"))
    assert isinstance(charge, Charge)
    assert charge.amount == Decimal("1.00") and charge.currency == "USD"
    assert charge.created_at == THE_FIXTURE_MOMENT
    assert charge.balance_transaction == "txn_1NnmMBGPxmnHQRkJNo4jmMSX"
    assert charge.customer_name == "Jenny Rosen"
    assert charge.description == "My First Test Charge (created for API docs)"
    assert charge.ref.key == f"stripe:charge:{CHARGE_ID}"


def test_a_usd_charge_of_5989_is_59_89(stripe_object):
    assert one("charge", stripe_object("charge", amount=5989)).amount == Decimal("59.89")


def test_a_jpy_charge_of_1200_is_1200_yen(stripe_object):
    charge = one("charge", stripe_object("charge", amount=1200, currency="jpy"))
    assert charge.amount == Decimal("1200") and charge.currency == "JPY"


def test_an_uncaptured_charge_is_only_an_authorization(stripe_object):
    charge = one("charge", stripe_object("charge"))  # the fixture: succeeded, captured false
    assert charge.status is CanonicalStatus.PENDING and charge.source_status == "succeeded"
    assert not charge.captured


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"captured": True}, CanonicalStatus.COMPLETED),
        ({"captured": True, "amount_refunded": 40}, CanonicalStatus.PARTIAL_REFUND),
        ({"captured": True, "amount_refunded": 100, "refunded": True}, CanonicalStatus.REFUNDED),
        ({"status": "pending"}, CanonicalStatus.PENDING),
        ({"status": "failed", "paid": False}, CanonicalStatus.FAILED),
    ],
)
def test_charge_status_and_refund_flags(stripe_object, changes, status):
    assert one("charge", stripe_object("charge", **changes)).status is status


def test_emails_metadata_and_expanded_references(stripe_object):
    charge = one(
        "charge",
        stripe_object(
            "charge",
            receipt_email="jenny@example.com",
            metadata={"order_id": "1001"},
            balance_transaction={"id": "txn_X", "object": "balance_transaction"},
            payment_intent="pi_1",
            customer={"id": "cus_1", "object": "customer"},
        ),
    )
    assert charge.email == "jenny@example.com"
    assert charge.metadata == {"order_id": "1001"}
    assert charge.balance_transaction == "txn_X"
    assert charge.payment_intent == "pi_1"
    assert charge.customer == SourceRef(source=Source.STRIPE, type="customer", id="cus_1")


def test_billing_email_comes_before_receipt_email(stripe_object):
    payload = stripe_object("charge", receipt_email="receipt@example.com")
    payload["billing_details"]["email"] = "billing@example.com"
    assert one("charge", payload).email == "billing@example.com"


def test_the_fixture_refund(stripe_object):
    refund = one("refund", stripe_object("refund"))
    assert isinstance(refund, Refund)
    assert refund.amount == Decimal("1.00")
    assert refund.charge == CHARGE_ID
    assert refund.status is CanonicalStatus.COMPLETED
    assert refund.balance_transaction is None


@pytest.mark.parametrize(
    ("status", "canonical"),
    [
        ("pending", CanonicalStatus.PENDING),
        ("requires_action", CanonicalStatus.PENDING),
        (None, CanonicalStatus.PENDING),
        ("failed", CanonicalStatus.FAILED),
        ("canceled", CanonicalStatus.CANCELLED),
    ],
)
def test_refund_statuses(stripe_object, status, canonical):
    assert one("refund", stripe_object("refund", status=status)).status is canonical


def test_the_fixture_payout_arrives_on_a_date(stripe_object):
    payout = one("payout", stripe_object("payout"))
    assert isinstance(payout, Payout)
    assert payout.amount == Decimal("11.00")
    assert payout.arrival_date == date(2009, 2, 13)
    assert payout.status is CanonicalStatus.PENDING and payout.source_status == "in_transit"
    assert payout.description == "STRIPE PAYOUT"


def test_a_paid_payout_arriving_at_midnight_utc_keeps_that_day(stripe_object):
    midnight = int(datetime(2026, 10, 2, tzinfo=UTC).timestamp())
    payout = one("payout", stripe_object("payout", arrival_date=midnight, status="paid"))
    assert payout.arrival_date == date(2026, 10, 2)
    assert payout.status is CanonicalStatus.COMPLETED


def test_a_balance_transaction_keeps_gross_fee_and_net(stripe_object):
    txn = one(
        "balance_transaction",
        stripe_object("balance_transaction", amount=5989, fee=204, net=5785),
    )
    assert isinstance(txn, BalanceTransaction)
    assert (txn.amount, txn.fee, txn.net) == (Decimal("59.89"), Decimal("2.04"), Decimal("57.85"))
    assert txn.txn_type == "charge" and txn.reporting_category == "charge"
    assert txn.source_object == CHARGE_ID
    assert txn.available_on == date(2009, 2, 13)
    assert txn.status is CanonicalStatus.COMPLETED


def test_a_payout_balance_transaction_is_negative(stripe_object):
    txn = one(
        "balance_transaction",
        stripe_object(
            "balance_transaction",
            amount=-110000,
            net=-110000,
            type="payout",
            source={"id": "po_1", "object": "payout"},
            currency="jpy",
        ),
    )
    assert txn.amount == Decimal("-110000") and txn.source_object == "po_1"


def test_a_list_page_gives_one_item_per_object(stripe_object):
    page = list_page(stripe_object("charge"), stripe_object("charge", id="ch_2"), has_more=True)
    items = split_page(Source.STRIPE, "charges", page, where=FILE)
    assert [(i.object_type, i.vendor_id, i.op) for i in items] == [
        ("charge", CHARGE_ID, "upsert"),
        ("charge", "ch_2", "upsert"),
    ]


def test_a_single_object_body_is_accepted(stripe_object):
    items = split_page(Source.STRIPE, "payouts", stripe_object("payout"), where=FILE)
    assert [i.vendor_id for i in items] == ["po_1NnmXDGPxmnHQRkJBs2u30y2"]


def test_a_stripe_error_body_fails_the_page_with_its_message():
    body = {"error": {"type": "invalid_request_error", "message": "No such payout: 'po_x'"}}
    with pytest.raises(InputError) as caught:
        split_page(Source.STRIPE, "payouts", body, where=FILE)
    assert "No such payout" in caught.value.message and caught.value.where == FILE


def test_a_list_of_the_wrong_shape_fails_the_page():
    with pytest.raises(InputError) as caught:
        split_page(Source.STRIPE, "charges", {"object": "list", "data": {}}, where=FILE)
    assert "data should be a list" in caught.value.message


def test_an_object_of_another_type_is_refused(stripe_object):
    with pytest.raises(InputError) as caught:
        one("charge", stripe_object("refund"))
    assert "refund" in caught.value.message and caught.value.where.endswith("field object")


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("amount", "59.89", "not an integer"),
        ("amount", Decimal("59.89"), "not an integer"),
        ("amount", None, "missing required field amount"),
        ("currency", "zzz", "unknown currency 'zzz'"),
        ("created", "2009-02-13", "not a unix timestamp"),
        ("status", "exploded", "unknown status 'exploded'"),
        ("metadata", {"count": 3}, "metadata.count should be a string"),
    ],
)
def test_a_bad_charge_field_is_named_with_the_record(stripe_object, field, value, said):
    with pytest.raises(InputError) as caught:
        one("charge", stripe_object("charge", **{field: value}))
    assert said in caught.value.message
    assert caught.value.where.startswith(f"{FILE}, charge {CHARGE_ID}, field {field}")


def test_a_bad_record_does_not_fail_its_page(stripe_object):
    page = list_page(stripe_object("charge", currency="zzz"), stripe_object("charge", id="ch_ok"))
    first, second = split_page(Source.STRIPE, "charges", page, where=FILE)
    with pytest.raises(InputError):
        one("charge", first.payload)
    assert one("charge", second.payload).ref.id == "ch_ok"
