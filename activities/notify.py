"""The exception email: once per run, to the configured address, when something needs a person.

Exceptions are high-severity discrepancies still open, requests that expired without a decision,
and corrections the vendors did not take. The send is claimed in the ledger first and marked sent
after; the Message-ID derives from the run, so in the one window that cannot be looked up (sent,
then the worker died before marking it) a resend carries the same Message-ID and mail clients
show it once.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from approvals.blocks import summary_text
from approvals.config import ApprovalConfig, SmtpConfig
from ledger import approvals as store
from models.approvals import NotifyInput, NotifyResult, SummaryFacts

EMAIL = "exception_email"


def build_email(facts: SummaryFacts, smtp: SmtpConfig) -> EmailMessage:
    message = EmailMessage()
    high = len(facts.high_open)
    message["Subject"] = (
        f"Accord run {facts.run_id}: {high} high, {len(facts.expired)} expired, "
        f"{len(facts.failed_pushes)} not pushed"
    )
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.to)
    message["Message-ID"] = f"<accord-run-{facts.run_id}-exceptions@accord.local>"
    lines = [summary_text(facts), ""]
    if facts.high_open:
        lines.append("High-severity discrepancies open:")
        lines += [
            f"  - {i.discrepancy_id}: {i.money_at_stake} {i.currency or ''} — {i.explanation}"
            for i in facts.high_open
        ]
    message.set_content("\n".join(lines))
    return message


def send_email(message: EmailMessage, smtp: SmtpConfig) -> None:
    assert smtp.host
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, smtp.password or "")
        server.send_message(message)


class NotifyActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Any) -> None:
        self.sessions = sessions
        self.config = ApprovalConfig.from_settings(settings)

    @activity.defn(name="send_exception_email")
    async def send_exception_email(self, request: NotifyInput) -> NotifyResult:
        smtp = self.config.smtp
        if not smtp.configured:
            return NotifyResult(sent=False, detail="no SMTP host or recipient configured")
        async with self.sessions.begin() as session:
            facts = await store.summary_facts(session, request.run_id)
        if not facts.exceptional:
            return NotifyResult(sent=False, detail="nothing exceptional")
        async with self.sessions.begin() as session:
            status = await store.claim_notification(
                session, request.run_id, EMAIL, ", ".join(smtp.to)
            )
        if status == "sent":
            return NotifyResult(sent=False, already_sent=True)
        facts.run_ui_url = request.run_ui_url
        message = build_email(facts, smtp)
        await asyncio.to_thread(send_email, message, smtp)
        async with self.sessions.begin() as session:
            await store.mark_sent(session, request.run_id, EMAIL, message["Message-ID"])
        return NotifyResult(sent=True, detail=message["Subject"])
