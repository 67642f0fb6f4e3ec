"""The generated month read the way a run reads it (normalizers → engine) gives exactly the planted
truth: every match in expected.json and no other, every planted discrepancy and no other.

Input discrepancies are raised by the ledger step, not the engine; here they show up as the two
records the normalizers refuse.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import engine
from activities.reconcile_scope import known_by, with_payouts, without_superseded_pending
from activities.recorded import recorded_pages
from models.errors import InputError
from models.records import CanonicalRecord, Source
from normalizers import load_json, normalize, split_page
from sandbox.generator import generate, write_recorded

PAYOUT_PAGE = "balance_transactions_payout_"


def read_recorded(root: Path) -> tuple[list[CanonicalRecord], dict[str, str], list[str]]:
    records: list[CanonicalRecord] = []
    payout_of: dict[str, str] = {}
    refused: list[str] = []
    for source in Source:
        for page_type, path in recorded_pages(root / source.value):
            where = f"file {source.value}/{path.name}"
            base = "balance_transactions" if page_type.startswith(PAYOUT_PAGE) else page_type
            items = split_page(source, base, load_json(path.read_bytes(), where=where), where=where)
            if base != page_type:
                payout_of.update({i.vendor_id: page_type.removeprefix(PAYOUT_PAGE) for i in items})
                continue
            for item in items:
                try:
                    records += normalize(source, item.object_type, item.payload, where=where)
                except InputError:
                    refused.append(f"{source.value}:{item.object_type}:{item.vendor_id}")
    return records, payout_of, refused


def keys(refs: list) -> frozenset[str]:
    return frozenset(
        r.key if hasattr(r, "key") else f"{r['source']}:{r['type']}:{r['id']}" for r in refs
    )


@pytest.mark.parametrize(
    ("seed", "orders", "first"),
    [(7, 150, date(2026, 10, 1)), (3, 20, date(2026, 3, 1)), (4, 60, date(2026, 11, 1))],
)
def test_the_engine_finds_exactly_what_was_planted(
    seed: int, orders: int, first: date, tmp_path: Path
) -> None:
    data = generate(seed=seed, month=first, orders=orders)
    write_recorded(data, tmp_path)
    expected = json.loads((tmp_path / "expected.json").read_text())
    records, payout_of, refused = read_recorded(tmp_path)
    window = data.window
    records = [r for r in records if known_by(r, window.as_of)]
    records = without_superseded_pending(with_payouts(records, payout_of))
    frames = engine.build_frames(records)
    config = engine.EngineConfig()
    outcome = engine.match(frames, window, config, {})
    findings = [*outcome.discrepancies, *engine.compare(frames, outcome, window, config)]

    assert {(m.kind.value, keys(m.records)) for m in outcome.matches} == {
        (m["kind"], keys(m["records"])) for m in expected["matches"]
    }
    planted = {
        (d["field"], d["severity"], d["status"], keys(d["records"]))
        for d in expected["discrepancies"]
    }
    found = {(d.field.value, d.severity.value, d.status.value, keys(d.records)) for d in findings}
    unreadable = {d for d in planted if d[0] == "input"}
    assert found == planted - unreadable
    assert {key for d in unreadable for key in d[3]} == set(refused)
