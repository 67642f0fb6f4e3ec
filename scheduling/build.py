"""Turns a `ScheduleConfig` into the Temporal `Schedule` that starts `ReconciliationWorkflow`."""

from __future__ import annotations

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)

from models.io import ReconcileInput
from scheduling.config import WORKFLOW_TYPE, ScheduleConfig


def scheduled_input(config: ScheduleConfig) -> ReconcileInput:
    """The one argument of every scheduled run: no window, so the run derives it from its time."""
    return ReconcileInput(
        window=None,
        period=config.window_period,
        sources=config.sources,
        source_dir=config.source_dir,
        overlap=config.window_overlap,
    )


def build_spec(config: ScheduleConfig) -> ScheduleSpec:
    cron = config.cron_expression
    return ScheduleSpec(
        cron_expressions=[cron] if cron else [],
        intervals=[ScheduleIntervalSpec(every=config.interval)] if config.interval else [],
        time_zone_name=config.time_zone,
    )


def build_schedule(config: ScheduleConfig) -> Schedule:
    """Temporal appends each run's scheduled time to the action's workflow id, so every window
    gets its own id (`reconcile-accord-nightly-2026-10-02T00:00:00Z`)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            WORKFLOW_TYPE,
            scheduled_input(config),
            id=config.action_id,
            task_queue=config.task_queue,
            execution_timeout=config.run_timeout,
            static_summary=f"scheduled reconciliation ({config.schedule_id})",
        ),
        spec=build_spec(config),
        policy=SchedulePolicy(overlap=config.overlap_policy, catchup_window=config.catchup_window),
        state=ScheduleState(paused=config.paused, note=config.note),
    )
