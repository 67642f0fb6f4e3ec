"""Bad input: the run goes on, the raw payload is kept, and an `input` discrepancy says what and where."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import simplejson
from sqlalchemy import select

from ledger import make_engine, raw, session_factory
from ledger.tables import RawPage, RawRecord
from sandbox.generator import generate, write_recorded


@pytest.fixture(scope="module")
def month():
    return generate(seed=5, month=date(2026, 10, 1), orders=30)


def _first_page(folder, pattern):
    return sorted(folder.glob(pattern))[0]


def _edit(path, change):
    body = json.loads(path.read_text(), parse_float=Decimal)
    change(body)
    path.write_text(simplejson.dumps(body, use_decimal=True))


@pytest.fixture
def broken(month, tmp_path):
    folder = tmp_path / "recorded"
    write_recorded(month, folder)
    (folder / "stripe" / "charges_9999.json").write_bytes(
        b'{"object": "list", "data": [{"id": "ch_'
    )
    orders = _first_page(folder, "shopify/orders_*.json")
    _edit(orders, lambda b: b["orders"][0].pop("total_price"))
    _edit(orders, lambda b: b["orders"][1].update(currency="ZZZ"))
    invoices = _first_page(folder, "quickbooks/Invoice_*.json")
    _edit(invoices, lambda b: b["QueryResponse"]["Invoice"][0].update(TotalAmt="1O4.00"))
    return folder


def _inputs(report):
    return [d for d in report["discrepancies"] if d["field"] == "input"]


async def test_each_bad_input_is_reported_and_the_run_goes_on(
    broken, month, reconcile, database_url
):
    result = await reconcile(broken, month.window)
    problems = {
        d["records"][0]["type"] + " " + d["records"][0]["id"]: d["explanation"]
        for d in _inputs(result.report)
    }
    page = problems["page file stripe/charges_9999.json"]
    assert "JSON" in page or "json" in page
    orders = json.loads(_first_page(broken, "shopify/orders_*.json").read_text())["orders"]
    missing = problems[f"order {orders[0]['id']}"]
    assert "total_price" in missing and "orders_0001.json" in missing
    assert "ZZZ" in problems[f"order {orders[1]['id']}"]
    invoice = json.loads(_first_page(broken, "quickbooks/Invoice_*.json").read_text())[
        "QueryResponse"
    ]["Invoice"][0]
    assert "1O4.00" in problems[f"Invoice {invoice['Id']}"]
    assert result.summary.matches.matches > 0, "the rest of the month was still reconciled"

    engine = make_engine(database_url)
    async with session_factory(engine)() as session:
        body = (
            await session.execute(
                select(RawPage.body).where(RawPage.origin == "file stripe/charges_9999.json")
            )
        ).scalar_one()
        raw_id = (
            await session.execute(
                select(RawRecord.id).where(RawRecord.vendor_id == str(orders[0]["id"]))
            )
        ).scalar_one()
        kept = await raw.payload(session, raw_id)
    await engine.dispose()
    assert body == (broken / "stripe" / "charges_9999.json").read_bytes()
    assert "total_price" not in kept and kept["id"] == orders[0]["id"]
