"""Stripe fetches through the real `stripe` SDK against the loopback Stripe sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import stripe
from temporalio.exceptions import ApplicationError

from activities.stripe import PAYOUT_SETTLING, StripeActivities
from connectors.stripe import StripeConfig, StripeConnector, build_client
from models.records import Source
from sandbox.faults import Fault, FaultPlan
from sandbox.servers import run_sandbox

from .conftest import fetch_input, sandbox_settings
from .connector_data import FETCH_END, FETCH_START, in_range, stripe_objects
from .memory_ingestor import MemoryIngestor

DATA = stripe_objects(per_day=4, payout_every=2)


def expected(resource: str, field: str = "created", reach: timedelta = timedelta(0)) -> set[str]:
    start = FETCH_START - reach
    return {
        o["id"]
        for o in DATA.stripe[resource]
        if in_range(datetime.fromtimestamp(o[field], UTC), start, FETCH_END)
    }


def activities(sb, retry, ingestor: MemoryIngestor, **overrides) -> StripeActivities:
    connector = StripeConnector.from_settings(sandbox_settings(sb.env(), **overrides))
    return StripeActivities(connector, ingestor, retry)


async def test_fetch_brings_exactly_the_records_of_the_range(fast_retry, activity_run):
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        result = await activity_run(
            activities(sb, fast_retry, ingestor).fetch, fetch_input(Source.STRIPE)
        )
    for resource in ("charges", "refunds", "balance_transactions"):
        assert ingestor.live_ids(resource) == expected(resource)
    # made in the range, or arrived in it or in the days before it when a payout may still fail
    arrived = expected("payouts", "arrival_date", PAYOUT_SETTLING)
    payouts = expected("payouts") | arrived
    assert payouts - expected("payouts") and payouts - expected("payouts", "arrival_date")
    assert arrived - expected("payouts", "arrival_date")  # settling ones are read again
    assert ingestor.live_ids("payouts") == payouts
    for payout in payouts:  # every payout itemized, under its own page type
        page_type = f"balance_transactions_payout_{payout}"
        assert ingestor.live_ids(page_type) == set(DATA.stripe_payout_members[payout])
    assert result.records == len(ingestor.upserts())
    assert result.pages == len(ingestor.pages)
    assert len(ingestor.upserts("charges")) == len(expected("charges"))  # no page fetched twice


async def test_stored_pages_are_the_bytes_stripe_sent(fast_retry, activity_run):
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        await activity_run(activities(sb, fast_retry, ingestor).fetch, fetch_input(Source.STRIPE))
    first = ingestor.pages[0]
    assert first.origin.startswith("GET /v1/charges?created[gte]=")
    assert first.body.startswith(b'{"object": "list"')  # the sandbox's own spacing, untouched


async def test_injected_failures_end_with_the_records_of_a_clean_run(fast_retry, activity_run):
    clean, faulty = MemoryIngestor(), MemoryIngestor()
    plan = FaultPlan(
        seed=11,
        faults=[
            Fault(kind="rate_limit", server="stripe", probability=0.2, retry_after=0),
            Fault(kind="server_error", server="stripe", probability=0.2),
            Fault(kind="reset", server="stripe", probability=0.2),
            Fault(kind="malformed", server="stripe", probability=0.1),
        ],
    )
    async with run_sandbox(DATA) as sb:
        await activity_run(activities(sb, fast_retry, clean).fetch, fetch_input(Source.STRIPE))
    async with run_sandbox(DATA, faults=plan) as sb:
        await activity_run(activities(sb, fast_retry, faulty).fetch, fetch_input(Source.STRIPE))
        assert sb.faults.fired() > 10  # the faults really happened
    assert sorted(faulty.upserts()) == sorted(clean.upserts())
    assert [p.body for p in faulty.pages] == [p.body for p in clean.pages]


async def test_a_retried_attempt_resumes_at_the_heartbeated_cursor(activity_run, fast_retry):
    """The first attempt dies after 3 pages of balance transactions; the retry starts on the
    4th: the 3 pages before it are not requested again."""
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        await activity_run(activities(sb, fast_retry, ingestor).fetch, fetch_input(Source.STRIPE))
        clean_calls = sb.hosts["stripe"].requests("/v1/balance_transactions")
        clean_charges = sb.hosts["stripe"].requests("/v1/charges")
    crash = FaultPlan(
        faults=[Fault(kind="server_error", path="/v1/balance_transactions", after=3, times=20)]
    )
    resumed, attempts = MemoryIngestor(), activity_run.__class__()
    async with run_sandbox(DATA, faults=crash) as sb:
        few_retries = fast_retry.__class__(attempts=2, initial=0.001, maximum=0.001)
        with pytest.raises(ApplicationError) as failed:
            await attempts(activities(sb, few_retries, resumed).fetch, fetch_input(Source.STRIPE))
        assert failed.value.type == "VendorUnavailable" and not failed.value.non_retryable
        sb.faults.plan.faults.clear()
        result = await attempts.resume(
            activities(sb, fast_retry, resumed).fetch, fetch_input(Source.STRIPE)
        )
        calls = sb.hosts["stripe"].requests("/v1/balance_transactions")
        assert sb.hosts["stripe"].requests("/v1/charges") == clean_charges
    assert calls == clean_calls + 2  # only the two failed tries of page 4 came on top
    assert sorted(resumed.upserts()) == sorted(ingestor.upserts())
    assert result.pages == len(ingestor.pages)  # counts carried over from the first attempt


async def test_a_bad_key_fails_at_once_naming_stripes_error(fast_retry, activity_run):
    async with run_sandbox(DATA) as sb:
        fetch = activities(sb, fast_retry, MemoryIngestor(), stripe_api_key="sk_test_wrong").fetch
        with pytest.raises(ApplicationError) as failed:
            await activity_run(fetch, fetch_input(Source.STRIPE))
        assert sb.hosts["stripe"].requests("/v1/charges") == 1  # no retries
    assert failed.value.type == "VendorAuthError"
    assert failed.value.non_retryable
    assert "Invalid API Key" in str(failed.value)


async def test_a_manual_payout_is_not_itemized_and_is_named_in_the_warnings(
    fast_retry, activity_run
):
    """Stripe's `payout=` filter is "for automatic Stripe payouts only" (a manual one gets a
    400): the fetch skips itemizing it, says so, and brings everything else."""
    data = stripe_objects(per_day=4, payout_every=2)
    manual = sorted(expected("payouts"))[0]
    for payout in data.stripe["payouts"]:
        if payout["id"] == manual:
            payout["automatic"] = False
    ingestor = MemoryIngestor()
    async with run_sandbox(data) as sb:
        client = build_client(StripeConfig(sb.env()["STRIPE_API_KEY"], sb.urls["stripe"]))
        with pytest.raises(stripe.InvalidRequestError) as refused:
            client.raw_request("get", "/v1/balance_transactions", payout=manual)
        assert refused.value.http_status == 400 and refused.value.param == "payout"
        # the SDK sends the API version the normalizers read, not its own newer one
        version = client.raw_request("get", "/v1/payouts", limit=1)
        assert version.headers["Stripe-Version"] == "2023-08-16"
        result = await activity_run(
            activities(sb, fast_retry, ingestor).fetch, fetch_input(Source.STRIPE)
        )
    types = {p.page_type for p in ingestor.pages}
    assert f"balance_transactions_payout_{manual}" not in types
    assert sum(t.startswith("balance_transactions_payout_") for t in types) > 1  # the others
    assert result.warnings == [
        f"Stripe payout {manual} is manual: Stripe cannot list the balance transactions it "
        "paid out, so it is matched on its amount alone"
    ]
    assert ingestor.live_ids("charges") == expected("charges")


async def test_a_payout_that_fails_days_after_it_arrived_is_read_again(fast_retry, activity_run):
    """Stripe: a payout can still fail within 5 business days, some after showing `paid`.
    One that arrived three days before the range and has failed since is fetched again, so
    the ledger gets its failed version."""
    arrived_before = [
        p
        for p in DATA.stripe["payouts"]
        if FETCH_START - timedelta(days=3)
        <= datetime.fromtimestamp(p["arrival_date"], UTC)
        < FETCH_START
        and datetime.fromtimestamp(p["created"], UTC) < FETCH_START
    ]
    assert arrived_before
    failed = arrived_before[0]["id"]
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        sb.stripe.change(failed, status="failed", failure_code="account_closed")
        await activity_run(activities(sb, fast_retry, ingestor).fetch, fetch_input(Source.STRIPE))
    served = [
        o
        for p in ingestor.pages
        if p.page_type == "payouts"
        for o in p.json["data"]
        if o["id"] == failed
    ]
    assert served and all(o["status"] == "failed" for o in served)
