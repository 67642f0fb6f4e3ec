"""Properties over generated records: one-to-one matches, conserved money, order independence."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import EngineConfig, build_frames, compare, match
from models.results import DiscrepancyField, MatchKind
from tests.engine.builders import (
    OCT,
    balance_txn,
    bank,
    bill,
    charge,
    customer,
    invoice,
    order,
    payout,
)

FEW_AMOUNTS = st.sampled_from(["10.00", "10.01", "20.00", "100.00", "1200.00", "12.00", "21.00"])
DAYS = st.integers(min_value=1, max_value=30)
# Each example runs the whole engine (~0.1-0.3 s of pandas on a tiny shop): few, varied examples.
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def shops(draw):
    """A small, collision-prone shop: few amounts, few days, few people, references or not."""
    records = [
        customer("shopify", "c1", "Ann Lee", "ann@example.com"),
        customer("quickbooks", "Q1", "Ann Lee", "ann@example.com"),
        customer("quickbooks", "Q9", None, company="Acme Wholesale"),
    ]
    for i in range(draw(st.integers(0, 6))):
        amount, day = draw(FEW_AMOUNTS), draw(DAYS)
        records.append(order(str(1000 + i), amount, day))
        if draw(st.booleans()):
            doc = draw(st.sampled_from([f"SH-{1000 + i}", str(1000 + i), "77", None]))
            records.append(invoice(f"I{i}", draw(FEW_AMOUNTS), draw(DAYS), doc=doc))
        if draw(st.booleans()):
            number = draw(st.sampled_from([str(1000 + i), None]))
            records.append(charge(f"ch{i}", draw(FEW_AMOUNTS), day, number=number))
    for i in range(draw(st.integers(0, 4))):
        records.append(payout(f"po{i}", draw(FEW_AMOUNTS), draw(DAYS), draw(DAYS)))
    for i in range(draw(st.integers(0, 6))):
        amount = draw(FEW_AMOUNTS)
        sign = draw(st.sampled_from(["", "-"]))
        name = draw(st.sampled_from(["STRIPE", "ACME WHOLESALE", "OAK SUPPLY CO"]))
        records.append(bank(f"b{i}", sign + amount, draw(DAYS), name=name))
    for i in range(draw(st.integers(0, 5))):
        balance = draw(FEW_AMOUNTS)
        records.append(
            invoice(f"W{i}", balance, draw(DAYS), customer="Q9", balance=balance, doc=f"9{i}")
        )
    for i in range(draw(st.integers(0, 3))):
        records.append(bill(f"B{i}", draw(FEW_AMOUNTS), draw(DAYS)))
    return records


def _run(records):
    config = EngineConfig()
    frames = build_frames(records)
    outcome = match(frames, OCT, config, {})
    return outcome, compare(frames, outcome, OCT, config)


@SETTINGS
@given(shops())
def test_no_record_is_in_two_matches_of_one_kind(records):
    outcome, _ = _run(records)
    for kind in MatchKind:
        seen = Counter(r.key for m in outcome.matches if m.kind == kind for r in m.records)
        assert [k for k, n in seen.items() if n > 1] == [], kind


@settings(SETTINGS, max_examples=8)
@given(shops(), st.randoms(use_true_random=False))
def test_the_same_records_in_any_order_give_the_same_result(records, rnd):
    first, found = _run(records)
    shuffled = list(records)
    rnd.shuffle(shuffled)
    second, found_again = _run(shuffled)
    assert [(m.id, m.explanation) for m in first.matches] == [
        (m.id, m.explanation) for m in second.matches
    ]
    assert [(d.id, d.explanation, d.status) for d in first.discrepancies] == [
        (d.id, d.explanation, d.status) for d in second.discrepancies
    ]
    assert [(d.id, d.values) for d in found] == [(d.id, d.values) for d in found_again]
    assert [(c.canonical_id, c.members) for c in first.customers] == [
        (c.canonical_id, c.members) for c in second.customers
    ]


CENTS = st.integers(min_value=-50_000, max_value=200_000)


@SETTINGS
@given(
    st.lists(st.tuples(CENTS, st.integers(0, 3_000)), min_size=1, max_size=12),
    st.integers(0, 300_000),
)
def test_money_is_conserved_across_a_payout_composition(parts, paid_cents):
    cents = Decimal("0.01")
    records = [payout("po1", str(paid_cents * cents), 3, 5)]
    for i, (gross, fee) in enumerate(parts):
        records.append(balance_txn(f"bt{i}", str(gross * cents), str(fee * cents), "po1"))
    net = sum(((g - f) * cents for g, f in parts), Decimal(0))
    _, found = _run(records)
    totals = [d for d in found if d.field == DiscrepancyField.TOTAL]
    if net == paid_cents * cents:
        assert totals == []
    else:
        [gap] = totals
        assert Decimal(gap.values["stripe_balance_transactions_net"]) == net
        assert net + Decimal(gap.values["gap"]) == paid_cents * cents
        assert gap.money_at_stake == abs(paid_cents * cents - net)


def test_shuffling_a_generated_shop_keeps_the_subset_sum_choice():
    rnd = random.Random(4)
    records = [customer("quickbooks", "Q9", None, company="Acme Wholesale")]
    amounts = [Decimal(rnd.randint(1_000, 90_000)) / 100 for _ in range(12)]
    records += [
        invoice(f"W{i}", str(a), 1, customer="Q9", balance=str(a), doc=f"9{i}")
        for i, a in enumerate(amounts)
    ]
    records.append(bank("b1", str(amounts[2] + amounts[5] + amounts[7]), 9, name="ACME WHOLESALE"))
    first, _ = _run(records)
    rnd.shuffle(records)
    second, _ = _run(records)
    assert [m.id for m in first.matches] == [m.id for m in second.matches]
    assert [d.id for d in first.discrepancies] == [d.id for d in second.discrepancies]
