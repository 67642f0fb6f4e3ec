"""The ledger steps of a run: start, normalize, match, compare, report.

Thin adapters: they read the ledger, hand frames to the pure engine (in a thread, so the event
loop stays free), and write results back. They return ids and counts, never records.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

import engine
from activities.normalize import Normalizer
from activities.reconcile_scope import (
    RunScope,
    dump_outcome,
    findings_for_run,
    load_scope,
    rebuild_outcome,
)
from ledger import results
from ledger.report import build_report
from models.io import (
    CompareResult,
    MatchResult,
    NormalizeResult,
    ReportInput,
    RunInput,
    RunRef,
    RunSummary,
    StartRunInput,
)
from runtime.settings import Settings


class LedgerActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        config: engine.EngineConfig,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.config = config

    @activity.defn(name="start_run")
    async def start_run(self, spec: StartRunInput) -> RunRef:
        async with self.sessions.begin() as session:
            return RunRef(run_id=await results.start_run(session, spec))

    @activity.defn(name="normalize")
    async def normalize(self, request: RunInput) -> NormalizeResult:
        """Turn every raw record version not yet normalized into canonical versions.

        A record that cannot be read is marked with its problem (kept raw, reported as an
        `input` discrepancy by the compare step); the rest go on.
        """
        return await Normalizer(self.sessions, activity.heartbeat).run()

    @activity.defn(name="match")
    async def match(self, request: RunInput) -> MatchResult:
        async with self.sessions() as session:
            scope = await load_scope(session, request.run_id, self.settings)
        outcome = await asyncio.to_thread(
            engine.match, scope.frames, scope.check_window, self._config(scope), scope.identity
        )
        async with self.sessions.begin() as session:
            await results.save_matches(session, request.run_id, outcome.matches)
            await results.save_identity(
                session,
                request.run_id,
                [(c.canonical_id, c.name, c.members) for c in outcome.customers],
            )
            await results.stage_outcome(session, request.run_id, dump_outcome(outcome))
        kinds = Counter(m.kind.value for m in outcome.matches)
        return MatchResult(
            matches=len(outcome.matches), by_kind=dict(kinds), customers=len(outcome.customers)
        )

    @activity.defn(name="compare")
    async def compare(self, request: RunInput) -> CompareResult:
        async with self.sessions() as session:
            scope = await load_scope(session, request.run_id, self.settings)
            outcome = await rebuild_outcome(session, request.run_id)
        found = await asyncio.to_thread(
            engine.compare, scope.frames, outcome, scope.check_window, self._config(scope)
        )
        async with self.sessions.begin() as session:
            findings, rechecked = await findings_for_run(
                session, scope, [*outcome.discrepancies, *found], self.settings
            )
            counts = await results.upsert_discrepancies(
                session,
                request.run_id,
                findings,
                rechecked=rechecked,
                resolution=f"not found again by run {request.run_id} (as of {scope.window.as_of.isoformat()})",
            )
        return _compare_result(findings, counts)

    def _config(self, scope: RunScope) -> engine.EngineConfig:
        """A source that failed or is absent in this run cannot prove a record missing."""
        return self.config.model_copy(update={"unavailable_sources": frozenset(scope.unavailable)})

    @activity.defn(name="finish_run")
    async def finish_run(self, request: ReportInput) -> RunSummary:
        """Write the report file and close the run; returns the summary the workflow shows."""
        async with self.sessions.begin() as session:
            report = await build_report(session, request.run_id, self.settings)
            if request.warnings:  # what a fetch could not see, beside what it found
                report.summary["fetch_warnings"] = request.warnings
            path = Path(request.report_path or self._default_report_path(report.workflow_id))
            await asyncio.to_thread(_write_json, path, report.model_dump(mode="json"))
            await results.finish_run(
                session,
                request.run_id,
                status=request.status,
                summary=report.summary,
                report_path=str(path),
            )
        return RunSummary(run_id=request.run_id, report_path=str(path))

    def _default_report_path(self, workflow_id: str) -> Path:
        """Scheduled runs name no report: it goes beside the others, named for the run."""
        return (self.settings.data_dir / "reports" / f"{workflow_id}.json").resolve()


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    tmp.replace(path)


def _compare_result(findings, counts) -> CompareResult:
    severity = Counter(f.discrepancy.severity.value for f in findings)
    fields = Counter(f.discrepancy.field.value for f in findings)
    money: dict = {}
    for f in findings:
        d = f.discrepancy
        if d.currency:
            money[d.currency] = money.get(d.currency, 0) + d.money_at_stake
    return CompareResult(
        discrepancies=len(findings),
        by_severity=dict(severity),
        by_field=dict(fields),
        new=counts.new,
        still_open=counts.still_open,
        resolved=counts.resolved,
        needs_approval=sum(
            1
            for f in findings
            if (f.discrepancy.severity.value == "high" and f.discrepancy.correction)
            or f.discrepancy.approvers
        ),
        money_at_stake=money,
    )
