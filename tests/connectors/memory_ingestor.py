"""An in-memory stand-in for `activities.ingest.Ingestor`, for tests of the fetch logic alone.

It keeps every stored page and reads record ids out of them the way each vendor lays out its
pages, so a test can ask "which records does the ledger now hold" without PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from models.io import FetchResult
from models.records import Source


@dataclass
class StoredPage:
    page_type: str
    origin: str
    body: bytes
    problem: str | None = None  # why its connector refused it (kept as received)

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def page_records(source: Source, page: StoredPage) -> list[tuple[str, str]]:
    """(op, id) of each record on a page, as the vendor lays it out."""
    return [(op, record_id) for op, record_id, _ in typed_records(source, page)]


def typed_records(source: Source, page: StoredPage) -> list[tuple[str, str, str]]:
    """(op, id, page type) of each record on a page; a QuickBooks CDC page's deletions carry
    their entity's page type. An unreadable page (kept as received) has none."""
    if page.problem is not None:
        return []
    try:
        data = page.json
    except ValueError:
        return []
    if source is Source.QUICKBOOKS and page.page_type == "cdc":
        return [
            ("remove", str(entity["Id"]), name)
            for part in data["CDCResponse"]
            for response in part["QueryResponse"]
            for name, rows in response.items()
            if isinstance(rows, list)
            for entity in rows
            if entity.get("status") == "Deleted"
        ]
    kind = "orders" if (source, page.page_type) == (Source.SHOPIFY, "events") else page.page_type
    return [(op, record_id, kind) for op, record_id in _records(source, page)]


def _records(source: Source, page: StoredPage) -> list[tuple[str, str]]:
    data = page.json
    if source is Source.PLAID:
        upserts = [t["transaction_id"] for t in data["added"] + data["modified"]]
        removes = [t["transaction_id"] for t in data["removed"]]
        return [("upsert", i) for i in upserts] + [("remove", i) for i in removes]
    if source is Source.STRIPE:
        return [("upsert", o["id"]) for o in data["data"]]
    if source is Source.SHOPIFY and page.page_type == "events":  # orders the shop deleted
        return [
            ("remove", str(e["subject_id"]))
            for e in data["events"]
            if (e.get("subject_type"), e.get("verb")) == ("Order", "destroy")
        ]
    if source is Source.SHOPIFY:
        return [("upsert", str(o["id"])) for o in data[page.page_type]]
    if page.page_type == "Preferences":  # the company's settings: no records
        return []
    rows = data["QueryResponse"].get(page.page_type) or []
    return [("upsert", str(o["Id"])) for o in rows]


@dataclass
class MemorySink:
    source: Source
    pages: list[StoredPage] = field(default_factory=list)
    fail_after: int | None = None  # raise on the page after this many (a crash mid-fetch)
    incomplete: str | None = None  # the vendor's records are not all there yet: why

    buffered: int = 0  # every page is kept at once

    async def add(self, page_type: str, origin: str, body: bytes) -> None:
        if self.fail_after is not None and len(self.pages) >= self.fail_after:
            raise RuntimeError("worker lost (test)")
        self.pages.append(StoredPage(page_type, origin, body))

    async def keep(self, page_type: str, origin: str, body: bytes, problem: str) -> None:
        self.pages.append(StoredPage(page_type, origin, body, problem))

    async def flush(self) -> None:
        return None

    def result(self) -> FetchResult:
        records = sum(len(page_records(self.source, p)) for p in self.pages)
        return FetchResult(source=self.source, batch_id=1, pages=len(self.pages), records=records)


@dataclass
class MemoryIngestor:
    pages: list[StoredPage] = field(default_factory=list)
    cursors: dict[tuple[Source, str], str] = field(default_factory=dict)
    source: Source | None = None
    fail_after: int | None = None  # each batch's sink fails after this many pages
    incomplete: list[str] = field(default_factory=list)  # each partial batch's reason

    @asynccontextmanager
    async def batch(self, run_id: int, source: Source) -> AsyncIterator[MemorySink]:
        self.source = source
        sink = MemorySink(source, fail_after=self.fail_after)
        try:
            yield sink
        finally:
            self.pages.extend(sink.pages)
            if sink.incomplete:
                self.incomplete.append(sink.incomplete)

    async def get_cursor(self, source: Source, key: str) -> str | None:
        return self.cursors.get((source, key))

    async def save_cursor(self, source: Source, key: str, cursor: str) -> None:
        self.cursors[(source, key)] = cursor

    def live_ids(self, page_type: str | None = None) -> set[str]:
        """Ids alive after applying every stored page in order (removes delete)."""
        assert self.source is not None
        alive: set[str] = set()
        for page in self.pages:
            for op, record_id, kind in typed_records(self.source, page):
                if not page_type or kind == page_type:
                    (alive.add if op == "upsert" else alive.discard)(record_id)
        return alive

    def upserts(self, page_type: str | None = None) -> list[str]:
        """Every record id stored, once per time it was stored."""
        assert self.source is not None
        return [
            i
            for p in self.pages
            if not page_type or p.page_type == page_type
            for op, i in page_records(self.source, p)
            if op == "upsert"
        ]


class MemoryKeyValueStore:
    """A `connectors.token_store.KeyValueStore` in memory (the ledger's table in production)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.locks: dict[str, asyncio.Lock] = {}

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def put(self, key: str, value: str) -> None:
        self.values[key] = value

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        async with self.locks.setdefault(key, asyncio.Lock()):
            yield
