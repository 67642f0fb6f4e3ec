"""Where every fetched page enters the ledger, recorded or live.

A page is stored byte for byte first; then it is split into raw records, each upserted as a
version. An unreadable page is kept too, with its parse error: a recorded one, and the fetch
goes on; a live one its connector refused (`keep`), as the fetch fails naming it.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledger import raw
from models.errors import InputError
from models.io import FetchResult
from models.records import Source
from normalizers import RawItem, load_json, split_page

# `GET /v1/balance_transactions?payout=po_…` pages: the payout is known from the query only.
PAYOUT_PAGE = re.compile(r"^balance_transactions_payout_(?P<payout>.+)$")
PAYOUT_RELATION = "payout"
HOLD_WAIT = 45  # seconds a worker waits for another's hold on a cursor (a token refresh)


def read_page(source: Source, page_type: str, origin: str, body: bytes) -> list[RawItem]:
    """The records of a page as received or stored; `InputError` if it cannot be read."""
    base_type = "balance_transactions" if PAYOUT_PAGE.match(page_type) else page_type
    return split_page(source, base_type, load_json(body, where=origin), where=origin)


@dataclass(frozen=True)
class _Received:
    page_type: str
    origin: str
    body: bytes
    items: list[RawItem]
    error: str | None


@dataclass
class PageSink:
    """Stores the pages of one batch; `result()` gives the counts of what is committed
    (`problems`: the batch's requests whose answer stays unreadable, whatever attempt got it).

    Pages are committed a few at a time (`flush_records` records, or after `flush_seconds`),
    in one transaction: one commit per page cost more than the page. A fetch heartbeats its
    cursor only when nothing is buffered, so a retry never skips a page that was not committed.
    """

    sessions: async_sessionmaker[AsyncSession]
    source: Source
    batch_id: int
    flush_records: int = 1000
    flush_seconds: float = 2.0
    pages: int = 0
    records: int = 0
    new_versions: int = 0
    problems: int = 0
    _buffer: list[_Received] = field(default_factory=list)
    _held_records: int = 0
    _since: float = 0.0

    @property
    def buffered(self) -> int:
        """Pages received and not yet committed."""
        return len(self._buffer)

    async def add(self, page_type: str, origin: str, body: bytes) -> None:
        """Take one page; it is committed with the next `flush` (at once when one is due)."""
        items, error = self._split(page_type, origin, body)
        await self._take(_Received(page_type, origin, body, items, error))

    async def keep(self, page_type: str, origin: str, body: bytes, problem: str) -> None:
        """Take a page its connector refused (`problem` says why) as received, without
        reading records out of it: stored with its problem, committed with the next flush."""
        await self._take(_Received(page_type, origin, body, [], problem))

    async def _take(self, page: _Received) -> None:
        if not self._buffer:
            self._since = time.monotonic()
        self._buffer.append(page)
        self._held_records += len(page.items) + 1
        if (
            self._held_records >= self.flush_records
            or time.monotonic() - self._since >= self.flush_seconds
        ):
            await self.flush()

    async def flush(self) -> None:
        """Commit every buffered page and its raw records, in one transaction."""
        if not self._buffer:
            return
        received, self._buffer, self._held_records = self._buffer, [], 0
        counts = []
        async with self.sessions.begin() as session:
            for page in received:
                counts.append(await self._save(session, page))
            # the batch's, not this attempt's: one bad request however often it was received,
            # and none once a retry got it answered readable (so only a bad page, or a good
            # one while some are bad, can change it)
            if self.problems or any(page.error is not None for page in received):
                self.problems = await raw.count_unreadable(session, self.batch_id)
        self.pages += len(received)
        self.records += sum(c.records for c in counts)
        self.new_versions += sum(c.new_versions for c in counts)

    async def _save(self, session: AsyncSession, page: _Received) -> raw.SaveCounts:
        page_id = await raw.save_page(
            session,
            batch_id=self.batch_id,
            source=self.source.value,
            page_type=page.page_type,
            origin=page.origin,
            body=page.body,
            parse_error=page.error,
        )
        counts = await raw.save_raw_records(
            session,
            source=self.source.value,
            batch_id=self.batch_id,
            page_id=page_id,
            items=page.items,
        )
        if payout := PAYOUT_PAGE.match(page.page_type):
            await raw.save_links(
                session,
                source=self.source.value,
                relation=PAYOUT_RELATION,
                from_id=payout["payout"],
                to_ids=[i.vendor_id for i in page.items],
            )
        return counts

    def _split(self, page_type: str, origin: str, body: bytes) -> tuple[list[RawItem], str | None]:
        try:
            return read_page(self.source, page_type, origin, body), None
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
            problems = await raw.count_unreadable(session, batch_id)  # a retry's batch has some
        sink = PageSink(self.sessions, source, batch_id, problems=problems)
        try:
            yield sink
            await sink.flush()
        except BaseException as error:
            with contextlib.suppress(Exception):  # what was received is kept, even now
                await sink.flush()
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

    @asynccontextmanager
    async def hold(self, source: Source, key: str) -> AsyncIterator[None]:
        """Exclusive use of a cursor, across every worker on this ledger, until exit: a
        transaction holds its advisory lock while the caller reads, asks and saves (on
        connections of its own, so what it saves is committed before the lock is let go).
        Waiting longer than `HOLD_WAIT` seconds fails, retryably, naming the cursor."""
        async with self.sessions() as session:
            await session.begin()
            try:
                await raw.lock_cursor(session, source.value, key, wait_seconds=HOLD_WAIT)
            except raw.LockTimeout:
                raise TimeoutError(
                    f"another worker has held the lock on {source.value} {key!r} for {HOLD_WAIT} s"
                ) from None
            try:
                yield
            finally:
                with contextlib.suppress(Exception):  # it wrote nothing; a lost link frees it
                    await session.rollback()
