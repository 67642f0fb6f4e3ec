"""Stripe charges, refunds, balance transactions and payouts, each payout itemized.

Lists are filtered on `created` over `[start, end)`; payouts twice, on `created` (one made in the
range but not yet arrived is a timing case) and on `arrival_date` (one made before the range
that reached the bank in it, or in the `PAYOUT_SETTLING` days before it: a payout that failed
after it arrived becomes a new version). Lists are walked with `starting_after`, the cursor
Stripe's own auto-pagination uses; we walk it ourselves to store each page's bytes and heartbeat the cursor. Every payout
found is itemized with `GET /v1/balance_transactions?payout=<id>`, stored as page type
`balance_transactions_payout_<id>` so the ledger links the payout to its transactions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from temporalio import activity

from activities.fetch_support import FetchRun, VendorFetch, vendor_failures
from connectors.pages import Page
from connectors.stripe import StripeConnector
from models.io import FetchInput, FetchResult
from models.records import Source

# A payout can still fail "within 5 business days" of arriving, and some "initially show as
# `paid` but then change to `failed`" (Stripe's Payout object): ten calendar days cover five
# business days across holidays. Payouts that arrived that long before the range are read again.
PAYOUT_SETTLING = timedelta(days=10)

LISTS = (  # (stream, page type, path, range field)
    ("charges", "charges", "/v1/charges", "created"),
    ("refunds", "refunds", "/v1/refunds", "created"),
    ("balance_transactions", "balance_transactions", "/v1/balance_transactions", "created"),
    ("payouts", "payouts", "/v1/payouts", "created"),
    ("payouts_arriving", "payouts", "/v1/payouts", "arrival_date"),
)
REACH_BACK = {"payouts_arriving": PAYOUT_SETTLING}  # before the range; the others start at it
PAYOUT_PAGE = "balance_transactions_payout_"


def time_range(start: datetime, end: datetime) -> dict[str, int]:
    return {"gte": int(start.timestamp()), "lt": int(end.timestamp())}


class StripeActivities(VendorFetch[StripeConnector]):
    @activity.defn(name="fetch_stripe")
    async def fetch(self, input: FetchInput) -> FetchResult:
        if self.connector is None:
            return FetchResult(source=Source.STRIPE, status="absent")
        connector = self.connector
        with vendor_failures():
            async with self.ingestor.batch(input.run_id, Source.STRIPE) as sink:
                run = FetchRun(sink, self.retry)
                for stream, page_type, path, field in LISTS:
                    since = input.start - REACH_BACK.get(stream, timedelta(0))
                    params = {field: time_range(since, input.end)}
                    await run.stream(
                        stream,
                        page_type,
                        partial(connector.list_page, path, params),
                        on_page=self._payouts_found(run) if page_type == "payouts" else None,
                    )
                for key in list(run.progress.pending):
                    payout = key.removeprefix(PAYOUT_PAGE)
                    await run.stream(
                        key,
                        key,
                        partial(
                            connector.list_page, "/v1/balance_transactions", {"payout": payout}
                        ),
                    )
                return await run.finished()

    @staticmethod
    def _payouts_found(run: FetchRun):
        """Remember each payout of a stored page, to itemize it (kept in the heartbeat)."""

        def note(page: Page) -> None:
            known = set(run.progress.pending) | set(run.progress.done)
            for payout in page.data.get("data") or []:
                if not isinstance(payout, dict) or not isinstance(payout.get("id"), str):
                    continue  # stored with its page; the normalize step reports it
                if payout.get("automatic") is False:  # Stripe lists members of automatic ones
                    run.warn(
                        f"manual-payout:{payout['id']}",
                        f"Stripe payout {payout['id']} is manual: Stripe cannot list the "
                        "balance transactions it paid out, so it is matched on its amount alone",
                    )
                    continue
                key = PAYOUT_PAGE + payout["id"]
                if key not in known:
                    run.progress.pending.append(key)
                    known.add(key)

        return note
