"""Slack: post approval groups, keep their messages current, remind, send the daily summary.

slack-sdk's `WebClient` runs in a thread (its async client needs aiohttp, which Accord does
not otherwise use). Posting is looked up before it is repeated: every message Accord posts carries Slack message
metadata naming what it is (`accord_approval` + workflow id, `accord_summary` + run id), and a
retried attempt first searches the channel's recent history for it. So a retry after a post that
succeeded (but whose result was lost) does not post twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from approvals.blocks import group_blocks, group_text, summary_blocks, summary_text
from approvals.config import ApprovalConfig
from ledger import approvals as store
from models.approvals import (
    NotifyInput,
    NotifyResult,
    PostedMessage,
    PostGroupInput,
    UpdateGroupInput,
)

log = logging.getLogger("accord.slack")
PERMANENT_SLACK_ERRORS = {"invalid_auth", "not_authed", "channel_not_found", "account_inactive"}
SUMMARY = "slack_summary"


def _raise(error: SlackApiError) -> None:
    """Slack's permanent errors stop retrying; the rest (rate limits, 5xx) are retried."""
    code = error.response.get("error", "") if error.response else ""
    if code in PERMANENT_SLACK_ERRORS:
        raise ApplicationError(f"Slack refused: {code}", type="VendorAuthError", non_retryable=True)
    raise error


class SlackActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: WebClient | None,
        settings: Any,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.config = ApprovalConfig.from_settings(settings)

    async def _call(self, method: str, **kwargs: Any) -> Any:
        """slack-sdk's blocking client, off the event loop."""
        assert self.client is not None
        return await asyncio.to_thread(getattr(self.client, method), **kwargs)

    @property
    def channel(self) -> str | None:
        return self.config.slack_channel if self.client is not None else None

    async def _already_posted(self, event_type: str, key: str) -> str | None:
        """The ts of a message of ours with this metadata in the channel's recent history."""
        assert self.client is not None
        reply = await self._call(
            "conversations_history", channel=self.channel, limit=200, include_all_metadata=True
        )
        for message in reply.get("messages", []):
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == event_type and payload.get("key") == key:
                return message["ts"]
        return None

    async def _post_once(self, event_type: str, key: str, text: str, blocks: list) -> str:
        found = await self._already_posted(event_type, key)
        if found:
            return found
        assert self.client is not None
        try:
            reply = await self._call(
                "chat_postMessage",
                channel=self.channel,
                text=text,
                blocks=blocks,
                metadata={"event_type": event_type, "event_payload": {"key": key}},
            )
        except SlackApiError as error:
            _raise(error)
        return reply["ts"]

    @activity.defn(name="post_approval_group")
    async def post_approval_group(self, post: PostGroupInput) -> PostedMessage:
        async with self.sessions.begin() as session:
            await store.save_requests(
                session, post.run_id, post.workflow_id, post.group, post.expires_at
            )
            known = await store.message_of(session, post.workflow_id)
        if known:
            return PostedMessage(channel=known[0], ts=known[1])
        if not self.channel:
            log.warning(
                "Slack is not configured: decide %s with `starter.py decide`", post.group.key
            )
            return PostedMessage(channel="", ts="")
        ts = await self._post_once(
            "accord_approval", post.workflow_id, group_text(post), group_blocks(post)
        )
        async with self.sessions.begin() as session:
            ids = [i.discrepancy_id for i in post.group.items]
            await store.set_message(session, post.workflow_id, ids, self.channel, ts)
        return PostedMessage(channel=self.channel, ts=ts)

    @activity.defn(name="update_approval_group")
    async def update_approval_group(self, request: UpdateGroupInput) -> None:
        if self.client is None or not request.message.ts:
            return
        try:
            await self._call(
                "chat_update",
                channel=request.message.channel,
                ts=request.message.ts,
                text=group_text(request.post),
                blocks=group_blocks(request.post),
            )
        except SlackApiError as error:
            _raise(error)

    @activity.defn(name="remind_approvers")
    async def remind_approvers(self, request: UpdateGroupInput) -> None:
        waiting = [s.discrepancy_id for s in request.post.statuses if s.state.value == "waiting"]
        async with self.sessions.begin() as session:
            await store.mark_reminded(session, request.post.workflow_id, waiting)
        if self.client is None or not request.message.ts or not waiting:
            return
        people = sorted({w for i in request.post.group.items for w in i.allowed if w[:1] in "UW"})
        mentions = " ".join(f"<@{p}>" for p in people)
        try:
            await self._call(
                "chat_postMessage",
                channel=request.message.channel,
                thread_ts=request.message.ts,
                text=f"Reminder: {len(waiting)} item(s) still wait for a decision. {mentions}".strip(),
            )
        except SlackApiError as error:
            _raise(error)

    @activity.defn(name="send_daily_summary")
    async def send_daily_summary(self, request: NotifyInput) -> NotifyResult:
        if not self.channel:
            return NotifyResult(sent=False, detail="Slack is not configured")
        async with self.sessions.begin() as session:
            status = await store.claim_notification(session, request.run_id, SUMMARY, self.channel)
        if status == "sent":
            return NotifyResult(sent=False, already_sent=True)
        async with self.sessions.begin() as session:
            facts = await store.summary_facts(session, request.run_id)
        facts.run_ui_url = request.run_ui_url
        key = f"run-{request.run_id}"
        ts = await self._post_once(
            "accord_summary", key, summary_text(facts), summary_blocks(facts)
        )
        async with self.sessions.begin() as session:
            await store.mark_sent(session, request.run_id, SUMMARY, ts)
        return NotifyResult(sent=True, detail=f"posted {ts} at {datetime.now(UTC):%H:%M:%S}")


def slack_client_from(settings: Any) -> WebClient | None:
    """slack-sdk's client from Settings (token, optional base URL for the sandbox), or None."""
    token = getattr(settings, "slack_bot_token", None)
    if token is None:
        return None
    base_url = getattr(settings, "slack_api_url", None) or WebClient.BASE_URL
    return WebClient(token=token.get_secret_value(), base_url=base_url, timeout=15)
