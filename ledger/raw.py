"""Raw storage: batches, pages exactly as received, raw record versions, links, sync cursors."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.db import dumps
from ledger.tables import Batch, RawPage, RawRecord, RecordLink, SyncCursor


class RawItemLike(Protocol):
    object_type: str
    vendor_id: str
    payload: Any
    op: str


@dataclass(frozen=True)
class SaveCounts:
    records: int = 0
    new_versions: int = 0
    unchanged: int = 0


def content_hash(payload: Any, op: str = "upsert") -> str:
    return hashlib.sha256(f"{op}:{dumps(payload)}".encode()).hexdigest()


async def open_batch(session: AsyncSession, run_id: int, source: str) -> int:
    """The batch of `source` in this run; a retried fetch reuses it (pages are deduplicated)."""
    stmt = (
        insert(Batch)
        .values(run_id=run_id, source=source, status="fetching")
        .on_conflict_do_update(
            index_elements=[Batch.run_id, Batch.source],
            set_={"status": "fetching", "error": None, "finished_at": None},
        )
        .returning(Batch.id)
    )
    return (await session.execute(stmt)).scalar_one()


async def finish_batch(
    session: AsyncSession, batch_id: int, status: str, error: str | None = None
) -> None:
    await session.execute(
        update(Batch)
        .where(Batch.id == batch_id)
        .values(status=status, error=error, finished_at=datetime.now(UTC))
    )


async def save_page(
    session: AsyncSession,
    *,
    batch_id: int,
    source: str,
    page_type: str,
    origin: str,
    body: bytes,
    parse_error: str | None = None,
) -> int:
    """Store a page body byte for byte; the same page fetched again in a batch is kept once."""
    sha = hashlib.sha256(body).hexdigest()
    stmt = (
        insert(RawPage)
        .values(
            batch_id=batch_id,
            source=source,
            page_type=page_type,
            origin=origin,
            body=body,
            sha256=sha,
            parse_error=parse_error,
        )
        .on_conflict_do_nothing(index_elements=[RawPage.batch_id, RawPage.origin, RawPage.sha256])
        .returning(RawPage.id)
    )
    page_id = (await session.execute(stmt)).scalar_one_or_none()
    if page_id is None:
        page_id = (
            await session.execute(
                select(RawPage.id).where(
                    RawPage.batch_id == batch_id, RawPage.origin == origin, RawPage.sha256 == sha
                )
            )
        ).scalar_one()
    return page_id


async def _latest_versions(
    session: AsyncSession, source: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str]]:
    """The newest (version, hash) of each key: one index scan, whatever the table statistics."""
    rows = await session.execute(
        select(
            RawRecord.object_type, RawRecord.vendor_id, RawRecord.version, RawRecord.content_hash
        )
        .where(RawRecord.source == source)
        .where(tuple_(RawRecord.object_type, RawRecord.vendor_id).in_(keys))
        .order_by(RawRecord.object_type, RawRecord.vendor_id, RawRecord.version.desc())
        .ext(distinct_on(RawRecord.object_type, RawRecord.vendor_id))
    )
    return {(r.object_type, r.vendor_id): (r.version, r.content_hash) for r in rows}


async def save_raw_records(
    session: AsyncSession,
    *,
    source: str,
    batch_id: int,
    page_id: int,
    items: Sequence[RawItemLike],
) -> SaveCounts:
    """Idempotent upsert: an unchanged record is skipped, a changed one becomes a new version."""
    if not items:
        return SaveCounts()
    newest: dict[tuple[str, str], RawItemLike] = {}
    for item in items:  # within one page the last word about a record wins
        newest[(item.object_type, item.vendor_id)] = item
    known = await _latest_versions(session, source, list(newest))
    rows = []
    for key, item in newest.items():
        digest = content_hash(item.payload, item.op)
        version, previous = known.get(key, (0, None))
        if previous == digest:
            continue
        rows.append(
            {
                "source": source,
                "object_type": item.object_type,
                "vendor_id": item.vendor_id,
                "version": version + 1,
                "op": item.op,
                "payload": item.payload,
                "content_hash": digest,
                "batch_id": batch_id,
                "page_id": page_id,
            }
        )
    if rows:
        await session.execute(insert(RawRecord), rows)
    return SaveCounts(
        records=len(newest),
        new_versions=len(rows),
        unchanged=len(newest) - len(rows),
    )


async def save_links(
    session: AsyncSession, *, source: str, relation: str, from_id: str, to_ids: Iterable[str]
) -> None:
    rows = [
        {"source": source, "relation": relation, "from_id": from_id, "to_id": to_id}
        for to_id in to_ids
    ]
    if rows:
        await session.execute(insert(RecordLink).values(rows).on_conflict_do_nothing())


async def links(session: AsyncSession, source: str, relation: str) -> dict[str, str]:
    """`to_id → from_id` for one relation (e.g. balance transaction → its payout)."""
    rows = await session.execute(
        select(RecordLink.from_id, RecordLink.to_id).where(
            RecordLink.source == source, RecordLink.relation == relation
        )
    )
    return {r.to_id: r.from_id for r in rows}


async def get_cursor(session: AsyncSession, source: str, key: str) -> str | None:
    return (
        await session.execute(
            select(SyncCursor.cursor).where(SyncCursor.source == source, SyncCursor.key == key)
        )
    ).scalar_one_or_none()


async def save_cursor(session: AsyncSession, source: str, key: str, cursor: str) -> None:
    stmt = insert(SyncCursor).values(source=source, key=key, cursor=cursor)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[SyncCursor.source, SyncCursor.key],
            set_={"cursor": stmt.excluded.cursor, "updated_at": func.now()},
        )
    )


async def unnormalized(session: AsyncSession, limit: int) -> list[RawRecord]:
    rows = await session.execute(
        select(RawRecord)
        .where(RawRecord.normalized_at.is_(None))
        .order_by(RawRecord.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def mark_normalized(
    session: AsyncSession, ids: Sequence[int], problems: dict[int, str]
) -> None:
    now = datetime.now(UTC)
    clean = [i for i in ids if i not in problems]
    if clean:
        await session.execute(
            update(RawRecord).where(RawRecord.id.in_(clean)).values(normalized_at=now, problem=None)
        )
    for raw_id, problem in problems.items():
        await session.execute(
            update(RawRecord)
            .where(RawRecord.id == raw_id)
            .values(normalized_at=now, problem=problem)
        )
