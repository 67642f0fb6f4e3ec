"""Backfill that never runs a window twice.

Temporal's scheduler starts backfilled runs with a reuse policy that allows a closed workflow id
to run again, and refuses any other policy on a schedule. So a second backfill of the same month
would reconcile every day twice. We ask the server which times the schedule matches in the span,
look up each time's workflow id (`<prefix>-<scheduled time>`), and backfill only the times that
have no running or completed run. A failed, cancelled or terminated window may run again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel
from temporalio.api.workflowservice.v1 import ListScheduleMatchingTimesRequest
from temporalio.client import (
    Client,
    ScheduleBackfill,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    WorkflowExecutionStatus,
)
from temporalio.service import RPCError, RPCStatusCode

from models.errors import AccordError, InputError

DONE = {WorkflowExecutionStatus.RUNNING, WorkflowExecutionStatus.COMPLETED}
LOOKUPS_AT_ONCE = 16
MATCHING_ATTEMPTS = 4
PASSING_FAULTS = {
    RPCStatusCode.CANCELLED,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.UNAVAILABLE,
}
EDGE = timedelta(milliseconds=1)


class ScheduleBusyError(AccordError):
    """A backfill cannot be planned while runs of an earlier one are still waiting to start."""


class BackfillPlan(BaseModel):
    """What a backfill found and asked for. Times are the runs' scheduled times (window ends)."""

    schedule_id: str
    start: datetime
    end: datetime
    matching: list[datetime]
    already_run: list[datetime]
    not_yet_due: list[datetime]
    requested: list[datetime]
    workflow_ids: list[str]


def scheduled_workflow_id(prefix: str, scheduled: datetime) -> str:
    """The id Temporal gives a scheduled run: the action's id, a dash, the time in RFC 3339."""
    return f"{prefix}-{scheduled.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def contiguous_runs(matching: Sequence[datetime], wanted: set[datetime]) -> list[list[datetime]]:
    """Split the wanted times into runs of neighbours in `matching`, one backfill request each."""
    runs: list[list[datetime]] = []
    previous_wanted = False
    for time in matching:
        if time in wanted:
            if not previous_wanted:
                runs.append([])
            runs[-1].append(time)
        previous_wanted = time in wanted
    return runs


def backfill_requests(runs: list[list[datetime]]) -> list[ScheduleBackfill]:
    """The server takes both ends of a backfill range as inclusive, so each run is exact."""
    return [
        ScheduleBackfill(start_at=run[0], end_at=run[-1], overlap=ScheduleOverlapPolicy.BUFFER_ALL)
        for run in runs
    ]


async def matching_times(
    client: Client, schedule_id: str, start: datetime, end: datetime, period: timedelta
) -> list[datetime]:
    """Scheduled times whose window `[t − period, t)` overlaps `[start, end)`: t in (start, end + period).

    The server answers by asking the schedule's own workflow; one busy starting a backfill can
    let the request time out (`CANCELLED`, seen once in CI): that, and an unavailable server,
    is asked again a few times before it is the caller's error."""
    request = ListScheduleMatchingTimesRequest(
        namespace=client.namespace,
        schedule_id=schedule_id,
        start_time=_timestamp(start + EDGE),
        end_time=_timestamp(end + period - EDGE),
    )
    for attempt in range(1, MATCHING_ATTEMPTS + 1):
        try:
            response = await client.workflow_service.list_schedule_matching_times(request)
            return [t.ToDatetime(tzinfo=UTC) for t in response.start_time]
        except RPCError as error:
            if error.status not in PASSING_FAULTS or attempt == MATCHING_ATTEMPTS:
                raise
            await asyncio.sleep(0.25 * 2**attempt)
    raise AssertionError("unreachable")


async def already_run(client: Client, prefix: str, times: Sequence[datetime]) -> set[datetime]:
    """The times whose workflow is running or completed (a strongly consistent lookup per id)."""
    gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def ran(time: datetime) -> bool:
        async with gate:
            try:
                handle = client.get_workflow_handle(scheduled_workflow_id(prefix, time))
                return (await handle.describe()).status in DONE
            except RPCError as error:
                if error.status == RPCStatusCode.NOT_FOUND:
                    return False
                raise

    found = await asyncio.gather(*(ran(t) for t in times))
    return {t for t, done in zip(times, found, strict=True) if done}


def check_span(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InputError("backfill times need a time zone", where="--start/--end")
    if not start < end:
        raise InputError(f"start {start} must be before end {end}", where="--start/--end")


async def check_not_busy(handle: ScheduleHandle) -> None:
    buffered = (await handle.describe()).raw_description.info.buffer_size
    if buffered:
        raise ScheduleBusyError(
            f"schedule {handle.id} still has {buffered} buffered runs from an earlier backfill; "
            "backfill again once they have started"
        )


def _timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(UTC))
    return stamp
