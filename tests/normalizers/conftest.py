"""The vendors' own example payloads (in /work/shared/vendor), as the wire would carry them."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import yaml

from tests.vendor_files import VENDOR

SHOPIFY = VENDOR / "shopify" / "shopify_python_api-fixtures"
QUICKBOOKS = VENDOR / "quickbooks"
CASSETTES = QUICKBOOKS / "qbo_api-vcr-cassettes"
AIRBYTE_STREAMS = {
    "customers": "Customer",
    "invoices": "Invoice",
    "payments": "Payment",
    "bills": "Bill",
    "bill_payments": "BillPayment",
}


def exact(data: bytes | str) -> Any:
    return json.loads(data, parse_float=Decimal)


@pytest.fixture(scope="session")
def plaid_sync_wire() -> bytes:
    """The `/transactions/sync` 200 example of Plaid's OpenAPI spec, as JSON bytes.

    The spec is 3 MB of YAML (~2 s to load whole), so only the path's own block is parsed: the
    example is inline there. Its numbers are YAML floats; `json.dumps` writes them back as the
    shortest text that reads back the same, which is what Plaid sends.
    """
    spec = (VENDOR / "plaid" / "openapi" / "2020-09-14.yml").read_text()
    start = spec.index("\n  /transactions/sync:\n") + 1
    end = re.compile(r"^  \S", re.MULTILINE).search(spec, start + 3)
    block = spec[start : end.start() if end else len(spec)]
    paths = yaml.load("paths:\n" + block, Loader=yaml.CSafeLoader)["paths"]
    response = paths["/transactions/sync"]["post"]["responses"]["200"]
    example = response["content"]["application/json"]["examples"]["example-1"]["value"]
    return json.dumps(example).encode()


@pytest.fixture(scope="session")
def stripe_fixtures() -> dict[str, Any]:
    return exact((VENDOR / "stripe" / "fixtures3.json").read_bytes())["resources"]


@pytest.fixture
def stripe_object(stripe_fixtures) -> Callable[..., dict[str, Any]]:
    """A fresh copy of one Stripe fixture resource, with some fields changed."""

    def make(resource: str, **changes: Any) -> dict[str, Any]:
        return {**copy.deepcopy(stripe_fixtures[resource]), **changes}

    return make


@pytest.fixture
def vendor_bytes() -> Callable[[str], bytes]:
    """A vendor reference file's bytes, by its path under /work/shared/vendor."""
    return lambda relative: (VENDOR / relative).read_bytes()


@pytest.fixture
def shopify_body() -> Callable[[str], dict[str, Any]]:
    return lambda name: exact((SHOPIFY / name).read_bytes())


@pytest.fixture(scope="session")
def cassette_bodies() -> Callable[[str], list[bytes]]:
    """The response bodies of one recorded QBO sandbox exchange (VCR cassette), in order."""

    def bodies(name: str) -> list[bytes]:
        with (CASSETTES / name).open() as cassette:
            recorded = yaml.load(cassette, Loader=yaml.CSafeLoader)
        return [i["response"]["body"]["string"].encode() for i in recorded["http_interactions"]]

    return bodies


@pytest.fixture(scope="session")
def airbyte_records() -> dict[tuple[str, str], dict[str, Any]]:
    """QBO sandbox entities recorded by Airbyte, by (entity, Id), without Airbyte's cursor."""
    records = {}
    path = QUICKBOOKS / "airbyte-sandbox-records" / "expected_records.subset.jsonl"
    for line in path.read_text().splitlines():
        row = exact(line)
        if row["stream"] in AIRBYTE_STREAMS:
            entity = row["data"]
            entity.pop("airbyte_cursor")
            records[(AIRBYTE_STREAMS[row["stream"]], entity["Id"])] = entity
    return records


@pytest.fixture
def qbo_record(airbyte_records) -> Callable[[str, str], dict[str, Any]]:
    return lambda entity, id_: copy.deepcopy(airbyte_records[(entity, id_)])
