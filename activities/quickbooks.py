"""QuickBooks Online customers, vendors, invoices, payments, bills and bill payments.

Each entity is queried on `MetaData.LastUpdatedTime` in `[start, end)` and paged with
STARTPOSITION/MAXRESULTS; the heartbeat keeps the next STARTPOSITION. The OAuth pair lives
encrypted in the ledger (see `connectors.token_store`), here through the ingestor's cursor table.
"""

from __future__ import annotations

from temporalio import activity

from activities.fetch_support import FetchRun, PageIngestor, PageRetry, vendor_failures
from connectors.quickbooks import ENTITIES, QuickBooksConnector
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


class QuickBooksActivities:
    def __init__(
        self,
        connector: QuickBooksConnector | None,
        ingestor: PageIngestor,
        retry: PageRetry | None = None,
    ) -> None:
        self.connector = connector
        self.ingestor = ingestor
        self.retry = retry or PageRetry()

    @activity.defn(name="fetch_quickbooks")
    async def fetch(self, input: FetchInput) -> FetchResult:
        if self.connector is None:
            return FetchResult(source=Source.QUICKBOOKS, status="absent")
        connector = self.connector
        with vendor_failures():
            async with self.ingestor.batch(input.run_id, Source.QUICKBOOKS) as sink:
                run = FetchRun(sink, self.retry)
                for entity in ENTITIES:
                    await run.stream(
                        entity,
                        entity,
                        lambda cursor, entity=entity: connector.query_page(
                            entity, input.start, input.end, int(cursor or 1)
                        ),
                    )
                return run.result()
