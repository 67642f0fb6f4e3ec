"""What one run looks at: which records, which window is checked, which findings are its own.

Records dated in the run's window are checked. Discrepancies still open from earlier runs are
checked again too (the window reaches back to their dates, up to `recheck_horizon`), so a late
invoice or a fix in the books closes them. Counterparts are sought among every record known up
to `as_of`, reaching back `lookback` for documents such as open invoices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import engine
from activities.ingest import PAYOUT_RELATION
from ledger import canonical, raw, results
from ledger.results import Finding
from ledger.tables import Batch, RawRecord
from models.io import Window
from models.records import (
    BalanceTransaction,
    BankTransaction,
    CanonicalRecord,
    Source,
    SourceRef,
)
from models.results import Discrepancy, DiscrepancyField, Severity
from runtime.settings import Settings


@dataclass
class RunScope:
    run_id: int
    window: Window
    unavailable: set[str]
    check_window: Window
    records: list[CanonicalRecord]
    frames: Any
    identity: dict[str, str]
    dates: dict[str, date]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def known_by(record: CanonicalRecord, as_of: datetime) -> bool:
    """False for records dated after `as_of`: a replay must not see the future."""
    for name in ("created_at", "posted_date", "txn_date", "arrival_date"):
        value = getattr(record, name, None)
        if isinstance(value, datetime):
            return value <= as_of
        if isinstance(value, date):
            return value <= as_of.date()
    return True


def without_superseded_pending(records: list[CanonicalRecord]) -> list[CanonicalRecord]:
    """A Plaid pending transaction that a posted one replaced is counted once (as posted)."""
    replaced = {
        r.pending_transaction_id
        for r in records
        if isinstance(r, BankTransaction) and not r.pending and r.pending_transaction_id
    }
    return [
        r
        for r in records
        if not (isinstance(r, BankTransaction) and r.pending and r.ref.id in replaced)
    ]


def in_reconciled_accounts(
    records: list[CanonicalRecord], account_ids: Sequence[str]
) -> list[CanonicalRecord]:
    """Only the bank lines of the Plaid accounts the books reconcile (`PLAID_ACCOUNT_IDS`;
    every account when none is named). Lines stored before the setting named them stay in
    the ledger, out of the reconciliation."""
    if not account_ids:
        return records
    wanted = set(account_ids)
    return [
        r
        for r in records
        if not (
            isinstance(r, BankTransaction)
            and r.ref.source is Source.PLAID
            and r.account_id not in wanted
        )
    ]


def with_payouts(
    records: list[CanonicalRecord], payout_of: dict[str, str]
) -> list[CanonicalRecord]:
    return [
        r.model_copy(update={"payout": payout_of[r.ref.id]})
        if isinstance(r, BalanceTransaction) and r.payout is None and r.ref.id in payout_of
        else r
        for r in records
    ]


async def load_scope(session: AsyncSession, run_id: int, settings: Settings) -> RunScope:
    run = await results.get_run(session, run_id)
    window = Window(start=run.window_start, end=run.window_end, as_of=run.as_of)
    horizon = window.start - settings.recheck_horizon
    anchors = [
        _midnight(r.anchor_on)
        for r in await results.open_discrepancies(session)
        if r.anchor_on is not None and _midnight(r.anchor_on) >= horizon
    ]
    check_window = Window(start=min([window.start, *anchors]), end=window.end, as_of=window.as_of)
    since = (check_window.start - settings.lookback).date()
    records = await canonical.load_current(session, since=since)
    records = [r for r in records if known_by(r, window.as_of)]
    records = in_reconciled_accounts(records, settings.plaid_account_ids)
    records = with_payouts(records, await raw.links(session, Source.STRIPE.value, PAYOUT_RELATION))
    records = without_superseded_pending(records)
    return RunScope(
        run_id=run_id,
        window=window,
        unavailable=set(run.sources) - await _fetched_sources(session, run_id),
        check_window=check_window,
        records=records,
        frames=engine.build_frames(records),
        identity=await results.load_identity(session),
        dates={r.ref.key: d for r in records if (d := canonical.occurred_on(r)) is not None},
    )


async def _fetched_sources(session: AsyncSession, run_id: int) -> set[str]:
    """The sources this run read in full: a failed batch is an outage, and a partial one
    (the vendor said records are still missing) no proof that a record is absent."""
    rows = await session.execute(
        select(Batch.source).where(Batch.run_id == run_id, Batch.status == "done")
    )
    return set(rows.scalars())


def dump_outcome(outcome: engine.MatchOutcome) -> dict[str, Any]:
    """What compare needs from match besides the matches table: its findings and clusters."""
    return {
        "discrepancies": [d.model_dump(mode="json") for d in outcome.discrepancies],
        "customers": [
            {
                "canonical_id": c.canonical_id,
                "name": c.name,
                "members": [m.model_dump(mode="json") for m in c.members],
                "emails": list(c.emails),
                "explanation": c.explanation,
            }
            for c in outcome.customers
        ],
    }


async def rebuild_outcome(session: AsyncSession, run_id: int) -> engine.MatchOutcome:
    staged = await results.staged_outcome(session, run_id)
    return engine.MatchOutcome(
        matches=await results.load_matches(session, run_id),
        customers=[
            engine.CustomerCluster(
                canonical_id=c["canonical_id"],
                name=c["name"],
                members=[SourceRef.model_validate(m) for m in c["members"]],
                emails=c["emails"],
                explanation=c["explanation"],
            )
            for c in staged.get("customers", [])
        ],
        discrepancies=[Discrepancy.model_validate(d) for d in staged.get("discrepancies", [])],
    )


async def input_problems(
    session: AsyncSession, run_id: int, settings: Settings
) -> list[Discrepancy]:
    """Unreadable records (latest version only) and unreadable pages of this run's batches."""
    severity = Severity(settings.severities.get("input", "medium"))
    latest = (
        select(
            RawRecord.source,
            RawRecord.object_type,
            RawRecord.vendor_id,
            func.max(RawRecord.version).label("v"),
        )
        .group_by(RawRecord.source, RawRecord.object_type, RawRecord.vendor_id)
        .subquery()
    )
    rows = await session.execute(
        select(RawRecord.source, RawRecord.object_type, RawRecord.vendor_id, RawRecord.problem)
        .join(
            latest,
            (RawRecord.source == latest.c.source)
            & (RawRecord.object_type == latest.c.object_type)
            & (RawRecord.vendor_id == latest.c.vendor_id)
            & (RawRecord.version == latest.c.v),
        )
        .where(RawRecord.problem.is_not(None))
    )
    found = [
        Discrepancy(
            field=DiscrepancyField.INPUT,
            severity=severity,
            records=[SourceRef(source=Source(r.source), type=r.object_type, id=r.vendor_id)],
            explanation=f"could not read the record: {r.problem}",
        )
        for r in rows
    ]
    pages = await session.execute(
        raw.unreadable_pages(select(Batch.id).where(Batch.run_id == run_id))
    )
    found += [
        Discrepancy(
            field=DiscrepancyField.INPUT,
            severity=severity,
            records=[SourceRef(source=Source(p.source), type="page", id=p.origin)],
            explanation=f"could not read the page; its raw body is kept: {p.parse_error}",
        )
        for p in pages
    ]
    return found


async def findings_for_run(
    session: AsyncSession, scope: RunScope, found: Sequence[Discrepancy], settings: Settings
) -> tuple[list[Finding], set[str]]:
    """This run's findings with their anchor dates, and the ids of open ones it re-checked."""
    everything = [*found, *await input_problems(session, scope.run_id, settings)]
    findings = {}
    for d in everything:
        days = [scope.dates[r.key] for r in d.records if r.key in scope.dates]
        findings[d.id] = Finding(d, min(days) if days else None)
    start = scope.check_window.start.date()
    rechecked = {
        row.id
        for row in await results.open_discrepancies(session, or_resolved_in_run=scope.run_id)
        if row.field == DiscrepancyField.INPUT.value
        or (
            row.anchor_on is not None
            and row.anchor_on >= start
            and not (scope.unavailable and row.field == DiscrepancyField.EXISTENCE.value)
        )
    }
    return list(findings.values()), rechecked
