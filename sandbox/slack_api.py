"""A loopback Slack Web API subset: `chat.postMessage`, `chat.update`, `chat.postEphemeral`,
`conversations.history`, plus `response_url` hooks. Messages are kept for inspection.

It answers as Slack does: HTTP 200 with `{"ok": false, "error": "..."}` for API errors
(`invalid_auth`, `channel_not_found`, `message_not_found`), 429 with `Retry-After` when
`rate_limit_next` is set. Point slack-sdk at it with `WebClient(base_url=sandbox.api_url)`.

    with SlackSandbox(token="xoxb-test") as slack:
        WebClient(token="xoxb-test", base_url=slack.api_url).chat_postMessage(channel="C1", text="hi")
        slack.messages("C1")
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass
class SlackMessage:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)  # earlier versions, oldest first


@dataclass
class SlackState:
    token: str
    messages: list[SlackMessage] = field(default_factory=list)
    ephemeral: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)  # posts to response_url
    calls: dict[str, int] = field(default_factory=dict)
    rate_limit_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._counter):06d}"

    def find(self, channel: str, ts: str) -> SlackMessage | None:
        return next((m for m in self.messages if m.channel == channel and m.ts == ts), None)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        return json.loads(raw or b"{}")
    data: dict[str, Any] = dict(parse_qsl(raw.decode()))
    for key in ("blocks", "metadata"):
        if isinstance(data.get(key), str):
            data[key] = json.loads(data[key])
    return data


def _blocks(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _error(code: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": code})


def build_app(state: SlackState) -> FastAPI:
    app = FastAPI(title="Slack Web API sandbox")

    async def guarded(method: str, request: Request):
        """Count the call; answer rate limits and auth errors as Slack does."""
        with state.lock:
            state.calls[method] = state.calls.get(method, 0) + 1
            if state.rate_limit_next > 0:
                state.rate_limit_next -= 1
                return None, JSONResponse(
                    {"ok": False, "error": "ratelimited"},
                    status_code=429,
                    headers={"Retry-After": "1"},
                )
        auth = request.headers.get("authorization", "")
        body = await _body(request)
        token = auth.removeprefix("Bearer ").strip() or body.get("token", "")
        if token != state.token:
            return None, _error("invalid_auth" if token else "not_authed")
        return body, None

    @app.post("/api/chat.postMessage")
    async def post_message(request: Request):
        body, failure = await guarded("chat.postMessage", request)
        if failure:
            return failure
        channel = body.get("channel")
        if not channel:
            return _error("channel_not_found")
        if not body.get("text") and not body.get("blocks"):
            return _error("no_text")
        with state.lock:
            message = SlackMessage(
                channel=channel,
                ts=state.next_ts(),
                text=body.get("text", ""),
                blocks=_blocks(body.get("blocks")),
                thread_ts=body.get("thread_ts"),
                metadata=body.get("metadata"),
            )
            state.messages.append(message)
        return {"ok": True, "channel": channel, "ts": message.ts, "message": _public(message)}

    @app.post("/api/chat.update")
    async def update_message(request: Request):
        body, failure = await guarded("chat.update", request)
        if failure:
            return failure
        with state.lock:
            message = state.find(body.get("channel", ""), body.get("ts", ""))
            if message is None:
                return _error("message_not_found")
            message.edits.append({"text": message.text, "blocks": message.blocks})
            message.text = body.get("text", message.text)
            if "blocks" in body:
                message.blocks = _blocks(body["blocks"])
        return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text}

    @app.post("/api/chat.postEphemeral")
    async def post_ephemeral(request: Request):
        body, failure = await guarded("chat.postEphemeral", request)
        if failure:
            return failure
        with state.lock:
            state.ephemeral.append(body)
        return {"ok": True, "message_ts": state.next_ts()}

    @app.post("/api/conversations.history")
    async def history(request: Request):
        body, failure = await guarded("conversations.history", request)
        if failure:
            return failure
        with state.lock:
            found = [_public(m) for m in state.messages if m.channel == body.get("channel")]
        return {"ok": True, "messages": list(reversed(found)), "has_more": False}

    @app.post("/response/{hook}")
    async def response_url(hook: str, request: Request):
        body = json.loads(await request.body() or b"{}")  # never await while holding the lock
        with state.lock:
            state.responses.append({"hook": hook, **body})
        return JSONResponse({"ok": True})

    return app


def _public(message: SlackMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "message", "ts": message.ts, "text": message.text}
    if message.blocks:
        out["blocks"] = message.blocks
    if message.thread_ts:
        out["thread_ts"] = message.thread_ts
    if message.metadata:
        out["metadata"] = message.metadata
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlackSandbox:
    """The sandbox served by uvicorn on a loopback port, in a background thread."""

    def __init__(self, token: str = "xoxb-sandbox", port: int = 0) -> None:
        self.state = SlackState(token=token)
        self.port = port or free_port()
        config = uvicorn.Config(
            build_app(self.state), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, hook: str = "hook") -> str:
        return f"{self.base_url}/response/{hook}"

    def messages(self, channel: str | None = None) -> list[SlackMessage]:
        with self.state.lock:
            return [m for m in self.state.messages if channel is None or m.channel == channel]

    def message(self, ts: str) -> SlackMessage:
        with self.state.lock:
            return next(m for m in self.state.messages if m.ts == ts)

    def __enter__(self) -> SlackSandbox:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the Slack sandbox did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
