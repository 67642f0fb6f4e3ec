"""A schedule starting the real `ReconciliationWorkflow` over a recorded month, on real servers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowHandle
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

from ledger import migrate
from models.io import RunSummary
from models.progress import RunProgress
from runtime.settings import Settings
from sandbox.generator import generate, write_recorded
from scheduling.config import ScheduleConfig
from scheduling.schedules import (
    backfill_schedule,
    create_schedule,
    delete_schedule,
    describe_schedule,
    trigger_schedule,
)
from tests.scheduling.schedule_waiting import eventually
from worker import running_worker
from workflows.reconciliation import ReconciliationWorkflow

DAY = timedelta(days=1)
SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scheduled") / "recorded"
    write_recorded(generate(seed=5, month=date(2026, 10, 1), orders=20), folder)
    return folder


@pytest.fixture
async def real_queue(
    temporal_client: Client, database_url: str, tmp_path: Path
) -> AsyncIterator[str]:
    """A task queue served by Accord's own worker: the real workflow and activities."""
    await migrate(database_url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        temporal_task_queue=f"scheduled-{uuid.uuid4().hex[:8]}",
        data_dir=tmp_path / "accord",
        database_url=database_url,
    )
    async with running_worker(temporal_client, settings, database_url):
        yield settings.temporal_task_queue


async def described(handle: WorkflowHandle) -> WorkflowExecutionDescription | None:
    """The run's description once the schedule has started it (a backfill starts it later)."""
    try:
        return await handle.describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise


async def finished(
    client: Client, workflow_id: str
) -> tuple[RunSummary, RunProgress, datetime | None]:
    """The run's summary, its final progress and its `TemporalScheduledStartTime`."""
    handle = client.get_workflow_handle_for(ReconciliationWorkflow.run, workflow_id)
    description = await eventually(lambda: described(handle), bool, within=30)
    assert description is not None
    summary = await handle.result()
    scheduled = description.typed_search_attributes.get(SCHEDULED_START)
    return summary, await handle.query(ReconciliationWorkflow.progress), scheduled


async def test_a_triggered_run_reconciles_the_period_that_ends_at_its_scheduled_time(
    temporal_client: Client, schedule_id: str, real_queue: str, recorded: Path
):
    config = ScheduleConfig(
        task_queue=real_queue, schedule_id=schedule_id, source_dir=str(recorded), paused=True
    )
    await create_schedule(temporal_client, config)
    await trigger_schedule(temporal_client, schedule_id)
    view = await eventually(
        lambda: describe_schedule(temporal_client, schedule_id), lambda v: v.recent
    )
    [run] = view.recent
    summary, progress, scheduled = await finished(temporal_client, run.workflow_id)
    assert progress.stage == "done"
    assert progress.window is not None
    assert scheduled is not None and abs(scheduled - run.scheduled_at) < timedelta(seconds=1)
    assert progress.window.end == progress.window.as_of == scheduled
    assert progress.window.end - progress.window.start == DAY
    assert summary.failed_sources == {}
    await delete_schedule(temporal_client, schedule_id)


async def test_a_backfilled_day_reconciles_that_day_of_the_recorded_month(
    temporal_client: Client, schedule_id: str, real_queue: str, recorded: Path
):
    config = ScheduleConfig(
        task_queue=real_queue, schedule_id=schedule_id, source_dir=str(recorded), paused=True
    )
    await create_schedule(temporal_client, config)
    day = datetime(2026, 10, 15, tzinfo=UTC)
    plan = await backfill_schedule(temporal_client, schedule_id, day, day + DAY)
    [workflow_id] = plan.workflow_ids
    summary, progress, scheduled = await finished(temporal_client, workflow_id)
    assert scheduled == day + DAY
    assert progress.window is not None
    assert (progress.window.start, progress.window.end) == (day, day + DAY)
    assert sum(summary.fetched.values()) > 0
    assert summary.matches.matches > 0
    await delete_schedule(temporal_client, schedule_id)
