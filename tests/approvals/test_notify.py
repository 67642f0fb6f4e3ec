"""The daily summary and the exception email go out once per run, through retries and crashes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from slack_sdk import WebClient
from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.slack import SlackActivities, slack_client_from
from ledger.approval_tables import NotificationSent
from models.approvals import NotifyInput, RunApprovalsInput, RunApprovalsResult
from runtime.embedded import free_port
from tests.approvals.approval_factories import invoice_total, seed_run
from tests.approvals.conftest import BOT_TOKEN, CHANNEL, run_worker
from workflows.approval import RunApprovalsWorkflow


class Inbox:
    """An SMTP server's handler: refuses the first `refuse` messages with 451, keeps the rest."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 try again later"
        self.received.append(envelope.content)
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(refuse=1), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def summaries(slack) -> list:
    return [
        m
        for m in slack.messages(CHANNEL)
        if (m.metadata or {}).get("event_type") == "accord_summary"
    ]


async def test_summary_and_email_once_per_run_even_when_activities_retry(
    temporal_client, approval_settings, sessions, clean_slack, inbox
):
    handler, port = inbox
    settings = approval_settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_to": "books@example.com"}
    )
    # a high-severity finding with nothing to push: reported, not asked
    finding = invoice_total("200", "10.00", "30.00").model_copy(update={"correction": None})
    run_id = await seed_run(sessions, [finding])
    clean_slack.state.rate_limit_next = 1  # Slack answers 429 once: the summary is retried
    async with await run_worker(temporal_client, settings, sessions):
        for _ in range(2):  # the same run's approvals twice: still one summary, one email
            await temporal_client.execute_workflow(
                RunApprovalsWorkflow.run,
                RunApprovalsInput(run_id=run_id),
                id=f"approvals-notify-{uuid.uuid4().hex[:8]}",
                task_queue=settings.temporal_task_queue,
                result_type=RunApprovalsResult,
            )

    # the first attempt met the 429 (on its look-up), the retry posted; the second run posted nothing
    assert clean_slack.state.calls == {"conversations.history": 2, "chat.postMessage": 1}
    [summary] = summaries(clean_slack)
    assert "1 high" in summary.text and "20.00 USD" in summary.text
    assert "/namespaces/default/workflows/reconcile-test-" in summary.text
    assert len(handler.received) == 1 and handler.refuse == 0  # refused once, retried, sent once
    email = handler.received[0].decode()
    assert (
        "Subject: Accord run" in email and finding.id in email and "To: books@example.com" in email
    )
    async with sessions() as session:
        sent = {
            n.kind: n.status for n in (await session.execute(select(NotificationSent))).scalars()
        }
    assert sent == {"slack_summary": "sent", "exception_email": "sent"}


async def test_a_summary_posted_before_a_crash_is_found_not_reposted(
    approval_settings, sessions, clean_slack
):
    run_id = await seed_run(sessions, [invoice_total("201", "1.00", "2.00")])
    activities = SlackActivities(sessions, slack_client_from(approval_settings), approval_settings)
    # the first attempt claimed the summary and posted it, then the worker died
    async with sessions.begin() as session:
        session.add(
            NotificationSent(run_id=run_id, kind="slack_summary", status="sending", target=CHANNEL)
        )
    WebClient(token=BOT_TOKEN, base_url=clean_slack.api_url).chat_postMessage(
        channel=CHANNEL,
        text="Accord daily summary",
        metadata={"event_type": "accord_summary", "event_payload": {"key": f"run-{run_id}"}},
    )

    result = await ActivityEnvironment().run(
        activities.send_daily_summary, NotifyInput(run_id=run_id)
    )

    assert result.sent and len(summaries(clean_slack)) == 1
    assert clean_slack.state.calls["chat.postMessage"] == 1
    async with sessions() as session:
        row = await session.get(NotificationSent, (run_id, "slack_summary"))
    assert row.status == "sent" and row.response_id == summaries(clean_slack)[0].ts
