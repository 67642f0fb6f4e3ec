"""The corrections outbox, and the canonical records a correction is built from.

A correction's row is committed (`pending`) before any vendor is called, marked `sending` with
each attempt, and finished with the outcome and the vendor's ids. A row already finished is the
answer to a retried or repeated push: no vendor call follows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.approval_tables import CorrectionOutbox
from ledger.tables import CanonicalRow, CustomerIdentity, DiscrepancyRow
from models.approvals import ApplyInput, ApplyStatus
from models.records import CanonicalRecord, SourceRef, record_from_json
from models.results import DiscrepancyStatus

FINISHED = {ApplyStatus.APPLIED.value, ApplyStatus.CONFLICT.value, ApplyStatus.FAILED.value}


async def enter(session: AsyncSession, request: ApplyInput) -> CorrectionOutbox:
    """The correction's outbox row, created `pending` if it is new (locked for this transaction)."""
    c = request.correction
    await session.execute(
        insert(CorrectionOutbox)
        .values(
            correction_id=c.id,
            discrepancy_id=request.discrepancy_id,
            run_id=request.run_id,
            system=c.system,
            object_type=c.object_type,
            object_id=c.object_id,
            field=c.field,
            from_value=c.from_value,
            to_value=c.to_value,
            decided_by=request.decided_by,
            status="pending",
            attempts=0,
            dry_run=False,
        )
        .on_conflict_do_nothing()
    )
    row = await session.execute(
        select(CorrectionOutbox).where(CorrectionOutbox.correction_id == c.id).with_for_update()
    )
    return row.scalar_one()


async def mark_sending(session: AsyncSession, correction_id: str) -> None:
    await session.execute(
        update(CorrectionOutbox)
        .where(CorrectionOutbox.correction_id == correction_id)
        .values(
            status="sending",
            attempts=CorrectionOutbox.attempts + 1,
            sent_at=datetime.now(UTC),
        )
    )


async def finish(
    session: AsyncSession,
    correction_id: str,
    *,
    status: ApplyStatus,
    detail: str = "",
    vendor_id: str | None = None,
    response_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    done = status.value in FINISHED
    await session.execute(
        update(CorrectionOutbox)
        .where(CorrectionOutbox.correction_id == correction_id)
        .values(
            status=status.value,
            detail=detail,
            vendor_id=vendor_id,
            response_id=response_id,
            before=before,
            after=after,
            dry_run=status == ApplyStatus.DRY_RUN,
            finished_at=datetime.now(UTC) if done else None,
        )
    )


async def reopen_discrepancy(session: AsyncSession, discrepancy_id: str, reason: str) -> None:
    """A correction that met a changed record goes back to people on the next run."""
    await session.execute(
        update(DiscrepancyRow)
        .where(DiscrepancyRow.id == discrepancy_id)
        .values(status=DiscrepancyStatus.OPEN.value, resolved_reason=reason)
    )


async def outbox_of(session: AsyncSession, discrepancy_id: str) -> list[CorrectionOutbox]:
    rows = await session.execute(
        select(CorrectionOutbox)
        .where(CorrectionOutbox.discrepancy_id == discrepancy_id)
        .order_by(CorrectionOutbox.created_at)
    )
    return list(rows.scalars())


async def current_record(session: AsyncSession, ref: SourceRef) -> CanonicalRecord | None:
    row = (
        await session.execute(
            select(CanonicalRow.kind, CanonicalRow.data).where(
                CanonicalRow.is_current,
                CanonicalRow.source == ref.source.value,
                CanonicalRow.object_type == ref.type,
                CanonicalRow.vendor_id == ref.id,
            )
        )
    ).first()
    return record_from_json(row.kind, row.data) if row else None


async def counterpart_key(session: AsyncSession, key: str, source: str) -> str | None:
    """The same customer's key in another system, through the identity map."""
    canonical = await session.scalar(
        select(CustomerIdentity.canonical_id).where(CustomerIdentity.source_key == key)
    )
    if canonical is None:
        return None
    return await session.scalar(
        select(CustomerIdentity.source_key)
        .where(
            CustomerIdentity.canonical_id == canonical,
            CustomerIdentity.source_key.like(f"{source}:%"),
        )
        .order_by(CustomerIdentity.source_key)
        .limit(1)
    )


async def records_of(session: AsyncSession, discrepancy_id: str) -> list[SourceRef]:
    row = await session.get(DiscrepancyRow, discrepancy_id)
    return [SourceRef.model_validate(r) for r in row.records] if row else []
