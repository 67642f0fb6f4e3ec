"""The live fetch activities, one class per vendor, built from Settings for `worker.py`.

A vendor without credentials still gets its activity: it answers `absent`, so a run that asks
for it records that instead of failing on an unregistered activity.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from activities.fetch_support import PageIngestor
from activities.plaid import PlaidActivities
from activities.quickbooks import CursorTable, LedgerTokenBackend, QuickBooksActivities
from activities.shopify import ShopifyActivities
from activities.stripe import StripeActivities
from connectors.plaid import PlaidConnector
from connectors.quickbooks import QuickBooksConnector
from connectors.shopify import ShopifyConnector
from connectors.stripe import StripeConnector
from models.errors import ConfigurationError
from runtime.settings import Settings


def _configured(build: Any, *args: Any) -> Any:
    try:
        return build(*args)
    except ConfigurationError:
        return None


def quickbooks_connector(
    settings: Settings, ingestor: CursorTable, stack: AsyncExitStack
) -> QuickBooksConnector | None:
    """The one QuickBooks client of a worker: fetch and write-back share its token chain."""
    quickbooks = _configured(
        QuickBooksConnector.from_settings, settings, LedgerTokenBackend(ingestor)
    )
    if quickbooks is not None:
        stack.push_async_callback(quickbooks.aclose)
    return quickbooks


def live_activities(
    settings: Settings,
    ingestor: PageIngestor,
    quickbooks: QuickBooksConnector | None,
) -> list[Any]:
    """Bound `fetch` methods of the four vendor classes."""
    return [
        PlaidActivities(_configured(PlaidConnector.from_settings, settings), ingestor).fetch,
        StripeActivities(_configured(StripeConnector.from_settings, settings), ingestor).fetch,
        ShopifyActivities(_configured(ShopifyConnector.from_settings, settings), ingestor).fetch,
        QuickBooksActivities(quickbooks, ingestor, first_sync_lookback=settings.lookback).fetch,
    ]
