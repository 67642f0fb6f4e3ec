"""Slack interactivity requests as Slack sends them: a block_actions payload, form-encoded, signed."""

from __future__ import annotations

import copy
import json
import time
from urllib.parse import quote

from approvals.signature import sign
from tests.vendor_files import VENDOR

SLACK_DIR = VENDOR / "slack"
BUTTON_CLICK = json.loads((SLACK_DIR / "interactivity/block_actions.button_click.json").read_text())
VECTORS = json.loads((SLACK_DIR / "request-signing/slack_signing_test_vectors.json").read_text())


def click_payload(
    value: str, action_id: str, *, user: str = "U0CFO", name: str = "dana", response_url: str = ""
) -> dict:
    """Slack's own button-click payload with our button's action id and value."""
    payload = copy.deepcopy(BUTTON_CLICK)
    payload["user"].update(id=user, username=name, name=name)
    payload["actions"][0].update(action_id=action_id, value=value, block_id="b")
    if response_url:
        payload["response_url"] = response_url
    return payload


def form_body(payload: dict) -> bytes:
    """As Slack posts it: `payload=<percent-encoded compact JSON>`."""
    return ("payload=" + quote(json.dumps(payload, separators=(",", ":")), safe="")).encode()


def signed_headers(secret: str, body: bytes, *, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(secret, timestamp, body),
    }
