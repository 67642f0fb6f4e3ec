"""Send a person's decision to the workflow that waits for it, and say what became of it.

Slack and the command line both come through here, so both meet the same checks (the workflow's
`decide` update): already decided, not allowed, correction changed. The workflow records each
refusal. A workflow that no longer waits (all its items decided or expired) cannot; then
`when_closed` records the refusal in the ledger and names the reason (who decided, or expiry).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from ledger import approvals as store
from models.approvals import Decision, DecisionOutcome, ItemState, RecordDecisionInput
from workflows.approval import ApprovalGroupWorkflow

WhenClosed = Callable[[str, Decision], Awaitable[DecisionOutcome]]
CLOSED_STATUSES = (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION)


def _refused(
    decision: Decision, reason: str, state: ItemState = ItemState.WAITING
) -> DecisionOutcome:
    return DecisionOutcome(
        accepted=False, discrepancy_id=decision.discrepancy_id, reason=reason, state=state
    )


async def submit_decision(
    client: Client, workflow_id: str, decision: Decision, *, when_closed: WhenClosed | None = None
) -> DecisionOutcome:
    handle = client.get_workflow_handle(workflow_id)
    try:
        return await handle.execute_update(ApprovalGroupWorkflow.decide, decision)
    except WorkflowUpdateFailedError as error:
        return _refused(decision, str(error.cause or error))
    except RPCError as error:
        if error.status not in CLOSED_STATUSES:
            raise
    if when_closed is None:
        return _refused(decision, "this approval is no longer waiting for a decision")
    return await when_closed(workflow_id, decision)


def ledger_refusals(sessions: async_sessionmaker[AsyncSession]) -> WhenClosed:
    """Record a decision that came after its workflow closed, with the reason the ledger knows."""

    async def when_closed(workflow_id: str, decision: Decision) -> DecisionOutcome:
        async with sessions.begin() as session:
            reason, state, run_id = await store.closed_reason(
                session, workflow_id, decision.discrepancy_id
            )
            at = decision.at or store.now()
            await store.record_refusal(
                session,
                RecordDecisionInput(
                    run_id=run_id or 0,
                    workflow_id=workflow_id,
                    decision=decision.model_copy(update={"at": at}),
                    accepted=False,
                    reason=reason,
                ),
            )
        return _refused(decision, reason, state)

    return when_closed
