"""Discrepancies live across runs: found again → updated, not copied; gone → resolved, with why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update

from ledger import results
from ledger.results import Finding
from ledger.tables import DiscrepancyRow
from models.records import Source, SourceRef
from models.results import Discrepancy, DiscrepancyField, Severity
from tests.ledger.ledger_batches import open_test_run

ORDER = SourceRef(source=Source.SHOPIFY, type="order", id="1001")
INVOICE = SourceRef(source=Source.QUICKBOOKS, type="Invoice", id="130")


def _total(quickbooks: str) -> Finding:
    return Finding(
        Discrepancy(
            field=DiscrepancyField.TOTAL,
            severity=Severity.HIGH,
            records=[ORDER, INVOICE],
            values={"shopify": "59.89", "quickbooks": quickbooks},
            explanation="totals differ",
            money_at_stake=Decimal("1.00"),
            currency="USD",
        ),
        date(2026, 10, 5),
    )


async def _run(sessions, n: int) -> int:
    return await open_test_run(sessions, n)


async def _upsert(sessions, run_id, findings, rechecked=frozenset()):
    async with sessions.begin() as s:
        return await results.upsert_discrepancies(
            s, run_id, findings, rechecked=set(rechecked), resolution=f"gone in run {run_id}"
        )


async def test_a_discrepancy_seen_again_is_updated_not_copied(sessions):
    first, second = await _run(sessions, 1), await _run(sessions, 2)
    assert (await _upsert(sessions, first, [_total("60.89")])).new == 1
    counts = await _upsert(sessions, second, [_total("61.89")])
    assert (counts.new, counts.still_open) == (0, 1)
    async with sessions() as s:
        row = (await s.execute(select(DiscrepancyRow))).scalar_one()
        assert await s.scalar(select(func.count()).select_from(DiscrepancyRow)) == 1
    assert (row.first_seen_run, row.last_seen_run, row.values["quickbooks"]) == (
        first,
        second,
        "61.89",
    )


async def test_a_discrepancy_not_found_again_is_resolved_with_the_reason(sessions):
    first, second = await _run(sessions, 1), await _run(sessions, 2)
    finding = _total("60.89")
    await _upsert(sessions, first, [finding])
    counts = await _upsert(sessions, second, [], rechecked={finding.discrepancy.id})
    assert counts.resolved == 1
    async with sessions() as s:
        row = (await s.execute(select(DiscrepancyRow))).scalar_one()
        seen = await results.run_discrepancies(s, second)
    assert (row.status, row.resolved_run, row.resolved_reason) == (
        "resolved",
        second,
        f"gone in run {second}",
    )
    assert [state for state, _ in seen] == ["resolved"]


async def test_a_discrepancy_not_rechecked_stays_open(sessions):
    first, second = await _run(sessions, 1), await _run(sessions, 2)
    await _upsert(sessions, first, [_total("60.89")])
    assert (await _upsert(sessions, second, [], rechecked=set())).resolved == 0


async def test_a_persons_decision_survives_a_later_run(sessions):
    first, second = await _run(sessions, 1), await _run(sessions, 2)
    finding = _total("60.89")
    await _upsert(sessions, first, [finding])
    async with sessions.begin() as s:
        await s.execute(update(DiscrepancyRow).values(status="approved"))
    await _upsert(sessions, second, [finding])
    async with sessions() as s:
        assert (await s.execute(select(DiscrepancyRow.status))).scalar_one() == "approved"
