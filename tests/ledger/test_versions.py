"""Re-ingesting is an idempotent upsert; a changed record is a new version; nothing is lost."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text

from ledger import canonical, raw
from ledger.tables import CanonicalRow, RawPage, RawRecord
from models.records import Order, Source, SourceRef
from tests.ledger.ledger_batches import open_test_batch


@dataclass
class Item:
    object_type: str
    vendor_id: str
    payload: Any
    op: str = "upsert"
    path: str = ""


async def _batch(sessions) -> int:
    return await open_test_batch(sessions, "shopify")


async def _ingest(sessions, batch_id: int, body: bytes, items: list[Item]):
    async with sessions.begin() as s:
        return await _save_in(s, batch_id, body, items)


async def test_reingesting_the_same_page_adds_nothing(sessions):
    batch = await _batch(sessions)
    items = [Item("order", "1", {"id": 1, "total_price": Decimal("59.89")})]
    first = await _ingest(sessions, batch, b'{"orders":[1]}', items)
    again = await _ingest(sessions, batch, b'{"orders":[1]}', items)
    assert (first.new_versions, again.new_versions, again.unchanged) == (1, 0, 1)
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(RawRecord)) == 1
        assert await s.scalar(select(func.count()).select_from(RawPage)) == 1


async def test_a_changed_record_becomes_a_new_version_and_the_old_one_stays(sessions):
    batch = await _batch(sessions)
    for total in ("59.89", "60.89"):
        body = f'{{"orders": [{{"id": 1, "total_price": {total}}}]}}'.encode()
        order = {"id": 1, "total_price": Decimal(total)}
        await _ingest(sessions, batch, body, [Item("order", "1", order, path="orders/0")])
    async with sessions() as s:
        rows = (await s.execute(select(RawRecord).order_by(RawRecord.version))).scalars().all()
        payloads = [await raw.payload(s, r.id) for r in rows]
    assert [r.version for r in rows] == [1, 2]
    assert [p["total_price"] for p in payloads] == [Decimal("59.89"), Decimal("60.89")]


async def test_payload_numbers_keep_every_digit(sessions):
    batch = await _batch(sessions)
    body = b'{"QueryResponse": {"Invoice": [{"Id": "9", "TotalAmt": 5250.10}]}}'
    item = Item(
        "Invoice", "9", {"Id": "9", "TotalAmt": Decimal("5250.10")}, path="QueryResponse/Invoice/0"
    )
    await _ingest(sessions, batch, body, [item])
    async with sessions() as s:
        raw_id = (await s.execute(select(RawRecord.id))).scalar_one()
        payload = await raw.payload(s, raw_id)
    assert payload["TotalAmt"] == Decimal("5250.10") and isinstance(payload["TotalAmt"], Decimal)


def _order(total: str) -> Order:
    return Order(
        ref=SourceRef(source=Source.SHOPIFY, type="order", id="450789469"),
        currency="USD",
        amount=Decimal(total),
        number="1001",
        created_at=datetime(2026, 10, 5, 15, tzinfo=UTC),
    )


async def test_canonical_versions_and_removal(sessions):
    async with sessions.begin() as s:
        assert await canonical.save_versions(s, [(_order("59.89"), None)]) == 1
        assert await canonical.save_versions(s, [(_order("59.89"), None)]) == 0
        assert await canonical.save_versions(s, [(_order("60.89"), None)]) == 1
    async with sessions() as s:
        current = await canonical.load_current(s, since=datetime(2026, 10, 1).date())
        assert [r.amount for r in current] == [Decimal("60.89")]
        assert await s.scalar(select(func.count()).select_from(CanonicalRow)) == 2
    async with sessions.begin() as s:
        assert await canonical.remove(
            s, source="shopify", object_type="order", vendor_id="450789469", raw_id=None
        )
    async with sessions() as s:
        assert await canonical.load_current(s, since=datetime(2026, 10, 1).date()) == []
        assert await s.scalar(select(func.count()).select_from(CanonicalRow)) == 3


async def test_two_fetches_of_one_source_at_once_take_turns(sessions):
    """The second writer waits for the first's commit, then sees its version: no duplicate
    version number, no unique-index failure."""
    batch = await _batch(sessions)
    items = [Item("order", "9", {"id": 9, "total_price": Decimal("5.00")})]
    async with sessions.begin() as first:
        page = await raw.save_page(
            first, batch_id=batch, source="shopify", page_type="orders", origin="a", body=b"{}"
        )
        await raw.save_raw_records(
            first,
            source="shopify",
            batch_id=batch,
            page_id=page,
            items=[raw.version_of(i) for i in items],
        )
        second = asyncio.ensure_future(_ingest(sessions, batch, b'{"orders":[9]}', items))
        await asyncio.sleep(0.3)
        assert not second.done()  # waiting on the first writer
    counts = await asyncio.wait_for(second, 10)
    assert (counts.new_versions, counts.unchanged) == (0, 1)


async def test_a_record_jsonb_cannot_hold_is_still_read_back_from_its_page(sessions):
    """PostgreSQL's jsonb refuses `\\u0000`; the page keeps the bytes and the record reads."""
    batch = await _batch(sessions)
    body = b'{"orders": [{"id": 2, "note": "scanned\\u0000slip", "total_price": "1.00"}]}'
    item = Item("order", "2", {"id": 2, "note": "scanned\x00slip"}, path="orders/0")
    await _ingest(sessions, batch, body, [item])
    async with sessions() as s:
        raw_id = (await s.execute(select(RawRecord.id))).scalar_one()
        assert (await raw.payload(s, raw_id))["note"] == "scanned\x00slip"


async def test_the_payload_view_shows_each_version_out_of_its_page(sessions):
    """`raw_record_payloads`, for reading the ledger in SQL, agrees with `raw.payload`."""
    batch = await _batch(sessions)
    body = b'{"orders": [{"id": 3, "total_price": "7.10"}, {"id": 4, "total_price": "8.20"}]}'
    items = [Item("order", str(i), {"id": i}, path=f"orders/{n}") for n, i in enumerate((3, 4))]
    await _ingest(sessions, batch, body, items)
    async with sessions() as s:
        shown = dict(
            (await s.execute(text("SELECT vendor_id, payload FROM raw_record_payloads"))).all()
        )
        ids = (await s.execute(select(RawRecord.vendor_id, RawRecord.id))).all()
        read = {vendor_id: await raw.payload(s, raw_id) for vendor_id, raw_id in ids}
    assert (
        shown
        == read
        == {
            "3": {"id": 3, "total_price": "7.10"},
            "4": {"id": 4, "total_price": "8.20"},
        }
    )


async def test_two_attempts_sending_the_same_pages_at_once_do_not_deadlock(sessions):
    """A retried fetch still running beside its successor: both store the same pages. The
    second waits for the first before inserting any page, and keeps each page once."""
    batch = await _batch(sessions)
    items = [Item("order", "11", {"id": 11}, path="orders/0")]
    async with sessions.begin() as first:
        await raw.save_page(
            first, batch_id=batch, source="shopify", page_type="orders", origin="p", body=b"{}"
        )
        second = asyncio.ensure_future(_ingest(sessions, batch, b'{"orders":[11]}', items))
        await asyncio.sleep(0.3)
        assert not second.done()
        await _save_in(first, batch, b'{"orders":[11]}', items)
    counts = await asyncio.wait_for(second, 10)
    assert (counts.new_versions, counts.unchanged) == (0, 1)
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(RawPage)) == 2


async def _save_in(session, batch_id: int, body: bytes, items: list[Item]):
    page = await raw.save_page(
        session,
        batch_id=batch_id,
        source="shopify",
        page_type="orders",
        origin="file shopify/orders_0001.json",
        body=body,
    )
    return await raw.save_raw_records(
        session,
        source="shopify",
        batch_id=batch_id,
        page_id=page,
        items=[raw.version_of(i) for i in items],
    )


async def test_a_change_read_from_an_older_raw_version_never_replaces_a_newer_one(sessions):
    """Pages read again (the home currency became known, say) bring older raw versions of
    records whose newest is elsewhere: they are stale, so no older content, and no removed
    record, comes back; and within one call the newest raw version is the last word."""
    batch = await _batch(sessions)
    for total in ("59.89", "60.89"):
        body = f'{{"orders": [{{"id": 1, "total_price": "{total}"}}]}}'.encode()
        await _ingest(sessions, batch, body, [Item("order", "450789469", {"t": total})])
    async with sessions() as s:
        older, newer = (await s.execute(select(RawRecord.id).order_by(RawRecord.id))).scalars()
    since = datetime(2026, 10, 1).date()
    async with sessions.begin() as s:  # given out of order: the newest raw version wins
        changes = [canonical.values_of(_order("60.89"), newer)]
        changes.append(canonical.values_of(_order("59.89"), older))
        assert await canonical.apply(s, changes) == 1
    async with sessions.begin() as s:
        assert await canonical.apply(s, [canonical.values_of(_order("59.89"), older)]) == 0
        key = ("shopify", "order", "450789469")
        assert await canonical.apply(s, [], [(key, older)]) == 0  # a stale removal too
    async with sessions() as s:
        current = await canonical.load_current(s, since=since)
        assert [r.amount for r in current] == [Decimal("60.89")]
        assert await s.scalar(select(func.count()).select_from(CanonicalRow)) == 1
