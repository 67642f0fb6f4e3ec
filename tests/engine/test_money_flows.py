"""Payouts ↔ deposits and their composition; deposits ↔ payments and invoices; withdrawals ↔ bills."""

from __future__ import annotations

from decimal import Decimal

from engine import EngineConfig, build_frames, compare, match
from models.results import DiscrepancyField, MatchKind
from tests.engine.builders import (
    OCT,
    balance_txn,
    bank,
    bill,
    bill_payment,
    customer,
    invoice,
    keys,
    payment,
    payout,
)

ACME = customer("quickbooks", "Q9", None, company="Acme Wholesale Supply LLC")


def _run(records, config=None):
    config = config or EngineConfig()
    frames = build_frames(records)
    outcome = match(frames, OCT, config, {})
    return outcome, compare(frames, outcome, OCT, config)


def _kind(outcome, kind):
    return [m for m in outcome.matches if m.kind == kind]


def test_payout_meets_the_deposit_of_its_exact_amount_nearest_its_arrival():
    records = [
        payout("po1", "100.00", 3, 6),
        payout("po2", "100.00", 8, 10),
        bank("b1", "100.00", 10, name="STRIPE"),
        bank("b2", "100.00", 7, name="STRIPE"),
        bank("b3", "100.01", 6, name="STRIPE"),
    ]
    outcome, _ = _run(records)
    found = {tuple(keys(m)) for m in _kind(outcome, MatchKind.PAYOUT_DEPOSIT)}
    assert found == {
        ("plaid:transaction:b2", "stripe:payout:po1"),
        ("plaid:transaction:b1", "stripe:payout:po2"),
    }


def test_payout_outside_the_arrival_window_is_missing():
    outcome, _ = _run([payout("po1", "100.00", 3, 6), bank("b1", "100.00", 15, name="STRIPE")])
    assert _kind(outcome, MatchKind.PAYOUT_DEPOSIT) == []
    missing = {tuple(r.key for r in d.records) for d in outcome.discrepancies}
    assert ("stripe:payout:po1",) in missing and ("plaid:transaction:b1",) in missing


def test_composition_gap_names_the_missing_part():
    records = [
        payout("po1", "94.00", 3, 6),
        balance_txn("bt1", "80.00", "2.63", "po1"),
        balance_txn("bt2", "30.00", "1.17", "po1"),
        balance_txn("bt3", "-10.00", "0.00", "po1", txn_type="refund"),
        balance_txn("txn_po1", "-92.00", "0", "po1", txn_type="payout"),
    ]
    outcome, found = _run(records)
    [group] = _kind(outcome, MatchKind.PAYOUT_COMPOSITION)
    assert "stripe:balance_transaction:txn_po1" not in keys(group) and len(group.records) == 4
    [gap] = [d for d in found if d.field == DiscrepancyField.TOTAL]
    assert gap.values["gap"] == "-2.20" and gap.money_at_stake == Decimal("2.20")
    assert "fee or an adjustment" in gap.explanation


def test_deposit_recorded_as_a_payment_matches_it_one_to_one():
    records = [
        ACME,
        invoice("W1", "700.00", 1, customer="Q9", doc="3001"),
        payment("P1", "700.00", 12, customer="Q9", applied=["W1"], name="Acme Wholesale Supply"),
        payment("P2", "700.00", 12, customer="Q9", applied=[], name="Acme Wholesale Supply"),
        bank("b1", "700.00", 12, name="ACH CREDIT ACME WHLSL SUPPLY"),
    ]
    outcome, _ = _run(records)
    assert len(_kind(outcome, MatchKind.DEPOSIT_PAYMENT)) == 1
    assert [keys(m) for m in _kind(outcome, MatchKind.PAYMENT_INVOICES)] == [
        ["quickbooks:Invoice:W1", "quickbooks:Payment:P1"]
    ]
    lonely = [d for d in outcome.discrepancies if d.records[0].key == "quickbooks:Payment:P2"]
    assert len(lonely) == 1 and lonely[0].field == DiscrepancyField.EXISTENCE


def _open(id_, amount, doc, day=1):
    return invoice(id_, amount, day, customer="Q9", doc=doc, balance=amount, status="pending")


def test_deposit_naming_invoices_and_partial_payment():
    records = [
        ACME,
        _open("W1", "100.00", "3001"),
        _open("W2", "250.00", "3002"),
        _open("W3", "900.00", "3003"),
        bank("b1", "350.00", 12, name="ACME WHLSL", memo="INV 3001 3002"),
        bank("b2", "300.00", 14, name="ACME WHLSL", memo="INV 3003"),
    ]
    outcome, _ = _run(records)
    groups = {tuple(keys(m)): m.partial for m in _kind(outcome, MatchKind.DEPOSIT_INVOICES)}
    assert groups == {
        ("plaid:transaction:b1", "quickbooks:Invoice:W1", "quickbooks:Invoice:W2"): False,
        ("plaid:transaction:b2", "quickbooks:Invoice:W3"): True,
    }
    [part] = [m for m in _kind(outcome, MatchKind.DEPOSIT_INVOICES) if m.partial]
    assert "600.00 left" in part.explanation


def test_unreferenced_deposit_pays_the_unique_subset_of_the_payers_open_invoices():
    amounts = ["101.17", "233.05", "412.90", "57.31", "1999.99", "640.00"]
    records = [ACME, *(_open(f"W{i}", a, str(3000 + i)) for i, a in enumerate(amounts))]
    records.append(bank("b1", "703.26", 12, name="ACH CREDIT ACME WHLSL SUPPLY"))  # W1+W2+W3
    outcome, _ = _run(records)
    [paid] = _kind(outcome, MatchKind.DEPOSIT_INVOICES)
    assert keys(paid)[1:] == [
        "quickbooks:Invoice:W1",
        "quickbooks:Invoice:W2",
        "quickbooks:Invoice:W3",
    ]
    assert "exactly one subset" in paid.explanation


def test_two_subsets_that_fit_are_ambiguous_never_guessed():
    records = [
        ACME,
        *(
            _open(f"W{a}", a, str(3000 + i))
            for i, a in enumerate(["400.00", "800.00", "500.00", "700.00"])
        ),
        bank("b1", "1200.00", 12, name="ACME WHOLESALE SUPPLY"),
    ]
    outcome, _ = _run(records)
    assert _kind(outcome, MatchKind.DEPOSIT_INVOICES) == []
    [finding] = [d for d in outcome.discrepancies if d.discriminator == "ambiguous"]
    assert finding.severity.value == "medium" and len(finding.records) == 5
    assert sum(d.records[0].key == "plaid:transaction:b1" for d in outcome.discrepancies) == 1


def test_too_many_candidates_end_unsearched_not_guessed():
    records = [ACME, *(_open(f"W{i}", f"{100 + i}.13", str(3000 + i)) for i in range(30))]
    records.append(bank("b1", "305.39", 12, name="ACME WHOLESALE SUPPLY"))
    outcome, _ = _run(records, EngineConfig(subset_sum_budget=1000))
    [finding] = [d for d in outcome.discrepancies if d.discriminator == "ambiguous"]
    assert "too many candidates" in finding.explanation


def test_withdrawal_meets_bill_payment_and_its_bills():
    records = [
        bill("B1", "300.00", 2),
        bill_payment("BP1", "300.00", 8, bills=["B1"]),
        bank("w1", "-300.00", 9, name="OAK SUPPLY CO ACH DEBIT"),
    ]
    outcome, found = _run(records)
    assert len(_kind(outcome, MatchKind.WITHDRAWAL_BILL_PAYMENT)) == 1
    assert len(_kind(outcome, MatchKind.BILL_PAYMENT_BILL)) == 1
    assert outcome.discrepancies == [] and found == []


def test_a_transposed_bill_is_one_total_finding_on_the_pair_not_two_missing_records():
    records = [bill("B1", "5520.00", 1), bank("w1", "-5250.00", 1, name="OAK SUPPLY CO")]
    outcome, found = _run(records)
    [pair] = _kind(outcome, MatchKind.WITHDRAWAL_BILL)
    assert pair.rule == "near_miss_vendor_date"
    assert outcome.discrepancies == []
    [total] = found
    assert total.field == DiscrepancyField.TOTAL and total.severity.value == "high"
    assert total.values == {"plaid": "5250.00", "quickbooks": "5520.00"}
    assert total.correction.system == "quickbooks" and total.correction.to_value == "5250.00"
    assert "money moved" in total.correction.reason


def test_a_small_difference_is_a_near_miss_but_another_vendor_is_not():
    near = [bill("B1", "120.00", 1), bank("w1", "-118.50", 2, name="OAK SUPPLY CO")]
    assert len(_kind(_run(near)[0], MatchKind.WITHDRAWAL_BILL)) == 1
    other = [bill("B1", "120.00", 1), bank("w1", "-120.00", 2, name="CITY POWER")]
    outcome, _ = _run(other)
    assert _kind(outcome, MatchKind.WITHDRAWAL_BILL) == []
    assert [d.records[0].key for d in outcome.discrepancies] == ["plaid:transaction:w1"]


def test_composition_gap_names_an_unlisted_transaction_that_closes_it():
    records = [
        payout("po1", "90.00", 5, 7),
        balance_txn("bt1", "105.00", "0.00", "po1"),
        balance_txn("adj1", "-15.00", "0.00", "").model_copy(
            update={"payout": None, "txn_type": "adjustment"}
        ),
    ]
    _, found = _run(records)
    [gap] = [d for d in found if d.field == DiscrepancyField.TOTAL]
    assert "balance transaction adj1 (adjustment, net -15.00) is exactly the gap" in gap.explanation
    assert [r.id for r in gap.records] == ["po1", "bt1"]
