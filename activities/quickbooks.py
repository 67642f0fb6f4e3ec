"""QuickBooks Online customers, vendors, invoices, payments, bills and bill payments.

Each entity is queried on `MetaData.LastUpdatedTime` from `since` to `end`. An entity's first
sync reaches further back than the run's range: an invoice of August is the counterpart of an
October deposit (transactions: back `first_sync_lookback`, Settings' `lookback`), and a
customer of years ago may be on this month's invoice (customers and vendors: every row). Later
syncs reach back to where the previous one ended (kept in the ledger as a cursor), so a gap
between runs is never skipped. Pages follow STARTPOSITION/MAXRESULTS; the heartbeat keeps the next
STARTPOSITION. The OAuth pair lives encrypted in the ledger (see `connectors.token_store`), here
through the ingestor's cursor table.

Queries never return a deleted entity, so after them each deletable entity's changes are read
through CDC from where the previous check left off (Intuit's clock, less a margin), within the
30 days Intuit keeps. What CDC cannot show (a gap longer than that, or a response at Intuit's
1,000-object limit) is named in the result's warnings instead of passing silently.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

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
from normalizers.quickbooks import CHANGES

# A CDC check starts this long before the previous one's answer, for changes committed late.
CDC_MARGIN = timedelta(minutes=10)
# Asked for a little inside Intuit's 30 days, so the request is never on the edge of it.
CDC_REACH = CDC_HORIZON - timedelta(hours=1)


class LedgerTokenBackend:
    """A `connectors.token_store.KeyValueStore` on the ingestor's cursor table (stores only
    ciphertext). To be replaced by the lead's token table."""

    def __init__(self, ingestor: PageIngestor) -> None:
        self.ingestor = ingestor

    async def get(self, key: str) -> str | None:
        return await self.ingestor.get_cursor(Source.QUICKBOOKS, key)

    async def put(self, key: str, value: str) -> None:
        await self.ingestor.save_cursor(Source.QUICKBOOKS, key, value)


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

    async def _deletions(self, run: FetchRun, connector: QuickBooksConnector, entity: str) -> None:
        """`entity`'s CDC since the last check; its deletions become removals."""
        key = f"checked:{entity}"
        now = datetime.now(UTC)
        checked = await self.ingestor.get_cursor(Source.QUICKBOOKS, key)
        reach = now - CDC_REACH
        since = reach if checked is None else datetime.fromisoformat(checked) - CDC_MARGIN
        if since < reach:
            run.warn(
                f"QuickBooks {entity}: deletions between {since:%Y-%m-%d %H:%M} UTC and "
                f"{reach:%Y-%m-%d %H:%M} UTC cannot be seen (Intuit keeps 30 days of changes, "
                "and the last check was longer ago); a record deleted then stays current"
            )
            since = reach
        answered: list[Page] = []
        await run.stream(
            f"cdc:{entity}",
            CHANGES,
            lambda _cursor: connector.changes(entity, since),
            on_page=answered.append,
        )
        if not answered:  # checked by an earlier attempt of this fetch
            return
        if changed_count(answered[0].data) >= CDC_LIMIT:
            run.warn(
                f"QuickBooks {entity}: CDC since {since:%Y-%m-%d %H:%M} UTC answered "
                f"{CDC_LIMIT} changes, Intuit's limit: deletions beyond them may be unseen"
            )
        await self.ingestor.save_cursor(Source.QUICKBOOKS, key, _answered_at(answered[0], now))

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
