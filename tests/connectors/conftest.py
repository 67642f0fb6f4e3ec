"""Shared pieces of the connector tests: fast retries, settings for a sandbox, activity runs."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from activities.fetch_support import PageRetry
from models.io import FetchInput, FetchResult
from models.records import Source
from runtime.settings import Settings

from .connector_data import FETCH_END, FETCH_START


@pytest.fixture
def fast_retry() -> PageRetry:
    """Retries as in production, minus the waiting."""
    return PageRetry(attempts=8, initial=0.001, maximum=0.01, longest_wait=5)


def sandbox_settings(env: dict[str, str], **overrides: Any) -> Settings:
    values = {key.lower(): value for key, value in env.items()}
    return Settings(_env_file=None, **{**values, **overrides})  # type: ignore[call-arg]


def fetch_input(source: Source, run_id: int = 1, start=FETCH_START, end=FETCH_END) -> FetchInput:
    return FetchInput(run_id=run_id, source=source, start=start, end=end)


class ActivityRun:
    """Runs a fetch activity in an `ActivityEnvironment`, keeping its heartbeats; `resume`
    starts the next attempt with the last heartbeat, as Temporal hands it to a retry."""

    def __init__(self) -> None:
        self.heartbeats: list[Any] = []

    async def __call__(self, fetch, request: FetchInput, details: list[Any] | None = None):
        env = ActivityEnvironment()
        env.info = dataclasses.replace(env.info, heartbeat_details=details or [])
        env.on_heartbeat = lambda *d: self.heartbeats.append(d[0])
        return await env.run(fetch, request)

    async def resume(self, fetch, request: FetchInput) -> FetchResult:
        return await self(fetch, request, details=self.heartbeats[-1:])


@pytest.fixture
def activity_run() -> ActivityRun:
    return ActivityRun()
