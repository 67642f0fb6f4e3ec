"""Raw storage: batches, pages exactly as received, raw record versions, links, sync cursors."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ledger.db import encode, loads
from ledger.tables import Batch, RawPage, RawRecord, RecordLink, SyncCursor


class RawItemLike(Protocol):
    @property
    def object_type(self) -> str: ...
    @property
    def vendor_id(self) -> str: ...
    @property
    def payload(self) -> Any: ...
    @property
    def op(self) -> str: ...
    @property
    def path(self) -> str: ...


@dataclass(frozen=True)
class SaveCounts:
    records: int = 0
    new_versions: int = 0
    unchanged: int = 0


def content_hash(payload: Any, op: str = "upsert") -> str:
    return hashlib.sha256(op.encode() + b":" + encode(payload)).hexdigest()


@dataclass(frozen=True, slots=True)
class RawVersion:
    """What the ledger keeps of one record of a page: its key, op, path and content hash
    (the payload itself stays in the page)."""

    object_type: str
    vendor_id: str
    op: str
    path: str
    content_hash: str


def version_of(item: RawItemLike) -> RawVersion:
    """A record of a page as the ledger keeps it (hashed where the page is read)."""
    hashed = content_hash(item.payload, item.op)
    return RawVersion(item.object_type, item.vendor_id, item.op, item.path, hashed)


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


# Writers of one source's raw pages and versions take turns: the next version number is read,
# then written, and two fetches of the same source at once would both write version n + 1.
_LOCK_SOURCE = text(
    "SELECT pg_advisory_xact_lock(hashtext('accord.raw_records'), hashtext(:source))"
)


async def lock_source(session: AsyncSession, source: str) -> None:
    """Wait for any other transaction writing `source`'s raw data; held until the commit.

    Taken before the transaction's first page is inserted, so page ids follow the order in
    which writers took their turns (and versions with them), and two writers sending the same
    page never wait on each other through its unique index while one holds the lock. Asked
    again in the same transaction (every page of a flush), it costs nothing: the lock is held,
    and a round trip per page cost 0.8 s of 100k records."""
    held = session.info.setdefault("accord.source_locks", {})
    transaction = session.get_transaction()
    if transaction is not None and held.get(source) is transaction:
        return
    await session.execute(_LOCK_SOURCE, {"source": source})
    held[source] = session.get_transaction()


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
    await lock_source(session, source)
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


def unreadable_pages(batch_ids: Any) -> Select:
    """(source, origin, parse_error) of each page of the batches (ids, or a select of them)
    that could not be read, unless its request was answered readable too in the same batch
    (a retry got it right: the bad body is kept, and the good one is what the run used)."""
    again = aliased(RawPage)
    answered_readable = (
        select(again.id)
        .where(
            again.batch_id == RawPage.batch_id,
            again.origin == RawPage.origin,
            again.parse_error.is_(None),
        )
        .exists()
    )
    return select(RawPage.source, RawPage.origin, RawPage.parse_error).where(
        RawPage.batch_id.in_(batch_ids), RawPage.parse_error.is_not(None), ~answered_readable
    )


async def count_unreadable(session: AsyncSession, batch_id: int) -> int:
    """How many of a batch's requests stay unreadable (`unreadable_pages`)."""
    query = select(func.count()).select_from(unreadable_pages([batch_id]).subquery())
    return int(await session.scalar(query) or 0)


# New versions of a page's records in one statement: each record is compared with the newest
# stored version of its key (the unique index, read backwards); an unchanged one is skipped.
# A version holds no copy of the payload: `path` says where it sits in its page.
_SAVE_VERSIONS = text(
    """
    WITH incoming AS (
        SELECT * FROM unnest(
            CAST(:object_types AS text[]), CAST(:vendor_ids AS text[]), CAST(:ops AS text[]),
            CAST(:paths AS text[]), CAST(:hashes AS text[])
        ) AS i(object_type, vendor_id, op, path, content_hash)
    ), saved AS (
        INSERT INTO raw_records
            (source, object_type, vendor_id, version, op, path, content_hash, batch_id, page_id)
        SELECT :source, i.object_type, i.vendor_id, coalesce(latest.version, 0) + 1, i.op,
               i.path, i.content_hash, :batch_id, :page_id
        FROM incoming i
        LEFT JOIN LATERAL (
            SELECT r.version, r.content_hash FROM raw_records r
            WHERE r.source = :source AND r.object_type = i.object_type
              AND r.vendor_id = i.vendor_id
            ORDER BY r.version DESC LIMIT 1
        ) latest ON true
        WHERE latest.content_hash IS DISTINCT FROM i.content_hash
        RETURNING 1
    )
    SELECT count(*) FROM saved
    """
)


async def save_raw_records(
    session: AsyncSession,
    *,
    source: str,
    batch_id: int,
    page_id: int,
    items: Sequence[RawVersion],
) -> SaveCounts:
    """Idempotent upsert: an unchanged record is skipped, a changed one becomes a new version.

    Call it in the transaction that saved the page (`save_page`): that holds the source's
    lock, so the version numbers read here cannot be taken meanwhile."""
    if not items:
        return SaveCounts()
    newest: dict[tuple[str, str], RawVersion] = {}
    for item in items:  # within one page the last word about a record wins
        newest[(item.object_type, item.vendor_id)] = item
    columns: tuple[list[str], ...] = ([], [], [], [], [])
    object_types, vendor_ids, ops, paths, hashes = columns
    for (object_type, vendor_id), version in newest.items():
        object_types.append(object_type)
        vendor_ids.append(vendor_id)
        ops.append(version.op)
        paths.append(version.path)
        hashes.append(version.content_hash)
    saved = await session.scalar(
        _SAVE_VERSIONS,
        {
            "source": source,
            "batch_id": batch_id,
            "page_id": page_id,
            "object_types": object_types,
            "vendor_ids": vendor_ids,
            "ops": ops,
            "paths": paths,
            "hashes": hashes,
        },
    )
    new_versions = int(saved or 0)
    return SaveCounts(
        records=len(newest), new_versions=new_versions, unchanged=len(newest) - new_versions
    )


async def payload(session: AsyncSession, raw_id: int) -> Any:
    """One stored version's payload, read out of its page here (exact decimals).

    The view `raw_record_payloads` does the same in SQL, but PostgreSQL's jsonb refuses some
    JSON (a `\u0000` in a string); read here, every stored page gives its records back.
    """
    row = (
        await session.execute(
            select(RawRecord.payload, RawRecord.path, RawPage.body)
            .join(RawPage, RawPage.id == RawRecord.page_id)
            .where(RawRecord.id == raw_id)
        )
    ).one_or_none()
    if row is None:
        return None
    if row.payload is not None:  # stored before migration 0003, with its own copy
        return row.payload
    found = loads(row.body)
    for step in row.path.split("/") if row.path else []:
        found = found[int(step)] if isinstance(found, list) else found[step]
    return found


_SAVE_LINKS = text(
    """
    INSERT INTO record_links (source, relation, from_id, to_id)
    SELECT :source, :relation, :from_id, to_id FROM unnest(CAST(:to_ids AS text[])) AS t(to_id)
    ON CONFLICT DO NOTHING
    """
)


async def save_links(
    session: AsyncSession, *, source: str, relation: str, from_id: str, to_ids: Iterable[str]
) -> None:
    targets = list(dict.fromkeys(to_ids))
    if targets:
        await session.execute(
            _SAVE_LINKS,
            {"source": source, "relation": relation, "from_id": from_id, "to_ids": targets},
        )


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


LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_not_available: lock_timeout ran out
_LOCK_CURSOR = text("SELECT pg_advisory_xact_lock(hashtext('accord.cursor'), hashtext(:name))")


class LockTimeout(Exception):
    """Another transaction held the lock longer than the caller would wait."""


async def lock_cursor(session: AsyncSession, source: str, key: str, wait_seconds: int) -> None:
    """Wait up to `wait_seconds` for any other transaction holding this cursor's lock (then
    `LockTimeout`, and the transaction is aborted); held until the transaction ends."""
    await session.execute(text(f"SET LOCAL lock_timeout = '{int(wait_seconds)}s'"))
    try:
        await session.execute(_LOCK_CURSOR, {"name": f"{source}:{key}"})
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise LockTimeout(f"{source}:{key}") from error
        raise
    await session.execute(text("SET LOCAL lock_timeout = 0"))


async def save_cursor(session: AsyncSession, source: str, key: str, cursor: str) -> None:
    stmt = insert(SyncCursor).values(source=source, key=key, cursor=cursor)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[SyncCursor.source, SyncCursor.key],
            set_={"cursor": stmt.excluded.cursor, "updated_at": func.now()},
        )
    )


@dataclass(frozen=True, slots=True)
class PendingPage:
    """A stored page whose new record versions are still to normalize."""

    id: int
    source: str
    page_type: str
    origin: str
    body: bytes


@dataclass(frozen=True, slots=True)
class PendingRecord:
    """A raw record version a pending page brought in."""

    id: int
    page_id: int
    object_type: str
    vendor_id: str
    op: str


_PENDING_PAGES = text(
    """
    SELECT id, source, page_type, origin, body FROM (
        SELECT id, source, page_type, origin, body,
               sum(octet_length(body)) OVER (ORDER BY id) - octet_length(body) AS before
        FROM raw_pages WHERE normalized_at IS NULL AND id > :after ORDER BY id LIMIT :limit
    ) pending
    WHERE before < :max_bytes
    ORDER BY id
    """
)


async def pending_pages(
    session: AsyncSession, *, after: int, limit: int, max_bytes: int = 8 << 20
) -> list[PendingPage]:
    """The next pages not yet normalized, oldest first, after page `after`: at most `limit`
    pages and about `max_bytes` of bodies (always at least one page)."""
    rows = await session.execute(
        _PENDING_PAGES, {"after": after, "limit": limit, "max_bytes": max_bytes}
    )
    return [PendingPage(*row) for row in rows]


async def records_of_pages(session: AsyncSession, page_ids: Sequence[int]) -> list[PendingRecord]:
    """The record versions these pages brought in, in the order they were stored."""
    rows = await session.execute(
        select(
            RawRecord.id,
            RawRecord.page_id,
            RawRecord.object_type,
            RawRecord.vendor_id,
            RawRecord.op,
        )
        .where(RawRecord.page_id.in_(page_ids))
        .order_by(RawRecord.id)
    )
    return [PendingRecord(*row) for row in rows]


_NOTE_PROBLEMS = text(
    """
    UPDATE raw_records r SET problem = p.problem
    FROM unnest(CAST(:ids AS bigint[]), CAST(:problems AS text[])) AS p(id, problem)
    WHERE r.id = p.id
    """
)
# A page read again (in another home currency, say) may now read cleanly.
_CLEAR_PROBLEMS = text(
    """
    UPDATE raw_records SET problem = NULL
    WHERE page_id = ANY(CAST(:pages AS bigint[])) AND problem IS NOT NULL
      AND id <> ALL(CAST(:ids AS bigint[]))
    """
)


async def newest_page(session: AsyncSession, source: str, page_type: str) -> bytes | None:
    """The body of the newest readable page of a type (a company's preferences, say)."""
    return await session.scalar(
        select(RawPage.body)
        .where(
            RawPage.source == source,
            RawPage.page_type == page_type,
            RawPage.parse_error.is_(None),
        )
        .order_by(RawPage.id.desc())
        .limit(1)
    )


_NORMALIZE_AGAIN = text(
    """
    UPDATE raw_pages SET normalized_at = NULL
    WHERE normalized_at IS NOT NULL AND id IN (
        SELECT DISTINCT ON (object_type, vendor_id) page_id FROM raw_records
        WHERE source = :source ORDER BY object_type, vendor_id, version DESC
    )
    """
)


async def normalize_again(session: AsyncSession, source: str) -> int:
    """Mark pending again every page holding the newest version of a `source` record (what
    they mean has changed); returns how many pages."""
    result = await session.execute(_NORMALIZE_AGAIN, {"source": source})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_LOCK_NORMALIZING = text("SELECT pg_advisory_xact_lock(hashtext('accord.normalize'))")
_STILL_PENDING = text(
    "SELECT count(*) FROM raw_pages WHERE id = ANY(CAST(:ids AS bigint[])) AND normalized_at IS NULL"
)


async def lock_normalizing(session: AsyncSession) -> None:
    """Wait for any other normalizer's transaction; held until the commit."""
    await session.execute(_LOCK_NORMALIZING)


async def claim_pages(session: AsyncSession, page_ids: Sequence[int]) -> bool:
    """Whether this transaction may store the pages' canonical versions: it waits for any
    other normalizer's transaction, then checks that none of the pages was normalized
    meanwhile (storing them again could put an older version back over a newer one)."""
    await lock_normalizing(session)
    pending = await session.scalar(_STILL_PENDING, {"ids": list(page_ids)})
    return pending == len(page_ids)


async def mark_normalized(
    session: AsyncSession, page_ids: Sequence[int], problems: dict[int, str]
) -> None:
    """The pages are normalized; each record that could not be read keeps its problem, and
    a record read cleanly this time loses the one it had."""
    if problems:
        await session.execute(
            _NOTE_PROBLEMS, {"ids": list(problems), "problems": list(problems.values())}
        )
    if page_ids:
        await session.execute(_CLEAR_PROBLEMS, {"pages": list(page_ids), "ids": list(problems)})
        await session.execute(
            update(RawPage).where(RawPage.id.in_(page_ids)).values(normalized_at=datetime.now(UTC))
        )
