"""QuickBooks Online sandbox responses use QBO's own names (the Intuit XSD) and shapes (the
recorded cassettes), and python-quickbooks with intuit-oauth works against it end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import pytest
import xmlschema
import yaml
from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import AuthorizationException, QuickbooksException
from quickbooks.objects.bill import Bill
from quickbooks.objects.billpayment import BillPayment
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment
from quickbooks.objects.vendor import Vendor

from sandbox.generator import generate
from sandbox.servers import Sandbox
from tests.vendor_files import VENDOR

QBO = VENDOR / "quickbooks"
ENTITIES = ["Customer", "Vendor", "Item", "Invoice", "Payment", "Bill", "BillPayment"]
NAME_LISTS = ("Customer", "Vendor", "Item")  # inactive ones are hidden unless asked for
SDK_CLASSES = {
    "Customer": Customer,
    "Vendor": Vendor,
    "Item": Item,
    "Invoice": Invoice,
    "Payment": Payment,
    "Bill": Bill,
    "BillPayment": BillPayment,
}
open_sandbox = partial(Sandbox, vendors=("quickbooks",))
HTTP = httpx.Client(timeout=10)


@pytest.fixture(scope="module")
def xsd_names() -> dict[str, set[str]]:
    """Per entity, the child element and attribute names the Intuit XSD allows."""
    schema = xmlschema.XMLSchema(str(QBO / "intuit-xsd" / "IntuitRestServiceDef.xsd"))
    names = {}
    for entity in ENTITIES:
        element = schema.maps.elements[f"{{http://schema.intuit.com/finance/v3}}{entity}"]
        children = {e.local_name for e in element.type.content.iter_elements()}
        names[entity] = children | {a.split("}")[-1] for a in element.type.attributes}
    return names


def cassette(path: str) -> list[dict]:
    return yaml.safe_load((QBO / "qbo_api-vcr-cassettes" / path).read_text())["http_interactions"]


def cassette_body(path: str, index: int = 0) -> dict:
    return json.loads(cassette(path)[index]["response"]["body"]["string"])


@pytest.fixture(scope="module")
def data():
    return generate(seed=11, orders=40)


@pytest.fixture
def sandbox(data):
    with open_sandbox(data) as sb:
        yield sb


def bearer(sb: Sandbox) -> dict[str, str]:
    c = sb.credentials
    token = HTTP.post(
        sb.urls["quickbooks"] + "/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": sb.quickbooks.oauth.refresh_token},
        auth=(c.qbo_client_id, c.qbo_client_secret),
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def query(sb: Sandbox, headers: dict[str, str], text: str) -> httpx.Response:
    url = f"{sb.urls['quickbooks']}/v3/company/{sb.credentials.qbo_realm_id}/query"
    return HTTP.get(url, params={"query": text, "minorversion": "75"}, headers=headers)


def test_every_served_entity_uses_only_xsd_names(sandbox, data, xsd_names):
    headers = bearer(sandbox)
    for entity in ENTITIES:
        served = query(
            sandbox,
            headers,
            f"SELECT * FROM {entity} WHERE Active IN (true, false) MAXRESULTS 1000"
            if entity in NAME_LISTS
            else f"SELECT * FROM {entity} MAXRESULTS 1000",
        )
        records = served.json()["QueryResponse"][entity]
        assert len(records) == len(data.quickbooks[entity])
        for record in records:
            unknown = set(record) - xsd_names[entity]
            assert not unknown, (
                f"{entity} {record['Id']}: {sorted(unknown)} are not QBO {entity} fields"
            )


def test_written_entities_use_only_xsd_names(sandbox, data, xsd_names):
    headers = bearer(sandbox)
    base = f"{sandbox.urls['quickbooks']}/v3/company/{sandbox.credentials.qbo_realm_id}"
    invoice = data.quickbooks["Invoice"][0]
    update = {
        "Id": invoice["Id"],
        "SyncToken": invoice["SyncToken"],
        "sparse": True,
        "PrivateNote": "Accord",
    }
    updated = HTTP.post(base + "/invoice", json=update, headers=headers).json()["Invoice"]
    created = HTTP.post(base + "/customer", json={"DisplayName": "New Co"}, headers=headers).json()[
        "Customer"
    ]
    assert not set(updated) - xsd_names["Invoice"]
    assert not set(created) - xsd_names["Customer"]


def test_shapes_match_the_recorded_cassettes(sandbox):
    headers = bearer(sandbox)
    recorded_query = cassette_body("all/customers.yml", 1)
    served = query(sandbox, headers, "SELECT * FROM Customer STARTPOSITION 1 MAXRESULTS 5").json()
    assert served.keys() == recorded_query.keys()
    assert served["QueryResponse"].keys() == recorded_query["QueryResponse"].keys()
    assert (
        query(sandbox, headers, "SELECT COUNT(*) FROM Customer").json()["QueryResponse"].keys()
        == cassette_body("all/alt_select.yml")["QueryResponse"].keys()
    )
    recorded_fault = cassette_body("error/400.yml", 1)
    served_fault = query(sandbox, headers, "SELECT * FROM Custmoer").json()
    assert served_fault.keys() == recorded_fault.keys()
    assert served_fault["Fault"]["Error"][0].keys() >= recorded_fault["Fault"]["Error"][0].keys()
    assert (
        served_fault["Fault"]["Error"][0]["Detail"] == recorded_fault["Fault"]["Error"][0]["Detail"]
    )
    recorded_401 = cassette_body("error/401.yml")
    served_401 = query(
        sandbox, {"Authorization": "Bearer expired"}, "SELECT * FROM Customer"
    ).json()
    assert served_401.keys() == recorded_401.keys()
    assert served_401["fault"]["error"][0].keys() == recorded_401["fault"]["error"][0].keys()


@pytest.fixture
def qb(sandbox, monkeypatch) -> QuickBooks:
    """python-quickbooks configured from `sb.env()` only: discovery document, refresh, base URL."""
    monkeypatch.setenv(
        "OAUTHLIB_INSECURE_TRANSPORT", "1"
    )  # requests-oauthlib refuses http:// otherwise
    env = sandbox.env()
    auth = AuthClient(
        env["QBO_CLIENT_ID"],
        env["QBO_CLIENT_SECRET"],
        "http://localhost/callback",
        environment=env["QBO_DISCOVERY_URL"],
    )
    client = QuickBooks(
        auth_client=auth,
        refresh_token=env["QBO_REFRESH_TOKEN"],
        company_id=env["QBO_REALM_ID"],
        minorversion=75,
    )
    client.api_url_v3 = env["QBO_BASE_URL"] + "/v3"
    return client


def test_sdk_refreshes_and_the_refresh_token_rotates(qb, sandbox):
    assert qb.auth_client.access_token
    assert (
        qb.refresh_token
        == sandbox.quickbooks.oauth.refresh_token
        != sandbox.credentials.qbo_refresh_token
    )


def test_sdk_reads_every_entity_type(qb, data):
    for entity, cls in SDK_CLASSES.items():
        if entity in NAME_LISTS:
            found = cls.where("Active IN (true, false)", max_results=1000, qb=qb)
        else:
            found = cls.all(max_results=1000, qb=qb)
        assert sorted(o.Id for o in found) == sorted(r["Id"] for r in data.quickbooks[entity]), (
            entity
        )
    first = data.quickbooks["Invoice"][0]
    invoice = Invoice.get(first["Id"], qb=qb)
    assert str(invoice.TotalAmt) == str(first["TotalAmt"])
    assert Invoice.count(qb=qb) == len(data.quickbooks["Invoice"])


def test_sdk_pages_with_start_position(qb, data):
    ids, start = [], 1
    while page := Invoice.filter(start_position=start, max_results=10, order_by="Id", qb=qb):
        ids += [i.Id for i in page]
        start += 10
    assert sorted(ids) == sorted(r["Id"] for r in data.quickbooks["Invoice"])


def test_sdk_sparse_update_with_request_id_is_applied_once(qb, sandbox):
    invoice = Invoice.all(max_results=1, qb=qb)[0]
    invoice.PrivateNote = "Accord correction c-1"
    saved = invoice.save(qb=qb, request_id="c-1")
    again = invoice.save(qb=qb, request_id="c-1")
    assert int(saved.SyncToken) == int(again.SyncToken) == int(invoice.SyncToken) + 1
    assert sandbox.quickbooks.books.writes == 1


def test_sdk_raises_on_a_stale_sync_token(qb):
    invoice = Invoice.all(max_results=1, qb=qb)[0]
    stale = Invoice.get(invoice.Id, qb=qb)  # a second copy at the same SyncToken
    invoice.PrivateNote = "first"
    invoice.save(qb=qb)
    stale.PrivateNote = "second"
    with pytest.raises(QuickbooksException) as raised:  # the SDK has no subclass for 5xxx codes
        stale.save(qb=qb)
    assert raised.value.error_code == 5010


def test_sdk_reads_deletions_and_changes_through_cdc(qb, sandbox, xsd_names):
    """python-quickbooks' `change_data_capture` parses the sandbox's CDC answer: the edited
    invoice in full and the deleted one as a `status: Deleted` stub."""
    edited, doomed = Invoice.all(max_results=2, qb=qb)
    edited.PrivateNote = "edited in QuickBooks"
    edited.save(qb=qb)
    doomed.delete(qb=qb)
    since = datetime.now(UTC) - timedelta(minutes=5)
    # the SDK drops a datetime's offset (QBO then reads company time): give it the text
    changes = change_data_capture([Invoice, Payment], since.isoformat(timespec="seconds"), qb=qb)
    found = {i.Id: i for i in changes.Invoice}
    assert set(found) == {edited.Id, doomed.Id}
    assert found[edited.Id].PrivateNote == "edited in QuickBooks"
    assert found[doomed.Id].status == "Deleted"
    for invoice in HTTP.get(
        sandbox.urls["quickbooks"] + f"/v3/company/{sandbox.credentials.qbo_realm_id}/cdc",
        params={"entities": "Invoice", "changedSince": since.isoformat()},
        headers=bearer(sandbox),
    ).json()["CDCResponse"][0]["QueryResponse"][0]["Invoice"]:
        assert set(invoice) <= xsd_names["Invoice"] | {"status"}, (
            set(invoice) - xsd_names["Invoice"]
        )


def test_sdk_sees_an_expired_token_as_an_authorization_error(qb, sandbox):
    sandbox.quickbooks.oauth.expire_all()
    with pytest.raises(AuthorizationException):
        Invoice.all(max_results=1, qb=qb)


@pytest.mark.parametrize("entity", ENTITIES)
def test_sdk_full_update_of_every_entity_type_is_accepted(qb, entity):
    """python-quickbooks sends the whole object; every name in it must be one QBO knows."""
    cls = SDK_CLASSES[entity]
    found = (
        cls.where("Active IN (true, false)", max_results=1, qb=qb)
        if entity in NAME_LISTS
        else cls.all(max_results=1, qb=qb)
    )
    saved = found[0].save(qb=qb)
    assert int(saved.SyncToken) == int(found[0].SyncToken) + 1


def test_preferences_use_xsd_names_and_the_recorded_currency_shape(sandbox):
    """Accord reads the home currency from `GET /preferences` as Intuit shapes it."""
    schema = xmlschema.XMLSchema(str(QBO / "intuit-xsd" / "IntuitRestServiceDef.xsd"))
    element = schema.maps.elements["{http://schema.intuit.com/finance/v3}Preferences"]
    allowed = {e.local_name for e in element.type.content.iter_elements()}
    allowed |= {a.split("}")[-1] for a in element.type.attributes}
    served = HTTP.get(
        sandbox.urls["quickbooks"] + f"/v3/company/{sandbox.credentials.qbo_realm_id}/preferences",
        headers=bearer(sandbox),
    ).json()
    recorded = json.loads(
        (QBO / "exquickbooks-fixtures/preferences/read_preferences.json").read_text()
    )
    assert set(served["Preferences"]) <= allowed
    currency = served["Preferences"]["CurrencyPrefs"]
    assert currency.keys() == recorded["Preferences"]["CurrencyPrefs"].keys()
    assert currency["HomeCurrency"] == {"value": "USD"}
