"""QuickBooks Online customers, vendors, items, invoices, payments, bills and bill payments.

Each entity is queried on `MetaData.LastUpdatedTime` from `since` to `end`. An entity's first
sync reaches further back than the run's range: an invoice of August is the counterpart of an
October deposit (transactions: back `first_sync_lookback`, Settings' `lookback`), and a
customer or product of years ago may be on this month's invoice (customers, vendors and items:
every row). Later syncs reach back to where the previous one ended (kept in the ledger as a
cursor), so a gap between runs is never skipped. Pages go forward by last-updated time (see
`connectors.quickbooks.next_cursor_after`); the heartbeat keeps the next page's cursor. The
OAuth pair lives encrypted in the ledger (see `connectors.token_store`), here through the
ingestor's cursor table.

Queries never return a deleted entity, so after them each deletable entity's changes are read
through CDC from where the previous check left off (Intuit's clock, less a margin), within the
30 days Intuit keeps; an answer at Intuit's 1,000-object limit is followed by another from its
latest change. What CDC cannot show (a gap longer than 30 days, a company synced before Accord
read deletions, 1,000 changes at one moment) is named in the result's warnings.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol

from temporalio import activity

from activities.fetch_support import FetchRun, PageIngestor, PageRetry, VendorFetch, vendor_failures
from connectors.pages import Page
from connectors.quickbooks import (
    CDC_HORIZON,
    CDC_LIMIT,
    DELETABLE,
    ENTITIES,
    NAME_LISTS,
    QuickBooksConnector,
    changed_count,
)
from models.io import FetchInput, FetchResult
from models.records import Source
from normalizers.quickbooks import CHANGES, PREFERENCES, home_currency

# A CDC check starts this long before the previous one's answer, for changes committed late.
CDC_MARGIN = timedelta(minutes=10)
# Asked for a little inside Intuit's 30 days, so the request is never on the edge of it.
CDC_REACH = CDC_HORIZON - timedelta(hours=1)


class CursorTable(Protocol):
    """What the token backend needs of `activities.ingest.Ingestor`."""

    async def get_cursor(self, source: Source, key: str) -> str | None: ...
    async def save_cursor(self, source: Source, key: str, cursor: str) -> None: ...
    def hold(self, source: Source, key: str) -> AbstractAsyncContextManager[None]: ...


class LedgerTokenBackend:
    """A `connectors.token_store.KeyValueStore` on the ingestor's cursor table (stores only
    ciphertext). To be replaced by the lead's token table."""

    def __init__(self, ingestor: CursorTable) -> None:
        self.ingestor = ingestor

    async def get(self, key: str) -> str | None:
        return await self.ingestor.get_cursor(Source.QUICKBOOKS, key)

    async def put(self, key: str, value: str) -> None:
        await self.ingestor.save_cursor(Source.QUICKBOOKS, key, value)

    def hold(self, key: str) -> AbstractAsyncContextManager[None]:
        return self.ingestor.hold(Source.QUICKBOOKS, key)


class QuickBooksActivities(VendorFetch[QuickBooksConnector]):
    def __init__(
        self,
        connector: QuickBooksConnector | None,
        ingestor: PageIngestor,
        retry: PageRetry | None = None,
        first_sync_lookback: timedelta = timedelta(days=120),
    ) -> None:
        super().__init__(connector, ingestor, retry)
        self.first_sync_lookback = first_sync_lookback

    @activity.defn(name="fetch_quickbooks")
    async def fetch(self, input: FetchInput) -> FetchResult:
        if self.connector is None:
            return FetchResult(source=Source.QUICKBOOKS, status="absent")
        connector = self.connector
        with vendor_failures():
            async with self.ingestor.batch(input.run_id, Source.QUICKBOOKS) as sink:
                run = FetchRun(sink, self.retry)
                await self._home_currency(run, connector)
                await self._first_checks()
                for entity in ENTITIES:
                    since = await self._since(entity, input.start)
                    await run.stream(
                        entity,
                        entity,
                        partial(connector.query_after, entity, since, input.end),
                    )
                    await self._synced(entity, input.end)
                for entity in DELETABLE:
                    await self._deletions(run, connector, entity)
                return await run.finished()

    async def _home_currency(self, run: FetchRun, connector: QuickBooksConnector) -> None:
        """Store the company's preferences page: the normalize step reads the home currency
        (of amounts without a CurrencyRef) from the newest one in the ledger."""
        found: list[str | None] = []
        await run.stream(
            PREFERENCES,
            PREFERENCES,
            lambda _cursor: connector.preferences(),
            on_page=lambda page: found.append(home_currency(page.data)),
        )
        if found and found[0] is None:
            run.warn(
                "home-currency",
                "QuickBooks preferences name no HomeCurrency: amounts without a CurrencyRef "
                "are read in the last home currency known (USD if none)",
            )

    async def _first_checks(self) -> None:
        """Before a first sync's queries, mark where its deletion checks begin: nothing
        deleted earlier can be in the ledger, and what is deleted meanwhile is seen."""
        for entity in DELETABLE:
            checked = await self.ingestor.get_cursor(Source.QUICKBOOKS, f"checked:{entity}")
            synced = await self.ingestor.get_cursor(Source.QUICKBOOKS, f"synced:{entity}")
            if checked is None and synced is None:
                now = datetime.now(UTC).isoformat()
                await self.ingestor.save_cursor(Source.QUICKBOOKS, f"checked:{entity}", now)

    async def _deletions(self, run: FetchRun, connector: QuickBooksConnector, entity: str) -> None:
        """`entity`'s CDC since the last check; its deletions become removals."""
        key = f"checked:{entity}"
        if f"cdc:{entity}" in run.progress.done:  # checked by an earlier attempt of this fetch
            return
        now = datetime.now(UTC)
        checked = await self.ingestor.get_cursor(Source.QUICKBOOKS, key)
        reach = now - CDC_REACH
        if checked is None:  # synced before Accord read deletions: older ones are out of reach
            run.warn(
                f"cdc-gap:{entity}",
                f"QuickBooks {entity}: deletions before {reach:%Y-%m-%d} UTC were never "
                "checked (Intuit keeps 30 days of changes); a record deleted then stays current",
            )
            since = reach
        else:
            since = datetime.fromisoformat(checked) - CDC_MARGIN
        if since < reach:
            run.warn(
                f"cdc-gap:{entity}",
                f"QuickBooks {entity}: deletions between {since:%Y-%m-%d %H:%M} UTC and "
                f"{reach:%Y-%m-%d %H:%M} UTC cannot be seen (Intuit keeps 30 days of changes, "
                "and the last check was longer ago); a record deleted then stays current",
            )
            since = reach
        answered: list[Page] = []

        def checked_page(page: Page) -> None:
            answered.append(page)
            if page.next_cursor is None and changed_count(page.data) >= CDC_LIMIT:
                run.warn(
                    f"cdc-limit:{entity}",
                    f"QuickBooks {entity}: CDC answered {CDC_LIMIT} changes, Intuit's limit, "
                    "all at one moment: deletions beyond them may be unseen",
                )

        await run.stream(
            f"cdc:{entity}",
            CHANGES,
            lambda cursor: connector.changes(
                entity, datetime.fromisoformat(cursor) if cursor else since
            ),
            on_page=checked_page,
        )
        if answered:
            await self.ingestor.save_cursor(Source.QUICKBOOKS, key, _answered_at(answered[-1], now))

    async def _since(self, entity: str, start: datetime) -> datetime | None:
        """Where a query's LastUpdatedTime range begins (None: from the beginning)."""
        synced = await self.ingestor.get_cursor(Source.QUICKBOOKS, f"synced:{entity}")
        if synced is not None:
            return min(start, datetime.fromisoformat(synced))
        return None if entity in NAME_LISTS else start - self.first_sync_lookback

    async def _synced(self, entity: str, end: datetime) -> None:
        key = f"synced:{entity}"
        previous = await self.ingestor.get_cursor(Source.QUICKBOOKS, key)
        if previous is None or datetime.fromisoformat(previous) < end:
            await self.ingestor.save_cursor(Source.QUICKBOOKS, key, end.isoformat())


def _answered_at(page: Page, fallback: datetime) -> str:
    """Intuit's clock when it answered (the response's `time`), in UTC."""
    try:
        return datetime.fromisoformat(str(page.data["time"])).astimezone(UTC).isoformat()
    except (KeyError, TypeError, ValueError):
        return fallback.isoformat()
