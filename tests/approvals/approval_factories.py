"""A run with discrepancies in the ledger, as the reconciliation workflow leaves them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledger.tables import DiscrepancyRow, Run, RunDiscrepancy
from models.records import Source, SourceRef
from models.results import Correction, Discrepancy, DiscrepancyField, Severity


def _total_fix(
    books: SourceRef, witness: SourceRef, before: str, after: str, reason: str
) -> Discrepancy:
    """`witness` says `after`; the QuickBooks record `books` says `before`: correct it."""
    return Discrepancy(
        field=DiscrepancyField.TOTAL,
        severity=Severity.HIGH,
        records=[witness, books],
        values={witness.source.value: after, "quickbooks": before},
        explanation=f"{witness.type} {witness.id} total {after} but {books.type.lower()} "
        f"{books.id} says {before}",
        money_at_stake=abs(Decimal(after) - Decimal(before)),
        currency="USD",
        correction=Correction(
            system="quickbooks",
            object_type=books.type,
            object_id=books.id,
            field="total",
            from_value=before,
            to_value=after,
            reason=reason,
        ),
    )


def invoice_total(invoice_id: str, before: str, after: str, order_id: str = "1001") -> Discrepancy:
    """Shopify says the order was `after`; the QuickBooks invoice says `before`."""
    return _total_fix(
        SourceRef(source=Source.QUICKBOOKS, type="Invoice", id=invoice_id),
        SourceRef(source=Source.SHOPIFY, type="order", id=order_id),
        before,
        after,
        "the storefront charged the buyer this amount",
    )


def bill_total(bill_id: str, before: str, after: str, bank_line: str = "txn_rent") -> Discrepancy:
    """The bank paid `after`; the QuickBooks bill says `before`."""
    return _total_fix(
        SourceRef(source=Source.QUICKBOOKS, type="Bill", id=bill_id),
        SourceRef(source=Source.PLAID, type="transaction", id=bank_line),
        before,
        after,
        "money that left the bank",
    )


def missing_invoice(order: SourceRef, amount: Decimal) -> Discrepancy:
    """The run found no QuickBooks invoice for the order: the correction creates one."""
    return Discrepancy(
        field=DiscrepancyField.EXISTENCE,
        severity=Severity.HIGH,
        records=[order],
        values={"shopify": str(amount)},
        explanation=f"order {order.id} ({amount} USD) has no QuickBooks invoice",
        money_at_stake=amount,
        currency="USD",
        correction=Correction(
            system="quickbooks",
            object_type="Invoice",
            object_id="",
            field="existence",
            from_value=None,
            to_value=None,
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
