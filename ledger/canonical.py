"""Canonical record versions: the newest is current, older ones are kept."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Numeric, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.db import dumps
from ledger.tables import CanonicalRow
from models.records import CanonicalRecord, MoneyRecord, record_from_json

_DATE_FIELDS = ("posted_date", "txn_date", "arrival_date", "created_at")


def occurred_on(record: CanonicalRecord) -> date | None:
    """The date a record belongs to, for windows: posting, transaction, arrival or creation date."""
    for name in _DATE_FIELDS:
        value = getattr(record, name, None)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
    return None


def _row_values(record: CanonicalRecord) -> dict:
    data = record.model_dump(mode="json")
    return {
        "source": record.ref.source.value,
        "object_type": record.ref.type,
        "vendor_id": record.ref.id,
        "kind": record.kind,
        "data": data,
        "content_hash": hashlib.sha256(dumps(data).encode()).hexdigest(),
        "occurred_on": occurred_on(record),
        "amount": record.amount if isinstance(record, MoneyRecord) else None,
        "currency": record.currency if isinstance(record, MoneyRecord) else None,
    }


async def _current(
    session: AsyncSession, keys: Sequence[tuple[str, str, str]]
) -> dict[tuple[str, str, str], CanonicalRow]:
    if not keys:
        return {}
    rows = await session.execute(
        select(CanonicalRow).where(
            CanonicalRow.is_current,
            tuple_(CanonicalRow.source, CanonicalRow.object_type, CanonicalRow.vendor_id).in_(keys),
        )
    )
    return {(r.source, r.object_type, r.vendor_id): r for r in rows.scalars()}


async def save_versions(
    session: AsyncSession, records: Sequence[tuple[CanonicalRecord, int | None]]
) -> int:
    """Store each (record, raw id) as a new current version unless it equals the current one.

    Returns how many new versions were written.
    """
    values = {}
    for record, raw_id in records:
        row = _row_values(record) | {"raw_record_id": raw_id}
        values[(row["source"], row["object_type"], row["vendor_id"])] = row
    current = await _current(session, list(values))
    new_rows, retired = [], []
    for key, row in values.items():
        existing = current.get(key)
        if existing is None:
            new_rows.append(row | {"version": 1})
        elif existing.content_hash != row["content_hash"] or existing.removed:
            new_rows.append(row | {"version": existing.version + 1})
            retired.append(existing.id)
    await _retire(session, retired)
    if new_rows:
        await session.execute(insert(CanonicalRow), new_rows)
    return len(new_rows)


async def _retire(session: AsyncSession, ids: Sequence[int]) -> None:
    if ids:
        await session.execute(
            update(CanonicalRow).where(CanonicalRow.id.in_(ids)).values(is_current=False)
        )


async def remove(
    session: AsyncSession, *, source: str, object_type: str, vendor_id: str, raw_id: int
) -> bool:
    """A vendor deleted the record: a tombstone version becomes current; history stays."""
    current = (await _current(session, [(source, object_type, vendor_id)])).get(
        (source, object_type, vendor_id)
    )
    if current is None or current.removed:
        return False
    await _retire(session, [current.id])
    await session.execute(
        insert(CanonicalRow).values(
            source=source,
            object_type=object_type,
            vendor_id=vendor_id,
            kind=current.kind,
            version=current.version + 1,
            removed=True,
            data=current.data,
            content_hash=current.content_hash,
            occurred_on=current.occurred_on,
            amount=current.amount,
            currency=current.currency,
            raw_record_id=raw_id,
        )
    )
    return True


async def load_current(session: AsyncSession, *, since: date) -> list[CanonicalRecord]:
    """Current, not removed records dated on or after `since`, every customer and vendor, and
    invoices and bills still open whatever their date (a deposit may pay old invoices).

    The caller drops what was not yet known at its `as_of`.
    """
    open_document = CanonicalRow.kind.in_(("invoice", "bill")) & (
        CanonicalRow.data["balance"].astext.cast(Numeric) != Decimal(0)
    )
    rows = await session.execute(
        select(CanonicalRow.kind, CanonicalRow.data)
        .where(CanonicalRow.is_current, ~CanonicalRow.removed)
        .where(
            or_(
                CanonicalRow.kind.in_(("customer", "vendor")),
                CanonicalRow.occurred_on.is_(None),
                CanonicalRow.occurred_on >= since,
                open_document,
            )
        )
        .order_by(CanonicalRow.source, CanonicalRow.object_type, CanonicalRow.vendor_id)
    )
    return [record_from_json(kind, data) for kind, data in rows]
