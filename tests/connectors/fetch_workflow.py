"""A one-activity workflow that runs a fetch the way `ReconciliationWorkflow` does (heartbeat
timeout, retries), so a test can watch Temporal hand the last heartbeat to the retry."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from models.io import FetchInput, FetchResult


@workflow.defn
class FetchOnceWorkflow:
    @workflow.run
    async def run(self, request: FetchInput) -> FetchResult:
        return await workflow.execute_activity(
            f"fetch_{request.source.value}",
            request,
            result_type=FetchResult,
            start_to_close_timeout=timedelta(minutes=2),
            heartbeat_timeout=timedelta(seconds=20),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=100),
                maximum_attempts=3,
                non_retryable_error_types=["VendorAuthError", "VendorRequestError"],
            ),
        )
