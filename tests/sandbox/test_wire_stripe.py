"""Every Stripe response the sandbox serves is valid against Stripe's OpenAPI spec, and the
official `stripe` SDK parses it into the right objects."""

from __future__ import annotations

import copy
import json
from functools import partial

import httpx
import pytest
import stripe
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from sandbox.generator import generate
from sandbox.servers import Sandbox
from tests.vendor_files import VENDOR, nullable_fix, parsed_spec

# only the server under test: starting and stopping all four for every test is slow
open_sandbox = partial(Sandbox, vendors=("stripe",))


HTTP = httpx.Client(timeout=10)  # one client: a new one per call costs ~0.1 s of TLS setup

STRIPE_DIR = VENDOR / "stripe"
LISTS = ["charges", "refunds", "balance_transactions", "payouts"]


@pytest.fixture(scope="module")
def registry(request) -> Registry:
    spec = parsed_spec(request, STRIPE_DIR / "spec3.yaml")
    nullable_fix(spec)
    return Registry().with_resource(
        "urn:stripe", Resource.from_contents(spec, default_specification=DRAFT4)
    )


def validate(registry: Registry, pointer: str, body: object) -> None:
    validator = OAS30Validator({"$ref": f"urn:stripe#{pointer}"}, registry=registry)
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(body)]
    assert not errors, errors[:5]


def stripe_objects(n: int = 12) -> tuple[dict, dict]:
    """Hand-made objects cloned from Stripe's own fixtures (the generator's shapes)."""
    fixtures = json.loads((STRIPE_DIR / "fixtures3.json").read_text())["resources"]
    out: dict[str, list] = {name: [] for name in LISTS}
    for i in range(n):
        charge = copy.deepcopy(fixtures["charge"]) | {
            "id": f"ch_{i:04d}",
            "created": 1_700_000_000 + 60 * i,
        }
        charge["balance_transaction"] = f"txn_ch{i:04d}"
        txn = copy.deepcopy(fixtures["balance_transaction"]) | {
            "id": f"txn_ch{i:04d}",
            "source": charge["id"],
            "created": charge["created"],
        }
        out["charges"].append(charge)
        out["balance_transactions"].append(txn)
    refund = copy.deepcopy(fixtures["refund"]) | {
        "id": "re_0001",
        "charge": "ch_0003",
        "created": 1_700_000_500,
    }
    out["refunds"].append(refund)
    payout = copy.deepcopy(fixtures["payout"]) | {
        "id": "po_0001",
        "created": 1_700_001_000,
        "arrival_date": 1_700_090_000,
        "balance_transaction": "txn_po0001",
    }
    out["payouts"].append(payout)
    members = {"po_0001": [f"txn_ch{i:04d}" for i in range(5)]}
    return out, members


class FixtureData:
    def __init__(self) -> None:
        self.stripe, self.stripe_payout_members = stripe_objects()


@pytest.fixture(scope="module", params=["fixtures", "generated"])
def sandbox(request):
    """Served twice: Stripe's own fixture objects, and the business generator's month."""
    data = FixtureData() if request.param == "fixtures" else generate(seed=3, orders=30)
    with open_sandbox(data) as sb:
        yield sb


def get(sb: Sandbox, path: str, key: str | None = None, **params: object) -> httpx.Response:
    key = key or sb.credentials.stripe_api_key
    return HTTP.get(
        sb.urls["stripe"] + path, params=params, headers={"Authorization": f"Bearer {key}"}
    )


@pytest.mark.parametrize("resource", LISTS)
def test_every_list_page_matches_the_spec(sandbox, registry, resource):
    pointer = f"/paths/~1v1~1{resource}/get/responses/200/content/application~1json/schema"
    cursor: dict[str, str] = {}
    while True:
        response = get(sandbox, f"/v1/{resource}", limit=100, **cursor)
        assert response.status_code == 200
        body = response.json()
        assert body["data"], "the sandbox served an empty list; nothing was validated"
        validate(registry, pointer, body)
        if not body["has_more"]:
            break
        cursor = {"starting_after": body["data"][-1]["id"]}


@pytest.mark.parametrize("resource", LISTS)
def test_single_object_matches_the_spec(sandbox, registry, resource):
    first = get(sandbox, f"/v1/{resource}", limit=1).json()["data"][0]
    response = get(sandbox, f"/v1/{resource}/{first['id']}")
    assert response.status_code == 200
    validate(registry, f"/components/schemas/{first['object']}", response.json())


def test_errors_match_the_spec(sandbox, registry):
    unauthorized = get(sandbox, "/v1/charges", key="sk_test_wrong")
    missing = get(sandbox, "/v1/charges/ch_nope")
    bad_limit = get(sandbox, "/v1/charges", limit=101)
    assert (unauthorized.status_code, missing.status_code, bad_limit.status_code) == (401, 404, 400)
    for response in (unauthorized, missing, bad_limit):
        validate(registry, "/components/schemas/error", response.json())
    assert missing.json()["error"]["code"] == "resource_missing"
    assert bad_limit.json()["error"]["param"] == "limit"


def test_sdk_parses_every_list_and_object(sandbox):
    client = stripe.StripeClient(
        sandbox.credentials.stripe_api_key, base_addresses={"api": sandbox.urls["stripe"]}
    )
    services = {
        "charges": (client.v1.charges, stripe.Charge),
        "refunds": (client.v1.refunds, stripe.Refund),
        "balance_transactions": (client.v1.balance_transactions, stripe.BalanceTransaction),
        "payouts": (client.v1.payouts, stripe.Payout),
    }
    for resource, (service, kind) in services.items():
        objects = list(service.list(params={"limit": 5}).auto_paging_iter())
        assert objects and all(isinstance(o, kind) for o in objects)
        assert len(objects) == len(sandbox.stripe.lists[resource])
        assert isinstance(service.retrieve(objects[0].id), kind)


def test_sdk_sees_a_bad_key_as_an_authentication_error(sandbox):
    client = stripe.StripeClient("sk_test_wrong", base_addresses={"api": sandbox.urls["stripe"]})
    with pytest.raises(stripe.AuthenticationError):
        client.v1.charges.list()


def test_sdk_expands_the_balance_transaction_source(sandbox):
    client = stripe.StripeClient(
        sandbox.credentials.stripe_api_key, base_addresses={"api": sandbox.urls["stripe"]}
    )
    payout, members = next((p, m) for p, m in sandbox.stripe.payout_members.items() if m)
    page = client.v1.balance_transactions.list(
        params={"payout": payout, "expand": ["data.source"], "limit": 100}
    )
    assert {t.id for t in page.data} == members
    sources = {t.source.id: t.source for t in page.data if t.source is not None}
    assert sources, "no balance transaction of the payout has a source to expand"
    assert all(s.object in ("charge", "refund", "payout") for s in sources.values())
