"""The normalize step over stored pages: every new raw version once, the last word winning,
a removal as a tombstone, an unreadable record noted and the rest of its page normalized."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from activities.normalize import QUICKBOOKS_READER, READ_IN_KEY, READER_KEY, Normalizer
from ledger import raw
from ledger.raw import claim_pages
from ledger.tables import CanonicalRow, RawPage, RawRecord
from models.records import Source
from normalizers import load_json, split_page
from runtime import cpu
from tests.ledger.ledger_batches import open_test_batch


def _txn(txn_id: str, amount: str, **extra) -> dict:
    return {
        "transaction_id": txn_id,
        "account_id": "acc",
        "amount": Decimal(amount),
        "iso_currency_code": "USD",
        "date": "2026-10-05",
        "pending": False,
        "name": "deposit",
        **extra,
    }


def _page(added=(), modified=(), removed=()) -> bytes:
    import simplejson

    body = {
        "added": list(added),
        "modified": list(modified),
        "removed": [{"transaction_id": r} for r in removed],
        "next_cursor": "c",
        "has_more": False,
    }
    return simplejson.dumps(body, use_decimal=True).encode()


async def _store(
    sessions, pages: list[bytes], source: Source = Source.PLAID, page_type="transactions_sync"
) -> None:
    batch = await open_test_batch(sessions, source.value)
    for number, body in enumerate(pages, start=1):
        origin = f"{page_type} page {number}"
        items = split_page(source, page_type, load_json(body, where=origin), where=origin)
        async with sessions.begin() as s:
            page = await raw.save_page(
                s,
                batch_id=batch,
                source=source.value,
                page_type=page_type,
                origin=origin,
                body=body,
            )
            await raw.save_raw_records(
                s,
                source=source.value,
                batch_id=batch,
                page_id=page,
                items=[raw.version_of(i) for i in items],
            )


async def _current(sessions) -> dict[str, tuple[str, bool]]:
    async with sessions() as s:
        rows = await s.execute(
            select(CanonicalRow.vendor_id, CanonicalRow.amount, CanonicalRow.removed).where(
                CanonicalRow.is_current
            )
        )
        return {r.vendor_id: (str(r.amount), r.removed) for r in rows}


@pytest.fixture(params=[0, 2], ids=["in a thread", "in 2 worker processes"])
def processes(request) -> Iterator[int]:
    """Chunks normalized in this process, or in worker processes several at once (each may
    finish first: they are stored in the order their pages arrived all the same)."""
    cpu.configure(request.param)
    yield request.param
    cpu.configure(0)


async def test_pages_are_normalized_once_and_the_last_word_wins(sessions, monkeypatch, processes):
    monkeypatch.setattr("activities.normalize.CHUNK_PAGES", 1)  # one page per chunk: ordering
    await _store(
        sessions,
        [
            _page(added=[_txn("a", "-10.00"), _txn("b", "-20.00"), _txn("c", "-1.00")]),
            _page(modified=[_txn("a", "-11.00")], removed=["b"]),
            _page(added=[{**_txn("bad", "0"), "amount": "12,40.00"}]),
        ],
    )
    beats: list[int] = []
    first = await Normalizer(sessions, beats.append).run()
    assert (first.by_kind, first.problems) == ({"bank_transaction": 4, "removed": 1}, 1)
    assert len(beats) == 3
    # Plaid's sign flipped; `a` modified; `b` removed (a tombstone keeps its last content).
    assert await _current(sessions) == {
        "a": ("11.000000", False),
        "b": ("20.000000", True),
        "c": ("1.000000", False),
    }
    again = await Normalizer(sessions, beats.append).run()
    assert again.records == 0  # every page was marked: nothing is normalized twice
    async with sessions() as s:
        problem = await s.scalar(select(RawRecord.problem).where(RawRecord.vendor_id == "bad"))
        assert problem is not None
        assert "page 3" in problem and "transaction bad" in problem and "amount" in problem
        assert await s.scalar(select(func.count()).where(RawPage.normalized_at.is_(None))) == 0
        assert await s.scalar(select(func.count()).select_from(CanonicalRow)) == 5


async def test_one_chunk_of_pages_applies_them_in_the_order_they_arrived(sessions):
    """Added, modified, then removed, all in one chunk: the removal is the last word."""
    await _store(
        sessions,
        [
            _page(added=[_txn("a", "-10.00")]),
            _page(modified=[_txn("a", "-12.00")]),
            _page(removed=["a"]),
            _page(added=[_txn("z", "-3.00")]),
        ],
    )
    done = await Normalizer(sessions, lambda n: None).run()
    assert done.by_kind == {"bank_transaction": 3, "removed": 1}
    # `a` came and went within the chunk: it is never current (its raw versions stay).
    assert await _current(sessions) == {"z": ("3.000000", False)}


async def test_a_chunk_holds_about_so_many_bytes_of_pages_and_never_none(sessions):
    await _store(sessions, [_page(added=[_txn(str(n), "-1.00")]) for n in range(5)])
    async with sessions() as s:
        every = await raw.pending_pages(s, after=0, limit=10)
        size = len(every[0].body)
        assert len(every) == 5
        assert len(await raw.pending_pages(s, after=0, limit=10, max_bytes=1)) == 1
        two = await raw.pending_pages(s, after=0, limit=10, max_bytes=size + 1)
        assert [p.id for p in two] == [p.id for p in every[:2]]
        assert len(await raw.pending_pages(s, after=0, limit=3)) == 3


async def test_two_normalizers_at_once_store_each_page_once_in_order(
    sessions, monkeypatch, processes
):
    """Two runs' normalize steps over the same pending pages: they take turns, a chunk the
    other one stored first is read again instead of stored twice, and the last word wins."""
    monkeypatch.setattr("activities.normalize.CHUNK_PAGES", 1)
    pages = [_page(added=[_txn(str(n), f"-{n}.00")]) for n in range(1, 9)]
    pages += [_page(modified=[_txn("1", "-100.00")]), _page(removed=["2"])]
    await _store(sessions, pages)
    claims: list[bool] = []

    async def claim(session, page_ids):
        claims.append(await claim_pages(session, page_ids))
        return claims[-1]

    monkeypatch.setattr(raw, "claim_pages", claim)
    one, other = await asyncio.gather(
        Normalizer(sessions, lambda n: None).run(), Normalizer(sessions, lambda n: None).run()
    )
    assert False in claims  # they did meet: a chunk the other had stored was read again
    assert one.records + other.records == 10  # every version once, between them
    current = await _current(sessions)
    assert current["1"] == ("100.000000", False) and current["2"] == ("2.000000", True)
    assert len(current) == 8
    async with sessions() as s:
        versions = select(CanonicalRow.vendor_id, func.count()).group_by(CanonicalRow.vendor_id)
        assert {v: n for v, n in await s.execute(versions) if n > 1} == {"1": 2, "2": 2}


async def test_a_chunk_read_in_a_home_currency_another_run_replaced_is_read_again(sessions):
    """Another normalize step learnt the company's currency and reset the pages meanwhile:
    this one's chunk, read in the old currency, is not stored; it reads again in the new."""
    await _store(sessions, [_page(added=[_txn("a", "-10.00")])])
    normalizer = Normalizer(sessions, lambda n: None)
    assert normalizer.home_currency == "USD"
    started = await normalizer._next(after=0)
    assert started is not None
    chunk = await started[1]
    async with sessions.begin() as s:
        await raw.save_cursor(s, "quickbooks", READ_IN_KEY, "CAD")
    assert not await normalizer._store(chunk)
    assert normalizer.home_currency == "CAD"
    assert (await normalizer.run()).records == 1  # then read again, and stored once
    assert await _current(sessions) == {"a": ("10.000000", False)}


async def test_records_an_older_quickbooks_reader_stored_are_read_again_once(sessions):
    """A ledger whose invoices were read before their lines named their item: the next
    normalize step reads those pages again, once, and the invoice gains what it lacked."""
    import simplejson

    line = {
        "DetailType": "SalesItemLineDetail",
        "Amount": Decimal("24.00"),
        "SalesItemLineDetail": {"ItemRef": {"value": "12", "name": "Stoneware Mug"}, "Qty": 1},
    }
    invoice = {"Id": "7", "TxnDate": "2026-10-05", "TotalAmt": Decimal("24.00"), "Line": [line]}
    invoice |= {
        "Balance": Decimal("24.00"),
        "MetaData": {"LastUpdatedTime": "2026-10-05T10:00:00-07:00"},
    }
    body = simplejson.dumps({"QueryResponse": {"Invoice": [invoice]}}, use_decimal=True).encode()
    await _store(sessions, [body], Source.QUICKBOOKS, "Invoice")
    assert (await Normalizer(sessions, lambda n: None).run()).records == 1

    async def products() -> list:
        async with sessions() as s:
            data = await s.scalar(select(CanonicalRow.data).where(CanonicalRow.is_current))
        return [item.get("product") for item in data["line_items"]]

    assert await products() == [{"source": "quickbooks", "type": "Item", "id": "12"}]
    async with sessions.begin() as s:  # as an older reader left it
        row = await s.scalar(select(CanonicalRow).where(CanonicalRow.is_current))
        row.data = {**row.data, "line_items": [{"sku": "Stoneware Mug"}]}
        row.content_hash = "read by reader 1"
        await raw.save_cursor(s, "quickbooks", READER_KEY, "1")

    assert (await Normalizer(sessions, lambda n: None).run()).records == 1
    assert await products() == [{"source": "quickbooks", "type": "Item", "id": "12"}]
    async with sessions() as s:
        assert await raw.get_cursor(s, "quickbooks", READER_KEY) == QUICKBOOKS_READER
    assert (await Normalizer(sessions, lambda n: None).run()).records == 0  # once
