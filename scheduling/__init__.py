"""Temporal Schedules that run Accord's reconciliation: nightly by default, one window per run.

The public API lives in `scheduling.schedules`; `scheduling.cli` is the `schedule` sub-command
and `setup`.
"""
