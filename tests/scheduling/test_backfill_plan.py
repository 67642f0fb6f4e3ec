"""The pure parts of an idempotent backfill: workflow ids per window, ranges of missing windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from scheduling.backfill import backfill_requests, contiguous_runs, scheduled_workflow_id

DAYS = [datetime(2026, 10, d, tzinfo=UTC) for d in range(1, 11)]


def test_the_workflow_id_is_the_prefix_and_the_scheduled_time_in_utc():
    berlin_midnight = datetime(2026, 10, 2, 2, tzinfo=timezone(timedelta(hours=2)))
    assert (
        scheduled_workflow_id("reconcile-scheduled", berlin_midnight)
        == "reconcile-scheduled-2026-10-02T00:00:00Z"
    )


def test_missing_windows_are_grouped_into_ranges_that_skip_the_ones_already_run():
    wanted = set(DAYS[0:3]) | {DAYS[5]} | set(DAYS[8:10])
    runs = contiguous_runs(DAYS, wanted)
    assert runs == [DAYS[0:3], [DAYS[5]], DAYS[8:10]]
    requests = backfill_requests(runs)
    assert [(r.start_at, r.end_at) for r in requests] == [
        (DAYS[0], DAYS[2]),
        (DAYS[5], DAYS[5]),
        (DAYS[8], DAYS[9]),
    ]
    assert all(r.overlap.name == "BUFFER_ALL" for r in requests)


def test_nothing_wanted_means_no_request():
    assert backfill_requests(contiguous_runs(DAYS, set())) == []
