"""Shopify orders (every status, refunds embedded) and customers, by `updated_at`; and the
orders the shop deleted, which no list shows any more: the order `destroy` events created in
the window (`events.json?filter=Order&verb=destroy`).

The first page is filtered (`status=any`, `updated_at_min`/`updated_at_max`); the pages after
it follow the `rel="next"` link, whose `page_info` already carries the filters (Shopify refuses
other parameters beside it). The heartbeat keeps that link, so a retry resumes on it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from temporalio import activity

from activities.fetch_support import FetchRun, VendorFetch, vendor_failures
from connectors.shopify import ShopifyConnector
from models.io import FetchInput, FetchResult
from models.records import Source

LAST_SECOND = timedelta(seconds=1)  # Shopify times have whole seconds: `< end` is `<= end - 1s`


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


class ShopifyActivities(VendorFetch[ShopifyConnector]):
    @activity.defn(name="fetch_shopify")
    async def fetch(self, input: FetchInput) -> FetchResult:
        if self.connector is None:
            return FetchResult(source=Source.SHOPIFY, status="absent")
        connector = self.connector
        updated = {
            "updated_at_min": _iso(input.start),
            "updated_at_max": _iso(input.end - LAST_SECOND),  # Shopify's max is inclusive
        }
        deleted = {
            "filter": "Order",
            "verb": "destroy",
            "created_at_min": updated["updated_at_min"],
            "created_at_max": updated["updated_at_max"],
        }
        lists = (
            ("orders", {"status": "any", **updated}),
            ("customers", updated),
            ("events", deleted),
        )
        with vendor_failures():
            async with self.ingestor.batch(input.run_id, Source.SHOPIFY) as sink:
                run = FetchRun(sink, self.retry)
                for resource, params in lists:
                    first = connector.first_page_url(resource, params)
                    await run.stream(
                        resource,
                        resource,
                        partial(connector.page_after, first, resource),
                    )
                return await run.finished()
