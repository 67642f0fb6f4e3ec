"""Typed inputs and outputs of the workflow and its activities.

Only references (run ids, batch ids), counts and small summaries travel through Temporal; rows
stay in PostgreSQL. Each call has one input model and one output model.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator

from models.records import AwareDatetime, Source


class Window(BaseModel):
    """Records dated in `[start, end)` are checked; counterparts are sought up to `as_of`."""

    start: AwareDatetime
    end: AwareDatetime
    as_of: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if not self.start < self.end:
            raise ValueError(f"window start {self.start} must be before end {self.end}")
        if self.as_of < self.end:
            raise ValueError(f"as_of {self.as_of} must not be before the window end {self.end}")
        return self

    @property
    def label(self) -> str:
        return f"{_iso(self.start)}--{_iso(self.end)}"


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H%MZ")


class ReconcileInput(BaseModel):
    """What one reconciliation run covers.

    `window` may be left out by a Temporal Schedule: the workflow then reconciles the `period`
    that ends at the run's scheduled time (search attribute `TemporalScheduledStartTime`), with
    `as_of` equal to that time.
    """

    window: Window | None = None
    period: timedelta = timedelta(days=1)
    time_zone: str = "UTC"  # a scheduled period is measured in local time (25 h across DST)
    sources: list[Source] = Field(default_factory=lambda: list(Source))
    source_dir: str | None = None  # recorded pages; None means the live connectors
    overlap: timedelta = timedelta(hours=48)
    report_path: str | None = None

    def fetch_start(self, window: Window) -> datetime:
        return window.start - self.overlap

    def workflow_id(self) -> str:
        """Derived from the window, so the same window never runs twice at once."""
        if self.window is None:
            raise ValueError("a run without a window gets its id from its schedule")
        return workflow_id_for(self.window, self.source_dir)


def scheduled_window(scheduled: datetime, period: timedelta, time_zone: str) -> Window:
    """The period ending at a schedule's fire time, measured on that zone's wall clock
    (a nightly run after a DST change covers 23 or 25 hours: the whole local day)."""
    local = scheduled.astimezone(ZoneInfo(time_zone))
    start = (local - period).astimezone(UTC)
    return Window(start=start, end=scheduled, as_of=scheduled)


def workflow_id_for(window: Window, source_dir: str | None) -> str:
    origin = (
        "recorded-" + hashlib.sha256(source_dir.encode()).hexdigest()[:8] if source_dir else "live"
    )
    return f"reconcile-{window.label}-{origin}"


class StartRunInput(BaseModel):
    workflow_id: str
    workflow_run_id: str
    window: Window
    sources: list[Source]
    source_dir: str | None = None


class RunRef(BaseModel):
    run_id: int


class FetchInput(BaseModel):
    run_id: int
    source: Source
    source_dir: str | None = None
    start: AwareDatetime
    end: AwareDatetime


class FetchResult(BaseModel):
    """`status`: ok, absent (no such source configured or recorded) or failed (see `error`)."""

    source: Source
    batch_id: int | None = None
    status: str = "ok"
    error: str | None = None
    pages: int = 0
    records: int = 0
    new_versions: int = 0
    problems: int = 0
    warnings: list[str] = Field(default_factory=list)  # what the fetch could not see


class RunInput(BaseModel):
    run_id: int


class NormalizeResult(BaseModel):
    records: int = 0
    by_kind: dict[str, int] = Field(default_factory=dict)
    problems: int = 0


class MatchResult(BaseModel):
    matches: int = 0
    by_kind: dict[str, int] = Field(default_factory=dict)
    customers: int = 0


class CompareResult(BaseModel):
    discrepancies: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)
    by_field: dict[str, int] = Field(default_factory=dict)
    new: int = 0
    still_open: int = 0
    resolved: int = 0
    needs_approval: int = 0  # high-severity corrections and rules that name approvers
    money_at_stake: dict[str, Decimal] = Field(default_factory=dict)  # by currency


class ReportInput(BaseModel):
    run_id: int
    report_path: str | None = None
    status: str = "completed"
    warnings: dict[str, list[str]] = Field(default_factory=dict)  # by source: what went unseen


class RunSummary(BaseModel):
    run_id: int
    report_path: str | None = None
    fetched: dict[str, int] = Field(default_factory=dict)
    matches: MatchResult = Field(default_factory=MatchResult)
    discrepancies: CompareResult = Field(default_factory=CompareResult)
    failed_sources: dict[str, str] = Field(default_factory=dict)
    warnings: dict[str, list[str]] = Field(default_factory=dict)  # by source: what went unseen
