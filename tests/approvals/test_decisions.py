"""Decisions through Slack and the command line: grouped posts, refusals, double clicks, races."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select

from approvals.blocks import APPROVE, REJECT, parse_button_value
from approvals.submit import submit_decision
from ledger.approval_tables import ApprovalDecision, ApprovalRefusal, CorrectionOutbox
from ledger.tables import DiscrepancyRow
from models.approvals import Decision, RunApprovalsInput, RunApprovalsResult, Verdict
from tests.approvals.approval_factories import invoice_total, new_vendor_payment, seed_run
from tests.approvals.conftest import CHANNEL, SIGNING_SECRET
from tests.approvals.flow_helpers import (
    SlackUser,
    approval_messages,
    buttons,
    message_text,
    wait_for,
)
from workflows.approval import RunApprovalsWorkflow


async def start(temporal_client, settings, run_id: int):
    return await temporal_client.start_workflow(
        RunApprovalsWorkflow.run,
        RunApprovalsInput(run_id=run_id),
        id=f"approvals-test-{uuid.uuid4().hex[:8]}",
        task_queue=settings.temporal_task_queue,
        result_type=RunApprovalsResult,
    )


async def count(sessions, table, **where) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(table)
        for key, value in where.items():
            query = query.where(getattr(table, key) == value)
        return await session.scalar(query)


def _by_title(slack, n: int):
    return (
        {m.blocks[0]["text"]["text"]: m for m in approval_messages(slack)}
        if len(approval_messages(slack)) >= n
        else None
    )


async def test_items_are_grouped_posted_and_rejected_without_push(
    temporal_client, approval_settings, approval_worker, sessions, clean_slack
):
    big, small = (
        invoice_total("130", "100.00", "180.00"),
        invoice_total("131", "50.00", "55.00", "1002"),
    )
    rule = new_vendor_payment("77", "2500.00")
    run_id = await seed_run(sessions, [small, big, rule])
    handle = await start(temporal_client, approval_settings, run_id)

    posted = await wait_for(lambda: _by_title(clean_slack, 2), what="two approval messages")
    invoices = posted["QuickBooks · Invoice · total — 2 to decide"]
    review = posted["Review: new vendor payment — 1 to decide"]
    text = message_text(invoices)
    # what disagrees, each system's value, money at stake, the correction, the run's link, buttons
    assert text.index(big.id) < text.index(small.id)  # largest money first
    assert "*quickbooks*: 100.00" in text and "*shopify*: 180.00" in text
    assert "80.00 USD" in text and "quickbooks Invoice 130 `total`: 100.00 → 180.00" in text
    assert (
        "open the run in Temporal" in text
        and "/namespaces/default/workflows/reconcile-test-" in text
    )
    assert set(buttons(invoices)) == {big.id, small.id}
    assert set(buttons(invoices)[big.id]) == {APPROVE, REJECT}
    summary = [
        m
        for m in clean_slack.messages(CHANNEL)
        if (m.metadata or {}).get("event_type") == "accord_summary"
    ]
    assert len(summary) == 1 and "3 high" in summary[0].text

    for message, by in ((invoices, "sam"), (review, "dana")):
        for discrepancy_id, actions in buttons(message).items():
            workflow_id, _, correction_id = parse_button_value(actions[REJECT])
            outcome = await submit_decision(
                temporal_client,
                workflow_id,
                Decision(
                    discrepancy_id=discrepancy_id,
                    verdict=Verdict.REJECT,
                    by=by,
                    by_name=by,
                    correction_id=correction_id,
                ),
            )
            assert outcome.accepted, outcome.reason

    result = await handle.result()
    assert (result.rejected, result.approved, result.applied, result.posted) == (3, 0, 0, 3)
    assert await count(sessions, CorrectionOutbox) == 0  # reject → nothing is pushed
    async with sessions() as session:
        statuses = set((await session.execute(select(DiscrepancyRow.status))).scalars())
    assert statuses == {"rejected"}
    final = await wait_for(
        lambda: (
            "Rejected" in message_text(clean_slack.message(invoices.ts))
            and clean_slack.message(invoices.ts)
        ),
        what="the message to show the decisions",
    )
    assert buttons(final) == {}


async def test_unauthorized_click_is_refused_recorded_and_leaves_the_message(
    temporal_client, approval_settings, approval_worker, sessions, clean_slack
):
    rule = new_vendor_payment("78", "4200.00")
    run_id = await seed_run(sessions, [rule])
    handle = await start(temporal_client, approval_settings, run_id)
    [message] = await wait_for(lambda: approval_messages(clean_slack), what="the approval message")
    value = buttons(message)[rule.id][APPROVE]
    user = SlackUser(temporal_client, SIGNING_SECRET, clean_slack, sessions)

    assert (
        await user.click(value, APPROVE, user="U0BOOK", name="sam") == 200
    )  # a bookkeeper, not the CFO
    await user.settle()

    async with sessions() as session:
        refusals = list((await session.execute(select(ApprovalRefusal))).scalars())
    assert [(r.attempted_by, r.discrepancy_id, r.channel) for r in refusals] == [
        ("U0BOOK", rule.id, "slack")
    ]
    assert "may not decide" in refusals[0].reason and "cfo" in refusals[0].reason
    assert await count(sessions, ApprovalDecision) == 0
    assert "Not recorded" in user.replies("U0BOOK")[0]["text"]
    assert clean_slack.message(message.ts).edits == []  # the message is unchanged
    assert buttons(clean_slack.message(message.ts)) == buttons(message)

    assert await user.click(value, APPROVE, user="U0CFO", name="dana") == 200
    await user.settle()
    result = await handle.result()
    assert result.approved == 1 and result.applied == 0  # a rule clears; nothing to push
    assert "Recorded" in user.replies("U0CFO")[0]["text"]
    assert "Approved by <@U0CFO> via slack" in message_text(clean_slack.message(message.ts))


async def test_double_click_gives_one_decision(
    temporal_client, approval_settings, approval_worker, sessions, clean_slack
):
    rule = new_vendor_payment("79", "1500.00")
    handle = await start(temporal_client, approval_settings, await seed_run(sessions, [rule]))
    [message] = await wait_for(lambda: approval_messages(clean_slack), what="the approval message")
    value = buttons(message)[rule.id][APPROVE]
    user = SlackUser(temporal_client, SIGNING_SECRET, clean_slack, sessions)

    codes = await asyncio.gather(*(user.click(value, APPROVE, user="U0CFO") for _ in range(2)))
    await user.settle()

    assert codes == [200, 200]
    await handle.result()
    assert await count(sessions, ApprovalDecision) == 1
    refusals = await count(sessions, ApprovalRefusal)
    assert refusals == 1
    texts = sorted(r["text"][:12] for r in user.replies("U0CFO"))
    assert texts == ["Not recorded", "Recorded: yo"]


async def test_approve_racing_reject_gives_one_decision(
    temporal_client, approval_settings, approval_worker, sessions, clean_slack
):
    item = invoice_total("140", "10.00", "12.00")
    handle = await start(temporal_client, approval_settings, await seed_run(sessions, [item]))
    [message] = await wait_for(lambda: approval_messages(clean_slack), what="the approval message")
    actions = buttons(message)[item.id]
    user = SlackUser(temporal_client, SIGNING_SECRET, clean_slack, sessions)

    await asyncio.gather(
        user.click(actions[APPROVE], APPROVE, user="U0OWNER"),
        user.click(actions[REJECT], REJECT, user="U0BOOK"),
    )
    await user.settle()
    result = await handle.result()

    async with sessions() as session:
        decisions = list((await session.execute(select(ApprovalDecision))).scalars())
        status = await session.scalar(
            select(DiscrepancyRow.status).where(DiscrepancyRow.id == item.id)
        )
    assert len(decisions) == 1 and await count(sessions, ApprovalRefusal) == 1
    assert status == {"approve": "approved", "reject": "rejected"}[decisions[0].verdict]
    assert result.approved + result.rejected == 1


async def test_a_decision_on_a_changed_correction_is_refused(
    temporal_client, approval_settings, approval_worker, sessions, clean_slack
):
    item = invoice_total("150", "20.00", "25.00")
    handle = await start(temporal_client, approval_settings, await seed_run(sessions, [item]))
    [message] = await wait_for(lambda: approval_messages(clean_slack), what="the approval message")
    workflow_id, _, shown = parse_button_value(buttons(message)[item.id][REJECT])
    # a later run proposes another correction for the same discrepancy
    changed = invoice_total("150", "20.00", "26.00")
    async with sessions.begin() as session:
        row = await session.get(DiscrepancyRow, item.id)
        row.correction = changed.correction.model_dump(mode="json")

    decision = Decision(
        discrepancy_id=item.id, verdict=Verdict.REJECT, by="sam", correction_id=shown
    )
    outcome = await submit_decision(temporal_client, workflow_id, decision)
    assert not outcome.accepted and "changed" in outcome.reason
    stale = decision.model_copy(update={"correction_id": changed.correction.id})
    outcome = await submit_decision(temporal_client, workflow_id, stale)
    assert not outcome.accepted and "changed since this was shown" in outcome.reason
    assert await count(sessions, ApprovalRefusal) == 2
    assert await count(sessions, ApprovalDecision) == 0
    await handle.terminate("test done")
