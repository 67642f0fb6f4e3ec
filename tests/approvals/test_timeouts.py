"""Reminder and expiry fire at the configured times (on the time-skipping test server)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType

from ledger.approval_tables import ApprovalRequest
from ledger.tables import DiscrepancyRow
from models.approvals import RunApprovalsInput, RunApprovalsResult
from tests.approvals.approval_factories import new_vendor_payment, seed_run
from tests.approvals.conftest import run_worker
from tests.approvals.flow_helpers import approval_messages
from workflows.approval import RunApprovalsWorkflow

REMIND, EXPIRE = timedelta(hours=2), timedelta(hours=26)


async def _run(client, settings, run_id: int) -> RunApprovalsResult:
    return await client.execute_workflow(
        RunApprovalsWorkflow.run,
        RunApprovalsInput(run_id=run_id),
        id=f"approvals-ts-{uuid.uuid4().hex[:8]}",
        task_queue=settings.temporal_task_queue,
        result_type=RunApprovalsResult,
    )


async def _group_history(client, sessions):
    async with sessions() as session:
        workflow_id = await session.scalar(select(ApprovalRequest.workflow_id))
    return await client.get_workflow_handle(workflow_id).fetch_history()


def _offset(history, event) -> timedelta:
    return event.event_time.ToDatetime() - history.events[0].event_time.ToDatetime()


def _scheduled(history, activity: str):
    return next(
        e
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == activity
    )


async def test_reminder_then_expiry_at_the_configured_times(
    time_skipping_env, approval_settings, sessions, clean_slack
):
    settings = approval_settings.model_copy(
        update={"approval_remind_after": REMIND, "approval_expire_after": EXPIRE}
    )
    client = time_skipping_env.client
    rule = new_vendor_payment("90", "3000.00")
    run_id = await seed_run(sessions, [rule])
    async with await run_worker(client, settings, sessions):
        result = await _run(client, settings, run_id)
        history = await _group_history(client, sessions)

    assert (result.expired, result.approved, result.rejected) == (1, 0, 0)
    timers = [
        e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    ]
    assert timers == [REMIND, EXPIRE - REMIND]
    remind_at = _offset(history, _scheduled(history, "remind_approvers"))
    expire_at = _offset(history, _scheduled(history, "expire_approvals"))
    assert REMIND <= remind_at < REMIND + timedelta(minutes=1)
    assert EXPIRE <= expire_at < EXPIRE + timedelta(minutes=1)

    [message] = approval_messages(clean_slack)
    [reminder] = [m for m in clean_slack.messages() if m.thread_ts == message.ts]
    assert "still wait" in reminder.text and "<@U0CFO>" in reminder.text
    assert "Expired, nothing was pushed" in str(clean_slack.message(message.ts).blocks)
    async with sessions() as session:
        request = await session.scalar(select(ApprovalRequest))
        status = await session.scalar(select(DiscrepancyRow.status))
    assert request.state == "expired" and request.reminded_at is not None
    assert status == "open"  # asked again by the next run, nothing pushed

    # the next run's summary lists what expired
    async with await run_worker(client, settings, sessions):
        await _run(client, settings, await seed_run(sessions, []))
    summaries = [
        m
        for m in clean_slack.messages()
        if (m.metadata or {}).get("event_type") == "accord_summary"
    ]
    assert len(summaries) == 2
    assert "Expired without a decision (1)" in summaries[1].text and rule.id in summaries[1].text
    assert "Expired" not in summaries[0].text
