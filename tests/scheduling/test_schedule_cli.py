"""`python starter.py schedule ...` and `setup` as a user types them, against the dev server."""

from __future__ import annotations

import uuid

import pytest
from typer.testing import CliRunner

import scheduling.cli
from runtime.settings import Settings
from starter import app

runner = CliRunner()


@pytest.fixture
def cli_settings(temporal_address: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        temporal_address=temporal_address,
        temporal_task_queue=f"cli-{uuid.uuid4().hex[:8]}",
    )
    monkeypatch.setattr(scheduling.cli, "get_settings", lambda: settings)
    return settings


def run(*args: str):
    return runner.invoke(app, list(args), terminal_width=200)


def test_create_describe_backfill_and_delete(cli_settings: Settings, schedule_id: str):
    created = run(
        "schedule", "create", "--schedule-id", schedule_id, "--interval", "6h", "--paused",
        "--run-timeout", "5h", "--catchup-window", "2h",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "every 6:00:00 (UTC)" in created.output
    assert "the 6h ending at its scheduled time" in created.output
    assert cli_settings.temporal_task_queue in created.output
    assert "│ run timeout                │ 5h" in created.output
    assert "│ catch-up window            │ 2h" in created.output

    described = run("schedule", "describe", "--schedule-id", schedule_id)
    assert "paused" in described.output

    plan = run(
        "schedule", "backfill", "--schedule-id", schedule_id,
        "--start", "2026-10-01", "--end", "2026-10-02", "--dry-run",
    )  # fmt: skip
    assert plan.exit_code == 0, plan.output
    assert "would start: 4" in plan.output
    assert f"reconcile-{schedule_id}-2026-10-01T06:00:00Z" in plan.output
    assert f"reconcile-{schedule_id}-2026-10-02T00:00:00Z" in plan.output

    deleted = run("schedule", "delete", "--schedule-id", schedule_id, "--yes")
    assert deleted.exit_code == 0
    gone = run("schedule", "describe", "--schedule-id", schedule_id)
    assert gone.exit_code == 2
    assert f"no schedule '{schedule_id}'" in gone.output


def test_bad_options_name_the_option_and_exit_2(cli_settings: Settings, schedule_id: str):
    bad = run("schedule", "create", "--schedule-id", schedule_id, "--interval", "soon")
    assert bad.exit_code == 2
    assert "--interval" in bad.output and "'soon' is not a duration" in bad.output
    policy = run("schedule", "create", "--schedule-id", schedule_id, "--overlap-policy", "wait")
    assert policy.exit_code == 2 and "--overlap-policy" in policy.output


def test_setup_registers_search_attributes_once(cli_settings: Settings):
    result = run("setup")
    assert result.exit_code == 0, result.output
    assert "added nothing (all were there)" in result.output  # the session server has them


def test_an_unreachable_server_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    settings = Settings(_env_file=None, temporal_address="127.0.0.1:1")  # type: ignore[call-arg]
    monkeypatch.setattr(scheduling.cli, "get_settings", lambda: settings)
    result = run("schedule", "list")
    assert result.exit_code == 1
    assert "cannot reach Temporal at 127.0.0.1:1" in result.output


def test_a_timing_option_replaces_the_settings_timing_instead_of_meeting_it():
    from datetime import timedelta
    from types import SimpleNamespace

    configured = SimpleNamespace(schedule_cron="0 3 * * *", schedule_interval=None)
    timing = scheduling.cli._timing
    assert timing(None, timedelta(hours=6), configured) == {
        "cron": None,
        "interval": timedelta(hours=6),
    }
    assert timing(None, None, configured) == {"cron": "0 3 * * *", "interval": None}
    by_interval = SimpleNamespace(schedule_cron=None, schedule_interval=timedelta(hours=1))
    assert timing(None, None, by_interval) == {"cron": None, "interval": timedelta(hours=1)}
    assert timing("0 1 * * *", None, by_interval) == {"cron": "0 1 * * *", "interval": None}
