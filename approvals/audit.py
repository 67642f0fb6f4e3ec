"""A discrepancy's whole story: found, put to people, decided (or refused), pushed, resolved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.approval_tables import ApprovalDecision, ApprovalRefusal, ApprovalRequest
from ledger.outbox import outbox_of
from ledger.tables import DiscrepancyRow
from models.money import quantize


def _t(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S %Z}" if value else "-"


async def _all(session: AsyncSession, table, discrepancy_id: str, order) -> list:
    rows = await session.execute(
        select(table).where(table.discrepancy_id == discrepancy_id).order_by(order)
    )
    return list(rows.scalars())


def _money(d: DiscrepancyRow) -> str:
    amount = quantize(d.money_at_stake, d.currency) if d.currency else d.money_at_stake
    return f"{amount} {d.currency or ''}".strip()


def _found(d: DiscrepancyRow) -> list[str]:
    values = ", ".join(f"{k}={v}" for k, v in sorted((d.values or {}).items()))
    lines = [
        f"{_t(d.created_at)}  FOUND by run {d.first_seen_run}: {d.field} ({d.severity}) — {d.explanation}",
        f"    values: {values or '-'}; money at stake {_money(d)}",
        f"    status now: {d.status} (last seen by run {d.last_seen_run})",
    ]
    if d.correction:
        c = d.correction
        lines.append(
            f"    proposed: {c['system']} {c['object_type']} {c['object_id'] or '(new)'} "
            f"{c['field']}: {c['from_value']} → {c['to_value']}"
        )
    return lines


def _request(r: ApprovalRequest) -> list[str]:
    where = f"Slack {r.slack_channel} ts {r.slack_ts}" if r.slack_ts else "no Slack message"
    lines = [
        f"{_t(r.requested_at)}  ASKED in workflow {r.workflow_id} ({where}); may decide: "
        f"{', '.join(r.allowed) or 'nobody configured'}; expires {_t(r.expires_at)}"
    ]
    if r.reminded_at:
        lines.append(f"{_t(r.reminded_at)}  REMINDED")
    if r.state == "expired":
        lines.append(f"{_t(r.closed_at)}  EXPIRED without a decision; nothing was pushed")
    return lines


def _decision(d: ApprovalDecision) -> str:
    return (
        f"{_t(d.decided_at)}  DECIDED {d.verdict.upper()} by {d.decided_by_name or d.decided_by} "
        f"({d.decided_by}) via {d.channel}; before {d.before_value!r} → after {d.after_value!r}"
    )


def _refusal(r: ApprovalRefusal) -> str:
    return (
        f"{_t(r.refused_at)}  REFUSED {r.verdict} by {r.attempted_by_name or r.attempted_by} "
        f"via {r.channel}: {r.reason}"
    )


def _push(o) -> str:
    return (
        f"{_t(o.sent_at or o.created_at)}  PUSH {o.status.upper()} {o.system} {o.object_type} "
        f"{o.vendor_id or o.object_id or ''} correction {o.correction_id} (attempts {o.attempts}); "
        f"vendor response {o.response_id or '-'}; before {o.before} → after {o.after}"
        + (f"; {o.detail}" if o.detail else "")
    )


async def story(session: AsyncSession, discrepancy_id: str) -> list[str]:
    d = await session.get(DiscrepancyRow, discrepancy_id)
    if d is None:
        return []
    events: list[tuple[datetime, list[str]]] = [(d.created_at, _found(d))]
    for r in await _all(session, ApprovalRequest, discrepancy_id, ApprovalRequest.id):
        events.append((r.requested_at, _request(r)))
    for x in await _all(session, ApprovalDecision, discrepancy_id, ApprovalDecision.id):
        events.append((x.decided_at, [_decision(x)]))
    for x in await _all(session, ApprovalRefusal, discrepancy_id, ApprovalRefusal.id):
        events.append((x.refused_at, [_refusal(x)]))
    for o in await outbox_of(session, discrepancy_id):
        events.append((o.sent_at or o.created_at, [_push(o)]))
    if d.resolved_reason:
        events.append(
            (d.updated_at, [f"{_t(d.updated_at)}  {d.status.upper()}: {d.resolved_reason}"])
        )
    events.sort(key=lambda e: e[0])
    return [f"Discrepancy {discrepancy_id}"] + [line for _, lines in events for line in lines]
