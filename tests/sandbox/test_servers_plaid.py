"""The Plaid sandbox's `/transactions/sync` follows Plaid's cursor contract: an empty cursor
starts at the beginning, pages visit every update once, a later call returns only what changed,
pending → posted is a removal plus an addition, and data changing mid-pagination is refused."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import httpx
import pytest

from sandbox.faults import Fault, FaultPlan
from sandbox.servers import Sandbox

# only the server under test: starting and stopping all four for every test is slow
open_sandbox = partial(Sandbox, vendors=("plaid",))


HTTP = httpx.Client(timeout=10)  # one client: a new one per call costs ~0.1 s of TLS setup


def txn(i: int, pending: bool = False) -> dict:
    return {
        "transaction_id": f"t{i:04d}",
        "account_id": "acc1",
        "amount": Decimal(f"{i}.50"),
        "iso_currency_code": "USD",
        "date": f"2024-05-{1 + i % 28:02d}",
        "name": f"Purchase {i}",
        "pending": pending,
        "pending_transaction_id": None,
    }


class Data:
    def __init__(self, n: int) -> None:
        self.plaid_transactions = [txn(i) for i in range(n)]


def serve(n: int = 12, *faults: Fault) -> Sandbox:
    return open_sandbox(Data(n), faults=FaultPlan(faults=list(faults)))


def sync(sb: Sandbox, cursor: str = "", count: int = 5, **extra: object) -> httpx.Response:
    c = sb.credentials
    body = {
        "client_id": c.plaid_client_id,
        "secret": c.plaid_secret,
        "access_token": c.plaid_access_token,
    }
    return HTTP.post(
        sb.urls["plaid"] + "/transactions/sync",
        json={**body, "cursor": cursor, "count": count, **extra},
    )


def drain(sb: Sandbox, cursor: str = "", count: int = 5) -> tuple[dict[str, list], str]:
    """Every update from `cursor` on, restarting the update on a mutation error as Plaid says."""
    seen: dict[str, list] = {"added": [], "modified": [], "removed": []}
    start = cursor
    while True:
        response = sync(sb, cursor, count)
        if (
            response.status_code == 400
            and response.json()["error_code"] == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
        ):
            seen, cursor = {"added": [], "modified": [], "removed": []}, start
            continue
        body = response.json()
        for kind in seen:
            seen[kind] += [t["transaction_id"] for t in body[kind]]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return seen, cursor


def test_first_sync_pages_through_every_transaction_once():
    with serve(12) as sb:
        seen, _ = drain(sb, count=5)
        assert sorted(seen["added"]) == [f"t{i:04d}" for i in range(12)]
        assert sb.hosts["plaid"].requests("/transactions/sync") == 3


def test_amounts_keep_plaids_sign_and_exact_decimals():
    with serve(3) as sb:
        added = sync(sb, count=3).json(parse_float=Decimal)["added"]
        assert [t["amount"] for t in added] == [Decimal("0.50"), Decimal("1.50"), Decimal("2.50")]


def test_a_later_call_returns_only_what_changed():
    with serve(6) as sb:
        _, cursor = drain(sb)
        assert drain(sb, cursor) == ({"added": [], "modified": [], "removed": []}, cursor)
        sb.plaid.add(txn(50))
        sb.plaid.modify("t0001", name="Renamed")
        sb.plaid.remove("t0002")
        seen, _ = drain(sb, cursor)
        assert seen == {"added": ["t0050"], "modified": ["t0001"], "removed": ["t0002"]}


def test_pending_becoming_posted_is_a_removal_and_an_addition():
    with open_sandbox(type("D", (), {"plaid_transactions": [txn(1, pending=True)]})()) as sb:
        _, cursor = drain(sb)
        sb.plaid.post_pending("t0001", "t0001-posted", date="2024-05-04")
        body = sync(sb, cursor).json()
        assert body["removed"] == [{"transaction_id": "t0001", "account_id": "acc1"}]
        [posted] = body["added"]
        assert (posted["transaction_id"], posted["pending"], posted["pending_transaction_id"]) == (
            "t0001-posted",
            False,
            "t0001",
        )


def test_added_then_removed_before_the_client_saw_it_is_not_reported():
    with serve(2) as sb:
        _, cursor = drain(sb)
        sb.plaid.add(txn(9))
        sb.plaid.remove("t0009")
        assert drain(sb, cursor)[0] == {"added": [], "modified": [], "removed": []}


def test_data_changing_between_pages_is_refused_with_plaids_error():
    with serve(10) as sb:
        first = sync(sb, count=4).json()
        sb.plaid.add(txn(77))
        response = sync(sb, first["next_cursor"], count=4)
        assert response.status_code == 400
        assert response.json()["error_type"] == "TRANSACTIONS_ERROR"
        assert response.json()["error_code"] == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"


def test_mutation_fault_makes_the_client_restart_and_still_see_everything_once():
    with serve(10, Fault(kind="plaid_mutation", server="plaid", times=1)) as sb:
        seen, _ = drain(sb, count=4)
        assert sorted(seen["added"]) == [f"t{i:04d}" for i in range(10)]
        assert sb.faults.fired("plaid_mutation") == 1
        assert sb.hosts["plaid"].requests("/transactions/sync") > 3


def test_now_cursor_skips_history():
    with serve(4) as sb:
        body = sync(sb, "now").json()
        assert (body["added"], body["has_more"]) == ([], False)
        sb.plaid.add(txn(8))
        assert drain(sb, body["next_cursor"])[0]["added"] == ["t0008"]


def test_credentials_in_headers_are_accepted():
    with serve(1) as sb:
        c = sb.credentials
        headers = {"PLAID-CLIENT-ID": c.plaid_client_id, "PLAID-SECRET": c.plaid_secret}
        response = HTTP.post(
            sb.urls["plaid"] + "/transactions/sync",
            json={"access_token": c.plaid_access_token},
            headers=headers,
        )
        assert response.status_code == 200 and len(response.json()["added"]) == 1


@pytest.mark.parametrize("body", [{}, {"client_id": "x"}])
def test_missing_credentials_are_named(body):
    with serve(1) as sb:
        response = HTTP.post(sb.urls["plaid"] + "/transactions/sync", json=body)
        assert response.status_code == 400
        assert response.json()["error_code"] == "MISSING_FIELDS"
        assert "secret" in response.json()["error_message"]


def test_rate_limit_fault_uses_plaids_envelope():
    with serve(1, Fault(kind="rate_limit", server="plaid", times=1)) as sb:
        response = sync(sb)
        assert response.status_code == 429
        assert response.json()["error_type"] == "RATE_LIMIT_EXCEEDED"
        assert sync(sb).status_code == 200


def test_generators_later_changes_are_in_the_log():
    """`plaid_modified` replaces a transaction's content; `plaid_removed` of one never served is
    still reported as removed (as in the recorded pages the generator writes)."""
    data = Data(3)
    data.plaid_modified = [txn(1) | {"name": "Corrected"}]
    data.plaid_removed = [{"transaction_id": "gone-before", "account_id": "acc1"}]
    with open_sandbox(data) as sb:
        body = sync(sb, count=10).json()
        assert {t["transaction_id"]: t["name"] for t in body["added"]}["t0001"] == "Corrected"
        assert body["modified"] == []
        assert body["removed"] == [{"transaction_id": "gone-before", "account_id": "acc1"}]
