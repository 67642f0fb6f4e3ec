"""The report: a run's matches, discrepancies and customers, as the JSON contract says."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ledger import results
from ledger.tables import DiscrepancyRow
from models.money import quantize
from models.records import SourceRef
from models.report import (
    Report,
    ReportCorrection,
    ReportCustomer,
    ReportDiscrepancy,
    ReportMatch,
    ReportRecord,
    ReportWindow,
)
from models.results import Correction
from runtime.settings import Settings


def _record(data: dict[str, Any]) -> ReportRecord:
    return ReportRecord.of(SourceRef.model_validate(data))


def _discrepancy(row: DiscrepancyRow) -> ReportDiscrepancy:
    correction = None
    if row.correction:
        c = Correction.model_validate(row.correction)
        correction = ReportCorrection(id=c.id, **c.model_dump(exclude={"reason"}))
    return ReportDiscrepancy(
        id=row.id,
        field=row.field,
        severity=row.severity,
        records=[_record(r) for r in row.records],
        values={k: str(v) for k, v in row.values.items()},
        explanation=row.explanation,
        status=row.status,
        money_at_stake=_money(row.money_at_stake, row.currency),
        currency=row.currency,
        first_seen_run=row.first_seen_run,
        correction=correction,
    )


def _money(amount: Decimal, currency: str | None) -> str:
    return str(quantize(amount, currency)) if currency else str(amount.normalize())


def summarize(matches: list[ReportMatch], seen: list[tuple[str, DiscrepancyRow]]) -> dict[str, Any]:
    live = [row for state, row in seen if state != "resolved"]
    money: dict[str, Decimal] = {}
    for row in live:
        if row.currency:
            money[row.currency] = money.get(row.currency, Decimal(0)) + row.money_at_stake
    return {
        "matches": len(matches),
        "matches_by_kind": dict(sorted(Counter(m.kind for m in matches).items())),
        "discrepancies": len(live),
        "by_severity": dict(sorted(Counter(r.severity for r in live).items())),
        "by_field": dict(sorted(Counter(r.field for r in live).items())),
        "by_status": dict(sorted(Counter(r.status for r in live).items())),
        "new": sum(1 for state, _ in seen if state == "new"),
        "still_open": sum(1 for state, _ in seen if state == "still_open"),
        "resolved": sum(1 for state, _ in seen if state == "resolved"),
        "money_at_stake": {c: _money(v, c) for c, v in sorted(money.items())},
    }


async def build_report(session: AsyncSession, run_id: int, settings: Settings) -> Report:
    run = await results.get_run(session, run_id)
    matches = [
        ReportMatch(
            id=m.id,
            kind=m.kind.value,
            records=[ReportRecord.of(r) for r in m.records],
            confidence=m.confidence,
            explanation=m.explanation,
        )
        for m in await results.load_matches(session, run_id)
    ]
    seen = await results.run_discrepancies(session, run_id)
    clusters = await results.identity_clusters(session)
    return Report(
        run_id=run_id,
        workflow_id=run.workflow_id,
        window=ReportWindow(
            start=run.window_start.isoformat(),
            end=run.window_end.isoformat(),
            as_of=run.as_of.isoformat(),
        ),
        summary=summarize(matches, seen)
        | {"temporal_ui": settings.workflow_ui_url(run.workflow_id, run.workflow_run_id)},
        matches=matches,
        discrepancies=[_discrepancy(row) for state, row in seen if state != "resolved"],
        resolved=[
            _discrepancy(row).model_copy(
                update={"explanation": f"{row.explanation} — resolved: {row.resolved_reason}"}
            )
            for state, row in seen
            if state == "resolved"
        ],
        customers=[
            ReportCustomer(
                canonical_id=cid,
                name=name,
                source_ids=[{"source": k.split(":", 2)[0], "id": k.split(":", 2)[2]} for k in keys],
            )
            for cid, (name, keys) in clusters.items()
        ],
    )
