"""ReconciliationWorkflow: fetch every source, normalize, match, compare, report.

Orchestration only. Every step is an activity that reads and writes the ledger and returns ids
and counts, so the history of a run over a million records is as small as one over ten.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from models.approvals import RunApprovalsInput
    from models.io import (
        CompareResult,
        FetchInput,
        FetchResult,
        MatchResult,
        NormalizeResult,
        ReconcileInput,
        ReportInput,
        RunInput,
        RunRef,
        RunSummary,
        StartRunInput,
        Window,
        scheduled_window,
    )
    from models.progress import RunProgress
    from models.records import Source
    from runtime import search_attributes as sa

SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")

# Errors that no retry will fix: the run records them and goes on (fetch) or stops (ledger).
PERMANENT = ["SourceUnavailable", "VendorAuthError", "VendorRequestError", "ConfigurationError"]

FETCH_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=2),
    maximum_attempts=6,
    non_retryable_error_types=PERMANENT,
)
LEDGER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=5,
    non_retryable_error_types=PERMANENT,
)


@workflow.defn
class ReconciliationWorkflow:
    def __init__(self) -> None:
        self._progress = RunProgress()

    @workflow.query
    def progress(self) -> RunProgress:
        """Live progress for operators (`temporal workflow query --type progress`)."""
        return self._progress

    @workflow.run
    async def run(self, request: ReconcileInput) -> RunSummary:
        window = request.window or self._scheduled_window(request)
        self._progress.window = window
        workflow.upsert_search_attributes(
            [
                sa.WINDOW_START.value_set(window.start),
                sa.WINDOW_END.value_set(window.end),
                sa.SOURCES.value_set([s.value for s in request.sources]),
            ]
        )
        if request.report_path:
            workflow.upsert_memo({"report": request.report_path})
        info = workflow.info()
        run = await self._step(
            "start_run",
            StartRunInput(
                workflow_id=info.workflow_id,
                workflow_run_id=info.run_id,
                window=window,
                sources=request.sources,
                source_dir=request.source_dir,
            ),
            RunRef,
            summary="open the run in the ledger",
        )
        self._progress.run_id = run.run_id

        self._progress.stage = "fetching"
        fetched = await asyncio.gather(
            *(self._fetch(run.run_id, source, request, window) for source in request.sources)
        )
        self._progress.stage = "normalizing"
        await self._step(
            "normalize",
            RunInput(run_id=run.run_id),
            NormalizeResult,
            summary="raw records to canonical records",
            heartbeat=True,
        )
        self._progress.stage = "matching"
        matched = await self._step(
            "match",
            RunInput(run_id=run.run_id),
            MatchResult,
            summary="match records across systems",
        )
        self._progress.stage = "comparing"
        compared = await self._step(
            "compare",
            RunInput(run_id=run.run_id),
            CompareResult,
            summary="compare matches, record discrepancies",
        )
        self._progress.stage = "reporting"
        failed = {f.source.value: f.error or "failed" for f in fetched if f.status == "failed"}
        warnings = {f.source.value: f.warnings for f in fetched if f.warnings}
        report = await self._step(
            "finish_run",
            ReportInput(
                run_id=run.run_id,
                report_path=request.report_path,
                status="completed_with_errors" if failed else "completed",
                warnings=warnings,
            ),
            RunSummary,
            summary="write the report",
        )
        self._show_counts(compared)
        if workflow.patched("approvals-after-report"):
            await self._request_approvals(run.run_id)
        self._progress.stage = "done"
        return report.model_copy(
            update={
                "fetched": {f.source.value: f.records for f in fetched if f.status == "ok"},
                "matches": matched,
                "discrepancies": compared,
                "failed_sources": failed,
                "warnings": warnings,
            }
        )

    async def _request_approvals(self, run_id: int) -> None:
        """Hand what needs a person to its own workflow, which may wait for days: this run
        ends now (ABANDON), so the next scheduled run is never held back by an approval."""
        await workflow.start_child_workflow(
            "RunApprovalsWorkflow",
            RunApprovalsInput(run_id=run_id),
            # the ledger's run id alone could repeat if a ledger is rebuilt; the workflow run id cannot
            id=f"approvals-run{run_id}-{workflow.info().run_id}",
            parent_close_policy=ParentClosePolicy.ABANDON,
            static_summary=f"approvals for run {run_id}",
        )
        self._progress.stage = "approvals requested"

    def _show_counts(self, compared: CompareResult) -> None:
        """Counts and money on the run itself, so operators can filter runs in the UI."""
        severity = compared.by_severity
        workflow.upsert_search_attributes(
            [
                sa.HIGH_COUNT.value_set(severity.get("high", 0)),
                sa.MEDIUM_COUNT.value_set(severity.get("medium", 0)),
                sa.LOW_COUNT.value_set(float(severity.get("low", 0))),
                # filtering only (no decimal search attribute type); the ledger keeps it exact
                sa.MONEY_AT_STAKE.value_set(float(sum(compared.money_at_stake.values(), 0))),
                sa.APPROVALS_WAITING.value_set(compared.needs_approval),
            ]
        )

    def _scheduled_window(self, request: ReconcileInput) -> Window:
        scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START)
        if scheduled is None:
            raise ApplicationError(
                "a run needs a window: give one, or start it from a schedule",
                type="ConfigurationError",
                non_retryable=True,
            )
        return scheduled_window(scheduled, request.period, request.time_zone)

    async def _fetch(
        self, run_id: int, source: Source, request: ReconcileInput, window: Window
    ) -> FetchResult:
        """One source's fetch; its failure is recorded and the other sources go on."""
        activity = "fetch_recorded" if request.source_dir else f"fetch_{source.value}"
        try:
            result = await workflow.execute_activity(
                activity,
                FetchInput(
                    run_id=run_id,
                    source=source,
                    source_dir=request.source_dir,
                    start=request.fetch_start(window),
                    end=window.as_of,
                ),
                result_type=FetchResult,
                start_to_close_timeout=timedelta(hours=2),
                heartbeat_timeout=timedelta(minutes=2),
                retry_policy=FETCH_RETRY,
                summary=f"fetch {source.value}",
            )
        except ActivityError as error:
            cause = error.cause
            message = f"{type(cause).__name__}: {cause}" if cause else str(error)
            workflow.logger.warning("fetching %s failed: %s", source.value, message)
            result = FetchResult(source=source, status="failed", error=message)
        self._progress.fetched[source.value] = result.status
        return result

    async def _step(self, name: str, arg, result_type, *, summary: str, heartbeat: bool = False):
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=timedelta(hours=1),
            heartbeat_timeout=timedelta(minutes=10) if heartbeat else None,
            retry_policy=LEDGER_RETRY,
            summary=summary,
        )
