"""QuickBooks Online customers, vendors, invoices, payments, bills and bill payments.

Each entity is queried on `MetaData.LastUpdatedTime` from `since` to `end`. An entity's first
sync reaches further back than the run's range: an invoice of August is the counterpart of an
October deposit (transactions: back `first_sync_lookback`, Settings' `lookback`), and a
customer of years ago may be on this month's invoice (customers and vendors: every row). Later
syncs reach back to where the previous one ended (kept in the ledger as a cursor), so a gap
between runs is never skipped. Pages follow STARTPOSITION/MAXRESULTS; the heartbeat keeps the next
STARTPOSITION. The OAuth pair lives encrypted in the ledger (see `connectors.token_store`), here
through the ingestor's cursor table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from temporalio import activity

from activities.fetch_support import FetchRun, PageIngestor, PageRetry, VendorFetch, vendor_failures
from connectors.quickbooks import ENTITIES, NAME_LISTS, QuickBooksConnector
from models.io import FetchInput, FetchResult
from models.records import Source


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
                return await run.finished()

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
