"""Accord's worker: the reconciliation workflow and every activity, on one task queue.

`python worker.py` runs a worker alone against the configured Temporal (TEMPORAL_ADDRESS, or the
embedded dev server's address) and ledger (DATABASE_URL, or the embedded PostgreSQL).
Scale out by running more of them on the same task queue.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from temporalio.client import Client
from temporalio.worker import Worker

import engine
from activities.approvals import approval_activities
from activities.ingest import Ingestor
from activities.ledger import LedgerActivities
from activities.live import live_activities, quickbooks_connector
from activities.recorded import RecordedActivities
from activities.writeback import writers_for
from ledger import make_engine, migrate, session_factory
from runtime import cpu
from runtime.settings import Settings, get_settings
from workflows.approval import APPROVAL_WORKFLOWS
from workflows.reconciliation import ReconciliationWorkflow

log = logging.getLogger("accord.worker")
PAGE_WORK = ("activities.ingest", "activities.normalize")  # what the worker processes run


@asynccontextmanager
async def running_worker(
    client: Client, settings: Settings, database_url: str
) -> AsyncIterator[Worker]:
    """A started worker; the ledger is migrated first and closed after."""
    cpu.configure(settings.cpu_processes, PAGE_WORK)  # pages are read beside the event loop
    await migrate(database_url)
    db = make_engine(database_url)
    sessions = session_factory(db)
    ingestor = Ingestor(sessions)
    ledger = LedgerActivities(sessions, settings, engine.EngineConfig.from_settings(settings))
    async with AsyncExitStack() as stack:
        quickbooks = quickbooks_connector(settings, ingestor, stack)
        activities = [
            ledger.start_run,
            ledger.normalize,
            ledger.match,
            ledger.compare,
            ledger.finish_run,
            RecordedActivities(ingestor).fetch_recorded,
            *live_activities(settings, ingestor, quickbooks),
            *approval_activities(sessions, settings, **writers_for(settings, quickbooks)),
        ]
        worker = Worker(
            client,
            task_queue=settings.temporal_task_queue,
            workflows=[ReconciliationWorkflow, *APPROVAL_WORKFLOWS],
            activities=activities,
            max_concurrent_activities=8,
        )
        try:
            async with worker:
                yield worker
        finally:
            await db.dispose()


async def main() -> None:
    from runtime.client import connect_temporal
    from runtime.collector import tune_for_bulk_reading
    from runtime.embedded import embedded_services
    from runtime.observability import configure_logging, telemetry_runtime

    settings = get_settings()
    configure_logging(settings)
    tune_for_bulk_reading()
    async with embedded_services(settings, temporal=False) as services:
        client = await connect_temporal(
            settings.temporal_address or f"127.0.0.1:{settings.embedded_temporal_port}",
            settings.temporal_namespace,
            settings=settings,
            runtime=telemetry_runtime(settings),
        )
        async with running_worker(client, settings, services.database_url):
            log.info("worker running on task queue %s", settings.temporal_task_queue)
            await asyncio.Event().wait()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the worker as cleanly as Ctrl-C


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        from runtime.shutdown import exit_without_finalizing

        exit_without_finalizing(0)
