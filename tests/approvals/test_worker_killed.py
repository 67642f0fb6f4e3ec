"""A real worker process is SIGKILLed after QuickBooks took the write and before the activity
completed; the next worker finishes the approval without writing a second time."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from approvals.blocks import APPROVE, parse_button_value
from approvals.submit import submit_decision
from ledger.approval_tables import CorrectionOutbox
from models.approvals import Decision, RunApprovalsInput, RunApprovalsResult, Verdict
from sandbox.servers import quickbooks
from sandbox.servers.host import VendorHost
from sandbox.servers.quickbooks_auth import OAuthState
from sandbox.servers.runner import Credentials
from tests.approvals.approval_factories import invoice_total, seed_run
from tests.approvals.conftest import APPROVERS, BOT_TOKEN, CHANNEL
from tests.approvals.flow_helpers import approval_messages, buttons, wait_for
from tests.approvals.test_writeback_quickbooks import _invoice, books
from workflows.approval import RunApprovalsWorkflow

ROOT = Path(__file__).resolve().parents[2]


class AnswerLate:
    """Around the QBO app: a write is applied at once, its answer held back for `hold` seconds
    (once), so the caller can die after the vendor took the change and before it heard back."""

    def __init__(self, app, hold: float) -> None:
        self.app, self.hold, self.held = app, hold, False

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].endswith("/query"):
            return await self.app(scope, receive, send)

        async def late(message):
            if (
                message["type"] == "http.response.start"
                and not self.held
                and "/invoice" in scope["path"]
            ):
                self.held = True
                await asyncio.sleep(self.hold)
            await send(message)

        await self.app(scope, receive, late)


async def start_worker(env: dict[str, str]) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.approvals.worker_process",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    assert b"worker ready" in line
    return process


async def test_worker_killed_between_vendor_write_and_completion(
    temporal_client, temporal_address, approval_settings, sessions, clean_slack
):
    c = Credentials()
    oauth = OAuthState(c.qbo_client_id, c.qbo_client_secret, c.qbo_refresh_token)
    state = quickbooks.QuickBooksState(books(_invoice(500, "100.00")), c.qbo_realm_id, oauth)
    app = quickbooks.build_app(state)
    host = VendorHost("quickbooks", AnswerLate(app, hold=60), quickbooks.fault_response)
    host.start()
    env = {
        **os.environ,
        "DATABASE_URL": approval_settings.database_url,
        "TEMPORAL_ADDRESS": temporal_address,
        "TEMPORAL_TASK_QUEUE": approval_settings.temporal_task_queue,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_CHANNEL": CHANNEL,
        "SLACK_API_URL": clean_slack.api_url,
        "APPROVERS": json.dumps(APPROVERS),
        "QBO_BASE_URL": host.url,
        "QBO_REALM_ID": c.qbo_realm_id,
        "QBO_CLIENT_ID": c.qbo_client_id,
        "QBO_CLIENT_SECRET": c.qbo_client_secret,
        "QBO_REFRESH_TOKEN": c.qbo_refresh_token,
    }
    item = invoice_total("500", "100.00", "175.00")
    run_id = await seed_run(sessions, [item])
    first = await start_worker(env)
    second = None
    try:
        handle = await temporal_client.start_workflow(
            RunApprovalsWorkflow.run,
            RunApprovalsInput(run_id=run_id),
            id=f"approvals-kill-{uuid.uuid4().hex[:8]}",
            task_queue=approval_settings.temporal_task_queue,
            result_type=RunApprovalsResult,
        )
        [message] = await wait_for(
            lambda: approval_messages(clean_slack), seconds=60, what="the approval message"
        )
        workflow_id, _, correction_id = parse_button_value(buttons(message)[item.id][APPROVE])
        outcome = await submit_decision(
            temporal_client,
            workflow_id,
            Decision(
                discrepancy_id=item.id,
                verdict=Verdict.APPROVE,
                by="U0OWNER",
                correction_id=correction_id,
            ),
        )
        assert outcome.accepted

        await wait_for(
            lambda: state.books.writes == 1, seconds=60, what="QuickBooks to take the write"
        )
        first.send_signal(
            signal.SIGKILL
        )  # the answer is still held back: the activity cannot complete
        await first.wait()
        async with sessions() as session:
            row = await session.get(CorrectionOutbox, item.correction.id)
        assert row.status == "sending"  # committed before the call, outcome unknown

        env["QBO_REFRESH_TOKEN"] = oauth.refresh_token  # the rotated one the dead worker left
        second = await start_worker(env)
        result = await asyncio.wait_for(handle.result(), 120)
    finally:
        for process in (first, second):
            if process and process.returncode is None:
                process.send_signal(signal.SIGKILL)
                await process.wait()
        host.stop()

    invoice = state.books.entities["Invoice"]["500"]
    assert result.applied == 1
    assert state.books.writes == 1 and (invoice["TotalAmt"], invoice["SyncToken"]) == (
        Decimal("175.00"),
        "1",
    )
    async with sessions() as session:
        row = await session.get(CorrectionOutbox, item.correction.id)
        rows = list((await session.execute(select(CorrectionOutbox))).scalars())
    assert len(rows) == 1 and (row.status, row.attempts) == ("applied", 2)
    assert "already" in (row.detail or "")  # looked up, not sent again
