"""Determinism: a recorded history of the workflow replays against today's code."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from sandbox.generator import generate, write_recorded
from workflows.reconciliation import ReconciliationWorkflow

HISTORIES = Path(__file__).parent / "histories"


async def test_a_fresh_history_replays(reconcile, tmp_path):
    month = generate(seed=3, month=date(2026, 10, 1), orders=20)
    write_recorded(month, tmp_path / "recorded")
    result = await reconcile(tmp_path / "recorded", month.window)
    history = await result.handle.fetch_history()
    await Replayer(
        workflows=[ReconciliationWorkflow], data_converter=pydantic_data_converter
    ).replay_workflow(history)


async def test_committed_histories_replay():
    """Histories recorded by earlier versions must still replay: changing the workflow's
    commands without versioning would break runs in flight."""
    files = sorted(HISTORIES.glob("*.json"))
    assert files, "a recorded history is committed"
    for path in files:
        history = WorkflowHistory.from_json(path.stem, path.read_text())
        await Replayer(
            workflows=[ReconciliationWorkflow], data_converter=pydantic_data_converter
        ).replay_workflow(history)
