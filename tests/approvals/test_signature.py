"""The endpoint lets through only what Slack signed, fresh; slack-sdk's verifier is the reference."""

from __future__ import annotations

import time

import httpx
import pytest
from slack_sdk.signature import Clock, SignatureVerifier

from approvals.app import build_app
from approvals.blocks import APPROVE
from approvals.signature import verify
from models.approvals import Decision, DecisionOutcome, ItemState
from tests.approvals.slack_payloads import VECTORS, click_payload, form_body, signed_headers

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
VALUE = '{"w":"approvals-run1-g","d":"d_1","c":"c_1"}'


class FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def reference(secret: str, body: bytes, headers: dict[str, str], now: float) -> bool:
    try:
        return SignatureVerifier(secret, FixedClock(now)).is_valid_request(body, headers)
    except ValueError:  # slack-sdk raises on an unparsable timestamp
        return False


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["id"])
def test_published_vectors(vector: dict) -> None:
    body, headers = vector["raw_body"].encode(), vector["headers"]
    now = vector["verifier_clock_now"]
    assert verify(vector["signing_secret"], body, headers, now=lambda: now) is True
    assert reference(vector["signing_secret"], body, headers, now)
    for case in vector.get("negative_cases", []):
        bad = case.get("raw_body", vector["raw_body"]).encode()
        clock = now if "raw_body" in case else time.time()
        assert verify(vector["signing_secret"], bad, headers, now=lambda c=clock: c) is False
        assert reference(vector["signing_secret"], bad, headers, clock) is False


def _matrix() -> list[tuple[str, str, bytes, dict[str, str], float]]:
    """(case, secret, body, headers, now) — each request as it reaches the endpoint."""
    now = 1_700_000_000.0
    body = form_body(click_payload(VALUE, APPROVE, response_url="http://127.0.0.1:9/unused"))
    good = signed_headers(SECRET, body, at=now)
    flipped = bytearray(body)
    flipped[len(body) // 2] ^= 0x01
    no_ts = {k: v for k, v in good.items() if k != "X-Slack-Request-Timestamp"}
    no_sig = {k: v for k, v in good.items() if k != "X-Slack-Signature"}
    return [
        ("valid", SECRET, body, good, now),
        ("valid at exactly 300 s", SECRET, body, good, now + 300),
        ("one byte changed", SECRET, bytes(flipped), good, now),
        ("301 s old", SECRET, body, good, now + 301),
        ("301 s ahead", SECRET, body, good, now - 301),
        ("timestamp header missing", SECRET, body, no_ts, now),
        ("signature header missing", SECRET, body, no_sig, now),
        ("both headers missing", SECRET, body, {"Content-Type": good["Content-Type"]}, now),
        ("wrong secret", SECRET, body, signed_headers("not-the-secret", body, at=now), now),
        (
            "timestamp not a number",
            SECRET,
            body,
            {**good, "X-Slack-Request-Timestamp": "soon"},
            now,
        ),
    ]


@pytest.mark.parametrize("case", _matrix(), ids=lambda c: c[0])
async def test_endpoint_signature_matrix(case) -> None:
    name, secret, body, headers, now = case
    expected = reference(secret, body, headers, now)
    assert expected == name.startswith("valid")
    reached: list[tuple[str, Decision]] = []

    async def submit(workflow_id: str, decision: Decision) -> DecisionOutcome:
        reached.append((workflow_id, decision))
        return DecisionOutcome(
            accepted=True, discrepancy_id=decision.discrepancy_id, state=ItemState.APPROVED
        )

    app = build_app(signing_secret=secret, submit=submit, now=lambda: now)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.post("/slack/events", content=body, headers=headers)
        for task in list(app.state.pending):
            await task
    assert response.status_code == (200 if expected else 401)
    if expected:
        assert [(w, d.discrepancy_id, d.by, d.correction_id) for w, d in reached] == [
            ("approvals-run1-g", "d_1", "U0CFO", "c_1")
        ]
    else:
        assert reached == []


async def test_healthz_answers() -> None:
    async def submit(workflow_id: str, decision: Decision) -> DecisionOutcome:
        raise AssertionError("not reached")

    app = build_app(signing_secret=SECRET, submit=submit)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
