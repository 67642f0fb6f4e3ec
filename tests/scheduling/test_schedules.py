"""Create, describe, list, pause, unpause, trigger and delete against the real dev server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import Client

from models.errors import InputError
from scheduling.config import ScheduleConfig
from scheduling.schedules import (
    create_schedule,
    delete_schedule,
    describe_schedule,
    list_schedules,
    pause_schedule,
    trigger_schedule,
    unpause_schedule,
)
from tests.scheduling.schedule_standins import Arrival
from tests.scheduling.schedule_waiting import eventually


async def test_a_new_schedule_is_nightly_with_skip_and_an_explicit_catchup_window(
    temporal_client: Client, schedule_id: str
):
    view = await create_schedule(
        temporal_client, ScheduleConfig(task_queue="q", schedule_id=schedule_id)
    )
    assert view.workflow_type == "ReconciliationWorkflow"
    assert view.workflow_id_prefix == f"reconcile-{schedule_id}"
    assert view.times == "cron 0 0 * * * (UTC)"
    assert view.period == timedelta(days=1)
    assert view.window_overlap == timedelta(hours=48)
    assert view.overlap_policy == "SKIP"
    assert view.catchup_window == timedelta(days=1)
    assert not view.paused
    first, second = view.next_times[:2]
    assert (first.hour, first.minute, first.second) == (0, 0, 0)
    assert second - first == timedelta(days=1)
    await delete_schedule(temporal_client, schedule_id)


async def test_cron_and_time_zone_set_the_local_hour(temporal_client: Client, schedule_id: str):
    config = ScheduleConfig(
        task_queue="q", schedule_id=schedule_id, cron="30 2 * * *", time_zone="Asia/Kolkata"
    )
    view = await create_schedule(temporal_client, config)
    assert view.times == "cron 30 2 * * * (Asia/Kolkata)"
    assert all((t.hour, t.minute) == (21, 0) for t in view.next_times)  # 02:30 IST is 21:00 UTC
    await delete_schedule(temporal_client, schedule_id)


async def test_an_interval_schedule_fires_on_its_interval(
    temporal_client: Client, schedule_id: str
):
    config = ScheduleConfig(task_queue="q", schedule_id=schedule_id, interval=timedelta(hours=6))
    view = await create_schedule(temporal_client, config)
    assert view.period == timedelta(hours=6)
    gaps = {b - a for a, b in zip(view.next_times, view.next_times[1:], strict=False)}
    assert gaps == {timedelta(hours=6)}
    await delete_schedule(temporal_client, schedule_id)


async def test_a_cron_the_server_refuses_is_an_input_error(
    temporal_client: Client, schedule_id: str
):
    config = ScheduleConfig(task_queue="q", schedule_id=schedule_id, cron="every night please")
    with pytest.raises(InputError) as raised:
        await create_schedule(temporal_client, config)
    assert "--cron" in raised.value.where


async def test_the_same_id_twice_is_refused(temporal_client: Client, schedule_id: str):
    config = ScheduleConfig(task_queue="q", schedule_id=schedule_id)
    await create_schedule(temporal_client, config)
    with pytest.raises(InputError, match="already exists"):
        await create_schedule(temporal_client, config)
    await delete_schedule(temporal_client, schedule_id)


async def test_list_shows_the_schedule(temporal_client: Client, schedule_id: str):
    await create_schedule(temporal_client, ScheduleConfig(task_queue="q", schedule_id=schedule_id))

    async def mine():
        return [s for s in await list_schedules(temporal_client) if s.schedule_id == schedule_id]

    [summary] = await eventually(mine, bool)
    assert summary.workflow_type == "ReconciliationWorkflow"
    assert summary.times == "cron 0 0 * * * (UTC)"
    assert summary.next_time is not None and summary.next_time > datetime.now(UTC)
    await delete_schedule(temporal_client, schedule_id)


async def test_pause_and_unpause_keep_a_note(temporal_client: Client, schedule_id: str):
    await create_schedule(temporal_client, ScheduleConfig(task_queue="q", schedule_id=schedule_id))
    await pause_schedule(temporal_client, schedule_id, note="books closed for audit")
    paused = await describe_schedule(temporal_client, schedule_id)
    assert paused.paused and paused.note == "books closed for audit"
    await unpause_schedule(temporal_client, schedule_id)
    unpaused = await describe_schedule(temporal_client, schedule_id)
    assert not unpaused.paused
    await delete_schedule(temporal_client, schedule_id)


async def test_trigger_runs_the_period_that_ends_now(
    temporal_client: Client, schedule_id: str, quick_queue: str
):
    config = ScheduleConfig(
        task_queue=quick_queue, schedule_id=schedule_id, interval=timedelta(hours=1), paused=True
    )
    await create_schedule(temporal_client, config)
    before = datetime.now(UTC)
    await trigger_schedule(temporal_client, schedule_id)
    view = await eventually(
        lambda: describe_schedule(temporal_client, schedule_id), lambda v: v.recent
    )
    [run] = view.recent
    assert run.workflow_id.startswith(f"reconcile-{schedule_id}-")
    handle = temporal_client.get_workflow_handle(run.workflow_id, result_type=Arrival)
    result = await handle.result()
    assert result.request.window is None
    assert result.request.period == timedelta(hours=1)
    assert before - timedelta(seconds=1) <= result.scheduled <= datetime.now(UTC)
    await delete_schedule(temporal_client, schedule_id)


async def test_skip_holds_back_a_run_while_one_is_going(
    temporal_client: Client, schedule_id: str, held_queue: str
):
    config = ScheduleConfig(task_queue=held_queue, schedule_id=schedule_id, paused=True)
    await create_schedule(temporal_client, config)
    await trigger_schedule(temporal_client, schedule_id)
    running = await eventually(
        lambda: describe_schedule(temporal_client, schedule_id), lambda v: v.running
    )
    await trigger_schedule(temporal_client, schedule_id)
    held = await eventually(
        lambda: describe_schedule(temporal_client, schedule_id), lambda v: v.skipped_for_overlap
    )
    assert held.skipped_for_overlap == 1
    assert held.running == running.running
    assert held.actions_taken == 1
    handle = temporal_client.get_workflow_handle(running.running[0])
    await handle.signal("release")
    await handle.result()
    after = await describe_schedule(temporal_client, schedule_id)
    assert after.actions_taken == 1  # the skipped run does not start later
    await delete_schedule(temporal_client, schedule_id)


async def test_a_deleted_or_unknown_schedule_is_an_input_error(
    temporal_client: Client, schedule_id: str
):
    await create_schedule(temporal_client, ScheduleConfig(task_queue="q", schedule_id=schedule_id))
    await delete_schedule(temporal_client, schedule_id)
    for call in (describe_schedule, pause_schedule, trigger_schedule, delete_schedule):
        with pytest.raises(InputError, match=f"no schedule '{schedule_id}'"):
            await call(temporal_client, schedule_id)
