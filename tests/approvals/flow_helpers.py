"""Driving the approval flow as people do: read the Slack message, click its buttons."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from temporalio.client import Client

from approvals.app import build_app
from approvals.submit import ledger_refusals, submit_decision
from sandbox.slack_api import SlackMessage, SlackSandbox
from tests.approvals.slack_payloads import click_payload, form_body, signed_headers


async def wait_for(predicate, *, seconds: float = 20.0, what: str = "condition"):
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def approval_messages(slack: SlackSandbox) -> list[SlackMessage]:
    return [
        m
        for m in slack.messages()
        if (m.metadata or {}).get("event_type") == "accord_approval" and not m.thread_ts
    ]


def buttons(message: SlackMessage) -> dict[str, dict[str, str]]:
    """discrepancy id → {action_id: button value} for the items still waiting."""
    found: dict[str, dict[str, str]] = {}
    for block in message.blocks:
        if block.get("type") == "actions":
            found[block["block_id"]] = {e["action_id"]: e["value"] for e in block["elements"]}
    return found


def message_text(message: SlackMessage) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


class SlackUser:
    """Clicks buttons through the real endpoint, signed as Slack signs."""

    def __init__(self, client: Client, secret: str, slack: SlackSandbox, sessions) -> None:
        closed = ledger_refusals(sessions)

        async def submit(workflow_id, decision):
            return await submit_decision(client, workflow_id, decision, when_closed=closed)

        self.app = build_app(signing_secret=secret, submit=submit)
        self.secret = secret
        self.slack = slack

    async def click(self, value: str, action_id: str, *, user: str, name: str = "") -> int:
        payload = click_payload(
            value,
            action_id,
            user=user,
            name=name or user,
            response_url=self.slack.response_url(user),
        )
        body = form_body(payload)
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://endpoint") as http:
            response = await http.post(
                "/slack/events", content=body, headers=signed_headers(self.secret, body)
            )
        return response.status_code

    async def settle(self) -> None:
        """Wait until every acknowledged click has reached Temporal and been answered."""
        while self.app.state.pending:
            await asyncio.gather(*list(self.app.state.pending))

    def replies(self, user: str) -> list[dict[str, Any]]:
        return [r for r in self.slack.state.responses if r["hook"] == user]
