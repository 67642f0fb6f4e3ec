"""A generated month, end to end through Temporal and PostgreSQL: exactly what was planted."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from sandbox.generator import generate, write_recorded


def _keys(records) -> frozenset[str]:
    return frozenset(f"{r['source']}:{r['type']}:{r['id']}" for r in records)


def _found(report) -> set[tuple]:
    return {
        (d["field"], d["severity"], d["status"], _keys(d["records"]))
        for d in report["discrepancies"]
    }


def _planted(expected) -> set[tuple]:
    return {
        (d["field"], d["severity"], d["status"], _keys(d["records"]))
        for d in expected["discrepancies"]
    }


@pytest.fixture(scope="module")
def month():
    return generate(seed=11, month=date(2026, 10, 1), orders=60)


@pytest.fixture
def recorded(month, tmp_path):
    folder = tmp_path / "recorded"
    write_recorded(month, folder)
    return folder


async def test_the_month_gives_exactly_the_planted_discrepancies(month, recorded, reconcile):
    import json

    expected = json.loads((recorded / "expected.json").read_text())
    result = await reconcile(recorded, month.window)
    assert _found(result.report) == _planted(expected)
    found_matches = {(m["kind"], _keys(m["records"])) for m in result.report["matches"]}
    planted_matches = {(m["kind"], _keys(m["records"])) for m in expected["matches"]}
    assert planted_matches <= found_matches
    assert found_matches - planted_matches == set()


async def test_the_report_keeps_its_contract(month, recorded, reconcile):
    report = (await reconcile(recorded, month.window)).report
    assert {"window", "summary", "matches", "discrepancies", "customers"} <= report.keys()
    for match in report["matches"]:
        assert {"kind", "records", "confidence", "explanation"} <= match.keys()
        assert all({"source", "type", "id"} <= r.keys() for r in match["records"])
    for d in report["discrepancies"]:
        assert {"id", "field", "severity", "records", "values", "explanation", "status"} <= d.keys()
        assert d["field"] in {
            "existence",
            "total",
            "status",
            "currency",
            "line_items",
            "customer",
            "rule",
            "input",
        }
        assert d["severity"] in {"high", "medium", "low"}
    assert all({"canonical_id", "source_ids"} <= c.keys() for c in report["customers"])


async def test_running_the_same_window_again_adds_nothing_and_changes_nothing(
    month, recorded, reconcile
):
    first = await reconcile(recorded, month.window)
    second = await reconcile(recorded, month.window)
    assert second.summary.discrepancies.new == 0
    assert second.summary.discrepancies.resolved == 0
    assert second.summary.discrepancies.still_open == first.summary.discrepancies.new
    assert {d["id"] for d in second.report["discrepancies"]} == {
        d["id"] for d in first.report["discrepancies"]
    }
    assert Counter(m["kind"] for m in second.report["matches"]) == Counter(
        m["kind"] for m in first.report["matches"]
    )


async def test_operators_find_runs_by_their_counts_in_the_temporal_ui(
    month, recorded, reconcile, temporal_client
):
    import asyncio

    result = await reconcile(recorded, month.window)
    high = result.summary.discrepancies.by_severity["high"]
    query = (
        f"WorkflowId = '{result.handle.id}' AND AccordHighCount = {high} "
        f"AND AccordApprovalsWaiting > 0 AND AccordMoneyAtStake > 0 "
        f"AND AccordWindowStart >= '{month.window.start.strftime('%Y-%m-%dT%H:%M:%SZ')}' "
        f"AND AccordSources = 'quickbooks'"
    )
    for _ in range(50):  # visibility is eventually consistent
        found = [w.id async for w in temporal_client.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.2)
    assert found == [result.handle.id]
