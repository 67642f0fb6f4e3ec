"""The Shopify sandbox lists orders and customers as Shopify's REST Admin API does (Link-header
cursors, filters on the first request only), takes order updates and metafields for write-back,
and enforces the access token and the leaky-bucket rate limit."""

from __future__ import annotations

import re
from functools import partial

import httpx
import pytest

from sandbox.servers import Sandbox

# only the server under test: starting and stopping all four for every test is slow
open_sandbox = partial(Sandbox, vendors=("shopify",))


HTTP = httpx.Client(timeout=10)  # one client: a new one per call costs ~0.1 s of TLS setup

VERSION = "2024-10"


def order(i: int, *, closed: bool = False) -> dict:
    created = f"2024-04-{1 + i % 28:02d}T09:{i % 60:02d}:00-04:00"
    return {
        "id": 5_000_000 + i,
        "name": f"#{1000 + i}",
        "email": f"c{i}@example.com",
        "created_at": created,
        "updated_at": created,
        "closed_at": "2024-05-01T00:00:00-04:00" if closed else None,
        "cancelled_at": None,
        "financial_status": "paid" if i % 2 else "refunded",
        "fulfillment_status": None,
        "currency": "USD",
        "total_price": f"{10 + i}.00",
        "note": None,
        "tags": "",
    }


class Data:
    def __init__(self, n: int = 23) -> None:
        self.shopify = {
            "orders": [order(i, closed=i % 5 == 0) for i in range(n)],
            "customers": [
                {
                    "id": 700 + i,
                    "email": f"c{i}@example.com",
                    "created_at": "2024-01-01T00:00:00Z",
                    "updated_at": "2024-01-01T00:00:00Z",
                }
                for i in range(4)
            ],
        }


@pytest.fixture(scope="module")
def sandbox():
    with open_sandbox(Data()) as sb:
        yield sb


def call(sb: Sandbox, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
    url = path if path.startswith("http") else f"{sb.urls['shopify']}/admin/api/{VERSION}/{path}"
    headers = {"X-Shopify-Access-Token": token or sb.credentials.shopify_access_token}
    return HTTP.request(method, url, headers=headers, **kwargs)


def links(response: httpx.Response) -> dict[str, str]:
    return {
        rel: url
        for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))
    }


def walk(sb: Sandbox, **params) -> tuple[list[int], list[httpx.Response]]:
    responses = [call(sb, "GET", "orders.json", params=params)]
    while "next" in links(responses[-1]):
        responses.append(call(sb, "GET", links(responses[-1])["next"]))
    return [o["id"] for r in responses for o in r.json()["orders"]], responses


def test_link_header_pages_visit_every_order_once_newest_first(sandbox):
    ids, responses = walk(sandbox, status="any", limit=5)
    assert ids == sorted((o["id"] for o in Data().shopify["orders"]), reverse=True)
    assert len(responses) == 5 and "previous" not in links(responses[0])
    assert "page_info=" in links(responses[0])["next"] and "limit=5" in links(responses[0])["next"]


def test_previous_links_walk_back(sandbox):
    ids, responses = walk(sandbox, status="any", limit=5)
    back = call(sandbox, "GET", links(responses[2])["previous"]).json()["orders"]
    assert [o["id"] for o in back] == ids[5:10]


def test_default_status_is_open_and_any_includes_closed(sandbox):
    open_ids, _ = walk(sandbox, limit=250)
    assert len(open_ids) == 23 - 5
    assert call(sandbox, "GET", "orders/count.json", params={"status": "any"}).json() == {
        "count": 23
    }


def test_date_filters_compare_instants_across_offsets(sandbox):
    ids, _ = walk(
        sandbox,
        status="any",
        created_at_min="2024-04-10T13:00:00Z",
        created_at_max="2024-04-12T23:59:59-04:00",
    )
    assert sorted(ids) == [5_000_009, 5_000_010, 5_000_011]


def test_page_info_refuses_other_filters(sandbox):
    first = call(sandbox, "GET", "orders.json", params={"status": "any", "limit": 5})
    token = re.search(r"page_info=([^&>]+)", links(first)["next"]).group(1)
    refused = call(sandbox, "GET", "orders.json", params={"page_info": token, "status": "any"})
    assert refused.status_code == 400 and "page_info" in refused.json()["errors"]
    assert call(
        sandbox, "GET", "orders.json", params={"page_info": token, "limit": 2, "fields": "id,name"}
    ).json()["orders"][0].keys() == {"id", "name"}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 251},
        {"limit": 0},
        {"page_info": "garbage"},
        {"colour": "red"},
        {"created_at_min": "yesterday"},
    ],
)
def test_bad_parameters_are_refused(sandbox, params):
    assert call(sandbox, "GET", "orders.json", params=params).status_code == 400


def test_wrong_token_gets_shopifys_401(sandbox):
    response = call(sandbox, "GET", "orders.json", token="shpat_wrong")
    assert response.status_code == 401
    assert response.json()["errors"].startswith("[API] Invalid API key or access token")


def test_unknown_version_or_path_is_404(sandbox):
    assert (
        call(sandbox, "GET", f"{sandbox.urls['shopify']}/admin/api/latest/orders.json").status_code
        == 404
    )
    assert call(sandbox, "GET", "widgets.json").status_code == 404


def test_put_order_updates_note_and_tags_and_bumps_updated_at(sandbox):
    oid = 5_000_003
    assert oid not in walk(sandbox, status="any", updated_at_min="2025-01-01T00:00:00Z")[0]
    response = call(
        sandbox,
        "PUT",
        f"orders/{oid}.json",
        json={
            "order": {
                "id": oid,
                "note": "Refund checked",
                "tags": "accord-reviewed",
                "total_price": "0.00",
            }
        },
    )
    assert response.status_code == 200
    updated = call(sandbox, "GET", f"orders/{oid}.json").json()["order"]
    assert (updated["note"], updated["tags"], updated["total_price"]) == (
        "Refund checked",
        "accord-reviewed",
        "13.00",
    )
    assert updated["updated_at"] > "2024-05"
    assert oid in walk(sandbox, status="any", updated_at_min="2025-01-01T00:00:00Z")[0]


def test_metafields_are_created_once_per_namespace_and_key(sandbox):
    field = {
        "namespace": "accord",
        "key": "correction",
        "value": "c-123",
        "type": "single_line_text_field",
    }
    created = call(sandbox, "POST", "orders/5000004/metafields.json", json={"metafield": field})
    assert created.status_code == 201 and created.json()["metafield"]["owner_id"] == 5_000_004
    assert (
        call(
            sandbox, "POST", "orders/5000004/metafields.json", json={"metafield": field}
        ).status_code
        == 422
    )
    assert (
        call(
            sandbox,
            "POST",
            "orders/5000004/metafields.json",
            json={"metafield": {"namespace": "a"}},
        ).status_code
        == 422
    )
    assert [
        m["value"]
        for m in call(sandbox, "GET", "orders/5000004/metafields.json").json()["metafields"]
    ] == ["c-123"]


def test_missing_order_is_404(sandbox):
    assert call(sandbox, "GET", "orders/1.json").status_code == 404
    assert call(sandbox, "PUT", "orders/1.json", json={"order": {"note": "x"}}).status_code == 404


def test_leaky_bucket_fills_then_throttles_with_retry_after():
    with open_sandbox(Data(2), shopify_bucket=(3, 0.5)) as sb:
        responses = [call(sb, "GET", "customers.json") for _ in range(4)]
        assert [r.status_code for r in responses] == [200, 200, 200, 429]
        assert [r.headers["x-shopify-shop-api-call-limit"] for r in responses[:3]] == [
            "1/3",
            "2/3",
            "3/3",
        ]
        assert 1.5 <= float(responses[3].headers["retry-after"]) <= 2.0  # one unit leaks at 0.5/s
        assert responses[3].json()["errors"].startswith("Exceeded 2 calls per second")


def test_orders_put_by_a_test_are_served():
    with open_sandbox(Data(1)) as sb:
        since = {"updated_at_min": "2024-05-31T00:00:00Z"}
        assert call(sb, "GET", "orders.json", params=since).json()["orders"] == []
        sb.shopify.put("orders", order(99) | {"updated_at": "2024-06-01T00:00:00Z"})
        changed = call(
            sb, "GET", "orders.json", params={"updated_at_min": "2024-05-31T00:00:00Z"}
        ).json()
        assert [o["id"] for o in changed["orders"]] == [5_000_099]
