"""A tiny workflow and activity that carry an amount and an email, for runtime tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.common import RetryPolicy


class Invoice(BaseModel):
    customer_email: str
    amount: Decimal


@activity.defn
async def book_invoice(invoice: Invoice) -> str:
    activity.logger.info("booking invoice")
    return f"booked {invoice.amount} for {invoice.customer_email}"


@activity.defn
async def reject_invoice(invoice: Invoice) -> str:
    raise ValueError(f"cannot book {invoice.amount} for {invoice.customer_email}")


@workflow.defn
class BookInvoiceWorkflow:
    @workflow.run
    async def run(self, invoice: Invoice) -> str:
        workflow.logger.info("workflow started")
        return await workflow.execute_activity(
            book_invoice, invoice, start_to_close_timeout=timedelta(seconds=30)
        )


@workflow.defn
class RejectInvoiceWorkflow:
    @workflow.run
    async def run(self, invoice: Invoice) -> str:
        return await workflow.execute_activity(
            reject_invoice,
            invoice,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )
