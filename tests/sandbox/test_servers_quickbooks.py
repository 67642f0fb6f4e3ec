"""The QuickBooks Online sandbox answers QBO's query language, reads and writes entities with
SyncToken concurrency and requestid idempotency, and runs Intuit's OAuth: expiring access
tokens, rotating refresh tokens, and a throttle."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import partial

import httpx
import pytest

from sandbox.servers import Sandbox

# only the server under test: starting and stopping all four for every test is slow
open_sandbox = partial(Sandbox, vendors=("quickbooks",))


HTTP = httpx.Client(timeout=10)  # one client: a new one per call costs ~0.1 s of TLS setup


def invoice(i: int, updated: str, *, amount: str = "100.00") -> dict:
    return {
        "Id": str(i),
        "SyncToken": "0",
        "domain": "QBO",
        "sparse": False,
        "DocNumber": f"10{i:02d}",
        "TxnDate": f"2024-03-{i:02d}",
        "TotalAmt": amount,
        "CustomerRef": {"value": str(i % 3 + 1), "name": f"C{i % 3 + 1}"},
        "MetaData": {"CreateTime": "2024-03-01T08:00:00-08:00", "LastUpdatedTime": updated},
    }


class Data:
    def __init__(self) -> None:
        invoices = [invoice(i, f"2024-03-{i:02d}T10:00:00-08:00") for i in range(1, 13)]
        customers = [
            {
                "Id": "1",
                "SyncToken": "0",
                "DisplayName": "Ada",
                "Active": True,
                "MetaData": {"LastUpdatedTime": "2024-01-01T00:00:00-08:00"},
            },
            {
                "Id": "2",
                "SyncToken": "0",
                "DisplayName": "Bo",
                "Active": False,
                "MetaData": {"LastUpdatedTime": "2024-01-01T00:00:00-08:00"},
            },
        ]
        items = [
            {"Id": i, "SyncToken": "0", "Name": name, "Active": True, "Type": "Service", **sku}
            for i, name, sku in (("1", "Sales", {}), ("7", "Installation", {"Sku": "INST-7"}))
        ]
        self.quickbooks = {"Invoice": invoices, "Customer": customers, "Item": items}


class Client:
    """A bare HTTP client doing what an SDK does: refresh, then Bearer calls."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb, self.base = sb, f"{sb.urls['quickbooks']}/v3/company/{sb.credentials.qbo_realm_id}"
        self.refresh_token = sb.credentials.qbo_refresh_token
        self.access_token = self.refresh().json()["access_token"]

    def refresh(
        self, refresh_token: str | None = None, secret: str | None = None
    ) -> httpx.Response:
        c = self.sb.credentials
        response = HTTP.post(
            self.sb.urls["quickbooks"] + "/oauth2/v1/tokens/bearer",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token or self.refresh_token,
            },
            auth=(c.qbo_client_id, secret or c.qbo_client_secret),
        )
        if response.status_code == 200:
            self.refresh_token = response.json()["refresh_token"]
        return response

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.access_token}", "Accept": "application/json"}
        return HTTP.request(method, self.base + path, headers=headers, **kwargs)

    def query(self, text: str) -> httpx.Response:
        return self.call("GET", "/query", params={"query": text, "minorversion": "75"})


@pytest.fixture
def qbo():
    with open_sandbox(Data()) as sb:
        yield Client(sb)


def ids(response: httpx.Response, entity: str = "Invoice") -> list[str]:
    return [r["Id"] for r in response.json()["QueryResponse"].get(entity, [])]


def exact(response: httpx.Response) -> dict:
    """The body with exact decimals, as a client reading money must parse it."""
    return json.loads(response.content, parse_float=Decimal)


def test_last_updated_filter_compares_instants_and_pages_every_record_once(qbo):
    since = "2024-03-05T17:00:00Z"  # = 09:00-08:00, before the 5th's 10:00-08:00
    seen, start = [], 1
    while True:
        page = qbo.query(
            f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '{since}' ORDERBY MetaData.LastUpdatedTime STARTPOSITION {start} MAXRESULTS 3"
        )
        assert page.status_code == 200
        body = page.json()["QueryResponse"]
        if not body:
            break
        assert body["startPosition"] == start and body["maxResults"] == len(body["Invoice"])
        seen += ids(page)
        start += 3
    assert seen == [str(i) for i in range(5, 13)]
    count = qbo.query(f"select count(*) from Invoice where MetaData.LastUpdatedTime >= '{since}'")
    assert count.json()["QueryResponse"] == {"totalCount": 8}


def test_conditions_in_orderby_desc_and_reference_fields(qbo):
    response = qbo.query(
        "SELECT * FROM Invoice WHERE TxnDate < '2024-03-07' AND CustomerRef = '2' ORDERBY TxnDate DESC"
    )
    assert ids(response) == ["4", "1"]
    assert ids(qbo.query("SELECT * FROM Invoice WHERE Id IN ('3', '9', '99')")) == ["3", "9"]
    assert ids(qbo.query("SELECT * FROM Invoice WHERE DocNumber LIKE '101%'")) == ["10", "11", "12"]


def test_an_items_sku_comes_only_when_the_query_names_it(qbo):
    """As Intuit answers (python-quickbooks asks `SELECT *, Sku` since its issue #373)."""

    def items(text: str) -> list[dict]:
        return qbo.query(text).json()["QueryResponse"]["Item"]

    assert [i.get("Sku") for i in items("SELECT * FROM Item")] == [None, None]
    assert [i.get("Sku") for i in items("SELECT *, Sku FROM Item")] == [None, "INST-7"]
    found = items("SELECT *, Sku FROM Item WHERE Sku IN ('INST-7', 'NONE')")
    assert [(i["Id"], i["Name"], i["Sku"]) for i in found] == [("7", "Installation", "INST-7")]


def test_inactive_names_are_hidden_unless_asked_for(qbo):
    assert ids(qbo.query("SELECT * FROM Customer"), "Customer") == ["1"]
    assert ids(qbo.query("SELECT * FROM Customer WHERE Active IN (true, false)"), "Customer") == [
        "1",
        "2",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM Custmoer",
        "SELECT * FROM Invoice WHERE",
        "SELECT * FROM Invoice MAXRESULTS x",
        "DROP TABLE Invoice",
    ],
)
def test_bad_queries_get_a_validation_fault(qbo, text):
    response = qbo.query(text)
    assert response.status_code == 400
    error = response.json()["Fault"]["Error"][0]
    assert (
        response.json()["Fault"]["type"] == "ValidationFault"
        and error["Message"] == "Invalid query"
    )


def test_unknown_entity_names_the_entity(qbo):
    assert (
        "invalid context declaration: Custmoer"
        in qbo.query("SELECT * FROM Custmoer").json()["Fault"]["Error"][0]["Detail"]
    )


def test_read_by_id_and_missing_ids(qbo):
    assert qbo.call("GET", "/invoice/3").json()["Invoice"]["DocNumber"] == "1003"
    assert qbo.call("GET", "/invoice/404").json()["Fault"]["Error"][0]["code"] == "610"
    assert qbo.call("GET", "/invoice/1.5").json()["Fault"]["Error"][0]["code"] == "2030"


def item_line(amount: str, qty: int = 1, item: str = "1") -> dict:
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": amount,
        "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": qty},
    }


def create_invoice(qbo, *lines: dict, **fields) -> dict:
    body = {"CustomerRef": {"value": "1"}, "Line": list(lines), **fields}
    response = qbo.call("POST", "/invoice", json=body)
    assert response.status_code == 200, response.text
    return exact(response)["Invoice"]


def test_create_then_sparse_update_bumps_sync_token_and_last_updated(qbo):
    created = create_invoice(qbo, item_line("42.5"))
    assert (created["Id"], created["SyncToken"]) == ("13", "0")
    update = {"Id": "13", "SyncToken": "0", "sparse": True, "PrivateNote": "fixed by Accord"}
    every = "SELECT * FROM Invoice ORDERBY Id DESC MAXRESULTS 1"
    assert exact(qbo.query(every))["QueryResponse"]["Invoice"][0].get("PrivateNote") is None
    updated = exact(qbo.call("POST", "/invoice", json=update))["Invoice"]
    assert (
        exact(qbo.query(every))["QueryResponse"]["Invoice"][0]["PrivateNote"] == "fixed by Accord"
    )
    assert (updated["SyncToken"], updated["PrivateNote"], updated["TotalAmt"]) == (
        "1",
        "fixed by Accord",
        42.5,
    )
    assert updated["MetaData"]["CreateTime"] == created["MetaData"]["CreateTime"]
    found = qbo.query(
        f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '{created['MetaData']['CreateTime']}'"
    )
    assert ids(found) == ["13"]


def test_full_update_replaces_the_entity(qbo):
    replaced = exact(
        qbo.call(
            "POST", "/invoice", json={"Id": "2", "SyncToken": "0", "Line": [item_line("7.00")]}
        )
    )["Invoice"]
    assert (
        "DocNumber" not in replaced
        and replaced["TotalAmt"] == Decimal("7.00")
        and replaced["SyncToken"] == "1"
    )


def test_quickbooks_works_out_an_invoices_total_and_balance_from_its_lines(qbo):
    """Items, less a 10% discount, plus shipping and tax; the TotalAmt and Balance sent are
    overwritten, and the subtotal line sits after the items (Intuit's own fixture order)."""
    discount = {
        "DetailType": "DiscountLineDetail",
        "Amount": "0",
        "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
    }
    created = create_invoice(
        qbo,
        item_line("300.00", qty=3),
        item_line("45.00", item="7"),
        discount,
        item_line("5.00", item="SHIPPING_ITEM_ID"),
        TxnTaxDetail={"TotalTax": "22.43"},
        TotalAmt="1.00",
        Balance="1.00",
    )
    assert created["TotalAmt"] == Decimal("337.93")  # 345.00 - 34.50 + 5.00 + 22.43
    assert created["Balance"] == Decimal("337.93")
    assert [(line["DetailType"], line["Amount"]) for line in created["Line"]] == [
        ("SalesItemLineDetail", Decimal("300.00")),
        ("SalesItemLineDetail", Decimal("45.00")),
        ("SubTotalLineDetail", Decimal("345.00")),
        ("DiscountLineDetail", Decimal("34.50")),
        ("SalesItemLineDetail", Decimal("5.00")),
    ]
    assert [line.get("Id") for line in created["Line"][:2]] == ["1", "2"]
    included = create_invoice(
        qbo,
        item_line("110.00"),
        TxnTaxDetail={"TotalTax": "10.00"},
        GlobalTaxCalculation="TaxInclusive",
    )
    assert included["TotalAmt"] == Decimal("110.00")


def test_a_line_names_an_item_of_the_books_by_id(qbo):
    """QBO fills in the item's name whatever name was sent, and refuses an unknown Id."""
    line = item_line("45.00", item="7")
    line["SalesItemLineDetail"]["ItemRef"]["name"] = "Whatever the client says"
    created = create_invoice(qbo, line)
    assert created["Line"][0]["SalesItemLineDetail"]["ItemRef"] == {
        "value": "7",
        "name": "Installation",
    }
    unknown = {"CustomerRef": {"value": "1"}, "Line": [item_line("1.00", item="404")]}
    refused = qbo.call("POST", "/invoice", json=unknown)
    assert refused.status_code == 400 and exact(refused)["Fault"]["Error"][0]["code"] == "2500"
    assert "Item '404'" in exact(refused)["Fault"]["Error"][0]["Detail"]


def test_an_invoice_without_lines_is_refused(qbo):
    refused = qbo.call("POST", "/invoice", json={"CustomerRef": {"value": "1"}, "TotalAmt": 9})
    assert refused.status_code == 400
    assert exact(refused)["Fault"]["Error"][0]["code"] == "2020"
    assert exact(refused)["Fault"]["Error"][0]["element"] == "Line"


def test_a_payment_lowers_its_invoices_balances_and_the_next_fetch_sees_them(qbo):
    first = create_invoice(qbo, item_line("100.00"))
    second = create_invoice(qbo, item_line("60.00"))
    warmed = qbo.query("SELECT * FROM Invoice MAXRESULTS 1000")  # a cached answer to clear
    assert warmed.status_code == 200
    payment = {
        "CustomerRef": {"value": "1"},
        "TotalAmt": "130.00",
        "Line": [
            {"Amount": "100.00", "LinkedTxn": [{"TxnId": first["Id"], "TxnType": "Invoice"}]},
            {"Amount": "20.00", "LinkedTxn": [{"TxnId": second["Id"], "TxnType": "Invoice"}]},
        ],
    }
    saved = exact(qbo.call("POST", "/payment", json=payment))["Payment"]
    assert saved["UnappliedAmt"] == Decimal("10.00")
    paid = exact(qbo.call("GET", f"/invoice/{first['Id']}"))["Invoice"]
    part = exact(qbo.call("GET", f"/invoice/{second['Id']}"))["Invoice"]
    assert (paid["Balance"], part["Balance"]) == (Decimal("0.00"), Decimal("40.00"))
    assert paid["SyncToken"] == part["SyncToken"] == "1"
    assert paid["LinkedTxn"] == [{"TxnId": saved["Id"], "TxnType": "Payment"}]
    changed = qbo.query(
        f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '{first['MetaData']['CreateTime']}'"
        " MAXRESULTS 1000"
    )
    assert [r["Balance"] for r in exact(changed)["QueryResponse"]["Invoice"]] == [
        Decimal("0.00"),
        Decimal("40.00"),
    ]
    # an update keeps what was paid: the balance follows the new total
    update = {"Id": second["Id"], "SyncToken": "1", "sparse": True, "Line": [item_line("70.00")]}
    updated = exact(qbo.call("POST", "/invoice", json=update))["Invoice"]
    assert (updated["TotalAmt"], updated["Balance"]) == (Decimal("70.00"), Decimal("50.00"))


def test_a_bills_total_is_its_lines_and_a_bill_payment_lowers_its_balance(qbo):
    expense = {
        "DetailType": "AccountBasedExpenseLineDetail",
        "Amount": "5520.00",
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "60"}},
    }
    body = {"VendorRef": {"value": "9"}, "TotalAmt": "1.00", "Line": [expense]}
    bill = exact(qbo.call("POST", "/bill", json=body))["Bill"]
    assert (bill["TotalAmt"], bill["Balance"]) == (Decimal("5520.00"), Decimal("5520.00"))
    fixed = {**expense, "Amount": "5250.00"}
    update = {"Id": bill["Id"], "SyncToken": "0", "sparse": True, "Line": [fixed]}
    bill = exact(qbo.call("POST", "/bill", json=update))["Bill"]
    assert (bill["TotalAmt"], bill["Balance"]) == (Decimal("5250.00"), Decimal("5250.00"))
    payment = {
        "VendorRef": {"value": "9"},
        "PayType": "Check",
        "TotalAmt": "5000.00",
        "Line": [{"Amount": "5000.00", "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}],
    }
    paid = exact(qbo.call("POST", "/billpayment", json=payment))["BillPayment"]
    bill = exact(qbo.call("GET", f"/bill/{bill['Id']}"))["Bill"]
    assert (bill["Balance"], bill["SyncToken"]) == (Decimal("250.00"), "2")
    assert bill["LinkedTxn"] == [{"TxnId": paid["Id"], "TxnType": "BillPaymentCheck"}]


def test_a_payment_naming_an_unknown_invoice_changes_nothing(qbo):
    known = create_invoice(qbo, item_line("100.00"))
    payment = {
        "CustomerRef": {"value": "1"},
        "TotalAmt": "150.00",
        "Line": [
            {"Amount": "100.00", "LinkedTxn": [{"TxnId": known["Id"], "TxnType": "Invoice"}]},
            {"Amount": "50.00", "LinkedTxn": [{"TxnId": "999", "TxnType": "Invoice"}]},
        ],
    }
    refused = qbo.call("POST", "/payment", json=payment)
    assert refused.status_code == 400 and exact(refused)["Fault"]["Error"][0]["code"] == "610"
    after = exact(qbo.call("GET", f"/invoice/{known['Id']}"))["Invoice"]
    assert (after["Balance"], after["SyncToken"]) == (Decimal("100.00"), "0")


def test_stale_sync_token_is_refused_with_5010(qbo):
    qbo.call(
        "POST", "/invoice", json={"Id": "1", "SyncToken": "0", "sparse": True, "PrivateNote": "a"}
    )
    stale = qbo.call(
        "POST", "/invoice", json={"Id": "1", "SyncToken": "0", "sparse": True, "PrivateNote": "b"}
    )
    assert stale.status_code == 400
    assert stale.json()["Fault"]["Error"][0]["code"] == "5010"
    assert stale.json()["Fault"]["Error"][0]["Message"] == "Stale Object Error"
    assert qbo.call("GET", "/invoice/1").json()["Invoice"]["PrivateNote"] == "a"


def test_same_requestid_returns_the_first_answer_without_writing_again(qbo):
    body = {"Id": "3", "SyncToken": "0", "sparse": True, "PrivateNote": "once"}
    first = qbo.call("POST", "/invoice", params={"requestid": "corr-1"}, json=body)
    again = qbo.call("POST", "/invoice", params={"requestid": "corr-1"}, json=body)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert qbo.sb.quickbooks.books.writes == 1
    assert qbo.call("GET", "/invoice/3").json()["Invoice"]["SyncToken"] == "1"


def recent(days: float) -> str:
    """A LastUpdatedTime `days` ago, in the company's zone, as QBO writes it."""
    moment = datetime.now(UTC) - timedelta(days=days)
    return moment.astimezone(timezone(timedelta(hours=-8))).isoformat(timespec="seconds")


def test_delete_removes_from_queries_and_shows_in_cdc(qbo):
    qbo.sb.quickbooks.put("Invoice", invoice(11, recent(2)))  # edited in the books lately
    deleted = qbo.call(
        "POST", "/invoice", params={"operation": "delete"}, json={"Id": "4", "SyncToken": "0"}
    ).json()
    assert deleted["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": "4"}
    assert "4" not in ids(qbo.query("SELECT * FROM Invoice MAXRESULTS 1000"))
    cdc = qbo.call("GET", "/cdc", params={"entities": "invoice", "changedSince": recent(3)}).json()
    changed = cdc["CDCResponse"][0]["QueryResponse"][0]["Invoice"]
    assert [r["Id"] for r in changed] == ["11", "4"] and changed[-1]["status"] == "Deleted"
    assert changed[-1]["MetaData"]["LastUpdatedTime"]  # when it was deleted


def test_cdc_keeps_30_days_and_answers_at_most_1000_objects(qbo):
    """Changes of March 2024 are long gone from CDC however far back one asks."""
    books = qbo.sb.quickbooks
    for i in range(100, 1100):
        books.put("Invoice", invoice(i, recent(10 - i / 1000)))
    books.put(
        "Customer", {**Data().quickbooks["Customer"][0], "MetaData": {"LastUpdatedTime": recent(1)}}
    )
    cdc = qbo.call(
        "GET",
        "/cdc",
        params={"entities": "Invoice,Customer", "changedSince": "2024-01-01T00:00:00-08:00"},
    ).json()
    invoices, customers = cdc["CDCResponse"][0]["QueryResponse"]
    assert [r["Id"] for r in invoices["Invoice"]] == [str(i) for i in range(100, 1100)]
    assert customers == {}  # the limit is shared: nothing is left for Customer
    since_yesterday = qbo.call(
        "GET", "/cdc", params={"entities": "Customer", "changedSince": recent(2)}
    ).json()
    assert [r["Id"] for r in since_yesterday["CDCResponse"][0]["QueryResponse"][0]["Customer"]] == [
        "1"
    ]


def test_refresh_rotates_and_the_old_refresh_token_stops_working(qbo):
    old = qbo.refresh_token
    fresh = qbo.refresh()
    assert fresh.status_code == 200
    body = fresh.json()
    assert (
        body["refresh_token"] != old
        and body["token_type"] == "bearer"
        and body["expires_in"] == 3600
    )
    assert qbo.refresh(old).json() == {"error": "invalid_grant"}
    assert qbo.refresh(secret="wrong").status_code == 401


def test_expired_access_token_gets_qbos_401_until_refreshed(qbo):
    qbo.sb.quickbooks.oauth.expire_all()
    refused = qbo.query("SELECT * FROM Invoice")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith('Bearer realm="Intuit"')
    assert refused.json()["fault"]["error"][0]["code"] == "3200"
    assert refused.json()["fault"]["type"] == "AUTHENTICATION"
    qbo.access_token = qbo.refresh().json()["access_token"]
    assert qbo.query("SELECT * FROM Invoice").status_code == 200


def test_access_tokens_expire_after_their_lifetime():
    with open_sandbox(Data(), qbo_access_ttl=0.2) as sb:
        client = Client(sb)
        assert client.query("SELECT * FROM Invoice").status_code == 200
        import time

        time.sleep(0.25)
        assert client.query("SELECT * FROM Invoice").status_code == 401


def test_another_realm_is_forbidden(qbo):
    other = HTTP.get(
        qbo.sb.urls["quickbooks"] + "/v3/company/123/invoice/1",
        headers={"Authorization": f"Bearer {qbo.access_token}"},
    )
    assert other.status_code == 403


def test_throttle_answers_429_with_intuits_fault():
    with open_sandbox(Data(), qbo_throttle=(3, 60.0)) as sb:
        client = Client(sb)
        statuses = [client.query("SELECT * FROM Invoice").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        fault = client.query("SELECT * FROM Invoice").json()["Fault"]
        assert fault["Error"][0]["Message"].startswith("message=ThrottleExceeded")


def test_unknown_properties_are_refused_as_qbo_does(qbo):
    response = qbo.call(
        "POST", "/invoice", json={"Id": "5", "SyncToken": "0", "sparse": True, "BadJson": True}
    )
    assert response.status_code == 400
    error = response.json()["Fault"]["Error"][0]
    assert (error["code"], error["Message"]) == (
        "2010",
        "Request has invalid or unsupported property",
    )
    assert '"BadJson"' in error["Detail"] and "Invoice" in error["Detail"]
    assert qbo.call("GET", "/invoice/5").json()["Invoice"]["SyncToken"] == "0"


def test_entities_put_by_a_test_are_served(qbo):
    since_may = "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '2024-05-01'"
    assert ids(qbo.query(since_may)) == []
    qbo.sb.quickbooks.put("Invoice", invoice(40, "2024-06-01T00:00:00-07:00", amount="9.99"))
    assert ids(
        qbo.query("SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '2024-05-01'")
    ) == ["40"]
