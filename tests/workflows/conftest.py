"""Runs the real workflow on the real dev server and the real PostgreSQL."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle

from models.io import ReconcileInput, RunSummary, Window
from runtime.settings import Settings
from worker import running_worker
from workflows.reconciliation import ReconciliationWorkflow


@dataclass
class Reconciled:
    summary: RunSummary
    report: dict[str, Any]
    handle: WorkflowHandle


@pytest.fixture
def reconcile(temporal_client: Client, clean_ledger: str, tmp_path: Path):
    """`await reconcile(source_dir, window)` runs one workflow through a fresh worker."""
    settings = Settings(
        temporal_task_queue=f"test-{uuid.uuid4()}",
        data_dir=tmp_path / "accord",
        database_url=clean_ledger,
    )

    async def run(
        source_dir: Path, window: Window, *, workflow_id: str | None = None
    ) -> Reconciled:
        report = tmp_path / f"report-{uuid.uuid4().hex[:8]}.json"
        request = ReconcileInput(window=window, source_dir=str(source_dir), report_path=str(report))
        async with running_worker(temporal_client, settings, clean_ledger):
            handle = await temporal_client.start_workflow(
                ReconciliationWorkflow.run,
                request,
                id=workflow_id or f"{request.workflow_id()}-{uuid.uuid4().hex[:6]}",
                task_queue=settings.temporal_task_queue,
            )
            summary = await handle.result()
        return Reconciled(summary, json.loads(report.read_text()), handle)

    return run
