"""A schedule's configuration: the nightly default, and bad options named in the error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import ScheduleCalendarSpec, ScheduleRange

from models.errors import InputError
from scheduling.build import build_schedule
from scheduling.config import ScheduleConfig
from scheduling.parsing import duration_text, parse_duration, parse_instant
from scheduling.spec_text import calendar_text


def test_the_default_is_nightly_at_midnight_utc_one_day_per_run():
    config = ScheduleConfig(task_queue="q")
    schedule = build_schedule(config)
    assert schedule.spec.cron_expressions == ["0 0 * * *"]
    assert schedule.spec.time_zone_name == "UTC"
    assert config.window_period == timedelta(days=1)
    assert schedule.policy.catchup_window == timedelta(days=1)
    assert schedule.policy.overlap.name == "SKIP"
    [request] = schedule.action.args
    assert request.window is None
    assert request.period == timedelta(days=1)
    assert request.overlap == timedelta(hours=48)


def test_an_interval_schedule_reconciles_its_interval():
    config = ScheduleConfig(task_queue="q", interval=timedelta(hours=6))
    schedule = build_schedule(config)
    assert schedule.spec.cron_expressions == []
    assert schedule.spec.intervals[0].every == timedelta(hours=6)
    assert schedule.action.args[0].period == timedelta(hours=6)


@pytest.mark.parametrize(
    ("options", "where"),
    [
        ({"cron": "0 * * * *", "interval": timedelta(hours=1)}, "--cron/--interval"),
        ({"interval": timedelta(hours=1), "period": timedelta(days=1)}, "--period"),
        ({"interval": timedelta(0)}, "--interval"),
        ({"time_zone": "Mars/Olympus_Mons"}, "--time-zone"),
        ({"catchup_window": timedelta(seconds=3)}, "--catchup-window"),
        ({"window_overlap": timedelta(hours=-1)}, "--window-overlap"),
        ({"schedule_id": " "}, "--schedule-id"),
    ],
)
def test_bad_options_say_which_option(options, where):
    with pytest.raises(InputError) as raised:
        ScheduleConfig(task_queue="q", **options)
    assert raised.value.where == where


def test_calendar_text_reads_like_cron():
    every_night_at_two = ScheduleCalendarSpec(hour=[ScheduleRange(2)])
    assert calendar_text(every_night_at_two) == "0 2 * * *"
    weekdays_every_15 = ScheduleCalendarSpec(
        minute=[ScheduleRange(0, 59, 15)],
        hour=[ScheduleRange(0, 23)],
        day_of_week=[ScheduleRange(1, 5)],
    )
    assert calendar_text(weekdays_every_15) == "0-59/15 0-23 * * 1-5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1d", timedelta(days=1)),
        ("48h", timedelta(hours=48)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90m", timedelta(minutes=90)),
        ("PT6H", timedelta(hours=6)),
        ("P1D", timedelta(days=1)),
    ],
)
def test_durations_read_short_and_iso_forms_and_print_back(text, expected):
    assert parse_duration(text, "--interval") == expected
    assert parse_duration(duration_text(expected), "--interval") == expected


@pytest.mark.parametrize("text", ["", "5q", "P", "tomorrow", "1.5h"])
def test_a_bad_duration_names_the_option(text):
    with pytest.raises(InputError) as raised:
        parse_duration(text, "--catchup-window")
    assert raised.value.where == "--catchup-window"


def test_a_date_means_midnight_utc_and_a_bad_one_names_the_option():
    assert parse_instant("2026-10-01", "--start") == datetime(2026, 10, 1, tzinfo=UTC)
    with pytest.raises(InputError) as raised:
        parse_instant("October", "--end")
    assert raised.value.where == "--end"
