"""A run with discrepancies in the ledger, as the reconciliation workflow leaves them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledger.tables import DiscrepancyRow, Run, RunDiscrepancy
from models.records import Source, SourceRef
from models.results import Correction, Discrepancy, DiscrepancyField, Severity


def invoice_total(invoice_id: str, before: str, after: str, order_id: str = "1001") -> Discrepancy:
    """Shopify says the order was `after`; the QuickBooks invoice says `before`."""
    return Discrepancy(
        field=DiscrepancyField.TOTAL,
        severity=Severity.HIGH,
        records=[
            SourceRef(source=Source.SHOPIFY, type="order", id=order_id),
            SourceRef(source=Source.QUICKBOOKS, type="Invoice", id=invoice_id),
        ],
        values={"shopify": after, "quickbooks": before},
        explanation=f"order {order_id} total {after} but invoice {invoice_id} says {before}",
        money_at_stake=abs(Decimal(after) - Decimal(before)),
        currency="USD",
        correction=Correction(
            system="quickbooks",
            object_type="Invoice",
            object_id=invoice_id,
            field="total",
            from_value=before,
            to_value=after,
            reason="the storefront charged the buyer this amount",
        ),
    )


def new_vendor_payment(bill_payment_id: str, amount: str) -> Discrepancy:
    return Discrepancy(
        field=DiscrepancyField.RULE,
        severity=Severity.HIGH,
        records=[SourceRef(source=Source.QUICKBOOKS, type="BillPayment", id=bill_payment_id)],
        values={"quickbooks": amount},
        explanation=f"payment of {amount} to a vendor first seen this month",
        money_at_stake=Decimal(amount),
        currency="USD",
        rule="new_vendor_payment",
        approvers=["cfo"],
    )


async def seed_run(
    sessions: async_sessionmaker[AsyncSession], discrepancies: list[Discrepancy]
) -> int:
    """A finished run that saw `discrepancies` (all new, open); returns its id."""
    start = datetime(2026, 10, 1, tzinfo=UTC)
    async with sessions.begin() as session:
        run = Run(
            workflow_id=f"reconcile-test-{uuid.uuid4().hex[:8]}",
            workflow_run_id=str(uuid.uuid4()),
            window_start=start,
            window_end=start + timedelta(days=31),
            as_of=start + timedelta(days=34),
            sources=["shopify", "quickbooks"],
            status="completed",
        )
        session.add(run)
        await session.flush()
        for d in discrepancies:
            await _add(session, run.id, d)
        return run.id


async def _add(session: AsyncSession, run_id: int, d: Discrepancy) -> None:
    existing = await session.get(DiscrepancyRow, d.id)
    if existing is None:
        session.add(
            DiscrepancyRow(
                id=d.id,
                field=d.field.value,
                severity=d.severity.value,
                records=[r.model_dump(mode="json") for r in d.records],
                values=dict(d.values),
                explanation=d.explanation,
                status="open",
                money_at_stake=d.money_at_stake,
                currency=d.currency,
                rule=d.rule,
                correction=d.correction.model_dump(mode="json") if d.correction else None,
                approvers=list(d.approvers),
                first_seen_run=run_id,
                last_seen_run=run_id,
            )
        )
        await session.flush()
    session.add(RunDiscrepancy(run_id=run_id, discrepancy_id=d.id, state="new"))
