"""Polling for what a schedule does in the background (its actions start asynchronously)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]], ready: Callable[[T], bool], *, within: float = 20.0
) -> T:
    """The first probe result that is `ready`; fails with the last result after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if ready(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready after {within}s: {value!r}")
        await asyncio.sleep(0.2)
