"""The Slack interactivity endpoint: `POST /slack/events` and `GET /healthz`.

1. The signature is checked on the raw body first; anything unsigned, stale or tampered gets 401
   and goes no further.
2. A button click is acknowledged at once (Slack wants an answer within 3 seconds); the decision
   goes to Temporal afterwards, in the background, so a slow Temporal never makes Slack retry.
3. The workflow checks the clicker against the item's approvers (and double clicks, races and
   changed corrections) and records any refusal. The clicker hears back through `response_url`:
   an ephemeral note, the message itself unchanged. An accepted decision is shown in the
   original message by the workflow (`chat.update`), whichever channel it came through.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import BackgroundTasks, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from approvals.blocks import APPROVE, REJECT, parse_button_value
from approvals.signature import verify
from models.approvals import Decision, DecisionOutcome, Verdict

log = logging.getLogger("accord.approvals")

Submit = Callable[[str, Decision], Awaitable[DecisionOutcome]]
VERDICTS = {APPROVE: Verdict.APPROVE, REJECT: Verdict.REJECT}


def decisions_of(payload: dict[str, Any]) -> list[tuple[str, Decision]]:
    """(workflow id, decision) for each Approve/Reject click in a `block_actions` payload."""
    user = payload.get("user") or {}
    found = []
    for action in payload.get("actions") or []:
        verdict = VERDICTS.get(action.get("action_id", ""))
        if verdict is None:
            continue
        workflow_id, discrepancy_id, correction_id = parse_button_value(action.get("value", ""))
        decision = Decision(
            discrepancy_id=discrepancy_id,
            verdict=verdict,
            by=user.get("id", ""),
            by_name=user.get("username") or user.get("name") or "",
            channel="slack",
            correction_id=correction_id,
        )
        found.append((workflow_id, decision))
    return found


def _reply(outcome: DecisionOutcome, decision: Decision) -> dict[str, Any]:
    if outcome.accepted:
        text = f"Recorded: you {decision.verdict.value}d `{decision.discrepancy_id}`."
    else:
        text = f"Not recorded — {outcome.reason}."
    return {"response_type": "ephemeral", "replace_original": False, "text": text}


async def _tell(response_url: str | None, body: dict[str, Any]) -> None:
    if not response_url:
        return
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            await http.post(response_url, json=body)
    except httpx.HTTPError as error:
        log.warning("could not answer through response_url: %s", error)


async def forward(submit: Submit, workflow_id: str, decision: Decision, response_url: str | None):
    try:
        outcome = await submit(workflow_id, decision)
    except Exception as error:  # the click is acknowledged; say it failed and log why
        log.exception("decision on %s could not be delivered", decision.discrepancy_id)
        await _tell(response_url, {"response_type": "ephemeral", "text": f"Not recorded: {error}"})
        return
    log.info("decision %s on %s: %s", decision.verdict, decision.discrepancy_id, outcome)
    await _tell(response_url, _reply(outcome, decision))


def _payload(body: bytes) -> dict[str, Any] | None:
    form = parse_qs(body.decode("utf-8", "replace"))
    if "payload" in form:
        return json.loads(form["payload"][0])
    try:
        return json.loads(body)
    except ValueError:
        return None


def build_app(
    *, signing_secret: str, submit: Submit, now: Callable[[], float] = time.time
) -> FastAPI:
    if not signing_secret:
        raise ValueError("the Slack endpoint needs SLACK_SIGNING_SECRET")
    app = FastAPI(title="Accord approvals")
    app.state.pending = set()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/slack/events")
    async def slack_events(request: Request, background: BackgroundTasks) -> Response:
        body = await request.body()
        if not verify(signing_secret, body, request.headers, now=now):
            return JSONResponse({"error": "invalid Slack signature"}, status_code=401)
        payload = _payload(body)
        if payload is None:
            return JSONResponse({"error": "no payload"}, status_code=400)
        if payload.get("type") == "url_verification":
            return JSONResponse({"challenge": payload.get("challenge", "")})
        if payload.get("type") != "block_actions":
            return Response(status_code=200)
        try:
            clicks = decisions_of(payload)
        except (ValueError, KeyError) as error:
            return JSONResponse({"error": f"unreadable button value: {error}"}, status_code=400)
        for workflow_id, decision in clicks:
            task = asyncio.create_task(
                forward(submit, workflow_id, decision, payload.get("response_url"))
            )
            app.state.pending.add(task)
            task.add_done_callback(app.state.pending.discard)
        return Response(status_code=200)

    return app
