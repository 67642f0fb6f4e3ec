"""Fetching from a recorded source: a directory of API response bodies, one file per page.

Replays exports and audits through exactly the path live data takes.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.ingest import Ingestor
from models.io import FetchInput, FetchResult

PAGE_FILE = re.compile(r"^(?P<type>.+?)_(?P<page>\d+)\.json$")
# Pages that tell deletions are stored after every other page of their source, as a live fetch
# reads them last: a record listed and deleted in one recording ends deleted (the last word).
DELETIONS_LAST = frozenset({"events", "cdc"})  # Shopify order `destroy` events, QuickBooks CDC


def recorded_pages(folder: Path) -> list[tuple[str, Path]]:
    """(page type, file) in page order, pages of deletions last; files that are not
    `<type>_<n>.json` are ignored."""
    pages = []
    for path in sorted(folder.iterdir()):
        if match := PAGE_FILE.match(path.name):
            pages.append((match["type"], int(match["page"]), path))
    pages.sort(key=lambda p: (p[0] in DELETIONS_LAST, p[0], p[1]))
    return [(page_type, path) for page_type, _, path in pages]


class RecordedActivities:
    def __init__(self, ingestor: Ingestor) -> None:
        self.ingestor = ingestor

    @activity.defn(name="fetch_recorded")
    async def fetch_recorded(self, request: FetchInput) -> FetchResult:
        """Store every recorded page of one source.

        A retried attempt stores the pages again: pages and records are deduplicated, so the
        counts stay whole and nothing is written twice.
        """
        root = Path(request.source_dir or "")
        if not await asyncio.to_thread(root.is_dir):
            raise ApplicationError(
                f"recorded source directory {root} does not exist or is not a directory",
                type="SourceUnavailable",
                non_retryable=True,
            )
        folder = root / request.source.value
        if not await asyncio.to_thread(folder.is_dir):
            return FetchResult(source=request.source, status="absent")
        async with self.ingestor.batch(request.run_id, request.source) as sink:
            for index, (page_type, path) in enumerate(
                await asyncio.to_thread(recorded_pages, folder)
            ):
                origin = f"file {request.source.value}/{path.name}"
                await sink.add(page_type, origin, await asyncio.to_thread(path.read_bytes))
                activity.heartbeat(index + 1)
            await sink.flush()
            return sink.result()
