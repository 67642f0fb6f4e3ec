"""A schedule's spacing against its period: refused when it cannot fit, warned when irregular."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import Client

from models.errors import InputError
from scheduling.config import ScheduleConfig
from scheduling.schedules import create_schedule, delete_schedule, describe_schedule
from scheduling.spacing import check_period_fits, spacing_warnings

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def test_an_hourly_cron_cannot_reconcile_a_day_per_run():
    hourly = [datetime(2026, 10, 1, h, tzinfo=UTC) for h in range(5)]
    with pytest.raises(InputError, match="give --period 1h") as raised:
        check_period_fits(hourly, DAY)
    assert raised.value.where == "--period"
    check_period_fits(hourly, HOUR)


def test_a_longer_gap_warns_of_time_never_reconciled_and_a_shorter_of_time_twice():
    start = datetime(2026, 10, 30, 6, tzinfo=UTC)
    times = [start, start + DAY, start + 2 * DAY + HOUR, start + 3 * DAY + HOUR - HOUR]
    warnings = spacing_warnings(times, DAY)
    assert warnings == [
        "1 run(s) come 23h after the one before (first 2026-11-02T06:00Z): "
        "1h before each such run is reconciled twice",
        "1 run(s) come 1d1h after the one before (first 2026-11-01T07:00Z): "
        "1h before each such run is never reconciled",
    ]
    assert spacing_warnings([start, start + DAY, start + 2 * DAY], DAY) == []


async def test_the_server_refuses_nothing_but_we_refuse_a_period_that_cannot_fit(
    temporal_client: Client, schedule_id: str
):
    config = ScheduleConfig(task_queue="q", schedule_id=schedule_id, cron="0 * * * *")
    with pytest.raises(InputError, match="give --period 1h"):
        await create_schedule(temporal_client, config)
    with pytest.raises(InputError, match="no schedule"):
        await describe_schedule(temporal_client, schedule_id)


async def test_a_nightly_run_in_a_daylight_saving_zone_is_warned_about(
    temporal_client: Client, schedule_id: str
):
    config = ScheduleConfig(
        task_queue="q", schedule_id=schedule_id, cron="0 3 * * *", time_zone="America/New_York"
    )
    view = await create_schedule(temporal_client, config)
    assert len(view.warnings) == 2
    assert "23h after" in view.warnings[0] and "reconciled twice" in view.warnings[0]
    assert "1d1h after" in view.warnings[1] and "never reconciled" in view.warnings[1]
    await delete_schedule(temporal_client, schedule_id)


async def test_a_local_time_that_does_not_exist_one_night_a_year_is_warned_about(
    temporal_client: Client, schedule_id: str
):
    """02:00 New York time is skipped on the spring-forward night: that day is never run."""
    config = ScheduleConfig(
        task_queue="q", schedule_id=schedule_id, cron="0 2 * * *", time_zone="America/New_York"
    )
    view = await create_schedule(temporal_client, config)
    assert any("1d23h after" in w and "never reconciled" in w for w in view.warnings)
    await delete_schedule(temporal_client, schedule_id)


async def test_a_utc_nightly_schedule_has_no_warning(temporal_client: Client, schedule_id: str):
    view = await create_schedule(
        temporal_client, ScheduleConfig(task_queue="q", schedule_id=schedule_id)
    )
    assert view.warnings == []
    assert not view.paused
    await delete_schedule(temporal_client, schedule_id)
