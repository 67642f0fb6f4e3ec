"""Live fetches into the real ledger (PostgreSQL) through the lead's `Ingestor`: raw pages as
sent, one version per record however often a window overlap fetches it again."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from temporalio.exceptions import ApplicationError

from activities import ingest
from activities.ingest import Ingestor
from activities.normalize import Normalizer
from activities.plaid import PlaidActivities
from activities.quickbooks import LedgerTokenBackend, QuickBooksActivities
from activities.reconcile_scope import load_scope
from activities.recorded import RecordedActivities
from activities.shopify import ShopifyActivities
from activities.stripe import StripeActivities
from connectors.plaid import PlaidConnector
from connectors.quickbooks import QuickBooksConnector
from connectors.shopify import ShopifyConnector
from connectors.stripe import StripeConnector
from ledger import results as ledger_results
from ledger.tables import Batch, CanonicalRow, RawPage, RawRecord, RecordLink
from models import exact_json
from models.io import FetchResult, StartRunInput, Window
from models.records import Source
from sandbox.faults import Fault, FaultPlan
from sandbox.generator import generate, write_recorded
from sandbox.servers import run_sandbox

from .conftest import fetch_input, sandbox_settings
from .connector_data import in_range, plaid_transactions, stripe_objects
from .test_fetch_quickbooks import TOKEN_PATH, delete_in_books

STRIPE = stripe_objects(per_day=3, payout_every=3)
PLAID = plaid_transactions(count=700)
OCT_20 = datetime(2026, 10, 20, tzinfo=UTC)
OCT_15 = datetime(2026, 10, 15, tzinfo=UTC)
OCT_1, NOV_1 = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)


async def new_run(sessions) -> int:
    window = Window(start=OCT_15, end=OCT_20, as_of=OCT_20)
    spec = StartRunInput(
        workflow_id=f"test-{uuid.uuid4()}",
        workflow_run_id="r1",
        window=window,
        sources=list(Source),
    )
    async with sessions.begin() as session:
        return await ledger_results.start_run(session, spec)


async def count(sessions, query) -> int:
    async with sessions() as session:
        return (await session.execute(query)).scalar_one()


def charges_between(start: datetime, end: datetime) -> int:
    return sum(
        in_range(datetime.fromtimestamp(c["created"], UTC), start, end)
        for c in STRIPE.stripe["charges"]
    )


async def test_an_overlapping_second_run_adds_no_duplicates(sessions, fast_retry, activity_run):
    ingestor = Ingestor(sessions)
    async with run_sandbox(STRIPE) as sb:
        connector = StripeConnector.from_settings(sandbox_settings(sb.env()))
        fetch = StripeActivities(connector, ingestor, fast_retry).fetch
        first_start = fetch_input(Source.STRIPE).start
        first = await activity_run(
            fetch, fetch_input(Source.STRIPE, await new_run(sessions), end=OCT_20)
        )
        second = await activity_run(
            fetch, fetch_input(Source.STRIPE, await new_run(sessions), start=OCT_15)
        )
    end = fetch_input(Source.STRIPE).end
    charges = select(func.count()).select_from(RawRecord).where(RawRecord.object_type == "charge")
    assert await count(sessions, charges) == charges_between(first_start, end)
    assert second.records > second.new_versions > 0  # the overlap was fetched again …
    versions = select(func.max(RawRecord.version)).select_from(RawRecord)
    assert await count(sessions, versions) == 1  # … and nothing was stored twice
    rows = select(func.count()).select_from(RawRecord)
    assert await count(sessions, rows) == first.new_versions + second.new_versions
    pages = select(func.count()).select_from(RawPage)
    assert await count(sessions, pages) == first.pages + second.pages
    links = select(func.count()).select_from(RecordLink)
    assert await count(sessions, links) > 0  # payout → its balance transactions


async def test_plaid_changes_become_versions_and_the_cursor_lives_in_the_ledger(
    sessions, fast_retry, activity_run
):
    ingestor = Ingestor(sessions)
    async with run_sandbox(PLAID) as sb:
        connector = PlaidConnector.from_settings(sandbox_settings(sb.env()))
        fetch = PlaidActivities(connector, ingestor, fast_retry).fetch
        await activity_run(fetch, fetch_input(Source.PLAID, await new_run(sessions)))
        sb.plaid.modify("txn00003PLAID", amount=-1234.5)
        sb.plaid.remove("txn00004PLAID")
        second = await activity_run(fetch, fetch_input(Source.PLAID, await new_run(sessions)))
        cursor = await ingestor.get_cursor(Source.PLAID, connector.config.item_key)
    assert second.records == second.new_versions == 2
    assert cursor
    latest = select(RawRecord.vendor_id, RawRecord.op).where(RawRecord.version == 2)
    async with sessions() as session:
        changed = {row.vendor_id: row.op for row in await session.execute(latest)}
    assert changed == {"txn00003PLAID": "upsert", "txn00004PLAID": "remove"}


async def test_a_bank_with_only_its_recent_history_pulled_proves_nothing_missing(
    sessions, fast_retry, activity_run
):
    """Plaid has pulled only the Item's recent transactions: what it sent is stored and used,
    but the batch is partial, so the run counts the bank as not read in full and reports no
    payout or payment as missing its bank deposit."""
    ingestor = Ingestor(sessions)
    async with run_sandbox(PLAID) as sb:
        sb.plaid.update_status = "INITIAL_UPDATE_COMPLETE"
        settings = sandbox_settings(sb.env())
        fetch = PlaidActivities(PlaidConnector.from_settings(settings), ingestor, fast_retry).fetch
        run_id = await new_run(sessions)
        result = await activity_run(fetch, fetch_input(Source.PLAID, run_id))
    assert result.records == result.new_versions > 0
    async with sessions() as session:
        batch = (await session.execute(select(Batch).where(Batch.run_id == run_id))).scalar_one()
        scope = await load_scope(session, run_id, settings)
    assert batch.status == "partial" and "INITIAL_UPDATE_COMPLETE" in (batch.error or "")
    assert "plaid" in scope.unavailable


async def fetch_quickbooks_and_normalize(sessions, sb, retry, activity_run) -> FetchResult:
    """A live QuickBooks fetch of October into the ledger, then the normalize step."""
    ingestor = Ingestor(sessions)
    qbo = QuickBooksConnector.from_settings(
        sandbox_settings(sb.env()), LedgerTokenBackend(ingestor)
    )
    try:
        fetch = QuickBooksActivities(qbo, ingestor, retry).fetch
        run_id = await new_run(sessions)
        result = await activity_run(
            fetch, fetch_input(Source.QUICKBOOKS, run_id, start=OCT_1, end=NOV_1)
        )
    finally:
        await qbo.aclose()
    await Normalizer(sessions, lambda _: None).run()
    return result


async def current_invoices(sessions) -> dict[str, CanonicalRow]:
    query = select(CanonicalRow).where(
        CanonicalRow.is_current, CanonicalRow.object_type == "Invoice"
    )
    async with sessions() as session:
        return {r.vendor_id: r for r in (await session.execute(query)).scalars()}


async def test_an_invoice_deleted_in_quickbooks_stops_being_current(
    sessions, fast_retry, activity_run
):
    """Fetched, then deleted by a bookkeeper: the next run's CDC read removes it from the
    ledger's current records (a tombstone keeps its last content) and leaves the rest."""
    data = generate(seed=11, month=date(2026, 10, 1), orders=30)
    async with run_sandbox(data) as sb:
        await fetch_quickbooks_and_normalize(sessions, sb, fast_retry, activity_run)
        before = {k: r.removed for k, r in (await current_invoices(sessions)).items()}
        gone = sorted(before)[0]
        delete_in_books(sb, "Invoice", gone)
        await fetch_quickbooks_and_normalize(sessions, sb, fast_retry, activity_run)
    after = {k: r.removed for k, r in (await current_invoices(sessions)).items()}
    assert len(before) > 10 and not any(before.values())
    assert after == {**before, gone: True}


async def fetch_shopify_and_normalize(sessions, sb, retry, activity_run) -> FetchResult:
    """A live Shopify fetch of October into the ledger, then the normalize step."""
    connector = ShopifyConnector.from_settings(sandbox_settings(sb.env()))
    fetch = ShopifyActivities(connector, Ingestor(sessions), retry).fetch
    run_id = await new_run(sessions)
    result = await activity_run(fetch, fetch_input(Source.SHOPIFY, run_id, start=OCT_1, end=NOV_1))
    await Normalizer(sessions, lambda _: None).run()
    return result


async def current_orders(sessions) -> dict[str, CanonicalRow]:
    query = select(CanonicalRow).where(CanonicalRow.is_current, CanonicalRow.kind == "order")
    async with sessions() as session:
        return {r.vendor_id: r for r in (await session.execute(query)).scalars()}


async def test_an_order_deleted_in_the_shop_stops_being_current(sessions, fast_retry, activity_run):
    """Fetched, then deleted by the merchant: the next run reads its `destroy` event and the
    order stops being current (a tombstone keeps its last content); its buyer, the other
    orders, and a run after that (the same event again) change nothing."""
    data = generate(seed=11, month=date(2026, 10, 1), orders=30)
    async with run_sandbox(data) as sb:
        await fetch_shopify_and_normalize(sessions, sb, fast_retry, activity_run)
        before = await current_orders(sessions)
        gone = sorted(before)[0]
        sb.shopify.delete_order(int(gone), at="2026-10-25T10:00:00-04:00")
        second = await fetch_shopify_and_normalize(sessions, sb, fast_retry, activity_run)
        after = await current_orders(sessions)
        third = await fetch_shopify_and_normalize(sessions, sb, fast_retry, activity_run)
        again = await current_orders(sessions)
    assert len(before) > 10 and not any(r.removed for r in before.values())
    assert {k: r.removed for k, r in after.items()} == {k: k == gone for k in before}
    tombstone = after[gone]
    assert tombstone.version == before[gone].version + 1 and tombstone.data == before[gone].data
    assert {k: r.id for k, r in after.items() if k != gone} == {
        k: r.id for k, r in before.items() if k != gone
    }
    assert second.new_versions == 1 and third.new_versions == 0
    assert {k: r.id for k, r in again.items()} == {k: r.id for k, r in after.items()}


async def test_a_recording_that_lists_an_order_and_its_deletion_ends_with_it_deleted(
    sessions, activity_run, tmp_path
):
    """`events_0001.json` sorts before `orders_0001.json`; deletions are stored last all the
    same (as a live fetch reads them), so the deleted order is not read back as current."""
    data = generate(seed=11, month=date(2026, 10, 1), orders=30)
    gone = data.shopify["orders"][0]["id"]
    write_recorded(data, tmp_path / "recorded")
    folder = tmp_path / "recorded" / "shopify"
    assert (folder / "orders_0001.json").exists()
    event = {"id": 1, "subject_id": gone, "subject_type": "Order", "verb": "destroy"}
    (folder / "events_0001.json").write_bytes(exact_json.encode({"events": [event]}))
    fetch = RecordedActivities(Ingestor(sessions)).fetch_recorded
    request = fetch_input(Source.SHOPIFY, await new_run(sessions), start=OCT_1, end=NOV_1)
    await activity_run(fetch, request.model_copy(update={"source_dir": str(tmp_path / "recorded")}))
    await Normalizer(sessions, lambda _: None).run()
    alive = {k for k, r in (await current_orders(sessions)).items() if not r.removed}
    assert str(gone) not in alive  # its removal is the last word: never current at all
    assert len(alive) >= 20  # the other orders are current


async def test_amounts_without_a_currency_ref_are_in_the_companys_home_currency(
    sessions, fast_retry, activity_run
):
    """Multicurrency off: QBO sends no CurrencyRef, and the amounts are in the home currency
    the company's preferences name (a Canadian company's invoices are CAD, not USD)."""
    data = generate(seed=11, month=date(2026, 10, 1), orders=30)
    for invoice in data.quickbooks["Invoice"]:
        invoice.pop("CurrencyRef", None)
    async with run_sandbox(data) as sb:
        sb.quickbooks.currency_prefs["HomeCurrency"] = {"value": "CAD"}
        result = await fetch_quickbooks_and_normalize(sessions, sb, fast_retry, activity_run)
    invoices = await current_invoices(sessions)
    assert len(invoices) > 10
    assert {r.currency for r in invoices.values()} == {"CAD"}
    assert result.warnings == []
    preferences = select(func.count()).where(RawPage.page_type == "Preferences")
    assert await count(sessions, preferences) == 1  # the page it was read from is kept


async def test_records_read_before_the_home_currency_was_known_are_read_again_in_it(
    sessions, fast_retry, activity_run
):
    """A ledger whose QuickBooks invoices were read as USD (no preferences yet, as before
    Accord read them): once the company's CAD is known, their newest versions are read again
    in it, each becoming one new version, and an unchanged run after that adds nothing."""
    data = generate(seed=11, month=date(2026, 10, 1), orders=30)
    for invoice in data.quickbooks["Invoice"]:
        invoice.pop("CurrencyRef", None)
    async with run_sandbox(data) as sb:
        sb.quickbooks.currency_prefs.clear()  # the preferences name no home currency
        first = await fetch_quickbooks_and_normalize(sessions, sb, fast_retry, activity_run)
        before = await current_invoices(sessions)
        sb.quickbooks.currency_prefs["HomeCurrency"] = {"value": "CAD"}
        await fetch_quickbooks_and_normalize(sessions, sb, fast_retry, activity_run)
        after = await current_invoices(sessions)
        await fetch_quickbooks_and_normalize(sessions, sb, fast_retry, activity_run)
        again = await current_invoices(sessions)
    assert len(first.warnings) == 1 and "no HomeCurrency" in first.warnings[0]
    assert {r.currency for r in before.values()} == {"USD"}
    assert {r.currency for r in after.values()} == {"CAD"} and after.keys() == before.keys()
    assert all(after[k].version == before[k].version + 1 for k in before)
    assert {k: r.id for k, r in again.items()} == {k: r.id for k, r in after.items()}


async def test_a_malformed_plaid_page_is_stored_once_as_one_problem_and_no_records(
    sessions, fast_retry, activity_run
):
    """Two attempts of one fetch each end on the same page cut short: the ledger holds it
    once, with the connector's reason, and none of the update's records or its cursor; the
    attempt that then succeeds stores the whole update."""
    ingestor = Ingestor(sessions)
    plan = FaultPlan(
        faults=[Fault(kind="malformed", server="plaid", path="/transactions/sync", after=1)]
    )
    request = fetch_input(Source.PLAID, await new_run(sessions))
    async with run_sandbox(PLAID, faults=plan) as sb:
        connector = PlaidConnector.from_settings(sandbox_settings(sb.env()))
        fetch = PlaidActivities(connector, ingestor, fast_retry).fetch
        for _ in range(2):
            with pytest.raises(ApplicationError, match="MALFORMED_BODY"):
                await activity_run(fetch, request)
        kept = select(RawPage.parse_error).where(RawPage.source == "plaid")
        async with sessions() as session:
            problems = list((await session.execute(kept)).scalars())
        assert len(problems) == 1 and "MALFORMED_BODY" in problems[0]
        assert await count(sessions, select(func.count()).select_from(RawRecord)) == 0
        assert await ingestor.get_cursor(Source.PLAID, connector.config.item_key) is None
        sb.faults.plan.faults.clear()
        done = await activity_run(fetch, request)
    assert done.records == done.new_versions == len(PLAID.plaid_transactions)
    assert done.problems == 0  # the request it was kept for came again, readable


async def test_a_batch_counts_each_request_left_unreadable_once(sessions):
    """Attempts of one fetch share a batch: a request answered unreadable is one problem
    however often it came, and none once an attempt got it answered readable; an attempt
    that stores nothing still reports what the batch holds."""
    ingestor = Ingestor(sessions)
    run_id = await new_run(sessions)
    charges, more = "GET /v1/charges", "GET /v1/charges?starting_after=ch_1"
    counted = []
    for attempt in range(4):
        async with ingestor.batch(run_id, Source.STRIPE) as sink:
            if attempt < 2:
                await sink.keep("charges", charges, b'{"data": [', "stripe: cut short")
                await sink.add("charges", more, b"{")
            elif attempt == 2:
                await sink.add("charges", charges, b'{"object": "list", "data": []}')
        counted.append(sink.result().problems)
    assert counted == [2, 2, 1, 1]
    assert await count(sessions, select(func.count()).select_from(RawPage)) == 3


async def test_two_workers_whose_access_token_expired_refresh_it_once(sessions):
    """Intuit rotates the refresh token on every refresh, and the old one stops working. Two
    workers on one ledger, each with the company's access token in memory, are refused it at
    once: one refreshes while the other waits on the ledger's lock and then uses the pair it
    saved, instead of presenting the dead refresh token (`invalid_grant`, which fails a fetch
    at once)."""
    data = generate(seed=11, month=date(2026, 10, 1), orders=20)

    def worker(sb) -> QuickBooksConnector:
        backend = LedgerTokenBackend(Ingestor(sessions))
        return QuickBooksConnector.from_settings(sandbox_settings(sb.env()), backend)

    async with run_sandbox(data) as sb:
        workers = [worker(sb), worker(sb)]
        try:
            first = await asyncio.gather(*(w.query_page("Invoice", OCT_1, NOV_1) for w in workers))
            assert sb.hosts["quickbooks"].requests(TOKEN_PATH) == 1  # the second read the first's
            sb.quickbooks.oauth.access_tokens.clear()  # Intuit expires them both
            again = await asyncio.gather(*(w.query_page("Invoice", OCT_1, NOV_1) for w in workers))
        finally:
            for w in workers:
                await w.aclose()
        assert sb.hosts["quickbooks"].requests(TOKEN_PATH) == 2
        tokens = {w.auth.tokens.refresh_token for w in workers if w.auth.tokens}
        assert tokens == {sb.quickbooks.oauth.refresh_token}  # both hold the live one
    invoices = [
        [p.data["QueryResponse"].get("Invoice", []) for p in pages] for pages in (first, again)
    ]
    assert invoices[0] == invoices[1] and all(invoices[0])


async def test_a_worker_waits_a_bounded_time_for_anothers_hold_on_the_tokens(sessions, monkeypatch):
    """A worker whose token call hangs holds the lock; the others give up after `HOLD_WAIT`
    with an error naming it (retried by Temporal), and get it once it is let go."""
    monkeypatch.setattr(ingest, "HOLD_WAIT", 1)
    first, second = Ingestor(sessions), Ingestor(sessions)
    async with first.hold(Source.QUICKBOOKS, "oauth_tokens"):
        with pytest.raises(TimeoutError, match="held the lock on quickbooks 'oauth_tokens'"):
            async with second.hold(Source.QUICKBOOKS, "oauth_tokens"):
                pass
        async with second.hold(Source.QUICKBOOKS, "another_key"):  # other keys are free
            pass
    async with second.hold(Source.QUICKBOOKS, "oauth_tokens"):  # free once let go
        pass
