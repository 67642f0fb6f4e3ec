"""Shopify orders and customers through ShopifyAPI against the loopback Shopify sandbox."""

from __future__ import annotations

import asyncio
import math
import time

import pytest
from temporalio.exceptions import ApplicationError

from activities.shopify import ShopifyActivities
from activities.writeback_shopify import ShopifyWriter
from connectors.errors import TransientVendorError
from connectors.shopify import CallBucket, ShopifyConnector, pause_for
from models.records import Source
from sandbox.faults import Fault, FaultPlan
from sandbox.servers import run_sandbox

from .conftest import fetch_input, sandbox_settings
from .connector_data import in_range, shop_updated, shopify_objects
from .memory_ingestor import MemoryIngestor

DATA = shopify_objects(orders=1200)
REQUEST = fetch_input(Source.SHOPIFY)
ROOMY = (1000, 100.0)  # a bucket that never fills, for tests not about rate limits


def expected(resource: str) -> set[str]:
    return {str(o["id"]) for o in DATA.shopify[resource] if in_range(shop_updated(o))}


def activities(sb, retry, ingestor, **overrides) -> ShopifyActivities:
    connector = ShopifyConnector.from_settings(sandbox_settings(sb.env(), **overrides))
    return ShopifyActivities(connector, ingestor, retry)


async def test_fetch_brings_exactly_the_records_updated_in_the_range(fast_retry, activity_run):
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA, shopify_bucket=ROOMY) as sb:
        result = await activity_run(activities(sb, fast_retry, ingestor).fetch, REQUEST)
    assert ingestor.live_ids("orders") == expected("orders")
    assert ingestor.live_ids("customers") == expected("customers")
    assert len(ingestor.upserts("orders")) == len(expected("orders"))  # each page once
    refunded = [o for p in ingestor.pages if p.page_type == "orders" for o in p.json["orders"]]
    assert any(o["refunds"] for o in refunded)  # refunds come embedded in their orders
    assert result.pages == len(ingestor.pages) >= 3
    assert ingestor.pages[0].origin.startswith("GET /admin/api/2024-10/orders.json?status=any")


async def test_orders_the_shop_deleted_in_the_window_are_removed(fast_retry, activity_run):
    """A deleted order is in no list any more; its `destroy` event says so. A deletion after
    `as_of` (the window's end) belongs to a later run, and counts then."""
    in_window, later = sorted(expected("orders"))[:2]
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA, shopify_bucket=ROOMY) as sb:
        sb.shopify.delete_order(int(in_window), at="2026-10-20T12:00:00-04:00")
        sb.shopify.delete_order(int(later), at="2026-11-04T00:00:00+00:00")
        await activity_run(activities(sb, fast_retry, ingestor).fetch, REQUEST)
    assert ingestor.live_ids("orders") == expected("orders") - {in_window, later}
    (events,) = [p for p in ingestor.pages if p.page_type == "events"]
    assert [e["subject_id"] for e in events.json["events"]] == [int(in_window)]
    assert events.origin == (
        "GET /admin/api/2024-10/events.json?filter=Order&verb=destroy"
        "&created_at_min=2026-09-29T00%3A00%3A00%2B00%3A00"
        "&created_at_max=2026-11-03T23%3A59%3A59%2B00%3A00&limit=250"
    )


async def test_a_version_shopify_no_longer_serves_is_reported_once(fast_retry, activity_run):
    """Pinned 2024-10 after Shopify stopped supporting it: Shopify answers in the oldest
    version it supports and says so in `X-Shopify-API-Version`; the run reports it (once, not
    per page), as it does Shopify's word that a request uses something deprecated."""
    reason = "https://shopify.dev/api/usage/versioning#deprecation-practices"
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA, shopify_bucket=ROOMY) as sb:
        sb.shopify.served_version, sb.shopify.deprecated_reason = "2025-04", reason
        result = await activity_run(activities(sb, fast_retry, ingestor).fetch, REQUEST)
    assert ingestor.live_ids("orders") == expected("orders")  # the fetch goes on
    version, deprecated = result.warnings
    assert "served API version 2025-04, not 2024-10 (SHOPIFY_API_VERSION)" in version
    assert deprecated.startswith("Shopify says GET /admin/api/2024-10/orders.json?status=any")
    assert deprecated.endswith(f"deprecated part of API version 2024-10: {reason}")


async def test_the_pinned_version_served_as_asked_gives_no_warning(fast_retry, activity_run):
    async with run_sandbox(DATA, shopify_bucket=ROOMY) as sb:
        result = await activity_run(activities(sb, fast_retry, MemoryIngestor()).fetch, REQUEST)
    assert result.warnings == []


def fill_bucket(sb, level: float) -> None:
    """Calls made by others sharing the app's bucket (another Accord run, say)."""
    bucket = sb.shopify.bucket
    with sb.shopify.lock:
        bucket.level, bucket.at = level, time.monotonic()


async def test_a_full_bucket_is_waited_out_as_retry_after_says(fast_retry, activity_run):
    """Shopify's leaky bucket (40 calls, leaking 2/s), full when the fetch begins: the 429's
    `Retry-After` is waited out and every page still arrives, once."""
    clean, throttled = MemoryIngestor(), MemoryIngestor()
    async with run_sandbox(DATA, shopify_bucket=ROOMY) as sb:
        await activity_run(activities(sb, fast_retry, clean).fetch, REQUEST)
    async with run_sandbox(DATA) as sb:
        fill_bucket(sb, 40)
        await activity_run(activities(sb, fast_retry, throttled).fetch, REQUEST)
        assert sb.hosts["shopify"].calls.total() > len(clean.pages)  # some were refused
    assert [p.body for p in throttled.pages] == [p.body for p in clean.pages]


async def test_calls_are_paced_by_the_call_limit_header_instead_of_earning_429s(
    fast_retry, activity_run
):
    """Nearly full at the start (36/40): the connector reads `X-Shopify-Shop-Api-Call-Limit`
    and waits for the leak before the bucket overflows, so Shopify refuses nothing."""
    paced = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        fill_bucket(sb, 36)
        started = time.monotonic()
        await activity_run(activities(sb, fast_retry, paced).fetch, REQUEST)
        took = time.monotonic() - started
        calls = sb.hosts["shopify"].calls.total()
    assert calls == len(paced.pages) > 4  # not one call refused
    assert took >= (36 + len(paced.pages) - 38 - 1) / 2  # the leak was waited for
    assert paced.live_ids("orders") == expected("orders")


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        (None, 0.0),
        ("1/40", 0.0),
        ("37/40", 0.0),  # the next call leaves 2 free
        ("38/40", 0.5),  # … this one would not: one call's leak at 2/s
        ("40/40", 1.5),
        ("79/80", 0.5),  # Shopify Plus: 80 calls leaking 4/s
        ("garbage", 0.0),
    ],
)
def test_the_pause_before_the_next_call_follows_the_bucket(header, wait):
    assert pause_for(header) == wait


async def test_injected_failures_end_with_the_records_of_a_clean_run(fast_retry, activity_run):
    clean, faulty = MemoryIngestor(), MemoryIngestor()
    plan = FaultPlan(  # on the first four requests: 429, reset, 500, malformed
        faults=[
            Fault(kind="rate_limit", server="shopify", times=1, retry_after=0),
            Fault(kind="reset", server="shopify", times=1),
            Fault(kind="server_error", server="shopify", times=1),
            Fault(kind="malformed", server="shopify", times=1),
        ],
    )
    async with run_sandbox(DATA, shopify_bucket=ROOMY) as sb:
        await activity_run(activities(sb, fast_retry, clean).fetch, REQUEST)
    async with run_sandbox(DATA, faults=plan, shopify_bucket=ROOMY) as sb:
        await activity_run(activities(sb, fast_retry, faulty).fetch, REQUEST)
        assert sb.faults.fired() == 4
    assert [p.body for p in faulty.pages] == [p.body for p in clean.pages]


async def test_a_retry_resumes_on_the_heartbeated_page_link(fast_retry, activity_run):
    ingestor = MemoryIngestor()
    async with run_sandbox(DATA, shopify_bucket=ROOMY) as sb:
        fetch = activities(sb, fast_retry, ingestor).fetch
        ingestor.fail_after = 2  # the worker dies storing the third orders page
        with pytest.raises(RuntimeError):
            await activity_run(fetch, REQUEST)
        ingestor.fail_after = None
        first_calls = sb.hosts["shopify"].requests("/admin/api/2024-10/orders.json")
        await activity_run.resume(fetch, REQUEST)
        calls = sb.hosts["shopify"].requests("/admin/api/2024-10/orders.json")
    assert first_calls == 3
    assert calls - first_calls == math.ceil(len(expected("orders")) / 250) - 2  # pages 3… only
    assert sorted(ingestor.upserts("orders")) == sorted(expected("orders"))


async def test_a_bad_token_fails_at_once_naming_shopifys_error(fast_retry, activity_run):
    async with run_sandbox(DATA, shopify_bucket=ROOMY) as sb:
        fetch = activities(sb, fast_retry, MemoryIngestor(), shopify_access_token="shpat_bad").fetch
        with pytest.raises(ApplicationError) as failed:
            await activity_run(fetch, REQUEST)
    assert failed.value.type == "VendorAuthError" and failed.value.non_retryable
    assert "Invalid API key or access token" in str(failed.value)


async def test_concurrent_calls_on_one_connector_take_turns_with_the_bucket(fast_retry):
    """Two fetches sharing a worker's connector: each call sees the bucket the last one left,
    so six calls at once into a 36/40 bucket earn no 429."""
    async with run_sandbox(DATA) as sb:
        connector = ShopifyConnector.from_settings(sandbox_settings(sb.env()))
        url = connector.first_page_url("customers", {})
        fill_bucket(sb, 36)
        pages = await asyncio.gather(*(connector.page(url, "customers") for _ in range(6)))
        assert sb.hosts["shopify"].calls.total() == 6
    assert len({p.body for p in pages}) == 1


async def test_write_back_beside_a_fetch_takes_its_turn_in_the_same_bucket(fast_retry):
    """A fetch's page has just left the shop's bucket full (40/40) when a correction is
    pushed: the write-back waits for the leak the fetch was told of, so its read and update
    and the fetch's next pages earn no 429 (a writer pacing on its own would hit one at once
    and fail)."""
    async with run_sandbox(DATA) as sb:
        settings = sandbox_settings(sb.env())
        connector = ShopifyConnector.from_settings(settings)
        writer = ShopifyWriter(connector.config)
        url = connector.first_page_url("customers", {})
        order = str(DATA.shopify["orders"][0]["id"])
        fill_bucket(sb, 39)
        first = await connector.page(url, "customers")
        pushed, *pages = await asyncio.gather(
            asyncio.to_thread(writer.apply, order, "tags", "accord-checked", {}),
            *(connector.page(url, "customers") for _ in range(2)),
        )
        assert sb.hosts["shopify"].calls.total() == 5  # nothing was refused and tried again
    assert pushed.status.value == "applied" and "accord-checked" in pushed.after["tags"]
    assert {p.body for p in pages} == {first.body}


def test_calls_reserve_their_places_in_the_bucket_one_after_another():
    """After an answer at 38/40, three calls asking at once are told to go one leak apart
    (2/s); a 429's Retry-After holds back every call after it."""
    bucket = CallBucket()
    assert bucket.reserve() == 0.0  # nothing known yet
    bucket.send(lambda: ("page", "38/40"))
    waits = [bucket.reserve() for _ in range(3)]
    assert [round(w, 1) for w in waits] == [0.5, 1.0, 1.5]

    def refused():
        raise TransientVendorError("shopify", "http_429", "Exceeded", retry_after=4.0)

    with pytest.raises(TransientVendorError):
        bucket.send(refused)
    assert 3.5 < bucket.reserve() <= 4.0
