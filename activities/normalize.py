"""The normalize step: new raw record versions → canonical versions, a chunk of pages at a time.

Each page is read again from its stored bytes (a raw version points into its page), and only the
records it brought in as new versions are normalized: an unchanged record costs nothing.

Reading each payload's fields and building its canonical record is CPU work; storing the result
is the ledger's. The two overlap: while the ledger stores one chunk, worker processes normalize
the next ones (`runtime.cpu`, one chunk per core).
Chunks are applied in page order, so the last word about a record wins as it did at the vendor.
A record that cannot be read gets its problem noted on its raw version (the compare step reports
it as an `input` discrepancy); the rest of its page goes on.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.ingest import read_page
from ledger import canonical, raw
from ledger.canonical import CanonicalValues, Key, values_of
from models.errors import InputError
from models.io import NormalizeResult
from models.records import Source
from normalizers import HOME_CURRENCY, RawItem, load_json, normalize
from normalizers.quickbooks import PREFERENCES, home_currency
from runtime import cpu

# The home currency QuickBooks records were last read in (a sync cursor of quickbooks).
READ_IN_KEY = "home_currency_read_in"
# What the QuickBooks reader takes out of a record, by version (a sync cursor of quickbooks):
# 2, invoice lines name their item (`LineItem.product`). Records read by an older reader are
# read again once, so that records stored before carry what the engine now relies on.
QUICKBOOKS_READER = "2"
READER_KEY = "reader_version"

CHUNK_PAGES = 40  # about 4,000–10,000 records: few statements, bounded memory


@dataclass
class NormalizedChunk:
    """What one chunk of pages gives: canonical versions to store, removals, problems."""

    page_ids: list[int]
    upserts: list[CanonicalValues] = field(default_factory=list)
    removals: list[tuple[Key, int | None]] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)
    by_kind: Counter[str] = field(default_factory=Counter)


def normalize_chunk(
    pages: list[raw.PendingPage],
    rows: list[raw.PendingRecord],
    home_currency: str = HOME_CURRENCY,
) -> NormalizedChunk:
    """Pure: each page is read again and each record version it brought in (in stored order)
    becomes its canonical records, or its problem. `home_currency` is the QuickBooks
    company's, for its amounts without a CurrencyRef."""
    versions: dict[int, dict[tuple[str, str], raw.PendingRecord]] = {}
    for row in rows:
        versions.setdefault(row.page_id, {})[(row.object_type, row.vendor_id)] = row
    chunk = NormalizedChunk(page_ids=[page.id for page in pages])
    for page in pages:
        brought = versions.get(page.id)
        if not brought:
            continue
        try:
            found = list(_items(page, brought))
        except InputError as error:  # read when it arrived; a stricter reader may refuse it now
            chunk.problems.update(dict.fromkeys((row.id for row in brought.values()), str(error)))
            continue
        for row, item in found:
            _normalize_one(chunk, Source(page.source), row, item, page.origin, home_currency)
    return chunk


def _items(page: raw.PendingPage, brought: dict[tuple[str, str], raw.PendingRecord]):
    """(version, item) for each record of the page that was stored as a new version; the last
    word about a record within the page is the one that was stored."""
    items = read_page(Source(page.source), page.page_type, page.origin, page.body)
    newest = {(item.object_type, item.vendor_id): item for item in items}
    for key, row in brought.items():
        if key in newest:
            yield row, newest[key]


def _normalize_one(
    chunk: NormalizedChunk,
    source: Source,
    row: raw.PendingRecord,
    item: RawItem,
    origin: str,
    home_currency: str,
) -> None:
    if row.op == "remove":
        chunk.removals.append(((source.value, row.object_type, row.vendor_id), row.id))
        chunk.by_kind["removed"] += 1
        return
    where = f"{origin}, {row.object_type} {row.vendor_id}"
    try:
        records = normalize(
            source, row.object_type, item.payload, where=where, home_currency=home_currency
        )
    except InputError as error:
        chunk.problems[row.id] = str(error)
        return
    except ValidationError as error:  # a reader let through what the model refuses
        chunk.problems[row.id] = str(InputError(_first_error(error), where=where))
        return
    chunk.upserts.extend(values_of(record, row.id) for record in records)
    chunk.by_kind.update(record.kind for record in records)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    place = ".".join(str(part) for part in first["loc"])
    return f"canonical field {place}: {first['msg']}" if place else first["msg"]


class Normalizer:
    """Runs the step over every page not yet normalized; `progress(count)` after each chunk."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], progress: Callable[[int], None]
    ) -> None:
        self.sessions = sessions
        self.progress = progress
        self.by_kind: Counter[str] = Counter()
        self.problems = 0
        self.home_currency = HOME_CURRENCY

    async def run(self) -> NormalizeResult:
        self.home_currency = await self._home_currency()
        ahead: deque[asyncio.Future[NormalizedChunk]] = deque()  # read, being normalized
        after, exhausted = 0, False
        try:
            while True:
                while not exhausted and len(ahead) < cpu.width() + 1:  # every worker busy
                    started = await self._next(after)
                    if started is None:
                        exhausted = True
                    else:
                        after, work = started
                        ahead.append(work)
                if not ahead:
                    break
                if not await self._store(await ahead.popleft()):  # another normalizer stored
                    _cancel(ahead)  # some of them: what is still pending, read afresh
                    after, exhausted = 0, False
        finally:
            _cancel(ahead)  # storing failed: the chunks under way are not wanted
        return NormalizeResult(
            records=sum(self.by_kind.values()), by_kind=dict(self.by_kind), problems=self.problems
        )

    async def _next(self, after: int) -> tuple[int, asyncio.Future[NormalizedChunk]] | None:
        """Read the chunk of pages after page `after` and start normalizing it in a worker
        process: (its last page id, the work); None when all are done."""
        async with self.sessions() as session:
            pages = await raw.pending_pages(session, after=after, limit=CHUNK_PAGES)
            if not pages:
                return None
            rows = await raw.records_of_pages(session, [page.id for page in pages])
        work = asyncio.ensure_future(cpu.run(normalize_chunk, pages, rows, self.home_currency))
        return pages[-1].id, work

    async def _home_currency(self) -> str:
        """The QuickBooks company's home currency, from the newest preferences page in the
        ledger (a live fetch's or a recorded one); USD until one is known.

        When it differs from the one QuickBooks records were last read in (USD, for a
        ledger older than this), or they were read by an older reader (`QUICKBOOKS_READER`),
        the pages of their newest versions are read again."""
        quickbooks = Source.QUICKBOOKS.value
        async with self.sessions.begin() as session:
            await raw.lock_normalizing(session)  # not while another stores a chunk
            body = await raw.newest_page(session, quickbooks, PREFERENCES)
            read_in = await _read_in(session)
            home = (home_currency(_parsed(body)) if body else None) or read_in
            reader = await raw.get_cursor(session, quickbooks, READER_KEY)
            if home != read_in or reader != QUICKBOOKS_READER:
                await raw.normalize_again(session, quickbooks)
                await raw.save_cursor(session, quickbooks, READ_IN_KEY, home)
                await raw.save_cursor(session, quickbooks, READER_KEY, QUICKBOOKS_READER)
        return home

    async def _store(self, chunk: NormalizedChunk) -> bool:
        """Store the chunk unless another normalizer got to any of its pages first, or
        changed the home currency it was read in (then it is read again, in that one)."""
        async with self.sessions.begin() as session:
            if not await raw.claim_pages(session, chunk.page_ids):
                return False
            read_in = await _read_in(session)
            if read_in != self.home_currency:  # another run changed it
                self.home_currency = read_in
                return False
            await canonical.apply(session, chunk.upserts, chunk.removals)
            await raw.mark_normalized(session, chunk.page_ids, chunk.problems)
        self.by_kind.update(chunk.by_kind)
        self.problems += len(chunk.problems)
        self.progress(sum(self.by_kind.values()))
        return True


def _cancel(ahead: deque[asyncio.Future[NormalizedChunk]]) -> None:
    while ahead:
        ahead.popleft().cancel()


async def _read_in(session: AsyncSession) -> str:
    """The home currency QuickBooks records were last read in (USD before any was known)."""
    read_in = await raw.get_cursor(session, Source.QUICKBOOKS.value, READ_IN_KEY)
    return read_in or HOME_CURRENCY


def _parsed(body: bytes) -> object:
    try:
        return load_json(body, where="QuickBooks preferences")
    except InputError:
        return None
