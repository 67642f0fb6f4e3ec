"""Unreadable pages become INPUT findings of their run, unless the page came again readable."""

from __future__ import annotations

from activities.reconcile_scope import input_problems
from ledger import raw
from runtime.settings import Settings
from tests.ledger.ledger_batches import open_test_run

QUERY = "GET /v3/company/1/query?query=SELECT+%2A+FROM+Invoice+STARTPOSITION+1"


async def _page(sessions, batch_id: int, origin: str, body: bytes, error: str | None) -> None:
    async with sessions.begin() as s:
        await raw.save_page(
            s,
            batch_id=batch_id,
            source="quickbooks",
            page_type="Invoice",
            origin=origin,
            body=body,
            parse_error=error,
        )


async def _findings(sessions, run_id: int) -> list[str]:
    async with sessions() as s:
        found = await input_problems(s, run_id, Settings(_env_file=None))
    return [f.records[0].id for f in found]


async def test_an_unreadable_page_is_a_finding_until_it_comes_again_readable(sessions):
    run_id = await open_test_run(sessions)
    async with sessions.begin() as s:
        batch = await raw.open_batch(s, run_id, "quickbooks")
    await _page(sessions, batch, QUERY, b'{"Query', "page is not valid JSON")
    await _page(sessions, batch, "GET other", b"{", "page is not valid JSON")
    assert sorted(await _findings(sessions, run_id)) == sorted([QUERY, "GET other"])
    # a retry of the fetch got the same request answered properly
    await _page(sessions, batch, QUERY, b'{"QueryResponse": {}}', None)
    assert await _findings(sessions, run_id) == ["GET other"]


async def test_a_request_answered_readable_before_it_came_unreadable_is_no_finding(sessions):
    """The good answer was stored first (an attempt whose heartbeat was lost), and a later
    attempt kept a bad one: the records are in, so the run reports nothing for the page."""
    run_id = await open_test_run(sessions)
    async with sessions.begin() as s:
        batch = await raw.open_batch(s, run_id, "quickbooks")
    await _page(sessions, batch, QUERY, b'{"QueryResponse": {}}', None)
    await _page(sessions, batch, QUERY, b'{"Query', "page is not valid JSON")
    assert await _findings(sessions, run_id) == []
    async with sessions() as s:
        assert await raw.count_unreadable(s, batch) == 0
