"""Plaid `/transactions/sync` responses and error bodies from the sandbox are valid against
Plaid's OpenAPI spec, and plaid-python parses them into its models."""

from __future__ import annotations

import copy
from decimal import Decimal
from functools import partial

import httpx
import plaid
import pytest
from openapi_schema_validator import OAS30Validator
from plaid.api import plaid_api
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.transactions_sync_request_options import TransactionsSyncRequestOptions
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from sandbox.generator import generate
from sandbox.servers import Sandbox
from tests.vendor_files import VENDOR, nullable_fix, parsed_spec

# only the server under test: starting and stopping all four for every test is slow
open_sandbox = partial(Sandbox, vendors=("plaid",))


HTTP = httpx.Client(timeout=10)  # one client: a new one per call costs ~0.1 s of TLS setup

SPEC = VENDOR / "plaid/openapi/2020-09-14.yml"


@pytest.fixture(scope="module")
def spec(request) -> dict:
    return parsed_spec(request, SPEC)


@pytest.fixture(scope="module")
def registry(spec) -> Registry:
    fixed = copy.deepcopy(spec)
    nullable_fix(fixed)
    return Registry().with_resource(
        "urn:plaid", Resource.from_contents(fixed, default_specification=DRAFT4)
    )


def validate(registry: Registry, schema: str, body: object) -> None:
    validator = OAS30Validator(
        {"$ref": f"urn:plaid#/components/schemas/{schema}"}, registry=registry
    )
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(body)]
    assert not errors, errors[:5]


def transactions(spec: dict, n: int = 23) -> list[dict]:
    """Copies of the spec's own example transaction, with distinct ids, dates and amounts."""
    example = spec["paths"]["/transactions/sync"]["post"]["responses"]["200"]["content"][
        "application/json"
    ]["examples"]["example-1"]["value"]["added"][0]
    out = []
    for i in range(n):
        txn = copy.deepcopy(example)
        txn.update(
            transaction_id=f"txn{i:05d}",
            amount=Decimal(f"{10 + i}.25"),
            date=f"2024-03-{1 + i % 28:02d}",
        )
        txn["account_id"] = "acc_checking" if i % 3 else "acc_savings"
        out.append(txn)
    return out


class Data:
    def __init__(self, txns: list[dict]) -> None:
        self.plaid_transactions = txns


@pytest.fixture(scope="module")
def sandbox(spec):
    with open_sandbox(Data(transactions(spec))) as sb:
        yield sb


def sync(sb: Sandbox, **body: object) -> httpx.Response:
    c = sb.credentials
    payload = {
        "client_id": c.plaid_client_id,
        "secret": c.plaid_secret,
        "access_token": c.plaid_access_token,
        **body,
    }
    return HTTP.post(sb.urls["plaid"] + "/transactions/sync", json=payload)


def test_sync_response_matches_the_spec(sandbox, registry):
    response = sync(sandbox, count=5)
    assert response.status_code == 200
    body = response.json()
    assert len(body["added"]) == 5 and body["has_more"] is True
    validate(registry, "TransactionsSyncResponse", body)


def test_removed_and_modified_match_the_spec(spec, registry):
    with open_sandbox(Data(transactions(spec, 4))) as sb:
        cursor = sync(sb).json()["next_cursor"]
        sb.plaid.modify("txn00001", amount=Decimal("99.99"))
        sb.plaid.remove("txn00002")
        body = sync(sb, cursor=cursor).json()
        assert [t["transaction_id"] for t in body["modified"]] == ["txn00001"]
        assert body["removed"] == [{"transaction_id": "txn00002", "account_id": "acc_checking"}]
        validate(registry, "TransactionsSyncResponse", body)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"secret": "wrong"}, "INVALID_API_KEYS"),
        ({"access_token": "access-sandbox-wrong"}, "INVALID_ACCESS_TOKEN"),
        ({"count": 501}, "INVALID_FIELD"),
        ({"cursor": "not-a-cursor"}, "INVALID_FIELD"),
    ],
)
def test_errors_match_the_spec(sandbox, registry, change, code):
    response = sync(sandbox, **change)
    assert response.status_code == 400
    assert response.json()["error_code"] == code
    validate(registry, "PlaidError", response.json())


def plaid_api_for(sb: Sandbox, secret: str | None = None) -> plaid_api.PlaidApi:
    c = sb.credentials
    config = plaid.Configuration(
        host=sb.urls["plaid"],
        api_key={"clientId": c.plaid_client_id, "secret": secret or c.plaid_secret},
    )
    return plaid_api.PlaidApi(plaid.ApiClient(config))


def test_plaid_python_pages_through_every_transaction(sandbox):
    api, cursor, seen = plaid_api_for(sandbox), "", []
    while True:
        response = api.transactions_sync(
            TransactionsSyncRequest(
                access_token=sandbox.credentials.plaid_access_token, cursor=cursor, count=10
            )
        )
        seen += [t.transaction_id for t in response.added]
        cursor = response.next_cursor
        if not response.has_more:
            break
    assert sorted(seen) == [f"txn{i:05d}" for i in range(23)]
    assert response.accounts[0].balances.iso_currency_code == "USD"


def test_plaid_python_sends_the_account_filter(sandbox):
    options = TransactionsSyncRequestOptions(account_id="acc_savings")
    response = plaid_api_for(sandbox).transactions_sync(
        TransactionsSyncRequest(
            access_token=sandbox.credentials.plaid_access_token, options=options, count=500
        )
    )
    assert {t.account_id for t in response.added} == {"acc_savings"}
    assert len(response.added) == 8


def test_plaid_python_raises_with_plaids_error_code(sandbox):
    with pytest.raises(plaid.ApiException) as raised:
        plaid_api_for(sandbox, secret="wrong").transactions_sync(
            TransactionsSyncRequest(access_token=sandbox.credentials.plaid_access_token)
        )
    assert raised.value.status == 400
    assert '"INVALID_API_KEYS"' in raised.value.body


def test_generated_month_validates_page_by_page_and_parses(registry):
    data = generate(seed=5, orders=40)
    with open_sandbox(data) as sb:
        cursor, pages, seen = "", 0, []
        while True:
            body = sync(sb, cursor=cursor, count=7).json()
            validate(registry, "TransactionsSyncResponse", body)
            seen += [t["transaction_id"] for t in body["added"]]
            cursor, pages = body["next_cursor"], pages + 1
            if not body["has_more"]:
                break
        assert sorted(seen) == sorted(t["transaction_id"] for t in data.plaid_transactions)
        assert pages == -(-len(seen) // 7)
        api = plaid_api_for(sb)
        request = TransactionsSyncRequest(access_token=sb.credentials.plaid_access_token, count=500)
        parsed = api.transactions_sync(request)
        assert len(parsed.added) == len(seen) and not parsed.has_more
        assert [a.account_id for a in parsed.accounts] == [
            a["account_id"] for a in data.plaid_accounts
        ]
