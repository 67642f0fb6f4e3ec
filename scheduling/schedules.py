"""Accord's schedules on Temporal: create, list, describe, pause, unpause, trigger, delete, backfill.

Every function takes a connected `Client` (with the pydantic data converter) and raises
`InputError` naming the option when the schedule does not exist or the request is refused.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TypeVar

from temporalio.client import (
    Client,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
)
from temporalio.service import RPCError, RPCStatusCode

from models.errors import InputError
from scheduling.backfill import (
    BackfillPlan,
    already_run,
    backfill_requests,
    check_not_busy,
    check_span,
    contiguous_runs,
    matching_times,
    scheduled_workflow_id,
)
from scheduling.build import build_schedule
from scheduling.config import ScheduleConfig
from scheduling.spacing import check_period_fits, spacing_warnings, upcoming_times
from scheduling.views import (
    ScheduleSummary,
    ScheduleView,
    action_input,
    schedule_summary,
    schedule_view,
)

T = TypeVar("T")


async def create_schedule(client: Client, config: ScheduleConfig) -> ScheduleView:
    """Created paused, checked against the period, then unpaused unless asked to stay paused;
    a schedule whose spacing cannot fit its period is deleted again and refused."""
    paused = config.model_copy(update={"paused": True})
    try:
        handle = await client.create_schedule(config.schedule_id, build_schedule(paused))
    except ScheduleAlreadyRunningError:
        raise InputError(
            f"schedule {config.schedule_id!r} already exists; delete it or pick another id",
            where="--schedule-id",
        ) from None
    except RPCError as error:
        if error.status == RPCStatusCode.INVALID_ARGUMENT:
            raise InputError(error.message, where="--cron/--interval/--time-zone") from None
        raise
    try:
        check_period_fits(
            await upcoming_times(client, handle.id, config.window_period), config.window_period
        )
    except InputError:
        await handle.delete()
        raise
    if not config.paused:
        await handle.unpause(note=config.note or "created through Accord")
    return await describe_schedule(client, handle.id)


async def describe_schedule(client: Client, schedule_id: str) -> ScheduleView:
    handle = client.get_schedule_handle(schedule_id)
    description = await _known(schedule_id, handle.describe())
    view = await schedule_view(client, description)
    upcoming = await upcoming_times(client, schedule_id, view.period)
    return view.model_copy(update={"warnings": spacing_warnings(upcoming, view.period)})


async def list_schedules(client: Client) -> list[ScheduleSummary]:
    """Every schedule in the namespace (visibility is eventually consistent: a new one may lag)."""
    return [schedule_summary(entry) async for entry in await client.list_schedules()]


async def pause_schedule(client: Client, schedule_id: str, note: str | None = None) -> None:
    handle = client.get_schedule_handle(schedule_id)
    await _known(schedule_id, handle.pause(note=note or "paused through Accord"))


async def unpause_schedule(client: Client, schedule_id: str, note: str | None = None) -> None:
    handle = client.get_schedule_handle(schedule_id)
    await _known(schedule_id, handle.unpause(note=note or "unpaused through Accord"))


async def trigger_schedule(
    client: Client, schedule_id: str, overlap: ScheduleOverlapPolicy | None = None
) -> None:
    """Run now: the run reconciles the period that ends now. The schedule's overlap policy
    holds unless `overlap` overrides it (under SKIP, nothing starts while a run is going)."""
    handle = client.get_schedule_handle(schedule_id)
    await _known(schedule_id, handle.trigger(overlap=overlap))


async def delete_schedule(client: Client, schedule_id: str) -> None:
    """Removes the schedule; runs it already started go on to their end."""
    await _known(schedule_id, client.get_schedule_handle(schedule_id).delete())


async def backfill_schedule(
    client: Client, schedule_id: str, start: datetime, end: datetime, *, dry_run: bool = False
) -> BackfillPlan:
    """Reconcile every window of the schedule that overlaps `[start, end)`, one run per window,
    one after another (BUFFER_ALL). Windows already running or completed are left alone, and
    windows that are not over yet are not started."""
    check_span(start, end)
    handle = client.get_schedule_handle(schedule_id)
    description = await _known(schedule_id, handle.describe())
    action = description.schedule.action
    if not isinstance(action, ScheduleActionStartWorkflow):
        raise InputError("does not start a workflow", where=f"schedule {schedule_id!r}")
    period = (await action_input(client, action)).period
    matching = await matching_times(client, schedule_id, start, end, period)
    now = datetime.now(UTC)
    due = [t for t in matching if t <= now]
    done = await already_run(client, action.id, due)
    wanted = [t for t in due if t not in done]
    if wanted and not dry_run:
        await check_not_busy(handle)
        await handle.backfill(*backfill_requests(contiguous_runs(matching, set(wanted))))
    return BackfillPlan(
        schedule_id=schedule_id,
        start=start,
        end=end,
        matching=matching,
        already_run=sorted(done),
        not_yet_due=[t for t in matching if t > now],
        requested=wanted,
        workflow_ids=[scheduled_workflow_id(action.id, t) for t in wanted],
    )


async def _known(schedule_id: str, call: Awaitable[T]) -> T:
    """The call's result; a missing schedule becomes an `InputError` naming it."""
    try:
        return await call
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise InputError(f"no schedule {schedule_id!r}", where="--schedule-id") from None
        raise
