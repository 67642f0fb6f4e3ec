"""Accord's search attributes: registered on a cluster once, usable in list filters."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from runtime.search_attributes import (
    ALL_KEYS,
    HIGH_COUNT,
    LOW_COUNT,
    MONEY_AT_STAKE,
    SOURCES,
    WINDOW_START,
    register_search_attributes,
)

ROOT = Path(__file__).resolve().parents[2]


async def test_registering_twice_adds_nothing_the_second_time(temporal_client: Client):
    assert await register_search_attributes(temporal_client, "default") == []
    listed = await temporal_client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace="default")
    )
    for key in ALL_KEYS:
        assert listed.custom_attributes[key.name] == IndexedValueType.ValueType(
            int(key.indexed_value_type)
        )


async def test_a_run_can_be_found_by_its_attributes(temporal_client: Client):
    marker = f"src-{uuid.uuid4().hex[:8]}"
    attributes = TypedSearchAttributes(
        [
            SearchAttributePair(SOURCES, [marker, "stripe"]),
            SearchAttributePair(HIGH_COUNT, 2),
            SearchAttributePair(LOW_COUNT, 0.0),
            SearchAttributePair(MONEY_AT_STAKE, 123.45),
            SearchAttributePair(WINDOW_START, datetime(2026, 10, 1, tzinfo=UTC)),
        ]
    )
    handle = await temporal_client.start_workflow(
        "NobodyRunsThis",
        id=f"sa-{uuid.uuid4()}",
        task_queue=f"no-worker-{uuid.uuid4()}",
        search_attributes=attributes,
    )
    try:
        query = f"AccordSources = '{marker}' AND AccordHighCount > 1 AND AccordMoneyAtStake > 100"
        for _ in range(50):  # visibility is eventually consistent
            found = [w.id async for w in temporal_client.list_workflows(query)]
            if found:
                break
        assert found == [handle.id]
    finally:
        await handle.terminate()


def test_the_setup_command_registers_on_a_configured_cluster(temporal_address: str, tmp_path):
    env = {**os.environ, "TEMPORAL_ADDRESS": temporal_address, "TEMPORAL_NAMESPACE": "default"}
    done = subprocess.run(
        [sys.executable, "-m", "runtime.search_attributes"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "none (all present)" in done.stdout
