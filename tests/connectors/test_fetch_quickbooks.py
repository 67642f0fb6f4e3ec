"""QuickBooks Online queries and OAuth token rotation against the loopback QBO sandbox."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from temporalio.exceptions import ApplicationError

from activities.quickbooks import QuickBooksActivities
from connectors import quickbooks_auth
from connectors.errors import TransientVendorError
from connectors.quickbooks import DELETABLE, QuickBooksConnector
from models.records import Source
from sandbox.faults import Fault, FaultPlan
from sandbox.servers import run_sandbox

from .conftest import fetch_input, sandbox_settings
from .connector_data import FETCH_END, FETCH_START, in_range, qbo_updated, quickbooks_entities
from .memory_ingestor import MemoryIngestor, MemoryKeyValueStore, typed_records

DATA = quickbooks_entities()
REQUEST = fetch_input(Source.QUICKBOOKS)
TOKEN_PATH = "/oauth2/v1/tokens/bearer"


NAME_LISTS = ("Customer", "Vendor", "Item")
LOOKBACK = timedelta(days=5)


def expected(entity: str, start: datetime = FETCH_START, first_sync: bool = True) -> set[str]:
    """Rows updated in `[start, end)`; a first sync takes the name lists whole and reaches
    `LOOKBACK` further back for transactions."""
    if first_sync:
        start = datetime.min.replace(tzinfo=UTC) if entity in NAME_LISTS else start - LOOKBACK
    return {r["Id"] for r in DATA.quickbooks[entity] if in_range(qbo_updated(r), start, FETCH_END)}


def connector(
    sb, tokens: MemoryKeyValueStore, page_size: int = 1000, **overrides
) -> QuickBooksConnector:
    return QuickBooksConnector.from_settings(
        sandbox_settings(sb.env(), **overrides), tokens, page_size=page_size
    )


async def fetch(activity_run, qbo: QuickBooksConnector, ingestor, retry, *, resume=False):
    run = activity_run.resume if resume else activity_run
    try:
        return await run(QuickBooksActivities(qbo, ingestor, retry, LOOKBACK).fetch, REQUEST)
    finally:
        await qbo.aclose()


async def test_fetch_brings_exactly_the_rows_updated_in_the_range(fast_retry, activity_run):
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        qbo = connector(sb, MemoryKeyValueStore(), page_size=50)
        result = await fetch(activity_run, qbo, ingestor, fast_retry)
    for entity in DATA.quickbooks:
        assert ingestor.live_ids(entity) == expected(entity), entity
    assert expected("Customer") > expected("Customer", first_sync=False)  # older ones too
    assert expected("Invoice") > expected("Invoice", first_sync=False)  # back LOOKBACK
    inactive = [
        c
        for p in ingestor.pages
        if p.page_type == "Customer"
        for c in p.json["QueryResponse"]["Customer"]
        if not c["Active"]
    ]
    assert inactive  # inactive customers are fetched too
    assert_stored_once_but_at_page_edges(ingestor, page_size=50)
    assert result.pages == len(ingestor.pages)


def assert_stored_once_but_at_page_edges(ingestor: MemoryIngestor, page_size: int) -> None:
    """Every row of the range is stored, nothing else, and (pages going forward by time) a
    row comes twice only as one of the last second's rows of a full page."""
    stored = Counter(
        (kind, i)
        for p in ingestor.pages
        for op, i, kind in typed_records(Source.QUICKBOOKS, p)
        if op == "upsert"
    )
    assert set(stored) == {(e, i) for e in DATA.quickbooks for i in expected(e)}
    edges = set()
    for page in ingestor.pages:
        rows = page.json.get("QueryResponse", {}).get(page.page_type) or []
        if len(rows) == page_size:
            last = rows[-1]["MetaData"]["LastUpdatedTime"]
            edges |= {
                (page.page_type, r["Id"]) for r in rows if r["MetaData"]["LastUpdatedTime"] == last
            }
    assert {key for key, n in stored.items() if n > 1} <= edges


async def test_tokens_rotate_and_survive_a_worker_restart(fast_retry, activity_run):
    tokens = MemoryKeyValueStore()
    async with run_sandbox(DATA) as sb:
        initial = sb.env()["QBO_REFRESH_TOKEN"]
        await fetch(activity_run, connector(sb, tokens), MemoryIngestor(), fast_retry)
        assert sb.hosts["quickbooks"].requests(TOKEN_PATH) == 1
        assert sb.quickbooks.oauth.refresh_token != initial  # rotated
        assert initial not in str(tokens.values)  # and stored encrypted
        # A new worker (fresh memory, same ledger) uses the stored access token: no refresh.
        await fetch(activity_run, connector(sb, tokens), MemoryIngestor(), fast_retry)
        assert sb.hosts["quickbooks"].requests(TOKEN_PATH) == 1
        # Intuit expires the access token: the 401 triggers one refresh with the ROTATED
        # refresh token (the one in Settings is dead by now) and the fetch goes on.
        sb.quickbooks.oauth.access_tokens.clear()
        ingestor = MemoryIngestor()
        await fetch(activity_run, connector(sb, tokens), ingestor, fast_retry)
        assert sb.hosts["quickbooks"].requests(TOKEN_PATH) == 2
    assert ingestor.live_ids("Invoice") == expected("Invoice")


async def test_a_company_connected_again_uses_its_new_refresh_token(fast_retry, activity_run):
    """The stored chain of a revoked connection is dead; a newly configured QBO_REFRESH_TOKEN
    (a person connected the company again) wins over it instead of failing with invalid_grant."""
    tokens = MemoryKeyValueStore()
    async with run_sandbox(DATA) as sb:
        await fetch(activity_run, connector(sb, tokens), MemoryIngestor(), fast_retry)
    async with run_sandbox(DATA) as reconnected:  # its own authorization, unaware of the old chain
        ingestor = MemoryIngestor()
        await fetch(activity_run, connector(reconnected, tokens), ingestor, fast_retry)
        assert reconnected.hosts["quickbooks"].requests(TOKEN_PATH) == 1
    assert ingestor.live_ids("Invoice") == expected("Invoice")


async def test_a_rotated_client_secret_and_a_reconnect_recover_the_connection(
    fast_retry, activity_run
):
    """The stored chain is sealed under a key derived from QBO_CLIENT_SECRET. Once the
    secret is rotated it cannot be read; a newly configured QBO_REFRESH_TOKEN (the company
    connected again) then starts a new chain, instead of every fetch failing until someone
    deletes the row by hand."""
    tokens = MemoryKeyValueStore()
    async with run_sandbox(DATA) as sb:
        await fetch(activity_run, connector(sb, tokens), MemoryIngestor(), fast_retry)
    sealed = dict(tokens.values)
    async with run_sandbox(DATA) as reconnected:
        reconnected.quickbooks.oauth.client_secret = "rotated-secret"
        qbo = connector(reconnected, tokens, qbo_client_secret="rotated-secret")
        ingestor = MemoryIngestor()
        await fetch(activity_run, qbo, ingestor, fast_retry)
        assert reconnected.hosts["quickbooks"].requests(TOKEN_PATH) == 1
    assert ingestor.live_ids("Invoice") == expected("Invoice")
    assert tokens.values != sealed  # the new chain, sealed under the new key


async def test_injected_failures_end_with_the_rows_of_a_clean_run(fast_retry, activity_run):
    clean, faulty = MemoryIngestor(), MemoryIngestor()
    plan = FaultPlan(
        seed=3,
        faults=[
            Fault(
                kind="rate_limit",
                server="quickbooks",
                path="/v3/*",
                probability=0.25,
                retry_after=0,
            ),
            Fault(kind="server_error", server="quickbooks", path="/v3/*", probability=0.25),
            Fault(kind="reset", server="quickbooks", path="/v3/*", probability=0.25),
        ],
    )
    async with run_sandbox(DATA) as sb:
        await fetch(
            activity_run, connector(sb, MemoryKeyValueStore(), page_size=50), clean, fast_retry
        )
    async with run_sandbox(DATA, faults=plan) as sb:
        await fetch(
            activity_run, connector(sb, MemoryKeyValueStore(), page_size=50), faulty, fast_retry
        )
        assert sb.faults.fired() >= 4
    assert sorted(faulty.upserts()) == sorted(clean.upserts())


async def test_a_retry_resumes_at_the_heartbeated_start_position(fast_retry, activity_run):
    # dies storing its fourth page: the preferences, two of Customer, then Customer 101…150
    ingestor = MemoryIngestor(fail_after=3)
    tokens = MemoryKeyValueStore()
    async with run_sandbox(DATA) as sb:
        with pytest.raises(RuntimeError):
            await fetch(activity_run, connector(sb, tokens, page_size=50), ingestor, fast_retry)
        first = sb.hosts["quickbooks"].requests("/v3/company/9341453050000001/query")
        ingestor.fail_after = None
        qbo = connector(sb, tokens, page_size=50)
        await fetch(activity_run, qbo, ingestor, fast_retry, resume=True)
        total = sb.hosts["quickbooks"].requests("/v3/company/9341453050000001/query")
    pages = sum(len(expected(e)) // 50 + 1 for e in DATA.quickbooks)
    assert first == 3
    assert total - first == pages - 2  # the two stored pages were not asked for again
    assert_stored_once_but_at_page_edges(ingestor, page_size=50)


async def test_tokens_rotated_by_a_worker_that_takes_no_lock_are_read_again(fast_retry):
    """Mid-upgrade, an older worker refreshes without the ledger's lock. It rotates the pair
    just after this worker read it, so this worker's refresh token is dead: Intuit answers
    invalid_grant, and the pair the older worker saved is used instead of failing the fetch."""
    tokens = MemoryKeyValueStore()
    async with run_sandbox(DATA) as sb:
        first = connector(sb, tokens)
        await first.auth.access_token()  # connected: a pair is stored
        stored = await first.auth.store.load()
        assert stored is not None
        expired = stored.model_copy(update={"access_expires_at": datetime(2020, 1, 1, tzinfo=UTC)})
        await first.auth.store.save(expired)
        older, read = connector(sb, tokens), tokens.get

        async def read_then_rotated(key: str) -> str | None:
            value = await read(key)
            tokens.get = read  # type: ignore[method-assign]
            await older.auth._refresh(expired)  # the older worker, right after this read
            return value

        tokens.get = read_then_rotated  # type: ignore[method-assign]
        worker = connector(sb, tokens)
        try:
            page = await worker.query_page("Invoice", FETCH_START, FETCH_END)
        finally:
            for qbo in (first, older, worker):
                await qbo.aclose()
        assert sb.hosts["quickbooks"].requests(TOKEN_PATH) == 3  # connect, older, refused
        assert worker.auth.tokens == await older.auth.store.load()
    assert page.data["QueryResponse"]["Invoice"]


async def test_a_token_endpoint_that_hangs_fails_retryably_within_its_deadline(monkeypatch):
    """Other workers wait for the token lock meanwhile: the whole call has a deadline, after
    which it fails as transient (Temporal retries it) instead of holding the lock."""
    monkeypatch.setattr(quickbooks_auth, "GRANT_SECONDS", 0.2)
    slow = FaultPlan(faults=[Fault(kind="slow", path=TOKEN_PATH, delay_seconds=2)])
    async with run_sandbox(DATA, slow) as sb:
        qbo = connector(sb, MemoryKeyValueStore())
        try:
            with pytest.raises(TransientVendorError, match="no answer from the token endpoint"):
                await qbo.auth.access_token()
        finally:
            await qbo.aclose()


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"qbo_client_secret": "wrong"}, "invalid_client"),
        ({"qbo_refresh_token": "RT1-revoked"}, "invalid_grant"),
    ],
)
async def test_bad_credentials_fail_at_once_naming_intuits_error(
    fast_retry, activity_run, override, code
):
    async with run_sandbox(DATA) as sb:
        qbo = connector(sb, MemoryKeyValueStore(), **override)
        with pytest.raises(ApplicationError) as failed:
            await fetch(activity_run, qbo, MemoryIngestor(), fast_retry)
        assert sb.hosts["quickbooks"].requests(TOKEN_PATH) == 1
    assert failed.value.type == "VendorAuthError" and failed.value.non_retryable
    assert code in str(failed.value)


async def test_name_lists_sync_whole_then_from_the_last_sync(fast_retry, activity_run):
    ingestor, tokens = MemoryIngestor(), MemoryKeyValueStore()
    later = datetime(2026, 10, 20, tzinfo=UTC)
    async with run_sandbox(DATA) as sb:
        await fetch(activity_run, connector(sb, tokens), ingestor, fast_retry)
        ingestor.pages.clear()
        qbo = connector(sb, tokens)
        await fetch_from(activity_run, qbo, ingestor, fast_retry, later)
    assert ingestor.live_ids("Customer") == expected("Customer", later, first_sync=False)
    assert ingestor.live_ids("Invoice") == expected("Invoice", later, first_sync=False)


async def test_items_are_read_with_their_skus(fast_retry, activity_run):
    """`SELECT *` leaves an item's SKU out; the fetch names it, inactive items included."""
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        await fetch(activity_run, connector(sb, MemoryKeyValueStore()), ingestor, fast_retry)
    items = [
        row
        for page in ingestor.pages
        if page.page_type == "Item"
        for row in page.json["QueryResponse"].get("Item", [])
    ]
    skus = {r["Id"]: r["Sku"] for r in DATA.quickbooks["Item"] if r["Id"] in expected("Item")}
    assert {i["Id"]: i["Sku"] for i in items} == skus


async def fetch_from(activity_run, qbo, ingestor, retry, start):
    try:
        request = fetch_input(Source.QUICKBOOKS, start=start)
        return await activity_run(
            QuickBooksActivities(qbo, ingestor, retry, LOOKBACK).fetch, request
        )
    finally:
        await qbo.aclose()


def delete_in_books(sb, entity: str, entity_id: str) -> None:
    """A bookkeeper deletes an entity in QuickBooks (outside Accord)."""
    books = sb.quickbooks.books
    with books.lock:
        current = books.get(entity, entity_id)
        books.write(entity, {"Id": entity_id, "SyncToken": current["SyncToken"]}, "delete")


async def test_an_entity_deleted_in_quickbooks_is_removed_by_the_next_fetch(
    fast_retry, activity_run
):
    """A query never returns a deleted entity; the fetch reads CDC for deletions."""
    ingestor, tokens = MemoryIngestor(), MemoryKeyValueStore()
    gone_invoice, gone_payment = sorted(expected("Invoice"))[3], sorted(expected("Payment"))[0]
    async with run_sandbox(DATA) as sb:
        first = await fetch(activity_run, connector(sb, tokens), ingestor, fast_retry)
        assert first.warnings == []
        assert ingestor.cursors[(Source.QUICKBOOKS, "checked:Invoice")]
        delete_in_books(sb, "Invoice", gone_invoice)
        delete_in_books(sb, "Payment", gone_payment)
        second = await fetch(activity_run, connector(sb, tokens), ingestor, fast_retry)
        cdc = sb.hosts["quickbooks"].requests("/v3/company/9341453050000001/cdc")
    assert ingestor.live_ids("Invoice") == expected("Invoice") - {gone_invoice}
    assert ingestor.live_ids("Payment") == expected("Payment") - {gone_payment}
    assert ingestor.live_ids("Bill") == expected("Bill")
    assert second.warnings == []
    assert cdc == 8  # one per deletable entity and fetch: Invoice, Payment, Bill, BillPayment


async def test_a_gap_longer_than_intuits_30_days_is_named_in_the_result(fast_retry, activity_run):
    ingestor, tokens = MemoryIngestor(), MemoryKeyValueStore()
    long_ago = (datetime.now(UTC) - timedelta(days=45)).isoformat()
    for entity in ("Invoice", "Payment", "Bill", "BillPayment"):
        ingestor.cursors[(Source.QUICKBOOKS, f"checked:{entity}")] = long_ago
    async with run_sandbox(DATA) as sb:
        result = await fetch(activity_run, connector(sb, tokens), ingestor, fast_retry)
    assert len(result.warnings) == 4
    assert "QuickBooks Invoice: deletions between" in result.warnings[0]
    assert "Intuit keeps 30 days of changes" in result.warnings[0]
    # the check went as far back as Intuit allows, and the next one starts from now
    checked = datetime.fromisoformat(ingestor.cursors[(Source.QUICKBOOKS, "checked:Invoice")])
    assert datetime.now(UTC) - checked < timedelta(minutes=1)


async def test_a_company_synced_before_deletions_were_read_is_warned_once(fast_retry, activity_run):
    ingestor, tokens = MemoryIngestor(), MemoryKeyValueStore()
    for entity in DATA.quickbooks:  # synced by an earlier Accord, which did not read CDC
        ingestor.cursors[(Source.QUICKBOOKS, f"synced:{entity}")] = FETCH_START.isoformat()
    async with run_sandbox(DATA) as sb:
        first = await fetch(activity_run, connector(sb, tokens), ingestor, fast_retry)
        again = await fetch(activity_run, connector(sb, tokens), ingestor, fast_retry)
    assert len(first.warnings) == 4
    assert all("were never checked" in w for w in first.warnings)
    assert again.warnings == []


async def test_a_cdc_answer_at_intuits_limit_is_followed_from_its_latest_change(
    fast_retry, activity_run
):
    """1,100 invoices edited and one deleted since the last check: the first answer holds
    Intuit's 1,000, the next one (from the latest of them) the rest and the deletion."""
    ingestor, tokens = MemoryIngestor(), MemoryKeyValueStore()
    gone = sorted(expected("Invoice"))[0]
    async with run_sandbox(DATA) as sb:
        await fetch(activity_run, connector(sb, tokens), ingestor, fast_retry)
        edited_from = datetime.now(UTC) - timedelta(seconds=500)
        for n in range(1100):
            stamp = (edited_from + timedelta(seconds=n * 0.4)).isoformat(timespec="seconds")
            row = {**DATA.quickbooks["Invoice"][0], "Id": str(5000 + n)}
            sb.quickbooks.put("Invoice", {**row, "MetaData": {"LastUpdatedTime": stamp}})
        delete_in_books(sb, "Invoice", gone)
        second = await fetch(activity_run, connector(sb, tokens), ingestor, fast_retry)
    cdc = [p for p in ingestor.pages if p.page_type == "cdc" and "entities=Invoice" in p.origin]
    assert len(cdc) == 3  # one in the first fetch, two in the second
    assert ingestor.live_ids("Invoice") == expected("Invoice") - {gone}
    assert second.warnings == []


async def test_a_page_that_stays_malformed_is_kept_as_received_and_fails_the_fetch(
    fast_retry, activity_run
):
    """Every try of one query page gets a body cut short: the fetch fails (retryably, naming
    the request) and the last body received is stored with the pages before it."""
    plan = FaultPlan(faults=[Fault(kind="malformed", server="quickbooks", path="*/query", after=2)])
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA, faults=plan) as sb:
        with pytest.raises(ApplicationError) as failed:
            await fetch(
                activity_run, connector(sb, MemoryKeyValueStore(), 50), ingestor, fast_retry
            )
        assert sb.faults.fired("malformed") == fast_retry.attempts
    kept = ingestor.pages[-1]
    assert failed.value.type == "VendorUnavailable" and not failed.value.non_retryable
    assert kept.origin in str(failed.value)
    # the third page of customers: from the last row's time of the second, at its position 1
    last = ingestor.pages[-2].json["QueryResponse"]["Customer"][-1]["MetaData"]["LastUpdatedTime"]
    since = datetime.fromisoformat(last).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert urlencode({"q": f"MetaData.LastUpdatedTime >= '{since}'"})[2:] in kept.origin
    assert "STARTPOSITION+1+" in kept.origin
    assert kept.body == b'{"data": [{"id": "trunc'  # what the wire brought
    with pytest.raises(ValueError):
        json.loads(kept.body)
    assert [p.page_type for p in ingestor.pages] == [
        "Preferences",
        "Customer",
        "Customer",
        "Customer",
    ]


async def test_a_retry_resumes_the_deletion_checks_where_they_stopped(fast_retry, activity_run):
    """The worker dies storing the Payment CDC answer: the retry asks CDC again for Payment,
    Bill and BillPayment, not for Invoice, whose answer was stored."""
    tokens = MemoryKeyValueStore()
    # preferences, one page per entity (7), the Invoice CDC answer; dies on the Payment one
    ingestor = MemoryIngestor(fail_after=9)
    cdc_path = "/v3/company/9341453050000001/cdc"
    async with run_sandbox(DATA) as sb:
        with pytest.raises(RuntimeError):
            await fetch(activity_run, connector(sb, tokens), ingestor, fast_retry)
        first = sb.hosts["quickbooks"].requests(cdc_path)
        ingestor.fail_after = None
        await fetch(activity_run, connector(sb, tokens), ingestor, fast_retry, resume=True)
        total = sb.hosts["quickbooks"].requests(cdc_path)
    checked = [p.origin for p in ingestor.pages if p.page_type == "cdc"]
    assert first == 2 and total - first == 3
    assert [o for o in checked if "entities=Invoice" in o] == checked[:1]  # stored once
    assert all(ingestor.cursors.get((Source.QUICKBOOKS, f"checked:{e}")) for e in DELETABLE)


async def test_a_row_edited_while_paging_does_not_make_the_next_page_skip_one(fast_retry):
    """Intuit keeps no snapshot between pages. A bookkeeper edits a row of page 1 before
    page 2 is asked for: it leaves the range (updated now), and by position alone every row
    after it would move up one, so page 2 would begin one row late. Paging by time, every
    row of the range still arrives."""
    start = FETCH_START - LOOKBACK
    rows = sorted(
        (r for r in DATA.quickbooks["Invoice"] if in_range(qbo_updated(r), start, FETCH_END)),
        key=lambda r: (qbo_updated(r), int(r["Id"])),
    )
    assert len(rows) > 51  # two pages and more
    async with run_sandbox(DATA) as sb:
        qbo = connector(sb, MemoryKeyValueStore(), page_size=50)
        try:
            page = await qbo.query_page("Invoice", start, FETCH_END)
            edited = page.data["QueryResponse"]["Invoice"][10]
            now = datetime.now(UTC).isoformat(timespec="seconds")
            sb.quickbooks.put("Invoice", {**edited, "MetaData": {"LastUpdatedTime": now}})
            seen = [r["Id"] for r in page.data["QueryResponse"]["Invoice"]]
            while page.next_cursor is not None:
                page = await qbo.query_after("Invoice", start, FETCH_END, page.next_cursor)
                seen += [r["Id"] for r in page.data["QueryResponse"].get("Invoice", [])]
        finally:
            await qbo.aclose()
    assert set(seen) == {r["Id"] for r in rows}
    assert rows[50]["Id"] in seen  # the row a position-paged fetch would have skipped
