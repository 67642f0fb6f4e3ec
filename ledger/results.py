"""Runs, the customer identity map, matches and discrepancies (which live across runs)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.tables import (
    CustomerIdentity,
    DiscrepancyRow,
    MatchRow,
    Run,
    RunDiscrepancy,
)
from models.io import StartRunInput
from models.records import SourceRef
from models.results import Discrepancy, DiscrepancyStatus, Match

# Statuses a person (or the approval flow) has set: a later run updates the evidence, not these.
HUMAN_STATUSES = {
    DiscrepancyStatus.AWAITING_APPROVAL.value,
    DiscrepancyStatus.APPROVED.value,
    DiscrepancyStatus.REJECTED.value,
}
CLOSED_STATUSES = {DiscrepancyStatus.RESOLVED.value, DiscrepancyStatus.AUTO_RESOLVED.value}


async def start_run(session: AsyncSession, spec: StartRunInput) -> int:
    """Idempotent on (workflow id, workflow run id): a retried activity finds its run."""
    stmt = insert(Run).values(
        workflow_id=spec.workflow_id,
        workflow_run_id=spec.workflow_run_id,
        window_start=spec.window.start,
        window_end=spec.window.end,
        as_of=spec.window.as_of,
        sources=[s.value for s in spec.sources],
        source_dir=spec.source_dir,
        status="running",
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=[Run.workflow_id, Run.workflow_run_id], set_={"status": "running"}
    ).returning(Run.id)
    return (await session.execute(upsert)).scalar_one()


async def get_run(session: AsyncSession, run_id: int) -> Run:
    return (await session.execute(select(Run).where(Run.id == run_id))).scalar_one()


async def finish_run(
    session: AsyncSession,
    run_id: int,
    *,
    status: str,
    summary: dict[str, Any],
    report_path: str | None,
) -> None:
    await session.execute(
        update(Run)
        .where(Run.id == run_id)
        .values(
            status=status, summary=summary, report_path=report_path, finished_at=datetime.now(UTC)
        )
    )


# --- identities -------------------------------------------------------------------------------


async def load_identity(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(CustomerIdentity.source_key, CustomerIdentity.canonical_id))
    return {r.source_key: r.canonical_id for r in rows}


async def save_identity(
    session: AsyncSession,
    run_id: int,
    clusters: Iterable[tuple[str, str | None, Sequence[SourceRef]]],
) -> int:
    """Upsert (canonical id, name, members); a source id keeps the first run that saw it."""
    rows = [
        {"source_key": ref.key, "canonical_id": cid, "name": name, "first_seen_run": run_id}
        for cid, name, refs in clusters
        for ref in refs
    ]
    for start in range(0, len(rows), 5000):
        stmt = insert(CustomerIdentity).values(rows[start : start + 5000])
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[CustomerIdentity.source_key],
                set_={"canonical_id": stmt.excluded.canonical_id, "name": stmt.excluded.name},
            )
        )
    return len(rows)


async def identity_clusters(session: AsyncSession) -> dict[str, tuple[str | None, list[str]]]:
    rows = await session.execute(
        select(
            CustomerIdentity.canonical_id, CustomerIdentity.name, CustomerIdentity.source_key
        ).order_by(CustomerIdentity.canonical_id, CustomerIdentity.source_key)
    )
    clusters: dict[str, tuple[str | None, list[str]]] = {}
    for cid, name, key in rows:
        clusters.setdefault(cid, (name, []))[1].append(key)
    return clusters


# --- matches ----------------------------------------------------------------------------------


async def save_matches(session: AsyncSession, run_id: int, matches: Sequence[Match]) -> None:
    """Replace this run's matches (a retried match step writes the same rows again)."""
    await session.execute(delete(MatchRow).where(MatchRow.run_id == run_id))
    rows = {
        m.id: {
            "run_id": run_id,
            "match_id": m.id,
            "kind": m.kind.value,
            "records": [r.model_dump(mode="json") for r in m.records],
            "confidence": round(m.confidence, 4),
            "explanation": m.explanation,
            "rule": m.rule,
            "partial": m.partial,
        }
        for m in matches
    }
    values = list(rows.values())
    for start in range(0, len(values), 2000):
        await session.execute(insert(MatchRow), values[start : start + 2000])


async def load_matches(session: AsyncSession, run_id: int) -> list[Match]:
    rows = await session.execute(
        select(MatchRow).where(MatchRow.run_id == run_id).order_by(MatchRow.kind, MatchRow.match_id)
    )
    return [
        Match(
            kind=r.kind,
            records=[SourceRef.model_validate(x) for x in r.records],
            confidence=float(r.confidence),
            explanation=r.explanation,
            rule=r.rule,
            partial=r.partial,
        )
        for r in rows.scalars()
    ]


# --- discrepancies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A discrepancy as found by this run, with the date of the record it is anchored on."""

    discrepancy: Discrepancy
    anchor_on: date | None


@dataclass
class UpsertCounts:
    new: int = 0
    still_open: int = 0
    resolved: int = 0


def _row(finding: Finding, run_id: int) -> dict[str, Any]:
    d = finding.discrepancy
    return {
        "id": d.id,
        "field": d.field.value,
        "severity": d.severity.value,
        "records": [r.model_dump(mode="json") for r in d.records],
        "values": dict(d.values),
        "explanation": d.explanation,
        "status": d.status.value,
        "money_at_stake": d.money_at_stake,
        "currency": d.currency,
        "rule": d.rule,
        "correction": d.correction.model_dump(mode="json") if d.correction else None,
        "approvers": list(d.approvers),
        "anchor_on": finding.anchor_on,
        "first_seen_run": run_id,
        "last_seen_run": run_id,
    }


async def open_discrepancies(
    session: AsyncSession, *, or_resolved_in_run: int | None = None
) -> list[DiscrepancyRow]:
    """Discrepancies not closed (and, for a retried step, those this run already closed)."""
    query = select(DiscrepancyRow)
    if or_resolved_in_run is None:
        query = query.where(DiscrepancyRow.status.not_in(CLOSED_STATUSES))
    else:
        query = query.where(
            DiscrepancyRow.status.not_in(CLOSED_STATUSES)
            | (DiscrepancyRow.resolved_run == or_resolved_in_run)
        )
    rows = await session.execute(query)
    return list(rows.scalars())


async def upsert_discrepancies(
    session: AsyncSession,
    run_id: int,
    findings: Sequence[Finding],
    *,
    rechecked: set[str],
    resolution: str,
) -> UpsertCounts:
    """Record this run's findings under their stable ids.

    A finding seen before is updated (a person's decision is kept), never copied. An open
    discrepancy in `rechecked` (its anchor record was checked again by this run) that was not
    found again is closed as resolved, with `resolution` as the reason.
    """
    counts = UpsertCounts()
    by_id = {f.discrepancy.id: f for f in findings}
    existing = {
        r.id: r
        for r in (
            await session.execute(select(DiscrepancyRow).where(DiscrepancyRow.id.in_(list(by_id))))
        ).scalars()
    }
    await session.execute(delete(RunDiscrepancy).where(RunDiscrepancy.run_id == run_id))
    states: list[dict[str, Any]] = []
    for did, finding in by_id.items():
        row = _row(finding, run_id)
        old = existing.get(did)
        if old is None or (old.status in CLOSED_STATUSES and old.last_seen_run != run_id):
            state = "new"
            if old is not None:
                row["first_seen_run"] = old.first_seen_run
        else:
            state = "new" if old.first_seen_run == run_id else "still_open"
            row["first_seen_run"] = old.first_seen_run
            if old.status in HUMAN_STATUSES:
                row["status"] = old.status
        row.update(resolved_run=None, resolved_reason=None)
        stmt = insert(DiscrepancyRow).values(row)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[DiscrepancyRow.id],
                set_={k: stmt.excluded[k] for k in row if k != "id"}
                | {"updated_at": datetime.now(UTC)},
            )
        )
        states.append({"run_id": run_id, "discrepancy_id": did, "state": state})
        setattr(counts, state, getattr(counts, state) + 1)
    for closed in await open_discrepancies(session, or_resolved_in_run=run_id):
        if closed.id in by_id or closed.id not in rechecked:
            continue
        closed.status = DiscrepancyStatus.RESOLVED.value
        closed.resolved_run = run_id
        closed.resolved_reason = resolution
        states.append({"run_id": run_id, "discrepancy_id": closed.id, "state": "resolved"})
        counts.resolved += 1
    if states:
        await session.execute(insert(RunDiscrepancy), states)
    return counts


async def run_discrepancies(session: AsyncSession, run_id: int) -> list[tuple[str, DiscrepancyRow]]:
    rows = await session.execute(
        select(RunDiscrepancy.state, DiscrepancyRow)
        .join(DiscrepancyRow, DiscrepancyRow.id == RunDiscrepancy.discrepancy_id)
        .where(RunDiscrepancy.run_id == run_id)
        .order_by(DiscrepancyRow.severity, DiscrepancyRow.field, DiscrepancyRow.id)
    )
    return [(state, row) for state, row in rows]


# --- what matching found, kept for the compare step ------------------------------------------


async def stage_outcome(session: AsyncSession, run_id: int, outcome: dict[str, Any]) -> None:
    """Keep matching's own findings and customer clusters (JSON) for the compare step."""
    await session.execute(update(Run).where(Run.id == run_id).values(staged_findings=outcome))


async def staged_outcome(session: AsyncSession, run_id: int) -> dict[str, Any]:
    return (await get_run(session, run_id)).staged_findings or {}
