"""How the `schedule` commands print schedules and backfill plans."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.table import Table

from scheduling.backfill import BackfillPlan
from scheduling.parsing import duration_text
from scheduling.views import ScheduleSummary, ScheduleView

console = Console()


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


def print_view(view: ScheduleView) -> None:
    table = Table(title=f"schedule {view.schedule_id}", show_header=False)
    rows = [
        ("runs", f"{view.workflow_type} on task queue {view.task_queue}"),
        ("times", view.times),
        ("each run reconciles", f"the {duration_text(view.period)} ending at its scheduled time"),
        ("fetch overlap", duration_text(view.window_overlap)),
        (
            "sources",
            ", ".join(view.sources) + (f" from {view.source_dir}" if view.source_dir else ""),
        ),
        ("overlap policy", view.overlap_policy),
        ("catch-up window", duration_text(view.catchup_window)),
        ("run timeout", duration_text(view.run_timeout) if view.run_timeout else "none"),
        ("workflow ids", f"{view.workflow_id_prefix}-<scheduled time>"),
        (
            "state",
            ("paused" if view.paused else "active") + (f" — {view.note}" if view.note else ""),
        ),
        (
            "actions / skipped / missed",
            f"{view.actions_taken} / {view.skipped_for_overlap} / {view.missed_catchup_window}",
        ),
        ("running", ", ".join(view.running) or "-"),
        ("next", ", ".join(_when(t) for t in view.next_times[:3]) or "-"),
    ]
    rows += [(f"recent {_when(r.scheduled_at)}", r.workflow_id) for r in view.recent[-5:]]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    for warning in view.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")


def print_summaries(summaries: list[ScheduleSummary]) -> None:
    table = Table(title="schedules")
    for column in ("id", "workflow", "times", "state", "next", "last run"):
        table.add_column(column)
    for s in summaries:
        state = "paused" if s.paused else "active"
        last = s.last_run.workflow_id if s.last_run else "-"
        table.add_row(s.schedule_id, s.workflow_type, s.times, state, _when(s.next_time), last)
    console.print(table if summaries else "no schedules")


def print_plan(plan: BackfillPlan, dry_run: bool) -> None:
    verb = "would start" if dry_run else "started (one after another)"
    console.print(
        f"schedule {plan.schedule_id}: {len(plan.matching)} windows overlap "
        f"{_when(plan.start)} – {_when(plan.end)}; {len(plan.already_run)} already ran, "
        f"{len(plan.not_yet_due)} not over yet; {verb}: {len(plan.requested)}"
    )
    for workflow_id in plan.workflow_ids:
        console.print(f"  {workflow_id}")
