"""Where every fetched page enters the ledger, recorded or live.

A page is stored byte for byte first; then it is split into raw records, each upserted as a
version. An unreadable page is kept too, with its parse error, and the fetch goes on.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledger import raw
from models.errors import InputError
from models.io import FetchResult
from models.records import Source
from normalizers import load_json, split_page

# `GET /v1/balance_transactions?payout=po_…` pages: the payout is known from the query only.
PAYOUT_PAGE = re.compile(r"^balance_transactions_payout_(?P<payout>.+)$")
PAYOUT_RELATION = "payout"


@dataclass
class PageSink:
    """Stores the pages of one batch; `result()` gives the counts for the workflow."""

    sessions: async_sessionmaker[AsyncSession]
    source: Source
    batch_id: int
    pages: int = 0
    records: int = 0
    new_versions: int = 0
    problems: int = 0

    async def add(self, page_type: str, origin: str, body: bytes) -> None:
        """Store one page and its raw records in one transaction (committed on return)."""
        items, error = self._split(page_type, origin, body)
        async with self.sessions.begin() as session:
            page_id = await raw.save_page(
                session,
                batch_id=self.batch_id,
                source=self.source.value,
                page_type=page_type,
                origin=origin,
                body=body,
                parse_error=error,
            )
            counts = await raw.save_raw_records(
                session,
                source=self.source.value,
                batch_id=self.batch_id,
                page_id=page_id,
                items=items,
            )
            if payout := PAYOUT_PAGE.match(page_type):
                await raw.save_links(
                    session,
                    source=self.source.value,
                    relation=PAYOUT_RELATION,
                    from_id=payout["payout"],
                    to_ids=[i.vendor_id for i in items],
                )
        self.pages += 1
        self.records += counts.records
        self.new_versions += counts.new_versions
        self.problems += error is not None

    def _split(self, page_type: str, origin: str, body: bytes) -> tuple[list, str | None]:
        base_type = "balance_transactions" if PAYOUT_PAGE.match(page_type) else page_type
        try:
            return split_page(
                self.source, base_type, load_json(body, where=origin), where=origin
            ), None
        except InputError as error:
            return [], str(error)

    def result(self, status: str = "ok") -> FetchResult:
        return FetchResult(
            source=self.source,
            batch_id=self.batch_id,
            status=status,
            pages=self.pages,
            records=self.records,
            new_versions=self.new_versions,
            problems=self.problems,
        )


class Ingestor:
    """Opens batches and keeps sync cursors; injected into every fetch activity class."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @asynccontextmanager
    async def batch(self, run_id: int, source: Source) -> AsyncIterator[PageSink]:
        async with self.sessions.begin() as session:
            batch_id = await raw.open_batch(session, run_id, source.value)
        sink = PageSink(self.sessions, source, batch_id)
        try:
            yield sink
        except BaseException as error:
            async with self.sessions.begin() as session:
                await raw.finish_batch(
                    session, batch_id, "failed", f"{type(error).__name__}: {error}"
                )
            raise
        async with self.sessions.begin() as session:
            await raw.finish_batch(session, batch_id, "done")

    async def get_cursor(self, source: Source, key: str) -> str | None:
        async with self.sessions() as session:
            return await raw.get_cursor(session, source.value, key)

    async def save_cursor(self, source: Source, key: str, cursor: str) -> None:
        async with self.sessions.begin() as session:
            await raw.save_cursor(session, source.value, key, cursor)
