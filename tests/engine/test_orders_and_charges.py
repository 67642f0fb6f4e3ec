"""Orders ↔ invoices and charges ↔ orders: references first, then amount, customer and time."""

from __future__ import annotations

from engine import EngineConfig, build_frames, match
from models.results import MatchKind
from tests.engine.builders import OCT, charge, customer, invoice, keys, order

ANN = [
    customer("shopify", "c1", "Ann Lee", "ann@example.com"),
    customer("quickbooks", "Q1", "Ann Lee", "ann@example.com"),
]


def _matches(records, kind, config=None):
    outcome = match(build_frames(records), OCT, config or EngineConfig(), {})
    return [m for m in outcome.matches if m.kind == kind]


def test_order_number_in_doc_number_note_memo_or_custom_field():
    records = [
        *ANN,
        order("1001", "10.00"),
        invoice("I1", "10.00", doc="SH-1001"),
        order("1002", "20.00"),
        invoice("I2", "99.00", doc="7", note="Shopify order #1002"),
        order("1003", "30.00"),
        invoice("I3", "30.00", doc="8", memo="Thanks for order 1003"),
        order("1004", "40.00"),
        invoice("I4", "40.00", doc="9", custom={"Shopify Order": "1004"}),
    ]
    found = {tuple(keys(m)) for m in _matches(records, MatchKind.ORDER_INVOICE)}
    assert found == {
        ("quickbooks:Invoice:I1", "shopify:order:o1001"),
        ("quickbooks:Invoice:I2", "shopify:order:o1002"),
        ("quickbooks:Invoice:I3", "shopify:order:o1003"),
        ("quickbooks:Invoice:I4", "shopify:order:o1004"),
    }


def test_a_bare_number_needs_the_same_amount_or_customer():
    """QuickBooks numbers its own invoices 1001, 1002 ...: a bare number alone proves nothing."""
    records = [
        order("1001", "10.00", customer=None, email=None),
        invoice("I1", "500.00", doc="1001", customer="Q7"),
    ]
    assert _matches(records, MatchKind.ORDER_INVOICE) == []
    records[1] = invoice("I1", "10.00", doc="1001", customer="Q7")
    assert len(_matches(records, MatchKind.ORDER_INVOICE)) == 1


def test_without_a_reference_same_customer_total_and_date_within_tolerance():
    records = [*ANN, order("1001", "59.89", 5), invoice("I1", "59.89", 7, doc="77")]
    [found] = _matches(records, MatchKind.ORDER_INVOICE)
    assert found.rule == "customer_total_date" and "2 day(s) apart" in found.explanation
    far = [*ANN, order("1001", "59.89", 5), invoice("I1", "59.89", 12, doc="77")]
    assert _matches(far, MatchKind.ORDER_INVOICE) == []
    other_total = [*ANN, order("1001", "59.89", 5), invoice("I1", "59.88", 5, doc="77")]
    assert _matches(other_total, MatchKind.ORDER_INVOICE) == []
    tolerant = EngineConfig(order_invoice_amount_tolerance="0.01")
    assert len(_matches(other_total, MatchKind.ORDER_INVOICE, tolerant)) == 1


def test_two_invoices_naming_one_order_give_one_match_the_stronger_reference():
    records = [
        *ANN,
        order("1001", "10.00"),
        invoice("I1", "10.00", doc="5", note="order #1001"),
        invoice("I2", "10.00", doc="SH-1001"),
    ]
    [found] = _matches(records, MatchKind.ORDER_INVOICE)
    assert "quickbooks:Invoice:I2" in keys(found)


def test_charge_references_order_id_number_or_description():
    records = [
        order("1001", "10.00", id_="111"),
        charge("ch1", "10.00", order_id="111"),
        order("1002", "20.00"),
        charge("ch2", "20.00", number="#1002"),
        order("1003", "30.00"),
        charge("ch3", "30.00", description="Juniper & Oak — Order #1003"),
    ]
    found = {tuple(keys(m)) for m in _matches(records, MatchKind.CHARGE_ORDER)}
    assert found == {
        ("shopify:order:111", "stripe:charge:ch1"),
        ("shopify:order:o1002", "stripe:charge:ch2"),
        ("shopify:order:o1003", "stripe:charge:ch3"),
    }


def test_charge_without_reference_by_amount_email_and_nearest_time():
    records = [
        order("1001", "10.00", 5, hour=10, email="Ann@Example.com"),
        order("1002", "10.00", 5, hour=16, email="ann@example.com"),
        charge("chA", "10.00", 5, hour=15),
        charge("chB", "10.00", 5, hour=11),
    ]
    found = {tuple(keys(m)) for m in _matches(records, MatchKind.CHARGE_ORDER)}
    assert found == {
        ("shopify:order:o1001", "stripe:charge:chB"),
        ("shopify:order:o1002", "stripe:charge:chA"),
    }


def test_charge_too_far_in_time_or_other_email_is_not_matched():
    records = [order("1001", "10.00", 5), charge("ch1", "10.00", 9)]
    assert _matches(records, MatchKind.CHARGE_ORDER) == []
    records = [order("1001", "10.00", 5), charge("ch1", "10.00", 5, email="bob@example.com")]
    assert _matches(records, MatchKind.CHARGE_ORDER) == []


def test_a_source_not_read_in_this_run_cannot_prove_a_record_missing():
    """QuickBooks down: the order's missing invoice is unknown, its missing charge is not."""
    frames = build_frames([order("1001", "59.89")])
    reasons = {
        name: {d.discriminator for d in match(frames, OCT, config, {}).discrepancies}
        for name, config in (
            ("all read", EngineConfig()),
            ("quickbooks down", EngineConfig(unavailable_sources=frozenset({"quickbooks"}))),
        )
    }
    assert reasons == {"all read": {"no_invoice", "no_charge"}, "quickbooks down": {"no_charge"}}
