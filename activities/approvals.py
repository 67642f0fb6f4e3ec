"""The approval flow's ledger steps: plan a run's approvals, record decisions and refusals.

Thin adapters over `ledger.approvals`; each commits before it returns, so a retried attempt
finds what an earlier one did.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from approvals.config import ApprovalConfig
from approvals.grouping import group_items
from ledger import approvals as store
from ledger.results import get_run
from ledger.tables import DiscrepancyRow
from models.approvals import (
    ApprovalItem,
    CurrentCorrection,
    ExpireInput,
    RecordDecisionInput,
    RunApprovalsInput,
    RunApprovalsPlan,
    WritebackMode,
)
from models.money import quantize
from models.results import Correction

log = logging.getLogger("accord.approvals")


def item_of(row: DiscrepancyRow, config: ApprovalConfig) -> ApprovalItem:
    roles = config.roles_for(row.severity, list(row.approvers or []))
    missing = [r for r in roles if r not in config.approvers]
    if missing:
        log.warning("nobody holds approver role(s) %s in APPROVERS (%s)", missing, row.id)
    allowed = sorted({who for r in roles for who in config.approvers.get(r, [])})
    return ApprovalItem(
        discrepancy_id=row.id,
        severity=row.severity,
        field=row.field,
        rule=row.rule,
        explanation=row.explanation,
        values={k: str(v) for k, v in (row.values or {}).items()},
        money_at_stake=quantize(row.money_at_stake, row.currency)
        if row.currency
        else row.money_at_stake,
        currency=row.currency,
        correction=Correction.model_validate(row.correction) if row.correction else None,
        allowed=allowed,
        roles=roles,
    )


def route(item: ApprovalItem, config: ApprovalConfig) -> WritebackMode:
    """Ask a person (review), push at once (auto), or leave it (never)."""
    if item.correction is None:
        needs_person = item.field == "rule" and bool(item.roles)
        return WritebackMode.REVIEW if needs_person else WritebackMode.NEVER
    return config.mode_for(item.field, item.severity)


class ApprovalActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.config = ApprovalConfig.from_settings(settings)

    @activity.defn(name="plan_approvals")
    async def plan_approvals(self, request: RunApprovalsInput) -> RunApprovalsPlan:
        async with self.sessions() as session:
            run = await get_run(session, request.run_id)
            rows = await store.candidates(session, request.run_id)
        review, automatic = [], []
        for row in rows:
            item = item_of(row, self.config)
            mode = route(item, self.config)
            if mode == WritebackMode.REVIEW:
                review.append(item)
            elif mode == WritebackMode.AUTO:
                automatic.append(item)
        return RunApprovalsPlan(
            run_id=request.run_id,
            groups=group_items(review, size=self.config.group_size),
            automatic=automatic,
            times=self.config.times,
            run_workflow_id=run.workflow_id,
            run_ui_url=self.settings.workflow_ui_url(run.workflow_id, run.workflow_run_id),
        )

    @activity.defn(name="current_correction")
    async def current_correction(self, discrepancy_id: str) -> CurrentCorrection:
        async with self.sessions() as session:
            row = await store.discrepancy(session, discrepancy_id)
        if row is None:
            return CurrentCorrection(discrepancy_id=discrepancy_id, correction_id="", status="gone")
        correction = Correction.model_validate(row.correction) if row.correction else None
        return CurrentCorrection(
            discrepancy_id=discrepancy_id,
            correction_id=correction.id if correction else "",
            status=row.status,
        )

    @activity.defn(name="record_decision")
    async def record_decision(self, request: RecordDecisionInput) -> bool:
        async with self.sessions.begin() as session:
            return await store.record_decision(session, request)

    @activity.defn(name="record_refusal")
    async def record_refusal(self, request: RecordDecisionInput) -> None:
        async with self.sessions.begin() as session:
            await store.record_refusal(session, request)

    @activity.defn(name="expire_approvals")
    async def expire_approvals(self, request: ExpireInput) -> None:
        async with self.sessions.begin() as session:
            await store.expire(session, request.workflow_id, request.discrepancy_ids)


def approval_activities(
    sessions: async_sessionmaker[AsyncSession],
    settings,
    *,
    quickbooks=None,
    shopify=None,
) -> list:
    """Every activity of the approval flow, bound to its clients, for `Worker(activities=...)`.

    `quickbooks`: an `activities.writeback_quickbooks.QuickBooksWriter` (or None: QuickBooks
    corrections then fail as not configured); `shopify`: an
    `activities.writeback_shopify.ShopifyWriter` (or None).
    """
    from activities.notify import NotifyActivities
    from activities.slack import SlackActivities, slack_client_from
    from activities.writeback import WritebackActivities

    ledger = ApprovalActivities(sessions, settings)
    slack = SlackActivities(sessions, slack_client_from(settings), settings)
    notify = NotifyActivities(sessions, settings)
    writeback = WritebackActivities(sessions, settings, quickbooks, shopify)
    return [
        ledger.plan_approvals,
        ledger.current_correction,
        ledger.record_decision,
        ledger.record_refusal,
        ledger.expire_approvals,
        slack.post_approval_group,
        slack.update_approval_group,
        slack.remind_approvers,
        slack.send_daily_summary,
        notify.send_exception_email,
        writeback.apply_correction,
    ]
