"""The one way Accord connects to Temporal: pydantic payloads, encrypted when keys are set.

Worker, starter, tests and the Slack endpoint all call `connect_temporal`, so every client
reads and writes payloads the same way.
"""

from __future__ import annotations

import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec
from temporalio.runtime import Runtime

from runtime.codec import EncodedAttributesFailureConverter, codec_from_settings
from runtime.settings import Settings


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic v2 payloads; with codec keys configured, payloads and failures are encrypted."""
    return converter_with_codec(codec_from_settings(settings))


def converter_with_codec(codec: PayloadCodec | None) -> DataConverter:
    """The pydantic converter; with a codec, failure messages are encoded (encrypted) too."""
    if codec is None:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=EncodedAttributesFailureConverter,
    )


async def connect_temporal(
    address: str,
    namespace: str,
    *,
    settings: Settings,
    runtime: Runtime | None = None,
) -> Client:
    """A client on `address`/`namespace` with Accord's data converter."""
    return await Client.connect(
        address,
        namespace=namespace,
        data_converter=data_converter(settings),
        runtime=runtime,
    )
