"""QuickBooks Online entities: exact numbers, dates that stay dates, links between documents."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from models.errors import InputError
from models.records import (
    Bill,
    BillPayment,
    CanonicalStatus,
    Customer,
    Invoice,
    LineItem,
    Payment,
    Product,
    Source,
    SourceRef,
    Vendor,
)
from normalizers import load_json, normalize, split_page
from tests.normalizers.conftest import QUICKBOOKS

FILE = "file quickbooks/Invoice_0001.json"


def qbo(entity: str, id_: str) -> SourceRef:
    return SourceRef(source=Source.QUICKBOOKS, type=entity, id=id_)


def one(entity, payload, **options):
    (record,) = normalize(Source.QUICKBOOKS, entity, payload, where=FILE, **options)
    return record


def test_a_taxed_open_invoice(qbo_record):
    invoice = one("Invoice", qbo_record("Invoice", "119"))
    assert isinstance(invoice, Invoice)
    assert invoice.amount == Decimal("314.28") and invoice.balance == Decimal("314.28")
    assert invoice.status is CanonicalStatus.PENDING
    assert invoice.txn_date == date(2023, 2, 18) and type(invoice.txn_date) is date
    assert invoice.due_date == date(2023, 3, 20)
    assert invoice.doc_number == "1035" and invoice.sync_token == "0"
    assert invoice.customer == qbo("Customer", "17") and invoice.customer_name == "Mark Cho"
    assert invoice.customer_memo == "Thank you for your business and have a great day!"
    assert invoice.custom_fields == {"Crew #": "104"}
    assert invoice.updated_at == datetime(2023, 2, 18, 20, 57, 24, tzinfo=UTC)


def test_invoice_lines_skip_the_subtotal(qbo_record):
    invoice = one("Invoice", qbo_record("Invoice", "130"))
    assert invoice.line_items == [
        LineItem(
            sku="Rock Fountain",
            product=qbo("Item", "5"),
            description="Rock Fountain",
            quantity=Decimal(1),
            unit_price=Decimal(275),
            amount=Decimal("275.00"),
        ),
        LineItem(
            sku="Pump",
            product=qbo("Item", "11"),
            description="Fountain Pump",
            quantity=Decimal(1),
            unit_price=Decimal("12.75"),
            amount=Decimal("12.75"),
        ),
        LineItem(
            sku="Concrete",
            product=qbo("Item", "3"),
            description="Concrete for fountain installation",
            quantity=Decimal(5),
            unit_price=Decimal("9.5"),
            amount=Decimal("47.50"),
        ),
    ]


def test_the_shipping_line_is_no_item(qbo_record):
    """QBO bills shipping as a sales item line of the item `SHIPPING_ITEM_ID`: not a product."""
    record = qbo_record("Invoice", "130")
    shipping = {
        "Amount": Decimal("5.00"),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "SHIPPING_ITEM_ID"}},
    }
    before = one("Invoice", record).line_items
    record["Line"].append(shipping)
    assert one("Invoice", record).line_items == before


def test_a_paid_invoice_is_completed_and_a_blank_custom_field_is_left_out(qbo_record):
    invoice = one("Invoice", qbo_record("Invoice", "12"))
    assert invoice.balance == 0 and invoice.status is CanonicalStatus.COMPLETED
    assert invoice.custom_fields == {}


def test_a_partly_paid_invoice(qbo_record):
    payload = {**qbo_record("Invoice", "12"), "Balance": Decimal("1000.00")}
    assert one("Invoice", payload).status is CanonicalStatus.PARTIAL_PAYMENT


def test_an_item_is_the_product_an_invoice_line_names(qbo_record):
    """Intuit's read of item 11 ("Pump", no SKU): the invoice line naming it points at it."""
    body = (QUICKBOOKS / "exquickbooks-fixtures" / "item" / "read_item.json").read_bytes()
    (item,) = split_page(Source.QUICKBOOKS, "Item", load_json(body, where=FILE), where=FILE)
    pump = one("Item", item.payload)
    assert pump == Product(
        ref=qbo("Item", "11"),
        source_status="active",
        updated_at=datetime(2017, 1, 31, 21, 16, 17, tzinfo=UTC),
        name="Pump",
        sku=None,
        created_at=datetime(2017, 1, 28, 18, 46, 45, tzinfo=UTC),
    )
    invoice = one("Invoice", qbo_record("Invoice", "130"))
    assert invoice.line_items[1].product == pump.ref
    with_sku = one("Item", {**item.payload, "Sku": "PMP-11", "Active": False})
    assert (with_sku.sku, with_sku.source_status) == ("PMP-11", "inactive")


def test_a_created_invoice_from_a_recorded_exchange(cassette_bodies):
    (body,) = cassette_bodies("create/invoice.yml")
    (item,) = split_page(Source.QUICKBOOKS, "Invoice", load_json(body, where=FILE), where=FILE)
    invoice = one("Invoice", item.payload)
    assert invoice.ref == qbo("Invoice", "266") and invoice.amount == Decimal("100.00")
    assert invoice.line_items == [
        LineItem(
            sku="Services",
            product=qbo("Item", "1"),
            quantity=Decimal(1),
            unit_price=Decimal("100.00"),
            amount=Decimal("100.00"),
        )
    ]


def test_a_voided_invoice_is_cancelled(cassette_bodies):
    before, after = cassette_bodies("void/invoice.yml")
    assert (
        one("Invoice", load_json(before, where=FILE)["Invoice"]).status is CanonicalStatus.PENDING
    )
    voided = one("Invoice", load_json(after, where=FILE)["Invoice"])
    assert voided.status is CanonicalStatus.CANCELLED and voided.amount == 0


def test_the_home_currency_applies_when_currency_ref_is_absent(qbo_record):
    payload = qbo_record("Invoice", "119")
    del payload["CurrencyRef"]
    assert one("Invoice", payload).currency == "USD"
    assert one("Invoice", payload, home_currency="CAD").currency == "CAD"
    payload["CurrencyRef"] = {"value": "EUR", "name": "Euro"}
    assert one("Invoice", payload, home_currency="CAD").currency == "EUR"


def test_a_payment_and_the_invoices_it_pays(qbo_record):
    payment = one("Payment", qbo_record("Payment", "120"))
    assert isinstance(payment, Payment)
    assert payment.amount == Decimal("1675.52") and payment.unapplied == 0
    assert payment.applied_to == [qbo("Invoice", "12")]
    assert payment.customer == qbo("Customer", "3") and payment.txn_date == date(2023, 2, 18)


def test_a_payment_ignores_links_that_are_not_invoices(qbo_record):
    payload = qbo_record("Payment", "98")  # also linked to Deposit 121, at the top level
    payload["Line"].append({"Amount": 5, "LinkedTxn": [{"TxnId": "7", "TxnType": "CreditMemo"}]})
    payload.update(PaymentRefNum="CHK-88", UnappliedAmt=Decimal("5.00"))
    payment = one("Payment", payload)
    assert payment.applied_to == [qbo("Invoice", "42")]
    assert payment.reference == "CHK-88" and payment.unapplied == Decimal("5.00")


def test_a_bill_from_quickbooks_go(vendor_bytes):
    body = load_json(vendor_bytes("quickbooks/quickbooks-go-testdata/bill.json"), where=FILE)
    (item,) = split_page(Source.QUICKBOOKS, "Bill", body, where=FILE)
    bill = one("Bill", item.payload)
    assert isinstance(bill, Bill)
    assert bill.amount == Decimal("103.55") and bill.balance == 0
    assert bill.status is CanonicalStatus.COMPLETED
    assert bill.vendor == qbo("Vendor", "46")
    assert bill.vendor_name == "Norton Lumber and Building Materials"
    assert bill.txn_date == date(2014, 11, 6) and bill.due_date == date(2014, 12, 6)


def test_an_unpaid_bill_is_pending(qbo_record):
    bill = one("Bill", qbo_record("Bill", "126"))
    assert bill.balance == Decimal("205.00") and bill.status is CanonicalStatus.PENDING


def test_a_bill_payment_and_the_bills_it_pays(qbo_record):
    paid = one("BillPayment", qbo_record("BillPayment", "117"))
    assert isinstance(paid, BillPayment)
    assert paid.amount == Decimal("56.50") and paid.pay_type == "CreditCard"
    assert paid.applied_to == [qbo("Bill", "105")] and paid.vendor == qbo("Vendor", "32")
    assert paid.doc_number == "1"


def test_a_customer(qbo_record):
    customer = one("Customer", qbo_record("Customer", "3"))
    assert isinstance(customer, Customer)
    assert (customer.name, customer.company) == ("Cool Cars", "Cool Cars")
    assert customer.email == "Cool_Cars@intuit.com" and customer.phone == "(415) 555-9933"
    assert customer.created_at == datetime(2023, 2, 11, 0, 51, 22, tzinfo=UTC)


def test_every_customer_of_a_recorded_query_page(cassette_bodies):
    body = load_json(cassette_bodies("all/customers.yml")[1], where=FILE)
    items = split_page(Source.QUICKBOOKS, "Customer", body, where=FILE)
    customers = [one("Customer", item.payload) for item in items]
    assert len(customers) == 41 and len({c.ref.id for c in customers}) == 41
    assert all(isinstance(c, Customer) and c.name for c in customers)


def test_vendors_over_six_recorded_pages(cassette_bodies):
    pages = cassette_bodies("all/vendors_by_5.yml")[1:]
    vendors = [
        one("Vendor", item.payload)
        for page in pages
        for item in split_page(Source.QUICKBOOKS, "Vendor", load_json(page, where=FILE), where=FILE)
    ]
    assert len(vendors) == 26  # the recorded SELECT COUNT(*) said 26
    assert all(isinstance(v, Vendor) and v.name for v in vendors)


def test_an_empty_query_result_has_no_entity_key(cassette_bodies):
    last = load_json(cassette_bodies("all/alt_select.yml")[4], where=FILE)
    assert split_page(Source.QUICKBOOKS, "Customer", last, where=FILE) == []


def test_a_fault_fails_the_page_with_its_message(cassette_bodies):
    (body,) = cassette_bodies("error/400_json.yml")
    with pytest.raises(InputError) as caught:
        split_page(Source.QUICKBOOKS, "Invoice", load_json(body, where=FILE), where=FILE)
    assert "ValidationFault" in caught.value.message and "2010" in caught.value.message
    assert caught.value.where == FILE


def test_a_page_of_another_entity_fails(cassette_bodies):
    body = load_json(cassette_bodies("all/customers.yml")[1], where=FILE)
    with pytest.raises(InputError) as caught:
        split_page(Source.QUICKBOOKS, "Invoice", body, where=FILE)
    assert "Customer" in caught.value.message


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("TotalAmt", "1O4.00", "'1O4.00' does not parse"),
        ("TotalAmt", 314.28, "not an exact decimal"),
        ("Balance", None, "missing required field Balance"),
        ("TxnDate", "2023-02-18T00:00:00", "not a date"),
        ("TxnDate", None, "missing required field TxnDate"),
        ("CurrencyRef", {"value": "XYZ"}, "unknown currency 'XYZ'"),
    ],
)
def test_a_bad_invoice_field_is_named_with_the_record(qbo_record, field, value, said):
    payload = {**qbo_record("Invoice", "119"), field: value}
    with pytest.raises(InputError) as caught:
        one("Invoice", payload)
    assert said in caught.value.message
    assert caught.value.where.startswith(f"{FILE}, Invoice 119, field {field}")


def test_a_bad_line_amount_is_named_by_its_position(qbo_record):
    payload = qbo_record("Invoice", "119")
    payload["Line"][1]["SalesItemLineDetail"]["Qty"] = 4.0
    with pytest.raises(InputError) as caught:
        one("Invoice", payload)
    assert caught.value.where == f"{FILE}, Invoice 119, field Line[1].SalesItemLineDetail.Qty"


def test_an_unknown_entity_is_refused(qbo_record):
    with pytest.raises(InputError) as caught:
        one("Estimate", qbo_record("Invoice", "119"))
    assert "Estimate" in caught.value.message
