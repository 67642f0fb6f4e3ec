"""A separate approval worker process, so a test can kill it with SIGKILL mid-activity.

python -m tests.approvals.worker_process      (settings from the environment)
"""

from __future__ import annotations

import asyncio

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from activities.approvals import approval_activities
from activities.writeback_quickbooks import QuickBooksWriter
from connectors.quickbooks import QuickBooksConnector
from ledger import make_engine, session_factory
from tests.approvals.conftest import ApprovalSettings
from tests.connectors.memory_ingestor import MemoryKeyValueStore
from workflows.approval import APPROVAL_WORKFLOWS


async def main() -> None:
    settings = ApprovalSettings()
    assert settings.temporal_address and settings.database_url
    client = await Client.connect(settings.temporal_address, data_converter=pydantic_data_converter)
    engine = make_engine(settings.database_url, pool_size=2)
    connector = QuickBooksConnector.from_settings(settings, MemoryKeyValueStore())
    writer = QuickBooksWriter(connector)
    worker = Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=APPROVAL_WORKFLOWS,
        activities=approval_activities(session_factory(engine), settings, quickbooks=writer),
    )
    print("worker ready", flush=True)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main())
