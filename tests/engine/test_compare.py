"""Field comparisons of matched groups, severities, corrections by authority, timing."""

from __future__ import annotations

from decimal import Decimal

from engine import EngineConfig, MatchOutcome, build_frames, compare, match
from engine.config import CustomerWeights
from models.records import CanonicalStatus, LineItem, Product
from models.results import DiscrepancyField, DiscrepancyStatus
from tests.engine.builders import OCT, charge, customer, invoice, later, order, payout, ref

ANN = [
    customer("shopify", "c1", "Ann Lee", "ann@example.com"),
    customer("quickbooks", "Q1", "Ann Lee", "ann@example.com"),
]


def _compare(records, config=None, window=OCT):
    config = config or EngineConfig()
    frames = build_frames(records)
    outcome = match(frames, window, config, {})
    return outcome, compare(frames, outcome, window, config)


def _by_field(found):
    return {d.field: d for d in found}


def test_total_mismatch_is_high_and_corrects_the_books_to_the_money_collected():
    records = [
        *ANN,
        order("1001", "59.89"),
        invoice("I1", "60.89", doc="SH-1001"),
        charge("ch1", "59.89", number="1001"),
    ]
    total = _by_field(_compare(records)[1])[DiscrepancyField.TOTAL]
    assert total.severity.value == "high"
    assert total.values == {"shopify": "59.89", "quickbooks": "60.89"}
    assert total.money_at_stake == Decimal("1.00")
    fix = total.correction
    assert (fix.system, fix.object_id, fix.field, fix.from_value, fix.to_value) == (
        "quickbooks",
        "I1",
        "total",
        "60.89",
        "59.89",
    )
    assert "ch1" in fix.reason


def test_without_evidence_of_money_the_authority_map_decides_totals():
    records = [*ANN, order("1001", "59.89"), invoice("I1", "60.89", doc="SH-1001")]
    fix = _by_field(_compare(records)[1])[DiscrepancyField.TOTAL].correction
    assert (fix.system, fix.to_value) == ("shopify", "60.89")
    assert "authority map: total → quickbooks" in fix.reason
    flipped = EngineConfig(authority={"total": "shopify"})
    fix = _by_field(_compare(records, flipped)[1])[DiscrepancyField.TOTAL].correction
    assert (fix.system, fix.to_value) == ("quickbooks", "59.89")


def test_refunded_order_with_paid_invoice_is_a_medium_status_finding_corrected_in_the_books():
    records = [
        *ANN,
        order("1001", "59.89", status=CanonicalStatus.REFUNDED, refunded="59.89"),
        invoice("I1", "59.89", doc="SH-1001"),
    ]
    status = _by_field(_compare(records)[1])[DiscrepancyField.STATUS]
    assert status.severity.value == "medium"
    assert status.values == {"shopify": "refunded", "quickbooks": "completed"}
    assert (status.correction.system, status.correction.to_value) == ("quickbooks", "refunded")


def test_currency_line_items_and_customer_are_compared():
    lines_o = [LineItem(sku="MUG", quantity=Decimal(2), unit_price=Decimal("12.00"))]
    lines_i = [
        LineItem(sku="MUG", quantity=Decimal(1), unit_price=Decimal("12.00")),
        LineItem(sku="BOWL", quantity=Decimal(1), unit_price=Decimal("12.00")),
    ]
    records = [
        *ANN,
        customer("quickbooks", "Q2", "Bob Stone", "bob@example.com"),
        order("1001", "24.00", lines=lines_o, currency="USD"),
        invoice("I1", "24.00", doc="SH-1001", lines=lines_i, currency="CAD", customer="Q2"),
    ]
    found = _by_field(_compare(records)[1])
    assert found[DiscrepancyField.CURRENCY].severity.value == "high"
    assert "BOWL only in QuickBooks" in found[DiscrepancyField.LINE_ITEMS].explanation
    assert (
        "MUG: Shopify 2 × 12.00, QuickBooks 1 × 12.00"
        in found[DiscrepancyField.LINE_ITEMS].explanation
    )
    assert found[DiscrepancyField.CUSTOMER].severity.value == "low"


def test_charge_and_order_totals_differ():
    records = [order("1001", "10.00"), charge("ch1", "12.00", number="1001")]
    assert DiscrepancyField.TOTAL in _by_field(_compare(records)[1])


def test_a_group_whose_first_record_is_outside_the_window_is_not_compared_again():
    records = [*ANN, order("1001", "59.89", 20, month=9), invoice("I1", "60.89", 2, doc="SH-1001")]
    outcome, found = _compare(records)
    assert len(outcome.matches) == 1 and found == []


def test_missing_counterpart_not_due_yet_is_pending_timing():
    records = [payout("po1", "50.00", 31, 5, arrival_month=11), payout("po2", "60.00", 20, 22)]
    outcome, _ = _compare(records)
    status = {d.records[0].id: d.status for d in outcome.discrepancies}
    assert status == {"po1": DiscrepancyStatus.PENDING_TIMING, "po2": DiscrepancyStatus.OPEN}
    outcome, _ = _compare(records, window=later(OCT, 10))
    assert {d.status for d in outcome.discrepancies} == {DiscrepancyStatus.OPEN}


def test_records_outside_the_window_are_not_checked_but_serve_as_counterparts():
    records = [order("1001", "10.00", 2, month=11), charge("ch1", "10.00", 30, number="1001")]
    outcome, _ = _compare(records)
    assert len(outcome.matches) == 1  # the November order answers the October charge
    assert outcome.discrepancies == []  # and, dated after the window, is not checked itself


def test_severities_come_from_the_config():
    records = [*ANN, order("1001", "59.89"), invoice("I1", "60.89", doc="SH-1001")]
    config = EngineConfig(severities={"total": "medium"})
    assert (
        _by_field(_compare(records, config)[1])[DiscrepancyField.TOTAL].severity.value == "medium"
    )


def test_an_outcome_rebuilt_without_its_clusters_still_compares_customers():
    records = [
        *ANN,
        customer("quickbooks", "Q2", "Bob Stone", "bob@example.com"),
        order("1001", "24.00"),
        invoice("I1", "24.00", doc="SH-1001", customer="Q2"),
    ]
    config = EngineConfig()
    frames = build_frames(records)
    outcome = match(frames, OCT, config, {})
    rebuilt = MatchOutcome(matches=outcome.matches, customers=[], discrepancies=[])
    assert DiscrepancyField.CUSTOMER in _by_field(compare(frames, rebuilt, OCT, config))


def test_another_email_for_the_same_customer_is_cosmetic_and_the_most_recent_wins():
    from datetime import UTC, datetime

    books = customer("quickbooks", "Q1", "Ann Lee", "ann.old@example.com", "4155550101")
    books = books.model_copy(update={"updated_at": datetime(2026, 1, 1, tzinfo=UTC)})
    shop = customer("shopify", "c1", "Ann Lee", "ann@example.com", "4155550101")
    records = [shop, books, order("1001", "24.00"), invoice("I1", "24.00", doc="SH-1001")]
    phone_counts = EngineConfig(
        customers=CustomerWeights(phone=0.5)
    )  # same phone + name: one person
    found = [d for d in _compare(records, phone_counts)[1] if d.discriminator == "email"]
    [email] = found
    assert email.severity.value == "low" and email.field == DiscrepancyField.CUSTOMER
    assert (email.correction.system, email.correction.object_type) == ("quickbooks", "Customer")
    assert email.correction.to_value == "ann@example.com"


def test_line_items_are_corrected_in_the_books_from_shopify():
    lines_o = [LineItem(sku="MUG", quantity=Decimal(2), unit_price=Decimal("12.00"))]
    lines_i = [LineItem(sku="MUG", quantity=Decimal(1), unit_price=Decimal("24.00"))]
    records = [
        *ANN,
        order("1001", "24.00", lines=lines_o),
        invoice("I1", "24.00", doc="SH-1001", lines=lines_i),
    ]
    fix = _by_field(_compare(records)[1])[DiscrepancyField.LINE_ITEMS].correction
    assert (fix.system, fix.field, fix.to_value) == ("quickbooks", "line_items", "MUG 2×12.00")


def test_an_invoice_line_is_compared_by_the_sku_of_the_item_it_names():
    """Books name their items as people do ("Stoneware Mug") and keep the shop's SKU on the
    item: the line is the same sale, and a real difference is still named by SKU. An item
    without a SKU is known by its name (books that name items by SKU)."""
    mug, spoon = ref("quickbooks", "Item", "12"), ref("quickbooks", "Item", "13")
    items = [
        Product(ref=mug, name="Stoneware Mug", sku="MUG"),
        Product(ref=spoon, name="SPOON", sku=None),
    ]
    shop = [
        LineItem(sku="MUG", quantity=Decimal(2), unit_price=Decimal("12.00")),
        LineItem(sku="SPOON", quantity=Decimal(1), unit_price=Decimal("6.00")),
    ]
    books = [
        LineItem(
            sku="Stoneware Mug", product=mug, quantity=Decimal(2), unit_price=Decimal("12.00")
        ),
        LineItem(sku="SPOON", product=spoon, quantity=Decimal(1), unit_price=Decimal("6.00")),
    ]
    records = [
        *ANN,
        order("1001", "30.00", lines=shop),
        invoice("I1", "30.00", doc="SH-1001", lines=books),
    ]
    assert DiscrepancyField.LINE_ITEMS not in _by_field(_compare([*records, *items])[1])
    # without the items, the books' names are all there is: the mug reads as another product
    unknown = _by_field(_compare(records)[1])[DiscrepancyField.LINE_ITEMS]
    assert "Stoneware Mug only in QuickBooks" in unknown.explanation

    books[0] = books[0].model_copy(update={"quantity": Decimal(1)})
    records[-1] = invoice("I1", "30.00", doc="SH-1001", lines=books)
    short = _by_field(_compare([*records, *items])[1])[DiscrepancyField.LINE_ITEMS]
    assert "MUG: Shopify 2 × 12.00, QuickBooks 1 × 12.00" in short.explanation
