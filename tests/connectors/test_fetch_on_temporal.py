"""A fetch in a real worker on the Temporal dev server: an attempt that dies mid-pagination is
retried by Temporal, and the retry starts at the cursor the first attempt heartbeated."""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.worker import Worker

from activities.fetch_support import PageRetry
from activities.stripe import StripeActivities
from connectors.stripe import StripeConnector
from models.io import FetchResult
from models.records import Source
from sandbox.faults import Fault, FaultPlan
from sandbox.servers import run_sandbox

from .conftest import fetch_input, sandbox_settings
from .connector_data import stripe_objects
from .fetch_workflow import FetchOnceWorkflow
from .memory_ingestor import MemoryIngestor

DATA = stripe_objects(per_day=3, payout_every=3)


async def run_fetch(client: Client, activities: StripeActivities) -> FetchResult:
    queue = f"fetch-{uuid.uuid4()}"
    async with Worker(
        client, task_queue=queue, workflows=[FetchOnceWorkflow], activities=[activities.fetch]
    ):
        return await client.execute_workflow(
            FetchOnceWorkflow.run, fetch_input(Source.STRIPE), id=queue, task_queue=queue
        )


async def test_temporal_retry_resumes_from_the_heartbeat(temporal_client: Client):
    one_try = PageRetry(attempts=1)
    clean = MemoryIngestor()
    async with run_sandbox(DATA) as sb:
        connector = StripeConnector.from_settings(sandbox_settings(sb.env()))
        await run_fetch(temporal_client, StripeActivities(connector, clean, one_try))
        clean_charges = sb.hosts["stripe"].requests("/v1/charges")
        clean_refunds = sb.hosts["stripe"].requests("/v1/refunds")
        clean_txns = sb.hosts["stripe"].requests("/v1/balance_transactions")
    assert clean_charges >= 2  # several pages, or the test proves nothing

    # The first attempt stores every charge page, then dies on the refunds list.
    crash = FaultPlan(faults=[Fault(kind="server_error", path="/v1/refunds", times=1)])
    retried = MemoryIngestor()
    async with run_sandbox(DATA, faults=crash) as sb:
        connector = StripeConnector.from_settings(sandbox_settings(sb.env()))
        result = await run_fetch(temporal_client, StripeActivities(connector, retried, one_try))
        assert sb.hosts["stripe"].requests("/v1/charges") == clean_charges  # not fetched again
        assert sb.hosts["stripe"].requests("/v1/refunds") == clean_refunds + 1
        assert sb.hosts["stripe"].requests("/v1/balance_transactions") == clean_txns
    assert sorted(retried.upserts()) == sorted(clean.upserts())
    assert result.pages == len(clean.pages)


async def test_bad_credentials_are_not_retried_by_temporal(temporal_client: Client):
    async with run_sandbox(DATA) as sb:
        settings = sandbox_settings(sb.env(), stripe_api_key="sk_test_revoked")
        activities = StripeActivities(StripeConnector.from_settings(settings), MemoryIngestor())
        with pytest.raises(WorkflowFailureError) as failed:
            await run_fetch(temporal_client, activities)
        assert sb.hosts["stripe"].requests("/v1/charges") == 1
    cause = failed.value.cause.cause
    assert cause.type == "VendorAuthError"
