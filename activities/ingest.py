"""Where every fetched page enters the ledger, recorded or live.

A page is stored byte for byte first; then it is split into raw records, each upserted as a
version. An unreadable page is kept too, with its parse error: a recorded one, and the fetch
goes on; a live one its connector refused (`keep`), as the fetch fails naming it.
"""

from __future__ import annotations

import asyncio
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
from runtime import cpu

# `GET /v1/balance_transactions?payout=po_…` pages: the payout is known from the query only.
PAYOUT_PAGE = re.compile(r"^balance_transactions_payout_(?P<payout>.+)$")
PAYOUT_RELATION = "payout"
HOLD_WAIT = 45  # seconds a worker waits for another's hold on a cursor (a token refresh)


def read_page(source: Source, page_type: str, origin: str, body: bytes) -> list[RawItem]:
    """The records of a page as received or stored; `InputError` if it cannot be read."""
    base_type = "balance_transactions" if PAYOUT_PAGE.match(page_type) else page_type
    return split_page(source, base_type, load_json(body, where=origin), where=origin)


@dataclass(frozen=True, slots=True)
class PageIndex:
    """What storing a page needs of it: its records' versions, or why it cannot be read."""

    versions: list[raw.RawVersion]
    error: str | None = None


def index_page(source: Source, page_type: str, origin: str, body: bytes) -> PageIndex:
    """Pure (run in a worker process): the page read, split and each record hashed."""
    try:
        items = read_page(source, page_type, origin, body)
    except InputError as error:
        return PageIndex([], str(error))
    return PageIndex([raw.version_of(item) for item in items])


@dataclass(frozen=True)
class _Received:
    page_type: str
    origin: str
    body: bytes
    reading: asyncio.Future[PageIndex]


@dataclass
class PageSink:
    """Stores the pages of one batch; `result()` gives the counts of what is committed
    (`problems`: the batch's requests whose answer stays unreadable, whatever attempt got it).

    Each page is read in a worker process as soon as it is taken (`runtime.cpu`), while the
    fetch goes on to the next one. Pages are committed a few at a time (about `flush_bytes`
    of bodies, or after `flush_seconds`), in one transaction: one commit per page cost more
    than the page. A fetch heartbeats its cursor only when nothing is buffered, so a retry
    never skips a page that was not committed.
    """

    sessions: async_sessionmaker[AsyncSession]
    source: Source
    batch_id: int
    flush_bytes: int = 1 << 20  # about 700 records of typical vendor JSON
    flush_seconds: float = 2.0
    pages: int = 0
    records: int = 0
    new_versions: int = 0
    problems: int = 0
    incomplete: str | None = None  # the vendor's records are not all there yet: why
    _buffer: list[_Received] = field(default_factory=list)
    _held_bytes: int = 0
    _since: float = 0.0

    @property
    def buffered(self) -> int:
        """Pages received and not yet committed."""
        return len(self._buffer)

    async def add(self, page_type: str, origin: str, body: bytes) -> None:
        """Take one page; it is committed with the next `flush` (at once when one is due)."""
        reading = asyncio.ensure_future(cpu.run(index_page, self.source, page_type, origin, body))
        await self._take(_Received(page_type, origin, body, reading))

    async def keep(self, page_type: str, origin: str, body: bytes, problem: str) -> None:
        """Take a page its connector refused (`problem` says why) as received, without
        reading records out of it: stored with its problem, committed with the next flush."""
        refused: asyncio.Future[PageIndex] = asyncio.get_running_loop().create_future()
        refused.set_result(PageIndex([], problem))
        await self._take(_Received(page_type, origin, body, refused))

    async def _take(self, page: _Received) -> None:
        if not self._buffer:
            self._since = time.monotonic()
        self._buffer.append(page)
        self._held_bytes += len(page.body)
        if (
            self._held_bytes >= self.flush_bytes
            or time.monotonic() - self._since >= self.flush_seconds
        ):
            await self.flush()

    async def flush(self) -> None:
        """Commit every buffered page and its raw records, in one transaction."""
        if not self._buffer:
            return
        indexes = [await page.reading for page in self._buffer]  # kept buffered if one fails
        received, self._buffer, self._held_bytes = self._buffer, [], 0
        counts = []
        async with self.sessions.begin() as session:
            for page, index in zip(received, indexes, strict=True):
                counts.append(await self._save(session, page, index))
            # the batch's, not this attempt's: one bad request however often it was received,
            # and none once a retry got it answered readable (so only a bad page, or a good
            # one while some are bad, can change it)
            if self.problems or any(index.error is not None for index in indexes):
                self.problems = await raw.count_unreadable(session, self.batch_id)
        self.pages += len(received)
        self.records += sum(c.records for c in counts)
        self.new_versions += sum(c.new_versions for c in counts)

    def discard(self) -> None:
        """Drop what is buffered (the fetch failed and could not store it)."""
        for page in self._buffer:
            page.reading.cancel()
        self._buffer, self._held_bytes = [], 0

    async def _save(
        self, session: AsyncSession, page: _Received, index: PageIndex
    ) -> raw.SaveCounts:
        page_id = await raw.save_page(
            session,
            batch_id=self.batch_id,
            source=self.source.value,
            page_type=page.page_type,
            origin=page.origin,
            body=page.body,
            parse_error=index.error,
        )
        counts = await raw.save_raw_records(
            session,
            source=self.source.value,
            batch_id=self.batch_id,
            page_id=page_id,
            items=index.versions,
        )
        if payout := PAYOUT_PAGE.match(page.page_type):
            await raw.save_links(
                session,
                source=self.source.value,
                relation=PAYOUT_RELATION,
                from_id=payout["payout"],
                to_ids=[v.vendor_id for v in index.versions],
            )
        return counts

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
            sink.discard()  # what could not be
            async with self.sessions.begin() as session:
                await raw.finish_batch(
                    session, batch_id, "failed", f"{type(error).__name__}: {error}"
                )
            raise
        async with self.sessions.begin() as session:
            if sink.incomplete:  # stored and usable, but no proof of what is absent
                await raw.finish_batch(session, batch_id, "partial", sink.incomplete)
            else:
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
