"""What every live fetch activity shares: resumable progress, page retries, error kinds.

A fetch reads one or more *streams* (Stripe charges, Shopify orders, one QBO entity …), page by
page. After each page is stored, the activity heartbeats a `FetchProgress` naming the streams
finished and the cursor of the next page, so a retried attempt starts where the last one stopped.
A page that fails transiently is retried in place with backoff (honouring `Retry-After`); when
that runs out, the activity fails retryably and Temporal's retry resumes from the heartbeat.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from connectors.errors import (
    MalformedPage,
    TransientVendorError,
    VendorAuthError,
    VendorRequestError,
)
from connectors.pages import Page
from models.errors import ConfigurationError
from models.io import FetchResult
from models.records import Source


class PageSink(Protocol):
    """Takes pages; `flush` commits what it buffers; `result` counts what is committed;
    `incomplete` says why the vendor's records are not all there yet (the batch is partial)."""

    incomplete: str | None

    @property
    def buffered(self) -> int: ...
    async def add(self, page_type: str, origin: str, body: bytes) -> None: ...
    async def keep(self, page_type: str, origin: str, body: bytes, problem: str) -> None: ...
    async def flush(self) -> None: ...
    def result(self) -> FetchResult: ...


class PageIngestor(Protocol):
    """What a fetch needs of `activities.ingest.Ingestor` (the ledger's way in)."""

    def batch(self, run_id: int, source: Source) -> AbstractAsyncContextManager[PageSink]: ...
    async def get_cursor(self, source: Source, key: str) -> str | None: ...
    async def save_cursor(self, source: Source, key: str, cursor: str) -> None: ...


class FetchProgress(BaseModel):
    """The heartbeat of a fetch: enough to resume it, and the counts stored so far."""

    done: list[str] = Field(default_factory=list)
    stream: str | None = None
    cursor: str | None = None
    pending: list[str] = Field(default_factory=list)  # streams discovered on the way
    warnings: dict[str, str] = Field(default_factory=dict)  # what it could not see, by topic
    incomplete: list[str] = Field(default_factory=list)  # topics of warnings: records missing
    pages: int = 0
    records: int = 0
    new_versions: int = 0
    problems: int = 0

    @classmethod
    def resumed(cls) -> FetchProgress:
        """The last heartbeat of a previous attempt, or a fresh start."""
        if not activity.in_activity():
            return cls()
        details = activity.info().heartbeat_details
        return cls.model_validate(details[0]) if details else cls()


@dataclass(frozen=True)
class PageRetry:
    """In-place retries of one page. A `Retry-After` longer than `longest_wait` is handed
    to Temporal (`next_retry_delay`) instead of holding the worker slot."""

    attempts: int = 6
    initial: float = 0.5
    maximum: float = 30.0
    longest_wait: float = 120.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Backoff with jitter, never sooner than the vendor's `Retry-After` (a `0` there
        must not become six retries in a row without a pause)."""
        backoff = min(self.maximum, self.initial * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
        return backoff if retry_after is None else max(retry_after, backoff)


COUNTS = ("pages", "records", "new_versions", "problems")
ADDED_UP = ("pages", "records", "new_versions")  # over attempts; `problems` is the batch's own


class FetchRun:
    """One attempt of one source's fetch: stores pages, heartbeats progress, counts.

    The heartbeat only ever names progress whose pages are committed: the sink may hold a few
    pages before it commits them, and a retry must fetch those again.
    """

    def __init__(self, sink: PageSink, retry: PageRetry) -> None:
        self.sink = sink
        self.retry = retry
        self.progress = FetchProgress.resumed()
        self.earlier = {name: getattr(self.progress, name) for name in COUNTS}
        self.committed = self.progress.model_copy(deep=True)

    async def fetch(self, call: Callable[[], Awaitable[Page]]) -> Page:
        """`call()`, retried in place on transient failures."""
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return await call()
            except TransientVendorError as error:
                if not error.retry_in_place or attempt == self.retry.attempts:
                    raise
                await self.back_off(attempt, error, "retrying")
        raise AssertionError("unreachable")

    async def back_off(self, attempt: int, error: TransientVendorError, doing: str) -> None:
        """Wait before try `attempt + 1` after `error`, heartbeating; re-raise it instead
        when the wait is longer than a worker slot should be held (Temporal waits then)."""
        wait = self.retry.delay(attempt, error.retry_after)
        if wait > self.retry.longest_wait:
            raise error
        if activity.in_activity():
            activity.logger.info("%s in %.1fs after %s", doing, wait, error)
        self.beat()
        await asyncio.sleep(wait)

    async def store(self, page_type: str, page: Page) -> None:
        await self.sink.add(page_type, page.origin, page.body)

    async def stream(
        self,
        key: str,
        page_type: str,
        fetch_page: Callable[[str | None], Awaitable[Page]],
        on_page: Callable[[Page], None] | None = None,
    ) -> None:
        """Every page of one stream, resuming at the heartbeated cursor; skipped if done."""
        if key in self.progress.done:
            return
        cursor = self.progress.cursor if self.progress.stream == key else None
        while True:
            try:
                page = await self.fetch(partial(fetch_page, cursor))
            except MalformedPage as error:  # its tries ran out: keep what was received
                await self.keep(page_type, error)
                raise
            await self.store(page_type, page)
            for topic, message in page.notices:  # what the vendor said beside its answer
                self.warn(topic, message)
            if on_page:
                on_page(page)
            cursor = page.next_cursor
            self._advance(key, cursor)
            if cursor is None:
                await self.flush()
                return
            self._commit_if_flushed()
            self.beat()

    async def keep(self, page_type: str, malformed: MalformedPage) -> None:
        """Store, and commit, the body of a page that stayed malformed, with why: nothing
        received is lost, and the run names the page it could not read."""
        await self.sink.keep(page_type, malformed.origin, malformed.body, str(malformed))
        await self.flush()

    async def flush(self) -> None:
        """Commit what the sink holds; the heartbeat may then name everything so far."""
        await self.sink.flush()
        self._commit_if_flushed()
        self.beat()

    def warn(self, topic: str, message: str) -> None:
        """Something this fetch could not see; it reaches the run's result (and survives a
        retry with the heartbeat). One message per topic: a retry does not repeat it."""
        if topic in self.progress.warnings:
            return
        self.progress.warnings[topic] = message
        if activity.in_activity():
            activity.logger.warning("%s", message)

    def incomplete(self, topic: str, message: str) -> None:
        """The vendor says some of the records are not there yet (`message`, a warning too):
        the batch is marked partial, and the run draws no conclusion from their absence."""
        self.warn(topic, message)
        if topic not in self.progress.incomplete:
            self.progress.incomplete.append(topic)

    def _commit_if_flushed(self) -> None:
        if not self.sink.buffered:
            self.committed = self.snapshot()

    def _advance(self, key: str, cursor: str | None) -> None:
        progress = self.progress
        if cursor is None:
            progress.done.append(key)
            progress.pending = [p for p in progress.pending if p != key]
            progress.stream, progress.cursor = None, None
        else:
            progress.stream, progress.cursor = key, cursor

    def snapshot(self) -> FetchProgress:
        now = self.sink.result()
        counts = {name: self.earlier[name] + getattr(now, name) for name in ADDED_UP}
        counts["problems"] = now.problems
        return self.progress.model_copy(update=counts, deep=True)

    def beat(self) -> None:
        if activity.in_activity():
            activity.heartbeat(self.committed.model_dump(mode="json"))

    async def finished(self) -> FetchResult:
        """Commit what is left and count everything this fetch stored, earlier attempts too."""
        await self.flush()
        snapshot = self.snapshot()
        if snapshot.incomplete:  # earlier attempts' too: they come back with the heartbeat
            self.sink.incomplete = "; ".join(snapshot.warnings[t] for t in snapshot.incomplete)
        return self.sink.result().model_copy(
            update={
                **{name: getattr(snapshot, name) for name in COUNTS},
                "warnings": list(snapshot.warnings.values()),
            }
        )


@contextmanager
def vendor_failures() -> Iterator[None]:
    """Our error kinds → Temporal's: permanent ones fail at once, naming the vendor's code."""
    try:
        yield
    except VendorAuthError as error:
        raise ApplicationError(
            str(error), error.vendor, error.code, type="VendorAuthError", non_retryable=True
        ) from error
    except VendorRequestError as error:
        raise ApplicationError(
            str(error), error.vendor, error.code, type="VendorRequestError", non_retryable=True
        ) from error
    except ConfigurationError as error:
        raise ApplicationError(str(error), type="ConfigurationError", non_retryable=True) from error
    except TransientVendorError as error:
        delay = timedelta(seconds=error.retry_after) if error.retry_after else None
        raise ApplicationError(
            str(error), error.vendor, error.code, type="VendorUnavailable", next_retry_delay=delay
        ) from error


Client = TypeVar("Client")


class VendorFetch(Generic[Client]):
    """What every vendor's fetch activity class holds: its connector (None when the vendor is
    not configured: the fetch then answers `absent`), the ingestor and the page retry policy."""

    def __init__(
        self, connector: Client | None, ingestor: PageIngestor, retry: PageRetry | None = None
    ) -> None:
        self.connector = connector
        self.ingestor = ingestor
        self.retry = retry or PageRetry()
