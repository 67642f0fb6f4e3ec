"""What `describe` and `list` show of a schedule, as plain pydantic models."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio.client import (
    Client,
    ScheduleActionResult,
    ScheduleActionStartWorkflow,
    ScheduleDescription,
    ScheduleListDescription,
)

from models.io import ReconcileInput
from scheduling.spec_text import spec_text


class ScheduledRun(BaseModel):
    scheduled_at: datetime
    started_at: datetime
    workflow_id: str


class ScheduleView(BaseModel):
    """One schedule as `schedule describe` prints it."""

    schedule_id: str
    workflow_type: str
    workflow_id_prefix: str
    task_queue: str
    times: str
    period: timedelta
    window_overlap: timedelta
    sources: list[str]
    source_dir: str | None
    overlap_policy: str
    catchup_window: timedelta | None
    run_timeout: timedelta | None
    paused: bool
    note: str | None
    actions_taken: int
    skipped_for_overlap: int
    missed_catchup_window: int
    running: list[str]
    recent: list[ScheduledRun]
    next_times: list[datetime]
    warnings: list[str] = []


class ScheduleSummary(BaseModel):
    """One line of `schedule list`."""

    schedule_id: str
    workflow_type: str
    times: str
    paused: bool
    note: str | None
    next_time: datetime | None
    last_run: ScheduledRun | None


def scheduled_run(result: ScheduleActionResult) -> ScheduledRun:
    return ScheduledRun(
        scheduled_at=result.scheduled_at,
        started_at=result.started_at,
        workflow_id=getattr(result.action, "workflow_id", ""),
    )


async def action_input(client: Client, action: ScheduleActionStartWorkflow) -> ReconcileInput:
    """The `ReconcileInput` stored in the schedule's start-workflow action."""
    if len(action.args) != 1:
        raise ValueError(f"schedule action has {len(action.args)} arguments, expected one")
    [request] = await client.data_converter.decode(list(action.args), [ReconcileInput])
    return request


async def schedule_view(client: Client, description: ScheduleDescription) -> ScheduleView:
    schedule, info = description.schedule, description.info
    action = schedule.action
    if not isinstance(action, ScheduleActionStartWorkflow):
        raise ValueError(f"schedule {description.id} does not start a workflow")
    request = await action_input(client, action)
    return ScheduleView(
        schedule_id=description.id,
        workflow_type=action.workflow,
        workflow_id_prefix=action.id,
        task_queue=action.task_queue,
        times=spec_text(schedule.spec),
        period=request.period,
        window_overlap=request.overlap,
        sources=[s.value for s in request.sources],
        source_dir=request.source_dir,
        overlap_policy=schedule.policy.overlap.name,
        catchup_window=schedule.policy.catchup_window,
        run_timeout=action.execution_timeout,
        paused=schedule.state.paused,
        note=schedule.state.note,
        actions_taken=info.num_actions,
        skipped_for_overlap=info.num_actions_skipped_overlap,
        missed_catchup_window=info.num_actions_missed_catchup_window,
        running=[getattr(r, "workflow_id", "") for r in info.running_actions],
        recent=[scheduled_run(r) for r in info.recent_actions],
        next_times=list(info.next_action_times),
    )


def schedule_summary(entry: ScheduleListDescription) -> ScheduleSummary:
    schedule, info = entry.schedule, entry.info
    return ScheduleSummary(
        schedule_id=entry.id,
        workflow_type=getattr(schedule.action, "workflow", "") if schedule else "",
        times=spec_text(schedule.spec) if schedule else "",
        paused=schedule.state.paused if schedule else False,
        note=schedule.state.note if schedule else None,
        next_time=info.next_action_times[0] if info and info.next_action_times else None,
        last_run=scheduled_run(info.recent_actions[-1]) if info and info.recent_actions else None,
    )
