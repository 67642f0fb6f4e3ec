"""Payload encryption: round trip, key rotation, and nothing readable in the server's history."""

from __future__ import annotations

import base64
import os
import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import cast

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowFailureError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from models.errors import ConfigurationError
from runtime.client import converter_with_codec
from runtime.codec import ENCODING, KEY_ID, EncryptionCodec, codec_from_settings
from runtime.settings import Settings
from tests.runtime.probe import (
    BookInvoiceWorkflow,
    Invoice,
    RejectInvoiceWorkflow,
    book_invoice,
    reject_invoice,
)

EMAIL = "ada.lovelace@example.com"
AMOUNT = "1234.56"


def new_key() -> bytes:
    return os.urandom(32)


def plain_payload() -> Payload:
    return pydantic_data_converter.payload_converter.to_payloads(
        [Invoice(customer_email=EMAIL, amount=Decimal(AMOUNT))]
    )[0]


async def test_round_trip_hides_the_content_and_names_the_key():
    codec = EncryptionCodec({"k1": new_key()}, "k1")
    [sealed] = await codec.encode([plain_payload()])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID] == b"k1"
    assert EMAIL.encode() not in sealed.data and AMOUNT.encode() not in sealed.data
    assert await codec.decode([sealed]) == [plain_payload()]


async def test_history_written_under_an_old_key_still_decodes_after_rotation():
    old, new = new_key(), new_key()
    [sealed_before] = await EncryptionCodec({"2026-01": old}, "2026-01").encode([plain_payload()])
    rotated = EncryptionCodec({"2026-01": old, "2026-06": new}, "2026-06")
    [sealed_after] = await rotated.encode([plain_payload()])
    assert sealed_after.metadata[KEY_ID] == b"2026-06"
    assert await rotated.decode([sealed_before, sealed_after]) == [plain_payload()] * 2


async def test_a_retired_key_that_was_removed_is_named_in_the_error():
    [sealed] = await EncryptionCodec({"gone": new_key()}, "gone").encode([plain_payload()])
    with pytest.raises(ConfigurationError, match="'gone'"):
        await EncryptionCodec({"current": new_key()}, "current").decode([sealed])


async def test_a_tampered_payload_is_refused():
    from cryptography.exceptions import InvalidTag

    codec = EncryptionCodec({"k1": new_key()}, "k1")
    [sealed] = await codec.encode([plain_payload()])
    sealed.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(InvalidTag):
        await codec.decode([sealed])


async def test_payloads_from_before_encryption_pass_through():
    codec = EncryptionCodec({"k1": new_key()}, "k1")
    assert await codec.decode([plain_payload()]) == [plain_payload()]


def test_settings_without_keys_mean_no_codec_and_bad_keys_are_named():
    assert codec_from_settings(Settings(_env_file=None)) is None  # type: ignore[call-arg]
    # A stand-in exposing only the two fields the function reads.
    short = SimpleNamespace(
        codec_keys={"k1": base64.b64encode(b"short").decode()}, codec_active_key="k1"
    )
    with pytest.raises(ConfigurationError, match=r"CODEC_KEYS\['k1'\] decodes to 5 bytes"):
        codec_from_settings(cast(Settings, short))
    unknown = SimpleNamespace(
        codec_keys={"k1": base64.b64encode(new_key()).decode()}, codec_active_key="k2"
    )
    with pytest.raises(ConfigurationError, match="CODEC_ACTIVE_KEY 'k2'"):
        codec_from_settings(cast(Settings, unknown))


async def test_a_run_through_the_dev_server_leaves_no_plaintext_in_its_history(
    temporal_client: Client,
):
    config = temporal_client.config()
    config["data_converter"] = converter_with_codec(EncryptionCodec({"k1": new_key()}, "k1"))
    client = Client(**config)
    queue = f"codec-{uuid.uuid4()}"
    invoice = Invoice(customer_email=EMAIL, amount=Decimal(AMOUNT))
    booked_id, rejected_id = f"codec-book-{uuid.uuid4()}", f"codec-reject-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[BookInvoiceWorkflow, RejectInvoiceWorkflow],
        activities=[book_invoice, reject_invoice],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        booked = await client.execute_workflow(
            BookInvoiceWorkflow.run, invoice, id=booked_id, task_queue=queue
        )
        with pytest.raises(WorkflowFailureError) as failure:
            await client.execute_workflow(
                RejectInvoiceWorkflow.run, invoice, id=rejected_id, task_queue=queue
            )
    assert booked == f"booked {AMOUNT} for {EMAIL}"
    assert EMAIL in str(failure.value.cause.cause)  # we hold the key, so we read the failure

    for workflow_id in (booked_id, rejected_id):
        # Fetched without the codec: what the server (and its database) stores, as bytes.
        history = await temporal_client.get_workflow_handle(workflow_id).fetch_history()
        raw = b"".join(event.SerializeToString() for event in history.events)
        assert EMAIL.encode() not in raw and AMOUNT.encode() not in raw
        assert ENCODING in raw
    assert b"cannot book" not in raw, "failure messages are encrypted too"
