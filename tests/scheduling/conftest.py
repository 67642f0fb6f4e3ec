"""Schedules against the real Temporal dev server, with stand-in workflows on fresh task queues."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from schedule_standins import HeldStandIn, QuickStandIn
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker


@pytest.fixture(scope="session")
async def schedule_client() -> AsyncIterator[Client]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        data_converter=pydantic_data_converter,
    )
    yield env.client
    await env.shutdown()


@pytest.fixture
async def quick_queue(schedule_client: Client) -> AsyncIterator[str]:
    """A task queue served by a worker whose `ReconciliationWorkflow` returns at once."""
    queue = f"schedules-{uuid.uuid4().hex[:8]}"
    async with Worker(schedule_client, task_queue=queue, workflows=[QuickStandIn]):
        yield queue


@pytest.fixture
async def held_queue(schedule_client: Client) -> AsyncIterator[str]:
    """A task queue whose `ReconciliationWorkflow` runs until it is sent `release`."""
    queue = f"schedules-held-{uuid.uuid4().hex[:8]}"
    async with Worker(schedule_client, task_queue=queue, workflows=[HeldStandIn]):
        yield queue


@pytest.fixture
def schedule_id() -> str:
    return f"accord-test-{uuid.uuid4().hex[:8]}"
