"""Schedules against the real Temporal dev server, with stand-in workflows on fresh task queues."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from tests.scheduling.schedule_standins import HeldStandIn, QuickStandIn


@pytest.fixture
async def quick_queue(temporal_client: Client) -> AsyncIterator[str]:
    """A task queue served by a worker whose `ReconciliationWorkflow` returns at once."""
    queue = f"schedules-{uuid.uuid4().hex[:8]}"
    async with Worker(temporal_client, task_queue=queue, workflows=[QuickStandIn]):
        yield queue


@pytest.fixture
async def held_queue(temporal_client: Client) -> AsyncIterator[str]:
    """A task queue whose `ReconciliationWorkflow` runs until it is sent `release`."""
    queue = f"schedules-held-{uuid.uuid4().hex[:8]}"
    async with Worker(temporal_client, task_queue=queue, workflows=[HeldStandIn]):
        yield queue


@pytest.fixture
def schedule_id() -> str:
    return f"accord-test-{uuid.uuid4().hex[:8]}"
