"""The Stripe sandbox lists as Stripe does: newest first, cursors that visit every object once,
filters on dates, payouts and types, and Stripe's refusals for bad parameters."""

from __future__ import annotations

import copy
from functools import partial

import httpx
import pytest

from sandbox.servers import Sandbox

# only the server under test: starting and stopping all four for every test is slow
open_sandbox = partial(Sandbox, vendors=("stripe",))


HTTP = httpx.Client(timeout=10)  # one client: a new one per call costs ~0.1 s of TLS setup


def charge(i: int, created: int) -> dict:
    return {
        "id": f"ch_{i:04d}",
        "object": "charge",
        "amount": 1000 + i,
        "currency": "usd",
        "created": created,
    }


def txn(i: int, type_: str, created: int) -> dict:
    return {
        "id": f"txn_{i:04d}",
        "object": "balance_transaction",
        "type": type_,
        "created": created,
        "amount": 100,
        "currency": "usd",
    }


class Data:
    def __init__(self) -> None:
        # 37 charges, several sharing one second: ties are broken by id, as Stripe does
        charges = [charge(i, 1_700_000_000 + 10 * (i // 3)) for i in range(37)]
        txns = [txn(i, "charge" if i % 4 else "refund", 1_700_000_000 + i) for i in range(20)]
        payouts = [
            {
                "id": f"po_{i}",
                "object": "payout",
                "created": 1_700_000_000 + 1000 * i,
                "arrival_date": 1_700_100_000 + 86_400 * i,
                "amount": 5,
                "currency": "usd",
            }
            for i in range(4)
        ]
        self.stripe = {"charges": charges, "balance_transactions": txns, "payouts": payouts}
        self.stripe_payout_members = {"po_1": ["txn_0001", "txn_0002", "txn_0003"]}


@pytest.fixture(scope="module")
def sandbox():
    with open_sandbox(Data()) as sb:
        yield sb


def get(sb: Sandbox, path: str, **params: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {sb.credentials.stripe_api_key}"}
    return HTTP.get(sb.urls["stripe"] + path, params=params, headers=headers)


def walk(sb: Sandbox, path: str, **params: object) -> list[str]:
    ids, cursor = [], {}
    while True:
        body = get(sb, path, limit=7, **params, **cursor).json()
        ids += [o["id"] for o in body["data"]]
        if not body["has_more"]:
            return ids
        cursor = {"starting_after": body["data"][-1]["id"]}


def test_starting_after_visits_every_charge_once_newest_first(sandbox):
    ids = walk(sandbox, "/v1/charges")
    objects = {o["id"]: o for o in Data().stripe["charges"]}
    assert sorted(ids) == sorted(objects)
    keys = [(objects[i]["created"], i) for i in ids]
    assert keys == sorted(keys, reverse=True)


def test_ending_before_pages_back_towards_the_newest(sandbox):
    forward = walk(sandbox, "/v1/charges")
    back, cursor = [], forward[-1]
    while True:
        body = get(sandbox, "/v1/charges", limit=5, ending_before=cursor).json()
        back = [o["id"] for o in body["data"]] + back
        if not body["has_more"]:
            break
        cursor = body["data"][0]["id"]
    assert back == forward[:-1]


def test_created_range_filter(sandbox):
    ids = walk(
        sandbox, "/v1/charges", **{"created[gte]": 1_700_000_030, "created[lt]": 1_700_000_060}
    )
    assert sorted(ids) == [f"ch_{i:04d}" for i in range(9, 18)]


def test_payout_and_type_filters_on_balance_transactions(sandbox):
    assert sorted(walk(sandbox, "/v1/balance_transactions", payout="po_1")) == [
        "txn_0001",
        "txn_0002",
        "txn_0003",
    ]
    refunds = walk(sandbox, "/v1/balance_transactions", type="refund")
    assert sorted(refunds) == [f"txn_{i:04d}" for i in range(0, 20, 4)]


def test_payouts_filter_on_arrival_date(sandbox):
    ids = walk(sandbox, "/v1/payouts", **{"arrival_date[gte]": 1_700_186_400})
    assert sorted(ids) == ["po_1", "po_2", "po_3"]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"colour": "red"}, "colour"),
        ({"starting_after": "ch_nope"}, "starting_after"),
    ],
)
def test_bad_parameters_are_refused_naming_the_parameter(sandbox, params, param):
    response = get(sandbox, "/v1/charges", **params)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_missing_key_and_unknown_url(sandbox):
    assert HTTP.get(sandbox.urls["stripe"] + "/v1/charges").status_code == 401
    unknown = get(sandbox, "/v1/customers_nope")
    assert (
        unknown.status_code == 404
        and "Unrecognized request URL" in unknown.json()["error"]["message"]
    )


def test_basic_auth_with_the_key_as_user_is_accepted(sandbox):
    response = HTTP.get(
        sandbox.urls["stripe"] + "/v1/payouts", auth=(sandbox.credentials.stripe_api_key, "")
    )
    assert response.status_code == 200


def test_changes_to_the_state_are_served(sandbox):
    extra = copy.deepcopy(Data().stripe["charges"][0]) | {"id": "ch_late", "created": 1_800_000_000}
    sandbox.stripe.add("charges", extra)
    assert get(sandbox, "/v1/charges", limit=1).json()["data"][0]["id"] == "ch_late"
    assert get(sandbox, "/v1/charges/ch_late").status_code == 200
