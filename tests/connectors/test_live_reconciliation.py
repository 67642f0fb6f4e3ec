"""The generated month served live by the four sandboxes and reconciled by the real workflow
through the live fetch activities gives exactly what the same month gives from recorded pages."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

from temporalio.client import Client

from models.io import ReconcileInput
from runtime.settings import Settings
from sandbox.generator import generate, write_recorded
from sandbox.servers import run_sandbox
from worker import running_worker
from workflows.reconciliation import ReconciliationWorkflow


def _keys(records) -> frozenset[str]:
    return frozenset(f"{r['source']}:{r['type']}:{r['id']}" for r in records)


def _found(discrepancies) -> set[tuple]:
    return {(d["field"], d["severity"], d["status"], _keys(d["records"])) for d in discrepancies}


async def test_a_live_month_finds_exactly_what_was_planted(
    temporal_client: Client, database_url: str, sessions, tmp_path: Path
):
    month = generate(seed=11, month=date(2026, 10, 1), orders=60)
    write_recorded(month, tmp_path / "recorded")
    expected = json.loads((tmp_path / "recorded" / "expected.json").read_text())
    report_path = tmp_path / "live-report.json"
    async with run_sandbox(month) as sb:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            **{key.lower(): value for key, value in sb.env().items()},
            data_dir=tmp_path / "accord",
            temporal_task_queue=f"live-{uuid.uuid4()}",
            database_url=database_url,
        )
        # A first run over an empty ledger: QuickBooks' first sync reaches back `lookback`
        # (September's open invoices are the counterparts of October's deposits).
        request = ReconcileInput(window=month.window, report_path=str(report_path))
        async with running_worker(temporal_client, settings, database_url):
            summary = await temporal_client.execute_workflow(
                ReconciliationWorkflow.run,
                request,
                id=f"{request.workflow_id()}-{uuid.uuid4().hex[:6]}",
                task_queue=settings.temporal_task_queue,
            )
    assert summary.failed_sources == {}
    assert set(summary.fetched) == {"plaid", "stripe", "shopify", "quickbooks"}
    report = json.loads(report_path.read_text())
    assert _found(report["discrepancies"]) == _found(expected["discrepancies"])
