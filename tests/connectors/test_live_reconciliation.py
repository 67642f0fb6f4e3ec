"""The generated month served live by the four sandboxes and reconciled by the real workflow
through the live fetch activities gives exactly what the same month gives from recorded pages."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from temporalio.client import Client

from approvals.submit import submit_decision
from ledger import approvals as approval_store
from ledger.tables import CanonicalRow
from models.approvals import Decision, Verdict
from models.io import ReconcileInput, Window
from runtime.settings import Settings
from sandbox.generator import generate, write_recorded
from sandbox.servers import run_sandbox
from sandbox.slack_api import SlackSandbox
from tests.approvals.flow_helpers import wait_for
from worker import running_worker
from workflows.reconciliation import ReconciliationWorkflow


def _keys(records) -> frozenset[str]:
    return frozenset(f"{r['source']}:{r['type']}:{r['id']}" for r in records)


def _live_settings(sb, tmp_path: Path, database_url: str, **more: Any) -> Settings:
    """Accord pointed at the running sandboxes, on its own task queue."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        **{key.lower(): value for key, value in sb.env().items()},
        data_dir=tmp_path / "accord",
        temporal_task_queue=f"live-{uuid.uuid4()}",
        database_url=database_url,
        **more,
    )


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
        settings = _live_settings(sb, tmp_path, database_url)
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


async def _waiting_bill_fix(sessions, seconds: float = 60.0):
    """The approval request (and its discrepancy) proposing a new bill total, once posted."""
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        async with sessions() as session:
            for request, row in await approval_store.waiting(session):
                if (row.correction or {}).get("object_type") == "Bill":
                    return request, row
        await asyncio.sleep(0.2)
    raise AssertionError("no bill correction was put to anyone")


async def test_an_approved_bill_fix_reaches_the_books_once_and_the_next_run_sees_it(
    temporal_client: Client, database_url: str, sessions, tmp_path: Path
):
    """The whole loop on the live sandboxes: the run finds the planted bill typo (the bank
    paid 5250.00, the bill says 5520.00) and asks; the owner approves; QuickBooks takes the
    new total once, working it out of the bill's line; a later run reads the bill back at
    5250.00 and finds nothing left to fix."""
    month = generate(seed=11, month=date(2026, 10, 1), orders=60)
    token = "xoxb-live-loop"
    with SlackSandbox(token=token) as slack:
        async with run_sandbox(month) as sb:
            settings = _live_settings(
                sb,
                tmp_path,
                database_url,
                slack_api_url=slack.api_url,
                slack_bot_token=SecretStr(token),
                slack_channel="C0APPROVALS",
                approvers={"owner": ["owner"], "bookkeeper": ["bookkeeper"], "cfo": ["cfo"]},
            )
            books = sb.quickbooks.books
            async with running_worker(temporal_client, settings, database_url):
                first = ReconcileInput(window=month.window)
                await temporal_client.execute_workflow(
                    ReconciliationWorkflow.run,
                    first,
                    id=f"{first.workflow_id()}-{uuid.uuid4().hex[:6]}",
                    task_queue=settings.temporal_task_queue,
                )
                request, row = await _waiting_bill_fix(sessions)
                fix = row.correction
                assert (fix["from_value"], fix["to_value"]) == ("5520.00", "5250.00")
                writes_before = books.writes
                decision = Decision(
                    discrepancy_id=row.id,
                    verdict=Verdict.APPROVE,
                    by="owner",
                    correction_id=request.correction_id,
                )
                outcome = await submit_decision(temporal_client, request.workflow_id, decision)
                assert outcome.accepted, outcome
                await wait_for(
                    lambda: (
                        books.entities["Bill"][fix["object_id"]]["TotalAmt"] == Decimal("5250.00")
                    ),
                    seconds=60,
                    what="QuickBooks to take the new bill total",
                )
                bill = books.entities["Bill"][fix["object_id"]]
                assert books.writes == writes_before + 1 and bill["Balance"] == Decimal("5250.00")

                # the change is dated now, after the first run's as_of: a run as of now reads
                # it (QuickBooks stamps it to the second, and a fetch reads what came before)
                await asyncio.sleep(1.1)
                later = ReconcileInput(
                    window=Window(
                        start=month.window.start, end=month.window.end, as_of=datetime.now(UTC)
                    ),
                    report_path=str(tmp_path / "later.json"),
                )
                await temporal_client.execute_workflow(
                    ReconciliationWorkflow.run,
                    later,
                    id=f"{later.workflow_id()}-{uuid.uuid4().hex[:6]}",
                    task_queue=settings.temporal_task_queue,
                )
    assert books.writes == writes_before + 1  # nothing pushed twice
    async with sessions() as session:
        amount = await session.scalar(
            select(CanonicalRow.amount).where(
                CanonicalRow.is_current,
                CanonicalRow.object_type == "Bill",
                CanonicalRow.vendor_id == fix["object_id"],
            )
        )
    assert amount == Decimal("5250.00")
    report = json.loads((tmp_path / "later.json").read_text())
    bill_key = f"quickbooks:Bill:{fix['object_id']}"
    still = [
        d
        for d in report["discrepancies"]
        if bill_key in _keys(d["records"]) and d["status"] not in ("resolved", "auto_resolved")
    ]
    assert still == [], json.dumps(still, indent=1)
