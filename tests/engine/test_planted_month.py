"""The generated month through the normalizers and the engine: exactly what was planted.

`input` findings (unreadable records) are the ledger's, not the engine's, so they are left out
of the comparison; every other planted discrepancy and every planted match must be found, and
nothing else.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from engine import EngineConfig, build_frames, compare, match
from sandbox.generator import generate, write_recorded
from tests.engine.recorded_month import read_recorded


def _keys(records) -> frozenset[str]:
    return frozenset(f"{r['source']}:{r['type']}:{r['id']}" for r in records)


@pytest.fixture(scope="module", params=[(11, 60), (3, 400)], ids=["seed11-60", "seed3-400"])
def month(request, tmp_path_factory):
    seed, orders = request.param
    data = generate(seed=seed, month=date(2026, 10, 1), orders=orders)
    folder = tmp_path_factory.mktemp("recorded")
    write_recorded(data, folder)
    expected = json.loads((folder / "expected.json").read_text())
    records = read_recorded(folder, data.window)
    frames = build_frames(records)
    config = EngineConfig()
    outcome = match(frames, data.window, config, identity={})
    found = [*outcome.discrepancies, *compare(frames, outcome, data.window, config)]
    return expected, outcome, found


def test_every_planted_discrepancy_and_nothing_else(month):
    expected, _, found = month
    planted = {
        (d["field"], d["severity"], d["status"], _keys(d["records"]))
        for d in expected["discrepancies"]
        if d["field"] != "input"
    }
    got = {
        (d.field.value, d.severity.value, d.status.value, frozenset(r.key for r in d.records))
        for d in found
    }
    assert got - planted == set(), "found but not planted"
    assert planted - got == set(), "planted but not found"


def test_every_planted_match_and_nothing_else(month):
    expected, outcome, _ = month
    planted = {(m["kind"], _keys(m["records"])) for m in expected["matches"]}
    got = {(m.kind.value, frozenset(r.key for r in m.records)) for m in outcome.matches}
    assert got - planted == set(), "matched but not planted"
    assert planted - got == set(), "planted but not matched"


def test_partial_payment_is_marked_partial(month):
    expected, outcome, _ = month
    partial = {_keys(m["records"]) for m in expected["matches"] if m.get("partial")}
    got = {frozenset(r.key for r in m.records) for m in outcome.matches if m.partial}
    assert got == partial


def test_planted_customers_resolve_as_planted(month):
    expected, outcome, _ = month
    cluster_of = {r.key: c.canonical_id for c in outcome.customers for r in c.members}
    spellings = _keys(expected["scenarios"]["three_spellings"])
    assert len({cluster_of[k] for k in spellings}) == 1
    shared = sorted(_keys(expected["scenarios"]["shared_mailbox"]))
    assert len({cluster_of[k] for k in shared}) == 2
