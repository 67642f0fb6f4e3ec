"""Plaid bank transactions through `/transactions/sync`, one item per configured access token:
its one stream of every account, or, with `PLAID_ACCOUNT_IDS`, one stream per account named
(Plaid's `options.account_id`: each has its own updates and its own cursor).

Plaid's rules, followed exactly: an *update* is the run of pages from one cursor until
`has_more` is false; its pages are kept in memory (their bytes only) and stored only when the
whole update has arrived; the item's cursor is saved only after those pages are committed. If
a call after the update's first page fails (`TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION`, or
any transient failure), the partial pages are discarded and the update restarts from the
cursor it began with. When the tries run out on a malformed page, that last page is kept as
received, with its problem, and none of the records of its update are. Added, modified and
removed records all land as raw records (removed ones with op `remove`); a pending
transaction that posts arrives as the posted one in `added` and the pending id in `removed`,
so it is counted once.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from temporalio import activity

from activities.fetch_support import FetchRun, VendorFetch, vendor_failures
from connectors.errors import MalformedPage, TransientVendorError, VendorRequestError
from connectors.pages import Page
from connectors.plaid import (
    INITIAL_ONLY,
    INVALID_ACCOUNT,
    VENDOR,
    PlaidConfig,
    PlaidConnector,
    SyncMutationDuringPagination,
)
from models.io import FetchInput, FetchResult
from models.records import Source

PAGE_TYPE = "transactions_sync"
MAX_RESTARTS = 5


class PlaidActivities(VendorFetch[PlaidConnector]):
    @activity.defn(name="fetch_plaid")
    async def fetch(self, input: FetchInput) -> FetchResult:
        """Bring the item up to date. The window does not apply: sync returns what changed
        since the stored cursor (everything, the first time)."""
        if self.connector is None:
            return FetchResult(source=Source.PLAID, status="absent")
        with vendor_failures():
            async with self.ingestor.batch(input.run_id, Source.PLAID) as sink:
                run = FetchRun(sink, self.retry)
                await self._follow(run, self.connector)
                return await run.finished()

    async def _follow(self, run: FetchRun, connector: PlaidConnector) -> None:
        """Every stream up to date. An account's own stream starts with what the account
        holds now, which tells nothing removed: so while any named account has no cursor
        yet, the Item's stream, if it was followed before, is brought up to date first, and
        what Plaid removed since is applied. An account Plaid refuses (not on the Item, or
        closed at the bank) does not hold up the others: the fetch fails after them, naming
        each one."""
        config = connector.config
        if config.account_ids and await self._item_stream_left_behind(config):
            await self._catch_up(run, connector, None)
        refused: list[str] = []
        for account_id in config.streams:
            try:
                await self._catch_up(run, connector, account_id)
            except VendorRequestError as error:
                if account_id is None or error.code != INVALID_ACCOUNT:
                    raise
                refused.append(account_id)
        if refused:
            raise VendorRequestError(
                VENDOR,
                INVALID_ACCOUNT,
                f"the Item has no account {', '.join(refused)} (PLAID_ACCOUNT_IDS): removed at "
                "the bank, or a wrong id; the other accounts are up to date",
            )

    async def _item_stream_left_behind(self, config: PlaidConfig) -> bool:
        keys = [config.cursor_key(account_id) for account_id in config.account_ids]
        started = [await self.ingestor.get_cursor(Source.PLAID, key) for key in keys]
        if all(started):
            return False
        return await self.ingestor.get_cursor(Source.PLAID, config.item_key) is not None

    async def _catch_up(
        self, run: FetchRun, connector: PlaidConnector, account_id: str | None
    ) -> None:
        key = connector.config.cursor_key(account_id)
        start = await self.ingestor.get_cursor(Source.PLAID, key)
        try:
            pages, cursor = await self._update(run, connector, start, account_id)
        except MalformedPage as error:  # kept as received, but none of the update's records
            await run.keep(PAGE_TYPE, error)
            raise
        for page in pages:
            await run.store(PAGE_TYPE, page)
        await run.flush()  # the update's records are committed before its cursor is
        if pages[-1].data.get("transactions_update_status") == INITIAL_ONLY:
            of = f"account {account_id} of this Item" if account_id else "this Item"
            run.incomplete(
                f"plaid_history:{account_id or 'item'}",
                f"Plaid has pulled only the recent transactions of {of} so far "
                "(transactions_update_status INITIAL_UPDATE_COMPLETE): older bank lines "
                "arrive with a later run, so this run reports no payout or payment as "
                "missing its bank line",
            )
        if cursor != start:
            await self.ingestor.save_cursor(Source.PLAID, key, cursor)

    async def _update(
        self, run: FetchRun, connector: PlaidConnector, start: str | None, account_id: str | None
    ) -> tuple[list[Page], str]:
        """Every page of one update, from `start`. Plaid's rule: a call that fails after the
        update's first page restarts the whole update from `start` (a mutation during
        pagination, or any transient failure); only the first call is retried in place."""
        for restart in range(MAX_RESTARTS + 1):
            pages: list[Page] = []
            cursor = start
            try:
                while True:
                    call = partial(connector.sync_page, cursor, account_id)
                    page = await (run.fetch(call) if cursor == start else call())
                    if page.next_cursor is None:
                        return [*pages, page], str(page.data["next_cursor"])
                    cursor = page.next_cursor
                    pages.append(replace(page, data=None))  # held as bytes only
                    run.beat()
            except SyncMutationDuringPagination as error:
                if restart == MAX_RESTARTS:  # Plaid's own error, as the last word
                    raise
                if activity.in_activity():
                    activity.logger.info("Plaid data changed mid-update (%d): %s", restart, error)
            except TransientVendorError as error:
                if cursor == start or restart == MAX_RESTARTS:  # retried in place, or spent
                    raise
                await run.back_off(restart + 1, error, "restarting the Plaid update")
        raise AssertionError("unreachable: the last restart returns or raises")
