"""Backfill of a month against the real dev server: one run per window, never two."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import Client

from scheduling.backfill import ScheduleBusyError
from scheduling.config import ScheduleConfig
from scheduling.schedules import (
    backfill_schedule,
    create_schedule,
    delete_schedule,
    describe_schedule,
)
from tests.scheduling.schedule_standins import Arrival
from tests.scheduling.schedule_waiting import eventually

OCTOBER = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
DAY = timedelta(days=1)


def days(first: datetime, count: int) -> list[datetime]:
    return [first + n * DAY for n in range(count)]


async def settled(client: Client, schedule_id: str, actions: int):
    return await eventually(
        lambda: describe_schedule(client, schedule_id),
        lambda v: v.actions_taken >= actions and not v.running,
    )


async def test_a_month_gives_one_run_per_day_one_after_another(
    temporal_client: Client, schedule_id: str, quick_queue: str
):
    config = ScheduleConfig(task_queue=quick_queue, schedule_id=schedule_id, paused=True)
    await create_schedule(temporal_client, config)

    plan = await backfill_schedule(temporal_client, schedule_id, *OCTOBER)

    assert plan.requested == days(datetime(2026, 10, 2, tzinfo=UTC), 31)
    assert len(set(plan.workflow_ids)) == 31
    await settled(temporal_client, schedule_id, 31)
    runs = [temporal_client.get_workflow_handle(i, result_type=Arrival) for i in plan.workflow_ids]
    arrivals = [await run.result() for run in runs]
    windows = [(a.scheduled - a.request.period, a.scheduled) for a in arrivals]
    assert windows == [(day, day + DAY) for day in days(OCTOBER[0], 31)]
    described = sorted([await run.describe() for run in runs], key=lambda d: d.start_time)
    for earlier, later in itertools.pairwise(described):
        assert earlier.close_time <= later.start_time  # BUFFER_ALL: one after another

    again = await backfill_schedule(temporal_client, schedule_id, *OCTOBER)
    assert again.requested == []
    assert again.already_run == plan.requested

    overlapping = await backfill_schedule(
        temporal_client,
        schedule_id,
        datetime(2026, 10, 15, tzinfo=UTC),
        datetime(2026, 11, 15, tzinfo=UTC),
    )
    assert overlapping.requested == days(datetime(2026, 11, 2, tzinfo=UTC), 14)
    view = await settled(temporal_client, schedule_id, 31 + 14)
    assert view.actions_taken == 31 + 14
    await delete_schedule(temporal_client, schedule_id)


async def test_a_window_not_over_yet_is_not_backfilled(temporal_client: Client, schedule_id: str):
    config = ScheduleConfig(task_queue="q", schedule_id=schedule_id, paused=True)
    await create_schedule(temporal_client, config)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    plan = await backfill_schedule(
        temporal_client, schedule_id, today - DAY, today + DAY, dry_run=True
    )
    assert plan.requested == [today]
    assert plan.not_yet_due == [today + DAY]
    await delete_schedule(temporal_client, schedule_id)


async def test_a_backfill_waits_for_the_runs_an_earlier_one_buffered(
    temporal_client: Client, schedule_id: str, held_queue: str
):
    config = ScheduleConfig(task_queue=held_queue, schedule_id=schedule_id, paused=True)
    await create_schedule(temporal_client, config)
    first = await backfill_schedule(temporal_client, schedule_id, *OCTOBER)
    await eventually(lambda: describe_schedule(temporal_client, schedule_id), lambda v: v.running)

    with pytest.raises(ScheduleBusyError, match="buffered"):
        await backfill_schedule(temporal_client, schedule_id, *OCTOBER)

    await delete_schedule(temporal_client, schedule_id)
    for workflow_id in first.workflow_ids[:1]:
        await temporal_client.get_workflow_handle(workflow_id).terminate("test over")
