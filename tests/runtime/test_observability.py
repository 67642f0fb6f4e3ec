"""JSON logs carry the Temporal ids; the worker's runtime serves Prometheus metrics."""

from __future__ import annotations

import io
import json
import logging
import uuid
from decimal import Decimal

import httpx
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from runtime.client import connect_temporal
from runtime.embedded import free_port
from runtime.observability import JsonFormatter, configure_logging, metrics_runtime
from runtime.settings import Settings
from tests.runtime.probe import BookInvoiceWorkflow, Invoice, book_invoice


async def run_probe(client: Client) -> str:
    queue = f"obs-{uuid.uuid4()}"
    workflow_id = f"obs-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[BookInvoiceWorkflow],
        activities=[book_invoice],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        await client.execute_workflow(
            BookInvoiceWorkflow.run,
            Invoice(customer_email="a@example.com", amount=Decimal("1.00")),
            id=workflow_id,
            task_queue=queue,
        )
    return workflow_id


async def test_activity_and_workflow_logs_are_json_with_their_ids(temporal_client: Client):
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        configure_logging(Settings(_env_file=None, environment="production"), stream)  # type: ignore[call-arg]
        workflow_id = await run_probe(temporal_client)
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    activity_line = next(line for line in lines if line["message"] == "booking invoice")
    assert activity_line["workflow_id"] == workflow_id
    assert activity_line["activity_id"] and activity_line["run_id"]
    assert activity_line["activity_type"] == "book_invoice"
    workflow_line = next(line for line in lines if line["message"] == "workflow started")
    assert workflow_line["workflow_id"] == workflow_id
    assert workflow_line["run_id"] == activity_line["run_id"]


def test_a_plain_record_is_json_without_temporal_keys():
    record = logging.LogRecord("accord", logging.WARNING, __file__, 1, "hello %s", ("you",), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello you" and entry["level"] == "warning"
    assert "workflow_id" not in entry


async def test_the_worker_runtime_serves_sdk_metrics(temporal_address: str):
    bind = f"127.0.0.1:{free_port()}"
    client = await connect_temporal(
        temporal_address,
        "default",
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
        runtime=metrics_runtime(bind),
    )
    await run_probe(client)
    async with httpx.AsyncClient() as http:
        response = await http.get(f"http://{bind}/metrics")
    assert response.status_code == 200
    assert "temporal_workflow_completed" in response.text
    assert "temporal_activity_execution_latency" in response.text
