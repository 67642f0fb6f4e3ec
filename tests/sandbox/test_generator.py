"""The generated month: deterministic, with every planted case present and everything else clean."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations
from pathlib import Path

import pytest

from sandbox.generator import VendorData, generate, write_recorded

OCTOBER = date(2026, 10, 1)
PLANTED = {
    "missing_invoice": ("existence", "high", "open"),
    "total_mismatch": ("total", "high", "open"),
    "status_mismatch": ("status", "medium", "open"),
    "orphan_charge": ("existence", "high", "open"),
    "missing_deposit": ("existence", "high", "open"),
    "unexplained_deposit": ("existence", "high", "open"),
    "bill_typo": ("total", "high", "open"),
    "ambiguous_deposit": ("existence", "medium", "open"),
    "composition_gap": ("total", "high", "open"),
    "late_payout": ("existence", "high", "pending_timing"),
    "bad_currency": ("input", "medium", "open"),
    "bad_amount": ("input", "medium", "open"),
}


@pytest.fixture(scope="module")
def month() -> VendorData:
    return generate(seed=7, month=OCTOBER, orders=60)


@pytest.fixture(scope="module")
def folder(month: VendorData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("recorded")
    write_recorded(month, out, page_size=25)
    return out


@pytest.fixture(scope="module")
def expected(folder: Path) -> dict:
    return json.loads((folder / "expected.json").read_text())


def read(path: Path) -> object:
    return json.loads(path.read_text(), parse_float=Decimal)


def scenario(expected: dict, name: str) -> list[str]:
    return [r["id"] for r in expected["scenarios"][name]]


def orders_by_id(month: VendorData) -> dict[str, dict]:
    return {str(o["id"]): o for o in month.shopify["orders"]}


def invoices_by_id(month: VendorData) -> dict[str, dict]:
    return {i["Id"]: i for i in month.quickbooks["Invoice"]}


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.json"))}


# --- determinism -------------------------------------------------------------------------------


def test_the_same_seed_gives_byte_identical_files(folder: Path, tmp_path: Path) -> None:
    write_recorded(generate(seed=7, month=OCTOBER, orders=60), tmp_path, page_size=25)
    assert files(tmp_path) == files(folder)


def test_writing_again_replaces_the_earlier_pages(tmp_path: Path) -> None:
    write_recorded(generate(seed=2, month=OCTOBER, orders=80), tmp_path, page_size=10)
    (tmp_path / "stripe" / "notes.txt").write_text("kept")
    smaller = generate(seed=2, month=OCTOBER, orders=20)
    write_recorded(smaller, tmp_path, page_size=50)
    fresh = tmp_path / "fresh"
    write_recorded(smaller, fresh, page_size=50)
    assert {k: v for k, v in files(tmp_path).items() if not k.startswith("fresh/")} == files(fresh)
    assert (tmp_path / "stripe" / "notes.txt").read_text() == "kept"


def test_another_seed_gives_another_month(month: VendorData) -> None:
    other = generate(seed=8, month=OCTOBER, orders=60)
    assert [c["id"] for c in other.stripe["charges"]] != [c["id"] for c in month.stripe["charges"]]
    assert [o["total_price"] for o in other.shopify["orders"]] != [
        o["total_price"] for o in month.shopify["orders"]
    ]


def test_the_window_is_the_month_in_utc_with_as_of_three_days_after(month: VendorData) -> None:
    assert month.window.start == datetime(2026, 10, 1, tzinfo=UTC)
    assert month.window.end == datetime(2026, 11, 1, tzinfo=UTC)
    assert month.window.as_of == datetime(2026, 11, 4, tzinfo=UTC)


def test_a_month_must_start_on_its_first_day() -> None:
    with pytest.raises(ValueError, match="first day"):
        generate(seed=1, month=date(2026, 10, 5), orders=30)


def test_too_few_orders_to_plant_the_month_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="orders must be between 20"):
        generate(seed=1, month=OCTOBER, orders=10)


@pytest.mark.parametrize(
    "first", [date(2026, 2, 1), date(2026, 3, 1), date(2026, 11, 1), date(2026, 12, 1)]
)
def test_any_month_and_many_seeds_plant_every_case(first: date) -> None:
    for seed in range(15):
        data = generate(seed=seed, month=first, orders=20)
        assert {d.scenario for d in data.expected.discrepancies} == set(PLANTED)
        assert data.window.start.date() == first


# --- the planted truth -------------------------------------------------------------------------


def test_expected_json_lists_every_planted_discrepancy_once(expected: dict) -> None:
    found = {
        d["scenario"]: (d["field"], d["severity"], d["status"]) for d in expected["discrepancies"]
    }
    assert found == PLANTED
    assert len(expected["discrepancies"]) == len(PLANTED)
    ambiguous = next(d for d in expected["discrepancies"] if d["scenario"] == "ambiguous_deposit")
    assert ambiguous["discriminator"] == "ambiguous"


def test_the_in_memory_truth_unpacks_as_the_api_says(month: VendorData, expected: dict) -> None:
    kinds = Counter(kind for kind, _records in month.expected.matches)
    assert kinds == Counter(m["kind"] for m in expected["matches"])
    for field, severity, status, records, scenario in month.expected.discrepancies:
        assert PLANTED[scenario] == (field, severity, status)
        assert {r.key for r in records} == {
            f"{r['source']}:{r['type']}:{r['id']}" for r in expected["scenarios"][scenario]
        }
    clusters = [{r.key for r in cluster} for cluster in month.expected.customers]
    assert len(clusters) == len(month.shopify["customers"]) + 3


def test_expected_matches_cover_each_kind_and_no_record_twice_per_kind(expected: dict) -> None:
    kinds = Counter(m["kind"] for m in expected["matches"])
    assert set(kinds) == {
        "order_invoice", "charge_order", "payout_deposit", "payout_composition", "deposit_payment",
        "payment_invoices", "deposit_invoices", "withdrawal_bill_payment", "bill_payment_bill", "withdrawal_bill",
    }  # fmt: skip
    for kind in kinds:
        refs = [
            (r["type"], r["id"])
            for m in expected["matches"]
            if m["kind"] == kind
            for r in m["records"]
        ]
        assert len(refs) == len(set(refs)), kind


def test_missing_invoice_order_has_a_charge_but_no_invoice(
    month: VendorData, expected: dict
) -> None:
    [order_id] = scenario(expected, "missing_invoice")
    number = orders_by_id(month)[order_id]["order_number"]
    assert not [i for i in month.quickbooks["Invoice"] if str(number) in i["DocNumber"]]
    assert [c for c in month.stripe["charges"] if c["metadata"].get("order_id") == order_id]


def test_total_mismatch_is_59_89_against_60_89(month: VendorData, expected: dict) -> None:
    order_id, invoice_id = scenario(expected, "total_mismatch")
    assert orders_by_id(month)[order_id]["total_price"] == "59.89"
    assert invoices_by_id(month)[invoice_id]["TotalAmt"] == Decimal("60.89")


def test_status_mismatch_is_refunded_in_shopify_and_stripe_but_paid_in_the_books(
    month: VendorData, expected: dict
) -> None:
    order_id, invoice_id = scenario(expected, "status_mismatch")
    order = orders_by_id(month)[order_id]
    assert order["financial_status"] == "refunded"
    [refund] = order["refunds"]
    assert refund["transactions"][0]["amount"] == order["total_price"]
    [charge] = [c for c in month.stripe["charges"] if c["metadata"].get("order_id") == order_id]
    assert charge["refunded"] and charge["amount_refunded"] == charge["amount"]
    assert [r["charge"] for r in month.stripe["refunds"]] == [charge["id"]]
    assert invoices_by_id(month)[invoice_id]["Balance"] == Decimal("0.00")


def test_orphan_charge_has_no_order_by_reference_or_by_amount_and_email(
    month: VendorData, expected: dict
) -> None:
    [charge_id] = scenario(expected, "orphan_charge")
    charge = next(c for c in month.stripe["charges"] if c["id"] == charge_id)
    assert charge["metadata"] == {} and "Order" not in charge["description"]
    totals = {(o["total_price"], o["email"]) for o in month.shopify["orders"]}
    assert ("150.00", charge["billing_details"]["email"]) not in totals
    assert all(Decimal(o["total_price"]) * 100 != charge["amount"] for o in month.shopify["orders"])


def deposits(month: VendorData) -> list[dict]:
    return [t for t in month.plaid_transactions if t["amount"] < 0]


def withdrawals(month: VendorData) -> list[dict]:
    return [t for t in month.plaid_transactions if t["amount"] > 0]


def payout(month: VendorData, payout_id: str) -> dict:
    return next(p for p in month.stripe["payouts"] if p["id"] == payout_id)


def arrival(p: dict) -> date:
    return datetime.fromtimestamp(p["arrival_date"], UTC).date()


def bank_deposit_for(month: VendorData, p: dict) -> list[dict]:
    amount = Decimal(p["amount"]) / 100
    return [
        t for t in deposits(month) if -t["amount"] == amount and t["date"] == arrival(p).isoformat()
    ]


def test_missing_deposit_payout_arrived_in_the_window_but_not_in_the_bank(
    month: VendorData, expected: dict
) -> None:
    [payout_id] = scenario(expected, "missing_deposit")
    p = payout(month, payout_id)
    assert OCTOBER <= arrival(p) < date(2026, 11, 1)
    assert bank_deposit_for(month, p) == []


def test_late_payout_is_created_on_the_last_day_and_arrives_after_as_of(
    month: VendorData, expected: dict
) -> None:
    [payout_id] = scenario(expected, "late_payout")
    p = payout(month, payout_id)
    assert datetime.fromtimestamp(p["created"], UTC).date() == date(2026, 10, 31)
    assert arrival(p) > month.window.as_of.date()
    assert p["status"] == "in_transit"


def test_unexplained_deposit_names_nobody_and_matches_no_amount(
    month: VendorData, expected: dict
) -> None:
    [txn_id] = scenario(expected, "unexplained_deposit")
    line = next(t for t in month.plaid_transactions if t["transaction_id"] == txn_id)
    amount = -line["amount"]
    assert amount > 0
    assert all(Decimal(p["amount"]) / 100 != amount for p in month.stripe["payouts"])
    assert all(p["TotalAmt"] != amount for p in month.quickbooks["Payment"])
    assert all(i["Balance"] != amount for i in month.quickbooks["Invoice"])


def test_bill_typo_swaps_two_digits_on_the_same_vendor_and_day(
    month: VendorData, expected: dict
) -> None:
    txn_id, bill_id = scenario(expected, "bill_typo")
    line = next(t for t in month.plaid_transactions if t["transaction_id"] == txn_id)
    bill = next(b for b in month.quickbooks["Bill"] if b["Id"] == bill_id)
    assert (line["amount"], bill["TotalAmt"]) == (Decimal("5250.00"), Decimal("5520.00"))
    assert line["date"] == bill["TxnDate"]
    assert line["merchant_name"] == bill["VendorRef"]["name"]


def test_ambiguous_deposit_fits_exactly_two_subsets_of_the_customers_open_invoices(
    month: VendorData, expected: dict
) -> None:
    txn_id, *candidates = scenario(expected, "ambiguous_deposit")
    line = next(t for t in month.plaid_transactions if t["transaction_id"] == txn_id)
    assert line["amount"] == Decimal("-1200.00") and "INV" not in line["name"]
    invoices = invoices_by_id(month)
    customer = {invoices[i]["CustomerRef"]["value"] for i in candidates}
    assert len(customer) == 1
    open_ = [
        i
        for i in month.quickbooks["Invoice"]
        if i["CustomerRef"]["value"] in customer and i["Balance"] > 0
    ]
    fits = [
        c
        for r in range(1, len(open_) + 1)
        for c in combinations(open_, r)
        if sum(i["Balance"] for i in c) == 1200
    ]
    assert len(fits) == 2
    assert {i["Id"] for c in fits for i in c} == set(candidates)


def test_composition_gap_payout_is_15_less_than_its_members(
    month: VendorData, expected: dict
) -> None:
    payout_id, *members = scenario(expected, "composition_gap")
    net = sum(bt["net"] for bt in month.stripe["balance_transactions"] if bt["id"] in set(members))
    assert net - payout(month, payout_id)["amount"] == 1500
    assert len(bank_deposit_for(month, payout(month, payout_id))) == 1


def test_bad_currency_order_and_bad_amount_bill(month: VendorData, expected: dict) -> None:
    [order_id] = scenario(expected, "bad_currency")
    assert orders_by_id(month)[order_id]["currency"] == "XYZ"
    assert not [c for c in month.stripe["charges"] if c["metadata"].get("order_id") == order_id]
    [bill_id] = scenario(expected, "bad_amount")
    assert next(b for b in month.quickbooks["Bill"] if b["Id"] == bill_id)["TotalAmt"] == "12,40.00"


def test_late_invoice_order_is_on_the_last_evening_and_booked_next_morning(
    month: VendorData, expected: dict
) -> None:
    order_id, invoice_id = scenario(expected, "late_invoice")
    order, invoice = orders_by_id(month)[order_id], invoices_by_id(month)[invoice_id]
    assert order["created_at"].startswith("2026-10-31T19:30") and order["created_at"].endswith(
        "-04:00"
    )
    assert datetime.fromisoformat(order["created_at"]) < month.window.end
    assert invoice["TxnDate"] == "2026-11-01"
    assert invoice["MetaData"]["CreateTime"] == "2026-11-01T06:12:00-08:00", (
        "Pacific, after the clocks went back"
    )


def test_partial_payment_names_an_invoice_and_pays_less_than_its_balance(
    month: VendorData, expected: dict
) -> None:
    txn_id, invoice_id = scenario(expected, "partial_payment")
    line = next(t for t in month.plaid_transactions if t["transaction_id"] == txn_id)
    invoice = invoices_by_id(month)[invoice_id]
    assert invoice["DocNumber"] in line["name"]
    assert 0 < -line["amount"] < invoice["Balance"]
    [match] = [m for m in expected["matches"] if m["records"][0]["id"] == txn_id]
    assert match["kind"] == "deposit_invoices" and match["partial"] is True


def test_ach_batch_pays_15_of_the_customers_40_open_invoices_by_number(
    month: VendorData, expected: dict
) -> None:
    txn_id, *paid = scenario(expected, "ach_batch")
    line = next(t for t in month.plaid_transactions if t["transaction_id"] == txn_id)
    invoices = invoices_by_id(month)
    [customer] = {invoices[i]["CustomerRef"]["value"] for i in paid}
    open_ = [
        i
        for i in month.quickbooks["Invoice"]
        if i["CustomerRef"]["value"] == customer and i["Balance"] > 0
    ]
    assert (len(paid), len(open_)) == (15, 40)
    assert -line["amount"] == sum(invoices[i]["TotalAmt"] for i in paid)
    assert all(invoices[i]["DocNumber"] in line["name"] for i in paid)
    assert line["name"].startswith("ACH DEPOSIT ACME WHOLESALE LL")


def test_one_customer_under_three_spellings_and_two_people_sharing_a_mailbox(
    month: VendorData, expected: dict
) -> None:
    shopify_id, qbo_id = scenario(expected, "three_spellings")
    shop = next(c for c in month.shopify["customers"] if str(c["id"]) == shopify_id)
    books = next(c for c in month.quickbooks["Customer"] if c["Id"] == qbo_id)
    card = {
        c["billing_details"]["name"]
        for c in month.stripe["charges"]
        if c["billing_details"]["email"] == shop["email"]
    }
    spellings = {f"{shop['first_name']} {shop['last_name']}", books["DisplayName"], *card}
    assert len(spellings) == 3
    assert (
        books["PrimaryEmailAddr"]["Address"] == shop["email"]
        and books["PrimaryPhone"]["FreeFormNumber"] == shop["phone"]
    )
    sam, _, leela, _ = scenario(expected, "shared_mailbox")
    people = {str(c["id"]): c for c in month.shopify["customers"]}
    assert people[sam]["email"] == people[leela]["email"]
    assert (
        people[sam]["phone"] != people[leela]["phone"]
        and people[sam]["first_name"] != people[leela]["first_name"]
    )
    clusters = [{r["id"] for r in c} for c in expected["customers"]]
    assert {shopify_id, qbo_id} in clusters and not any({sam, leela} <= c for c in clusters)


# --- everything else is clean ------------------------------------------------------------------


def planted_ids(expected: dict) -> set[str]:
    return {r["id"] for d in expected["discrepancies"] for r in d["records"]}


def test_every_order_has_its_charge_and_its_invoice_with_the_same_total(
    month: VendorData, expected: dict
) -> None:
    skip = set(scenario(expected, "missing_invoice")) | set(scenario(expected, "bad_currency"))
    by_doc = {i["DocNumber"]: i for i in month.quickbooks["Invoice"]}
    charges = {c["metadata"].get("order_id"): c for c in month.stripe["charges"]}
    mismatched = set(scenario(expected, "total_mismatch"))
    # an item's SKU: its `Sku`, or its name where the books named it by the SKU
    sku_of = {item["Id"]: item["Sku"] or item["Name"] for item in month.quickbooks["Item"]}
    for order in month.shopify["orders"]:
        if str(order["id"]) in skip:
            continue
        invoice = by_doc[f"SH-{order['order_number']}"]
        charge = charges[str(order["id"])]
        assert charge["amount"] == int(Decimal(order["total_price"]) * 100)
        if str(order["id"]) not in mismatched:
            assert invoice["TotalAmt"] == Decimal(order["total_price"]), order["name"]
            lines = [(line["sku"], line["quantity"], line["price"]) for line in order["line_items"]]
            booked = [
                (sku_of[d["SalesItemLineDetail"]["ItemRef"]["value"]], d["SalesItemLineDetail"]["Qty"], str(d["SalesItemLineDetail"]["UnitPrice"]))
                for d in invoice["Line"] if d["DetailType"] == "SalesItemLineDetail"
            ]  # fmt: skip
            assert booked == lines


def test_the_books_name_their_items_as_people_do_and_keep_the_shops_sku_beside(
    month: VendorData,
) -> None:
    """As most QuickBooks companies: an item's name is not the shop's SKU (that is its `Sku`),
    except the few named by their SKU, which have no `Sku`; each line names its item."""
    items = {item["Id"]: item for item in month.quickbooks["Item"]}
    sold = [i for i in items.values() if i["Type"] == "NonInventory"]
    by_sku = [i for i in sold if not i["Sku"]]
    assert len(by_sku) == 2 and all(i["Name"].startswith("JO-") for i in by_sku)
    assert len(sold) > 10 and all(i["Name"] != i["Sku"] for i in sold if i["Sku"])
    for invoice in month.quickbooks["Invoice"]:
        for line in invoice["Line"]:
            if line["DetailType"] == "SalesItemLineDetail":
                ref = line["SalesItemLineDetail"]["ItemRef"]
                assert items[ref["value"]]["Name"] == ref["name"]


def test_fees_are_2_9_percent_plus_30_cents_and_nets_add_up(month: VendorData) -> None:
    for bt in month.stripe["balance_transactions"]:
        assert bt["net"] == bt["amount"] - bt["fee"]
        if bt["type"] == "charge":
            fee = (Decimal(bt["amount"]) * Decimal("0.029")).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            ) + 30
            assert bt["fee"] == fee


def test_each_payout_is_the_net_of_its_members_and_reached_the_bank(
    month: VendorData, expected: dict
) -> None:
    by_id = {bt["id"]: bt for bt in month.stripe["balance_transactions"]}
    gap = scenario(expected, "composition_gap")[0]
    unpaid = set(scenario(expected, "missing_deposit")) | set(scenario(expected, "late_payout"))
    for p in month.stripe["payouts"]:
        members = [by_id[m] for m in month.stripe_payout_members[p["id"]]]
        own = [m for m in members if m["type"] == "payout"]
        assert [m["source"] for m in own] == [p["id"]] and own[0]["amount"] == -p["amount"]
        net = sum(m["net"] for m in members if m["type"] != "payout")
        assert net - p["amount"] == (1500 if p["id"] == gap else 0)
        assert len(bank_deposit_for(month, p)) == (0 if p["id"] in unpaid else 1)


def test_every_available_charge_and_refund_is_paid_out_exactly_once(month: VendorData) -> None:
    listed = Counter(m for members in month.stripe_payout_members.values() for m in members)
    assert max(listed.values()) == 1
    last = max(p["created"] for p in month.stripe["payouts"])
    for bt in month.stripe["balance_transactions"]:
        if bt["type"] in ("charge", "refund"):
            assert (bt["id"] in listed) == (bt["available_on"] <= last), bt["id"]


def test_payouts_only_take_funds_already_available(month: VendorData) -> None:
    by_id = {bt["id"]: bt for bt in month.stripe["balance_transactions"]}
    for p in month.stripe["payouts"]:
        for member in month.stripe_payout_members[p["id"]]:
            assert by_id[member]["available_on"] <= p["created"]


def test_every_deposit_is_explained_except_the_planted_ones(
    month: VendorData, expected: dict
) -> None:
    payouts = {
        (Decimal(p["amount"]) / 100, arrival(p).isoformat()) for p in month.stripe["payouts"]
    }
    payments = {(p["TotalAmt"], p["TxnDate"]) for p in month.quickbooks["Payment"]}
    docs = {i["DocNumber"] for i in month.quickbooks["Invoice"]}
    planted = planted_ids(expected)
    for line in deposits(month):
        key = (-line["amount"], line["date"])
        named = [d for d in docs if d in line["name"].split()]
        explained = key in payouts or key in payments or named
        assert bool(explained) != (line["transaction_id"] in planted), line["name"]


def test_every_withdrawal_pays_a_bill_of_its_vendor(month: VendorData, expected: dict) -> None:
    paid = {(p["TotalAmt"], p["VendorRef"]["name"]) for p in month.quickbooks["BillPayment"]}
    billed = {
        (b["TotalAmt"], b["VendorRef"]["name"], b["TxnDate"]) for b in month.quickbooks["Bill"]
    }
    typo = scenario(expected, "bill_typo")[0]
    for line in withdrawals(month):
        found = (line["amount"], line["merchant_name"]) in paid or (
            line["amount"],
            line["merchant_name"],
            line["date"],
        ) in billed
        assert found != (line["transaction_id"] == typo), line["name"]


def test_wholesale_has_three_customers_and_40_plus_open_invoices(month: VendorData) -> None:
    wholesale = [i for i in month.quickbooks["Invoice"] if not i["DocNumber"].startswith("SH-")]
    assert len({i["CustomerRef"]["value"] for i in wholesale}) == 3
    assert len([i for i in wholesale if i["Balance"] > 0]) >= 40
    assert all(
        date.fromisoformat(i["DueDate"]) - date.fromisoformat(i["TxnDate"])
        == (date(2026, 1, 31) - date(2026, 1, 1))
        for i in wholesale
    )


def test_orders_are_in_business_hours_in_new_york(month: VendorData) -> None:
    for order in month.shopify["orders"]:
        local = datetime.fromisoformat(order["created_at"])
        assert local.utcoffset().total_seconds() == -4 * 3600  # EDT all October
        assert 8 <= local.hour < 21


# --- the recorded directory -------------------------------------------------------------------


def test_recorded_pages_are_the_vendors_list_bodies(month: VendorData, folder: Path) -> None:
    charges = sorted((folder / "stripe").glob("charges_*.json"))
    bodies = [read(p) for p in charges]
    assert [b["has_more"] for b in bodies] == [True] * (len(bodies) - 1) + [False]
    assert all(b["object"] == "list" and b["url"] == "/v1/charges" for b in bodies)
    assert [c for b in bodies for c in b["data"]] == month.stripe["charges"]
    plaid = [read(p) for p in sorted((folder / "plaid").glob("transactions_sync_*.json"))]
    assert [t for b in plaid for t in b["added"]] == month.plaid_transactions
    assert plaid[-1]["has_more"] is False and all(b["has_more"] for b in plaid[:-1])
    assert all(
        {"accounts", "modified", "removed", "next_cursor", "request_id"} <= b.keys() for b in plaid
    )
    invoices = [read(p) for p in sorted((folder / "quickbooks").glob("Invoice_*.json"))]
    assert [b["QueryResponse"]["startPosition"] for b in invoices] == [
        1 + 25 * i for i in range(len(invoices))
    ]
    assert [i for b in invoices for i in b["QueryResponse"]["Invoice"]] == month.quickbooks[
        "Invoice"
    ]
    orders = [read(p) for p in sorted((folder / "shopify").glob("orders_*.json"))]
    assert [o for b in orders for o in b["orders"]] == month.shopify["orders"]


def test_expected_json_carries_the_window_to_reconcile(month: VendorData, expected: dict) -> None:
    assert expected["window"] == month.window.model_dump(mode="json")
    assert expected["seed"] == 7


def test_each_payout_is_itemized_in_its_own_page(month: VendorData, folder: Path) -> None:
    for payout_id, members in month.stripe_payout_members.items():
        [page] = (folder / "stripe").glob(f"balance_transactions_payout_{payout_id}_*.json")
        assert [bt["id"] for bt in read(page)["data"]] == members


def test_amounts_are_written_exactly_never_through_float(folder: Path) -> None:
    text = (folder / "quickbooks" / "Invoice_0001.json").read_text()
    invoices = json.loads(text, parse_float=Decimal)["QueryResponse"]["Invoice"]
    assert all(
        isinstance(i["TotalAmt"], Decimal) and i["TotalAmt"].as_tuple().exponent == -2
        for i in invoices
    )
    assert '"TotalAmt": 60.89' in "".join(
        p.read_text() for p in (folder / "quickbooks").glob("Invoice_*.json")
    )
    plaid = read(folder / "plaid" / "transactions_sync_0001.json")
    assert all(isinstance(t["amount"], Decimal) for t in plaid["added"])


@pytest.mark.parametrize("orders", [20, 150])
def test_small_and_larger_months_still_carry_every_planted_case(orders: int) -> None:
    data = generate(seed=3, month=OCTOBER, orders=orders)
    assert {d.scenario for d in data.expected.discrepancies} == set(PLANTED)
    assert len(data.shopify["orders"]) == orders
    assert {r.source.value for m in data.expected.matches for r in m.records} == {
        "plaid",
        "stripe",
        "shopify",
        "quickbooks",
    }
