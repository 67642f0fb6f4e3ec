"""A run of October (and a batch of one source in it): what a ledger test stores into."""

from __future__ import annotations

from datetime import UTC, datetime

from ledger import raw, results
from models.io import StartRunInput, Window
from models.records import Source

OCTOBER = Window(
    start=datetime(2026, 10, 1, tzinfo=UTC),
    end=datetime(2026, 11, 1, tzinfo=UTC),
    as_of=datetime(2026, 11, 4, tzinfo=UTC),
)


async def open_test_run(sessions, n: int = 1) -> int:
    spec = StartRunInput(
        workflow_id="w", workflow_run_id=f"r{n}", window=OCTOBER, sources=list(Source)
    )
    async with sessions.begin() as s:
        return await results.start_run(s, spec)


async def open_test_batch(sessions, source: str) -> int:
    run_id = await open_test_run(sessions)
    async with sessions.begin() as s:
        return await raw.open_batch(s, run_id, source)
