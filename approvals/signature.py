"""Slack request signing (v0): is this request really from Slack, and recent?

`v0=` + hex HMAC-SHA256(signing secret, `v0:{timestamp}:{raw body}`), compared in constant time,
with the timestamp within five minutes of now either way (a replayed or a future-dated request is
refused). The check runs on the raw body bytes, before anything parses them.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping

MAX_SKEW_SECONDS = 60 * 5
TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: Callable[[], float] = time.time,
) -> bool:
    """True only for a well-formed, fresh request signed with `secret`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp, signature = lowered.get(TIMESTAMP_HEADER), lowered.get(SIGNATURE_HEADER)
    if not secret or not timestamp or not signature:
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now() - sent_at) > MAX_SKEW_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())
