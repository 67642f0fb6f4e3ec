"""Approvals: put a run's discrepancies to people in Slack, wait durably, push what they approve.

`RunApprovalsWorkflow` (a child of the reconciliation run, started after its report) plans the
run's approvals, sends the daily summary and the exception email once, pushes the corrections
the configuration marks `auto`, and starts one `ApprovalGroupWorkflow` per group of items.

A group workflow posts one Slack message and waits for decisions, which arrive as the `decide`
update (from the Slack endpoint or `starter.py decide`). The person hears back at once whether the
decision was accepted or refused, and why; a refusal is recorded and never applied. It reminds
after `remind_after`, and expires what is still undecided after `expire_after`.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from models.approvals import (
        ApplyInput,
        ApplyResult,
        ApplyStatus,
        ApprovalItem,
        CurrentCorrection,
        Decision,
        DecisionOutcome,
        ExpireInput,
        GroupInput,
        GroupResult,
        ItemState,
        ItemStatus,
        NotifyInput,
        NotifyResult,
        PostedMessage,
        PostGroupInput,
        RecordDecisionInput,
        RunApprovalsInput,
        RunApprovalsPlan,
        RunApprovalsResult,
        UpdateGroupInput,
        Verdict,
    )

LEDGER_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30), maximum_attempts=20)
VENDOR_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(minutes=2),
    maximum_attempts=10,
    non_retryable_error_types=["VendorAuthError", "VendorRequestError", "ConfigurationError"],
)
CLOSED = (ItemState.APPROVED, ItemState.REJECTED, ItemState.EXPIRED)


def refusal_reason(item: ApprovalItem, status: ItemStatus, decision: Decision) -> str:
    """Why a decision cannot be taken ("" when it can). Pure, so CLI and Slack share it."""
    if status.state in (ItemState.APPROVED, ItemState.REJECTED):
        return f"already {status.state.value} by {status.decided_by_name or status.decided_by}"
    if status.state == ItemState.EXPIRED:
        return "the request expired; nothing was pushed"
    if status.state == ItemState.DECIDING:
        return "another decision on this item is being recorded"
    if decision.by not in item.allowed:
        roles = ", ".join(item.roles) or "nobody"
        return f"{decision.by_name or decision.by} may not decide this item (it needs: {roles})"
    if decision.correction_id != item.correction_id:
        return "the proposed correction has changed since this was shown; look again"
    return ""


async def _ledger(name: str, arg, result_type=None):
    return await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=timedelta(minutes=1),
        retry_policy=LEDGER_RETRY,
    )


async def _apply(run_id: int, item: ApprovalItem, by: str) -> ApplyResult:
    """Push one correction; a permanent vendor refusal becomes a `failed` result, not a crash."""
    assert item.correction is not None
    try:
        return await workflow.execute_activity(
            "apply_correction",
            ApplyInput(
                run_id=run_id,
                discrepancy_id=item.discrepancy_id,
                correction=item.correction,
                decided_by=by,
            ),
            result_type=ApplyResult,
            start_to_close_timeout=timedelta(minutes=2),
            heartbeat_timeout=timedelta(seconds=20),
            retry_policy=VENDOR_RETRY,
            summary=f"push {item.correction.system} {item.correction.object_type}",
        )
    except ActivityError as error:
        detail = str(error.cause or error)
        workflow.logger.warning("pushing %s failed: %s", item.correction.id, detail)
        return ApplyResult(
            correction_id=item.correction.id, status=ApplyStatus.FAILED, detail=detail
        )


@workflow.defn
class ApprovalGroupWorkflow:
    """One Slack message of items; decisions by update; remind, expire, apply."""

    @workflow.init
    def __init__(self, request: GroupInput) -> None:
        self._request = request
        self._items = {i.discrepancy_id: i for i in request.group.items}
        self._status = {i: ItemStatus(discrepancy_id=i) for i in self._items}
        self._dirty = False
        self._done = False
        self._applying: list[asyncio.Task[None]] = []
        self._message: PostedMessage | None = None

    @workflow.query
    def statuses(self) -> list[ItemStatus]:
        return list(self._status.values())

    @workflow.update
    async def decide(self, decision: Decision) -> DecisionOutcome:
        decision = decision.model_copy(update={"at": workflow.now()})
        item, status = self._items[decision.discrepancy_id], self._status[decision.discrepancy_id]
        reason = refusal_reason(item, status, decision)
        if reason:
            return await self._refuse(decision, status, reason)
        status.state = ItemState.DECIDING
        current = await _ledger("current_correction", item.discrepancy_id, CurrentCorrection)
        if current.correction_id != item.correction_id:
            status.state = ItemState.WAITING
            return await self._refuse(
                decision, status, "the discrepancy's correction has changed since it was proposed"
            )
        await self._record(decision, item)
        return DecisionOutcome(
            accepted=True,
            discrepancy_id=item.discrepancy_id,
            state=status.state,
            decided_by=decision.by,
            decided_at=decision.at,
        )

    @decide.validator
    def _known_item(self, decision: Decision) -> None:
        if decision.discrepancy_id not in self._items:
            raise ApplicationError(
                f"{decision.discrepancy_id} is not waiting in {workflow.info().workflow_id}",
                type="UnknownItem",
            )

    async def _record(self, decision: Decision, item: ApprovalItem) -> None:
        c = item.correction
        await _ledger(
            "record_decision",
            RecordDecisionInput(
                run_id=self._request.run_id,
                workflow_id=workflow.info().workflow_id,
                decision=decision,
                accepted=True,
                before=c.from_value if c else None,
                after=c.to_value if c else None,
            ),
        )
        status = self._status[item.discrepancy_id]
        approved = decision.verdict == Verdict.APPROVE
        status.state = ItemState.APPROVED if approved else ItemState.REJECTED
        status.decided_by, status.decided_by_name = decision.by, decision.by_name
        status.decided_at, status.channel = decision.at, decision.channel
        self._dirty = True
        if approved and c is not None:
            self._applying.append(asyncio.create_task(self._push(item, decision.by)))

    async def _refuse(self, decision: Decision, status: ItemStatus, reason: str) -> DecisionOutcome:
        await _ledger(
            "record_refusal",
            RecordDecisionInput(
                run_id=self._request.run_id,
                workflow_id=workflow.info().workflow_id,
                decision=decision,
                accepted=False,
                reason=reason,
            ),
        )
        return DecisionOutcome(
            accepted=False,
            discrepancy_id=decision.discrepancy_id,
            reason=reason,
            state=status.state,
            decided_by=status.decided_by,
            decided_at=status.decided_at,
        )

    async def _push(self, item: ApprovalItem, by: str) -> None:
        result = await _apply(self._request.run_id, item, by)
        status = self._status[item.discrepancy_id]
        status.apply_status, status.apply_detail = result.status, result.detail
        self._dirty = True

    def _all_closed(self) -> bool:
        return all(s.state in CLOSED for s in self._status.values())

    def _post(self) -> PostGroupInput:
        times = self._request.times
        return PostGroupInput(
            run_id=self._request.run_id,
            workflow_id=workflow.info().workflow_id,
            group=self._request.group,
            statuses=list(self._status.values()),
            run_ui_url=self._request.run_ui_url,
            expires_at=workflow.info().start_time + times.expire_after,
        )

    async def _refresh_message(self) -> None:
        """Keep the Slack message showing each item's state; one update at a time, latest wins."""
        while True:
            await workflow.wait_condition(lambda: self._dirty or self._done)
            if not self._dirty:
                return
            self._dirty = False
            if self._message is None or not self._message.ts:
                continue
            try:
                await _ledger(
                    "update_approval_group",
                    UpdateGroupInput(message=self._message, post=self._post()),
                )
            except ActivityError as error:
                workflow.logger.warning("updating the Slack message failed: %s", error.cause)

    async def _wait_or_timeout(self, limit: timedelta) -> bool:
        try:
            await workflow.wait_condition(self._all_closed, timeout=limit)
            return True
        except TimeoutError:
            return False

    def _undecided(self) -> list[str]:
        return [i for i, s in self._status.items() if s.state == ItemState.WAITING]

    async def _expire(self) -> None:
        # Items being decided right now finish first; the rest expire.
        await workflow.wait_condition(
            lambda: all(s.state != ItemState.DECIDING for s in self._status.values())
        )
        ids = self._undecided()
        for i in ids:
            self._status[i].state = ItemState.EXPIRED
        self._dirty = True
        info = workflow.info()
        await _ledger(
            "expire_approvals",
            ExpireInput(
                run_id=self._request.run_id, workflow_id=info.workflow_id, discrepancy_ids=ids
            ),
        )

    @workflow.run
    async def run(self, request: GroupInput) -> GroupResult:
        self._message = await _ledger("post_approval_group", self._post(), PostedMessage)
        refresher = asyncio.create_task(self._refresh_message())
        times = request.times
        if not await self._wait_or_timeout(times.remind_after):
            await _ledger(
                "remind_approvers",
                UpdateGroupInput(message=self._message, post=self._post(), note="reminder"),
            )
            rest = max(times.expire_after - times.remind_after, timedelta(seconds=1))
            if not await self._wait_or_timeout(rest):
                await self._expire()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await asyncio.gather(*self._applying)
        self._dirty, self._done = True, True
        await refresher
        return GroupResult(key=request.group.key, statuses=list(self._status.values()))


@workflow.defn
class RunApprovalsWorkflow:
    """Everything a run needs from people, and the corrections pushed without asking."""

    @workflow.run
    async def run(self, request: RunApprovalsInput) -> RunApprovalsResult:
        plan = await _ledger("plan_approvals", request, RunApprovalsPlan)
        notify = NotifyInput(run_id=request.run_id, run_ui_url=plan.run_ui_url)
        await asyncio.gather(
            self._notify("send_daily_summary", notify), self._notify("send_exception_email", notify)
        )
        automatic = await asyncio.gather(
            *(_apply(request.run_id, i, "auto") for i in plan.automatic)
        )
        children = await asyncio.gather(*(self._group(plan, g) for g in plan.groups))
        return _tally(request.run_id, plan, list(automatic), children)

    async def _notify(self, name: str, request: NotifyInput) -> None:
        """Summaries are sent once per run; one that cannot be sent does not stop approvals."""
        try:
            await workflow.execute_activity(
                name,
                request,
                result_type=NotifyResult,
                start_to_close_timeout=timedelta(minutes=1),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=8),
            )
        except ActivityError as error:
            workflow.logger.warning("%s failed: %s", name, error.cause)

    async def _group(self, plan: RunApprovalsPlan, group) -> GroupResult:
        try:
            return await workflow.execute_child_workflow(
                ApprovalGroupWorkflow.run,
                GroupInput(
                    run_id=plan.run_id, group=group, times=plan.times, run_ui_url=plan.run_ui_url
                ),
                id=f"{workflow.info().workflow_id}-{group.key}",
                static_summary=group.title,
            )
        except ChildWorkflowError as error:
            workflow.logger.warning("approval group %s failed: %s", group.key, error.cause)
            return GroupResult(key=group.key, statuses=[])


def _tally(
    run_id: int, plan: RunApprovalsPlan, automatic: list[ApplyResult], groups: list[GroupResult]
) -> RunApprovalsResult:
    result = RunApprovalsResult(run_id=run_id, posted=sum(len(g.items) for g in plan.groups))
    for g in groups:
        for s in g.statuses:
            result.by_state[s.state.value] = result.by_state.get(s.state.value, 0) + 1
    result.approved = result.by_state.get("approved", 0)
    result.rejected = result.by_state.get("rejected", 0)
    result.expired = result.by_state.get("expired", 0)
    result.automatic = len(automatic)
    pushed = [s.apply_status for g in groups for s in g.statuses if s.apply_status]
    statuses = [r.status for r in automatic] + pushed
    result.applied = sum(1 for s in statuses if s == ApplyStatus.APPLIED)
    result.conflicts = sum(1 for s in statuses if s == ApplyStatus.CONFLICT)
    result.failed = sum(1 for s in statuses if s == ApplyStatus.FAILED)
    return result


APPROVAL_WORKFLOWS = [RunApprovalsWorkflow, ApprovalGroupWorkflow]
