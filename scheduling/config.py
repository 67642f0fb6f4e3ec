"""What one Accord schedule is: when it fires, which window each run covers, which policies hold.

Each run reconciles `[scheduled − period, scheduled)`. The period must equal the spacing of the
schedule's times, or windows would leave gaps or overlap: an interval schedule's period is its
interval; a cron schedule's period is given (a day for the nightly default).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, model_validator
from temporalio.client import ScheduleOverlapPolicy

from models.errors import InputError
from models.records import Source

DEFAULT_SCHEDULE_ID = "accord-nightly"
NIGHTLY_CRON = "0 0 * * *"  # midnight: each run reconciles the calendar day that just ended
WORKFLOW_TYPE = "ReconciliationWorkflow"
MIN_CATCHUP_WINDOW = timedelta(seconds=10)  # Temporal refuses shorter catch-up windows


class ScheduleConfig(BaseModel):
    """Everything `schedule create` needs. Bad values raise `InputError` naming the option."""

    task_queue: str
    schedule_id: str = DEFAULT_SCHEDULE_ID
    workflow_id_prefix: str | None = None  # default: reconcile-<schedule id>
    cron: str | None = None
    interval: timedelta | None = None
    time_zone: str = "UTC"
    period: timedelta | None = None
    window_overlap: timedelta = timedelta(hours=48)
    overlap_policy: ScheduleOverlapPolicy = ScheduleOverlapPolicy.SKIP
    catchup_window: timedelta = timedelta(days=1)
    run_timeout: timedelta | None = None  # a stuck run under SKIP would hold back every next one
    sources: list[Source] = Field(default_factory=lambda: list(Source))
    source_dir: str | None = None
    paused: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _checked(self) -> ScheduleConfig:
        _check_names(self)
        _check_timing(self)
        return self

    @property
    def action_id(self) -> str:
        """Prefix of every run's workflow id; Temporal appends the scheduled time. It names the
        schedule, so two schedules never claim the same window's id."""
        return self.workflow_id_prefix or f"reconcile-{self.schedule_id}"

    @property
    def window_period(self) -> timedelta:
        """How much time each run reconciles: the interval, the given period, or one day."""
        return self.period or self.interval or timedelta(days=1)

    @property
    def cron_expression(self) -> str | None:
        """The cron the schedule fires on; the nightly default when no interval is given."""
        if self.interval is not None:
            return None
        return self.cron or NIGHTLY_CRON


def _check_names(config: ScheduleConfig) -> None:
    for option, value in (
        ("--schedule-id", config.schedule_id),
        ("--workflow-id-prefix", config.action_id),
        ("--task-queue", config.task_queue),
    ):
        if not value.strip():
            raise InputError("must not be empty", where=option)
    try:
        ZoneInfo(config.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"{config.time_zone!r} is not an IANA time zone (e.g. UTC, Europe/Berlin)",
            where="--time-zone",
        ) from None


def _check_timing(config: ScheduleConfig) -> None:
    if config.cron is not None and config.interval is not None:
        raise InputError("give a cron or an interval, not both", where="--cron/--interval")
    for option, value in (
        ("--interval", config.interval),
        ("--period", config.period),
        ("--run-timeout", config.run_timeout),
    ):
        if value is not None and value <= timedelta(0):
            raise InputError(f"{value} must be longer than zero", where=option)
    if config.interval and config.period and config.interval != config.period:
        raise InputError(
            f"period {config.period} differs from interval {config.interval}: "
            "windows would leave gaps or overlap",
            where="--period",
        )
    if config.window_overlap < timedelta(0):
        raise InputError("must not be negative", where="--window-overlap")
    if config.catchup_window < MIN_CATCHUP_WINDOW:
        raise InputError(
            f"{config.catchup_window} is shorter than Temporal's minimum of 10 seconds",
            where="--catchup-window",
        )
