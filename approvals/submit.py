"""Send a person's decision to the workflow that waits for it, and say what became of it.

Slack and the command line both come through here, so both meet the same checks (the workflow's
`decide` update): already decided, not allowed, correction changed. The workflow records each
refusal; a decision for a workflow that no longer waits is refused here.
"""

from __future__ import annotations

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from models.approvals import Decision, DecisionOutcome, ItemState
from workflows.approval import ApprovalGroupWorkflow


def _refused(decision: Decision, reason: str) -> DecisionOutcome:
    return DecisionOutcome(
        accepted=False,
        discrepancy_id=decision.discrepancy_id,
        reason=reason,
        state=ItemState.WAITING,
    )


async def submit_decision(client: Client, workflow_id: str, decision: Decision) -> DecisionOutcome:
    handle = client.get_workflow_handle(workflow_id)
    try:
        return await handle.execute_update(
            ApprovalGroupWorkflow.decide, decision, result_type=DecisionOutcome
        )
    except WorkflowUpdateFailedError as error:
        return _refused(decision, str(error.cause or error))
    except RPCError as error:
        if error.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            return _refused(decision, "this approval is no longer waiting for a decision")
        raise
