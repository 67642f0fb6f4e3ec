"""Asking the server for a schedule's matching times rides out a request it cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from temporalio.api.workflowservice.v1 import ListScheduleMatchingTimesResponse
from temporalio.service import RPCError, RPCStatusCode

from scheduling.backfill import matching_times

NIGHT = datetime(2026, 10, 2, tzinfo=UTC)


class Service:
    """The one workflow-service call `matching_times` makes: fails as told, then answers."""

    def __init__(self, *failures: RPCStatusCode) -> None:
        self.failures, self.calls = list(failures), 0

    async def list_schedule_matching_times(self, request):
        self.calls += 1
        if self.failures:
            raise RPCError("operation was canceled", self.failures.pop(0), b"")
        stamp = Timestamp()
        stamp.FromDatetime(NIGHT)
        return ListScheduleMatchingTimesResponse(start_time=[stamp])


def client(service: Service):
    return SimpleNamespace(namespace="default", workflow_service=service)


async def test_a_request_the_server_cancelled_is_asked_again():
    service = Service(RPCStatusCode.CANCELLED)
    got = await matching_times(client(service), "s", NIGHT - timedelta(days=1), NIGHT, timedelta(0))  # type: ignore[arg-type]
    assert got == [NIGHT] and service.calls == 2


async def test_a_refusal_is_not_asked_again():
    service = Service(RPCStatusCode.NOT_FOUND)
    with pytest.raises(RPCError) as refused:
        await matching_times(client(service), "s", NIGHT, NIGHT, timedelta(0))  # type: ignore[arg-type]
    assert refused.value.status == RPCStatusCode.NOT_FOUND and service.calls == 1
