"""The approval flow on the real servers: PostgreSQL, Temporal, the Slack sandbox via slack-sdk."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.worker import Worker

from activities.approvals import approval_activities
from runtime.settings import Settings
from sandbox.slack_api import SlackSandbox
from workflows.approval import APPROVAL_WORKFLOWS

BOT_TOKEN = "xoxb-accord-test"
SIGNING_SECRET = "test-signing-secret-0123456789"
CHANNEL = "C0APPROVALS"
APPROVERS = {"cfo": ["U0CFO", "dana"], "owner": ["U0OWNER"], "bookkeeper": ["U0BOOK", "sam"]}


class ApprovalSettings(Settings):
    """Settings with the approval fields (the lead adds them to `Settings`; tests need them now)."""

    approvers: dict[str, list[str]] = {}
    approval_remind_after: timedelta = timedelta(days=1)
    approval_expire_after: timedelta = timedelta(days=7)
    writeback_dry_run: bool = False
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "accord@example.com"
    smtp_to: str = ""


@pytest.fixture
def approvals_db(migrated_url: str) -> str:
    return migrated_url


@pytest.fixture(scope="session")
def slack() -> Iterator[SlackSandbox]:
    with SlackSandbox(token=BOT_TOKEN) as sandbox:
        yield sandbox


@pytest.fixture
def clean_slack(slack: SlackSandbox) -> SlackSandbox:
    with slack.state.lock:
        slack.state.messages.clear()
        slack.state.ephemeral.clear()
        slack.state.responses.clear()
        slack.state.calls.clear()
        slack.state.rate_limit_next = 0
    return slack


@pytest.fixture
def approval_settings(
    approvals_db: str, clean_slack: SlackSandbox, tmp_path: Path
) -> ApprovalSettings:
    return ApprovalSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "accord",
        database_url=approvals_db,
        temporal_task_queue=f"approvals-{uuid.uuid4()}",
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_channel=CHANNEL,
        slack_api_url=clean_slack.api_url,
        approvers=APPROVERS,
    )


async def run_worker(client: Client, settings: Settings, sessions, **writers) -> Worker:
    return Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=APPROVAL_WORKFLOWS,
        activities=approval_activities(sessions, settings, **writers),
    )


@pytest.fixture
async def approval_worker(
    temporal_client: Client, approval_settings: ApprovalSettings, sessions
) -> AsyncIterator[Worker]:
    worker = await run_worker(temporal_client, approval_settings, sessions)
    async with worker:
        yield worker
