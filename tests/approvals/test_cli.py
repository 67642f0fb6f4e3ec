"""`starter.py pending | decide | audit` as a user runs them, while the approval waits."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

from models.approvals import RunApprovalsInput, RunApprovalsResult
from tests.approvals.approval_factories import invoice_total, new_vendor_payment, seed_run
from tests.approvals.flow_helpers import approval_messages, wait_for
from workflows.approval import RunApprovalsWorkflow

ROOT = Path(__file__).resolve().parents[2]


async def starter(settings, *args: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
        "DATA_DIR": str(settings.data_dir),
        "COLUMNS": "250",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "starter.py",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode, out.decode()


async def test_pending_decide_and_audit_from_the_command_line(
    temporal_client, temporal_address, approval_settings, approval_worker, sessions, clean_slack
):
    settings = approval_settings.model_copy(update={"temporal_address": temporal_address})
    rule, item = new_vendor_payment("91", "1800.00"), invoice_total("300", "40.00", "44.00")
    run_id = await seed_run(sessions, [rule, item])
    handle = await temporal_client.start_workflow(
        RunApprovalsWorkflow.run,
        RunApprovalsInput(run_id=run_id),
        id=f"approvals-cli-{uuid.uuid4().hex[:8]}",
        task_queue=settings.temporal_task_queue,
        result_type=RunApprovalsResult,
    )
    await wait_for(lambda: len(approval_messages(clean_slack)) == 2, what="both groups posted")

    code, out = await starter(settings, "pending")
    assert code == 0, out
    assert rule.id in out and item.id in out and "1800.00 USD" in out

    code, out = await starter(settings, "decide", rule.id, "approve", "--by", "sam")
    assert code == 1 and "may not decide" in out  # sam is a bookkeeper; the rule needs the CFO
    code, out = await starter(settings, "decide", rule.id, "approve", "--by", "dana")
    assert code == 0 and "Recorded" in out, out
    code, out = await starter(settings, "decide", rule.id, "reject", "--by", "dana")
    assert code == 1 and "already approved" in out
    code, out = await starter(settings, "decide", item.id, "reject", "--by", "sam")
    assert code == 0, out

    result = await handle.result()
    assert (result.approved, result.rejected) == (1, 1)
    code, out = await starter(settings, "audit", rule.id)
    assert code == 0, out
    story = out.splitlines()
    kinds = [line.split()[3] for line in story if line[:2] == "20"]
    assert kinds == ["FOUND", "ASKED", "REFUSED", "DECIDED", "REFUSED"], out
    assert "DECIDED APPROVE by dana (dana) via cli" in out and "may not decide" in out
