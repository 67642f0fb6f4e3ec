"""Queries of the approval flow: what a run must put to people, requests, decisions, refusals.

A discrepancy's status follows its request: `awaiting_approval` while asked, `approved` or
`rejected` once decided, back to `open` when the request expires (the next run asks again).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.approval_tables import (
    ApprovalDecision,
    ApprovalRefusal,
    ApprovalRequest,
    CorrectionOutbox,
    NotificationSent,
)
from ledger.tables import DiscrepancyRow, RunDiscrepancy
from models.approvals import (
    ApprovalGroup,
    ItemState,
    OpenItem,
    RecordDecisionInput,
    SummaryFacts,
    Verdict,
)
from models.money import quantize
from models.results import DiscrepancyStatus

SEEN_BY_RUN = ("new", "still_open")


async def candidates(session: AsyncSession, run_id: int) -> list[DiscrepancyRow]:
    """Open discrepancies this run saw (new or still open), not already put to anyone."""
    rows = await session.execute(
        select(DiscrepancyRow)
        .join(RunDiscrepancy, RunDiscrepancy.discrepancy_id == DiscrepancyRow.id)
        .where(
            RunDiscrepancy.run_id == run_id,
            RunDiscrepancy.state.in_(SEEN_BY_RUN),
            DiscrepancyRow.status == DiscrepancyStatus.OPEN.value,
        )
        .order_by(DiscrepancyRow.id)
    )
    return list(rows.scalars())


async def discrepancy(session: AsyncSession, discrepancy_id: str) -> DiscrepancyRow | None:
    return await session.get(DiscrepancyRow, discrepancy_id)


async def _set_status(session: AsyncSession, ids: list[str], status: DiscrepancyStatus) -> None:
    await session.execute(
        update(DiscrepancyRow)
        .where(DiscrepancyRow.id.in_(ids))
        .values(status=status.value, updated_at=datetime.now(UTC))
    )


async def save_requests(
    session: AsyncSession,
    run_id: int,
    workflow_id: str,
    group: ApprovalGroup,
    expires_at: datetime | None,
) -> None:
    """Record that the group's items are put to people (idempotent for a retried activity)."""
    for item in group.items:
        stmt = insert(ApprovalRequest).values(
            run_id=run_id,
            discrepancy_id=item.discrepancy_id,
            workflow_id=workflow_id,
            group_key=group.key,
            correction_id=item.correction_id,
            correction=item.correction.model_dump(mode="json") if item.correction else None,
            allowed=item.allowed,
            state=ItemState.WAITING.value,
            expires_at=expires_at,
        )
        await session.execute(stmt.on_conflict_do_nothing())
    await _set_status(
        session, [i.discrepancy_id for i in group.items], DiscrepancyStatus.AWAITING_APPROVAL
    )


async def set_message(
    session: AsyncSession, workflow_id: str, ids: list[str], channel: str, ts: str
) -> None:
    await session.execute(
        update(ApprovalRequest)
        .where(ApprovalRequest.workflow_id == workflow_id, ApprovalRequest.discrepancy_id.in_(ids))
        .values(slack_channel=channel, slack_ts=ts)
    )


async def message_of(session: AsyncSession, workflow_id: str) -> tuple[str, str] | None:
    row = (
        await session.execute(
            select(ApprovalRequest.slack_channel, ApprovalRequest.slack_ts)
            .where(
                ApprovalRequest.workflow_id == workflow_id, ApprovalRequest.slack_ts.is_not(None)
            )
            .limit(1)
        )
    ).first()
    return (row[0] or "", row[1] or "") if row else None


async def mark_reminded(session: AsyncSession, workflow_id: str, ids: list[str]) -> None:
    await session.execute(
        update(ApprovalRequest)
        .where(ApprovalRequest.workflow_id == workflow_id, ApprovalRequest.discrepancy_id.in_(ids))
        .values(reminded_at=datetime.now(UTC))
    )


async def record_decision(session: AsyncSession, spec: RecordDecisionInput) -> bool:
    """Insert the one decision of a request; False if one is already there (a retry)."""
    d = spec.decision
    stmt = insert(ApprovalDecision).values(
        run_id=spec.run_id,
        workflow_id=spec.workflow_id,
        discrepancy_id=d.discrepancy_id,
        verdict=d.verdict.value,
        decided_by=d.by,
        decided_by_name=d.by_name,
        channel=d.channel,
        correction_id=d.correction_id,
        before_value=spec.before,
        after_value=spec.after,
        decided_at=d.at or datetime.now(UTC),
    )
    inserted = (
        await session.execute(stmt.on_conflict_do_nothing().returning(ApprovalDecision.id))
    ).first()
    approved = d.verdict == Verdict.APPROVE
    state = ItemState.APPROVED if approved else ItemState.REJECTED
    await session.execute(
        update(ApprovalRequest)
        .where(
            ApprovalRequest.workflow_id == spec.workflow_id,
            ApprovalRequest.discrepancy_id == d.discrepancy_id,
        )
        .values(state=state.value, closed_at=d.at or datetime.now(UTC))
    )
    status = DiscrepancyStatus.APPROVED if approved else DiscrepancyStatus.REJECTED
    await _set_status(session, [d.discrepancy_id], status)
    return inserted is not None


async def record_refusal(session: AsyncSession, spec: RecordDecisionInput) -> None:
    """Idempotent: a retried activity does not record the same refusal twice."""
    d = spec.decision
    await session.execute(
        insert(ApprovalRefusal)
        .values(
            run_id=spec.run_id,
            workflow_id=spec.workflow_id,
            discrepancy_id=d.discrepancy_id,
            verdict=d.verdict.value,
            attempted_by=d.by,
            attempted_by_name=d.by_name,
            channel=d.channel,
            correction_id=d.correction_id,
            reason=spec.reason,
            refused_at=d.at or datetime.now(UTC),
        )
        .on_conflict_do_nothing()
    )


async def expire(session: AsyncSession, workflow_id: str, ids: list[str]) -> None:
    """Close the requests unanswered; their discrepancies are open again for the next run."""
    await session.execute(
        update(ApprovalRequest)
        .where(
            ApprovalRequest.workflow_id == workflow_id,
            ApprovalRequest.discrepancy_id.in_(ids),
            ApprovalRequest.state == ItemState.WAITING.value,
        )
        .values(state=ItemState.EXPIRED.value, closed_at=datetime.now(UTC))
    )
    await session.execute(
        update(DiscrepancyRow)
        .where(
            DiscrepancyRow.id.in_(ids),
            DiscrepancyRow.status == DiscrepancyStatus.AWAITING_APPROVAL.value,
        )
        .values(status=DiscrepancyStatus.OPEN.value, updated_at=datetime.now(UTC))
    )


async def waiting(session: AsyncSession) -> list[tuple[ApprovalRequest, DiscrepancyRow]]:
    rows = await session.execute(
        select(ApprovalRequest, DiscrepancyRow)
        .join(DiscrepancyRow, DiscrepancyRow.id == ApprovalRequest.discrepancy_id)
        .where(ApprovalRequest.state == ItemState.WAITING.value)
        .order_by(ApprovalRequest.requested_at, ApprovalRequest.discrepancy_id)
    )
    return [(r, d) for r, d in rows]


async def open_request(session: AsyncSession, discrepancy_id: str) -> ApprovalRequest | None:
    """The newest request of a discrepancy (waiting or not), to send a decision to."""
    return (
        await session.execute(
            select(ApprovalRequest)
            .where(ApprovalRequest.discrepancy_id == discrepancy_id)
            .order_by(ApprovalRequest.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def unsummarized_expired(session: AsyncSession, run_id: int) -> list[ApprovalRequest]:
    """Requests that expired since the last summary; they are claimed by this run's summary."""
    rows = (
        await session.execute(
            select(ApprovalRequest).where(
                ApprovalRequest.state == ItemState.EXPIRED.value,
                (ApprovalRequest.summarized_run.is_(None))
                | (ApprovalRequest.summarized_run == run_id),
            )
        )
    ).scalars()
    found = list(rows)
    if found:
        await session.execute(
            update(ApprovalRequest)
            .where(ApprovalRequest.id.in_([r.id for r in found]))
            .values(summarized_run=run_id)
        )
    return found


# --- summaries ----------------------------------------------------------------------------------

CLOSED = ("resolved", "auto_resolved", "approved", "rejected")


def _open_item(row: DiscrepancyRow) -> OpenItem:
    amount = row.money_at_stake
    return OpenItem(
        discrepancy_id=row.id,
        severity=row.severity,
        explanation=row.explanation,
        money_at_stake=quantize(amount, row.currency) if row.currency else amount,
        currency=row.currency,
        since=row.created_at,
    )


async def summary_facts(session: AsyncSession, run_id: int) -> SummaryFacts:
    """Open discrepancies by severity, money at stake, the oldest, what expired or failed."""
    rows = list(
        (
            await session.execute(
                select(DiscrepancyRow)
                .where(DiscrepancyRow.status.not_in(CLOSED))
                .order_by(DiscrepancyRow.created_at, DiscrepancyRow.id)
            )
        ).scalars()
    )
    facts = SummaryFacts(run_id=run_id)
    for row in rows:
        facts.by_severity[row.severity] = facts.by_severity.get(row.severity, 0) + 1
        code = row.currency or "?"
        amount = quantize(row.money_at_stake, row.currency) if row.currency else row.money_at_stake
        facts.money_at_stake[code] = facts.money_at_stake.get(code, Decimal(0)) + amount
    facts.oldest_open = _open_item(rows[0]) if rows else None
    facts.high_open = [_open_item(r) for r in rows if r.severity == "high"][:20]
    facts.waiting = sum(1 for r in rows if r.status == DiscrepancyStatus.AWAITING_APPROVAL.value)
    expired = await unsummarized_expired(session, run_id)
    by_id = {r.id: r for r in rows}
    facts.expired = [
        _open_item(by_id[r.discrepancy_id]) for r in expired if r.discrepancy_id in by_id
    ]
    failed = await session.execute(
        select(
            CorrectionOutbox.correction_id, CorrectionOutbox.status, CorrectionOutbox.detail
        ).where(CorrectionOutbox.status.in_(("failed", "conflict")))
    )
    facts.failed_pushes = [
        f"{cid} {status}: {detail or ''}".strip() for cid, status, detail in failed
    ]
    return facts


async def claim_notification(session: AsyncSession, run_id: int, kind: str, target: str) -> str:
    """The notification's status: `new` if this call claimed it, else `sending` or `sent`."""
    inserted = (
        await session.execute(
            insert(NotificationSent)
            .values(run_id=run_id, kind=kind, status="sending", target=target)
            .on_conflict_do_nothing()
            .returning(NotificationSent.run_id)
        )
    ).first()
    if inserted:
        return "new"
    row = await session.get(NotificationSent, (run_id, kind))
    return row.status if row else "new"


async def mark_sent(session: AsyncSession, run_id: int, kind: str, response_id: str) -> None:
    await session.execute(
        update(NotificationSent)
        .where(NotificationSent.run_id == run_id, NotificationSent.kind == kind)
        .values(status="sent", response_id=response_id, sent_at=datetime.now(UTC))
    )


def now() -> datetime:
    return datetime.now(UTC)


async def closed_reason(
    session: AsyncSession, workflow_id: str, discrepancy_id: str
) -> tuple[str, ItemState, int | None]:
    """Why a decision on a closed request is refused (who decided it, or that it expired),
    and the run that asked."""
    decided = (
        await session.execute(
            select(ApprovalDecision).where(
                ApprovalDecision.workflow_id == workflow_id,
                ApprovalDecision.discrepancy_id == discrepancy_id,
            )
        )
    ).scalar_one_or_none()
    if decided is not None:
        state = ItemState.APPROVED if decided.verdict == "approve" else ItemState.REJECTED
        who = decided.decided_by_name or decided.decided_by
        return f"already {state.value} by {who}", state, decided.run_id
    request = (
        await session.execute(
            select(ApprovalRequest).where(
                ApprovalRequest.workflow_id == workflow_id,
                ApprovalRequest.discrepancy_id == discrepancy_id,
            )
        )
    ).scalar_one_or_none()
    run_id = request.run_id if request is not None else None
    if request is not None and request.state == ItemState.EXPIRED.value:
        return "the request expired; nothing was pushed", ItemState.EXPIRED, run_id
    return "this approval is no longer waiting for a decision", ItemState.WAITING, run_id
