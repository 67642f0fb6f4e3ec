"""Stand-ins registered as `ReconciliationWorkflow`, for tests of the schedule plumbing only.

They report what a scheduled run receives (its scheduled time and its one argument), so the tests
can check the window each run would reconcile without the ledger or the vendors.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from models.io import ReconcileInput

SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")


class Arrival(BaseModel):
    scheduled: datetime
    request: ReconcileInput


def arrival(request: ReconcileInput) -> Arrival:
    scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START)
    assert scheduled is not None, "started outside a schedule"
    return Arrival(scheduled=scheduled, request=request)


@workflow.defn(name="ReconciliationWorkflow")
class QuickStandIn:
    @workflow.run
    async def run(self, request: ReconcileInput) -> Arrival:
        return arrival(request)


@workflow.defn(name="ReconciliationWorkflow")
class HeldStandIn:
    """Runs until signalled `release`, to hold a run open while the next one is due."""

    def __init__(self) -> None:
        self._released = False

    @workflow.signal
    def release(self) -> None:
        self._released = True

    @workflow.run
    async def run(self, request: ReconcileInput) -> Arrival:
        await workflow.wait_condition(lambda: self._released)
        return arrival(request)
