"""QuickBooks write-back against the loopback QBO API: exactly once, through crashes at random points."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities import writeback_quickbooks
from activities.writeback import WritebackActivities, invoice_body, payment_body, skus_sold
from activities.writeback_quickbooks import QuickBooksWriter
from approvals.blocks import APPROVE
from connectors.quickbooks import QuickBooksConnector
from ledger import canonical
from ledger.approval_tables import CorrectionOutbox
from ledger.tables import CustomerIdentity, DiscrepancyRow
from models.approvals import ApplyInput, ApplyStatus, RunApprovalsInput, RunApprovalsResult
from models.records import (
    BankTransaction,
    CanonicalStatus,
    Invoice,
    LineItem,
    Order,
    Source,
    SourceRef,
)
from models.results import Correction, Discrepancy, DiscrepancyField, Severity
from normalizers import normalize
from runtime.settings import Settings
from sandbox.servers.runner import run_sandbox
from tests.approvals.approval_factories import (
    bill_total,
    invoice_total,
    missing_invoice,
    seed_run,
)
from tests.approvals.conftest import SIGNING_SECRET, run_worker
from tests.approvals.flow_helpers import SlackUser, approval_messages, buttons, wait_for
from tests.connectors.memory_ingestor import MemoryKeyValueStore
from workflows.approval import RunApprovalsWorkflow

INVOICES = 40


def _invoice(number: int, total: str) -> dict:
    return {
        "Id": str(number),
        "SyncToken": "0",
        "DocNumber": f"INV-{number}",
        "TxnDate": "2026-10-05",
        "CustomerRef": {"value": "1", "name": "Amy's Bird Sanctuary"},
        "CurrencyRef": {"value": "USD"},
        "TotalAmt": Decimal(total),
        "Balance": Decimal(total),
        "Line": [
            {
                "Id": "1",
                "LineNum": 1,
                "DetailType": "SalesItemLineDetail",
                "Amount": Decimal(total),
                "SalesItemLineDetail": {
                    "ItemRef": {"value": "1"},
                    "Qty": 1,
                    "UnitPrice": Decimal(total),
                },
            },
            {
                "DetailType": "SubTotalLineDetail",
                "Amount": Decimal(total),
                "SubTotalLineDetail": {},
            },
        ],
    }


# the books' products and services: `_invoice` lines sell item 1; the mug is known by its
# SKU, the tea by a name that is its SKU (as books kept before QuickBooks had SKUs)
ITEMS = [
    {"Id": str(n), "SyncToken": "0", "Name": name, "Active": True, "Type": "NonInventory", **sku}
    for n, (name, sku) in enumerate(
        [("Sales", {}), ("Stoneware Mug", {"Sku": "MUG-1"}), ("TEA-2", {})], start=1
    )
]


def books(*invoices: dict) -> dict[str, list[dict]]:
    return {"Invoice": list(invoices), "Item": ITEMS}


@pytest.fixture
async def qbo() -> AsyncIterator[SimpleNamespace]:
    customer = {
        "Id": "58",
        "SyncToken": "0",
        "DisplayName": "Amy's Bird Sanctuary",
        "PrimaryEmailAddr": {"Address": "amy@old.example"},
    }
    invoices = [_invoice(100 + i, "100.00") for i in range(INVOICES)]
    data = SimpleNamespace(quickbooks={**books(*invoices), "Customer": [customer]})
    async with run_sandbox(data, vendors=("quickbooks",)) as sb:
        settings = Settings(_env_file=None, **{k.lower(): v for k, v in sb.env().items()})  # type: ignore[call-arg]
        connector = QuickBooksConnector.from_settings(settings, MemoryKeyValueStore())
        try:
            yield SimpleNamespace(
                sandbox=sb, books=sb.quickbooks.books, writer=QuickBooksWriter(connector)
            )
        finally:
            await connector.aclose()


def _apply(d, run_id: int) -> ApplyInput:
    return ApplyInput(
        run_id=run_id, discrepancy_id=d.id, correction=d.correction, decided_by="U0OWNER"
    )


async def test_approved_correction_appears_in_quickbooks_once(
    temporal_client, approval_settings, sessions, clean_slack, qbo
):
    item = invoice_total("100", "100.00", "180.00")
    run_id = await seed_run(sessions, [item])
    async with await run_worker(
        temporal_client, approval_settings, sessions, quickbooks=qbo.writer
    ):
        handle = await temporal_client.start_workflow(
            RunApprovalsWorkflow.run,
            RunApprovalsInput(run_id=run_id),
            id=f"approvals-qbo-{uuid.uuid4().hex[:8]}",
            task_queue=approval_settings.temporal_task_queue,
            result_type=RunApprovalsResult,
        )
        [message] = await wait_for(
            lambda: approval_messages(clean_slack), what="the approval message"
        )
        user = SlackUser(temporal_client, SIGNING_SECRET, clean_slack, sessions)
        await user.click(buttons(message)[item.id][APPROVE], APPROVE, user="U0OWNER")
        await user.settle()
        result = await handle.result()

    invoice = qbo.books.entities["Invoice"]["100"]
    assert result.applied == 1 and qbo.books.writes == 1
    assert (invoice["TotalAmt"], invoice["SyncToken"]) == (Decimal("180.00"), "1")
    assert [
        line["Amount"] for line in invoice["Line"] if line["DetailType"] != "SubTotalLineDetail"
    ] == [Decimal("180.00")]
    async with sessions() as session:
        row = await session.get(CorrectionOutbox, item.correction.id)
    assert (row.status, row.vendor_id, row.before["total"], row.after["total"]) == (
        "applied",
        "100",
        "100.00",
        "180.00",
    )
    assert row.response_id and row.response_id.startswith("1-sandbox-")  # Intuit's intuit_tid


async def test_exactly_once_when_the_attempt_dies_at_random_points(
    sessions, approval_settings, qbo
):
    """Each correction's first attempt is cut off at a random moment (before the outbox row, before
    the call, during it, after it, before the outcome is committed); the retry completes it.
    QuickBooks must hold each new total, written exactly once."""
    acts = WritebackActivities(sessions, approval_settings, quickbooks=qbo.writer)
    items = [invoice_total(str(100 + i), "100.00", f"{150 + i}.00") for i in range(INVOICES)]
    run_id = await seed_run(sessions, items)
    started = time.perf_counter()
    await ActivityEnvironment().run(acts.apply_correction, _apply(items[0], run_id))
    full = time.perf_counter() - started
    rng = random.Random(20261122)
    interrupted = 0
    for item in items[1:]:
        attempt = asyncio.create_task(
            ActivityEnvironment().run(acts.apply_correction, _apply(item, run_id))
        )
        await asyncio.sleep(rng.uniform(0, full * 1.2))
        if not attempt.done():
            interrupted += 1
            attempt.cancel()
        await asyncio.gather(attempt, return_exceptions=True)
        retried = await ActivityEnvironment().run(acts.apply_correction, _apply(item, run_id))
        assert retried.status == ApplyStatus.APPLIED, retried

    assert interrupted >= INVOICES // 3  # most attempts really were cut off mid-way
    assert qbo.books.writes == INVOICES  # one write per correction, never two
    for i in range(INVOICES):
        invoice = qbo.books.entities["Invoice"][str(100 + i)]
        assert (invoice["TotalAmt"], invoice["SyncToken"]) == (Decimal(f"{150 + i}.00"), "1")
    async with sessions() as session:
        statuses = set((await session.execute(select(CorrectionOutbox.status))).scalars())
    assert statuses == {"applied"}


async def test_a_record_changed_since_the_proposal_is_not_overwritten(
    sessions, approval_settings, qbo
):
    item = invoice_total("101", "100.00", "120.00")
    run_id = await seed_run(sessions, [item])
    edited = {
        **qbo.books.entities["Invoice"]["101"],
        "TotalAmt": Decimal("95.00"),
        "SyncToken": "3",
    }
    qbo.sandbox.quickbooks.put("Invoice", edited)  # a bookkeeper changed it in QuickBooks meanwhile
    acts = WritebackActivities(sessions, approval_settings, quickbooks=qbo.writer)

    result = await ActivityEnvironment().run(acts.apply_correction, _apply(item, run_id))

    assert result.status == ApplyStatus.CONFLICT and "95.00" in result.detail
    assert qbo.books.writes == 0 and qbo.books.entities["Invoice"]["101"]["TotalAmt"] == Decimal(
        "95.00"
    )
    async with sessions() as session:
        assert await session.scalar(select(DiscrepancyRow.status)) == "open"  # back to people


async def test_a_total_quickbooks_works_out_otherwise_is_said_not_hidden(
    sessions, approval_settings, qbo
):
    """Under a 10% discount, moving the item line by the difference moves the total by 90% of
    it: the write is made, and the outcome says what QuickBooks holds now."""
    discounted = _invoice(100, "100.00")
    discounted["Line"].append(
        {
            "DetailType": "DiscountLineDetail",
            "Amount": Decimal("10.00"),
            "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
        }
    )
    discounted["TotalAmt"] = discounted["Balance"] = Decimal("90.00")
    qbo.sandbox.quickbooks.put("Invoice", discounted)
    item = invoice_total("100", "90.00", "108.00")
    run_id = await seed_run(sessions, [item])
    acts = WritebackActivities(sessions, approval_settings, quickbooks=qbo.writer)

    result = await ActivityEnvironment().run(acts.apply_correction, _apply(item, run_id))

    assert result.status == ApplyStatus.APPLIED
    assert result.detail == "QuickBooks now holds 106.20, not 108.00"
    assert qbo.books.entities["Invoice"]["100"]["TotalAmt"] == Decimal("106.20")


async def test_a_bill_typo_is_corrected_to_what_left_the_bank(sessions, approval_settings, qbo):
    """The demo's near miss: the bank paid 5250.00, the bill says 5520.00. QuickBooks works a
    bill's total out of its lines, so the line is what the correction moves."""
    expense = {
        "Id": "1",
        "DetailType": "AccountBasedExpenseLineDetail",
        "Amount": Decimal("5520.00"),
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "60", "name": "Rent"}},
    }
    bill = {"Id": "348", "SyncToken": "0", "VendorRef": {"value": "9"}, "Line": [expense]}
    qbo.sandbox.quickbooks.put(
        "Bill", {**bill, "TotalAmt": Decimal("5520.00"), "Balance": Decimal("5520.00")}
    )
    typo = bill_total("348", "5520.00", "5250.00")
    run_id = await seed_run(sessions, [typo])
    acts = WritebackActivities(sessions, approval_settings, quickbooks=qbo.writer)

    result = await ActivityEnvironment().run(acts.apply_correction, _apply(typo, run_id))

    assert result.status == ApplyStatus.APPLIED, result
    stored = qbo.books.entities["Bill"]["348"]
    assert (stored["TotalAmt"], stored["Balance"], stored["SyncToken"]) == (
        Decimal("5250.00"),
        Decimal("5250.00"),
        "1",
    )
    assert [line["Amount"] for line in stored["Line"]] == [Decimal("5250.00")]


async def test_dry_run_sends_nothing_to_quickbooks(sessions, approval_settings, qbo):
    item = invoice_total("102", "100.00", "130.00")
    run_id = await seed_run(sessions, [item])
    settings = approval_settings.model_copy(update={"writeback_dry_run": True})
    acts = WritebackActivities(sessions, settings, quickbooks=qbo.writer)
    result = await ActivityEnvironment().run(acts.apply_correction, _apply(item, run_id))
    assert result.status == ApplyStatus.DRY_RUN and "'100.00' → '130.00'" in result.detail
    assert qbo.books.writes == 0


class EditsFirst:
    """Around the QBO app: just before the first write to an invoice lands, a person edits that
    invoice in QuickBooks (`edit` changes the stored record and bumps its SyncToken)."""

    def __init__(self, app, state, edit) -> None:
        self.app, self.state, self.edit, self.done = app, state, edit, False

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].endswith("/invoice")
            and not self.done
        ):
            self.done = True
            record = dict(self.state.books.entities["Invoice"]["300"])
            self.state.put(
                "Invoice", {**self.edit(record), "SyncToken": str(int(record["SyncToken"]) + 1)}
            )
        await self.app(scope, receive, send)


async def _with_concurrent_edit(sessions, approval_settings, edit):
    from sandbox.servers import quickbooks
    from sandbox.servers.host import VendorHost
    from sandbox.servers.quickbooks_auth import OAuthState
    from sandbox.servers.runner import Credentials

    c = Credentials()
    oauth = OAuthState(c.qbo_client_id, c.qbo_client_secret, c.qbo_refresh_token)
    state = quickbooks.QuickBooksState(books(_invoice(300, "100.00")), c.qbo_realm_id, oauth)
    host = VendorHost(
        "quickbooks",
        EditsFirst(quickbooks.build_app(state), state, edit),
        quickbooks.fault_response,
    )
    host.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        qbo_base_url=host.url,
        qbo_realm_id=c.qbo_realm_id,
        qbo_client_id=c.qbo_client_id,
        qbo_client_secret=c.qbo_client_secret,
        qbo_refresh_token=c.qbo_refresh_token,
    )
    connector = QuickBooksConnector.from_settings(settings, MemoryKeyValueStore())
    item = invoice_total("300", "100.00", "140.00")
    run_id = await seed_run(sessions, [item])
    try:
        acts = WritebackActivities(
            sessions, approval_settings, quickbooks=QuickBooksWriter(connector)
        )
        result = await ActivityEnvironment().run(acts.apply_correction, _apply(item, run_id))
    finally:
        await connector.aclose()
        host.stop()
    return result, state.books.entities["Invoice"]["300"], state.books


async def test_a_stale_sync_token_is_read_again_and_decided_again(sessions, approval_settings):
    # someone touched the invoice (a memo) between our read and our write: same total, new token
    result, invoice, books = await _with_concurrent_edit(
        sessions, approval_settings, lambda r: {**r, "PrivateNote": "checked by Sam"}
    )
    assert result.status == ApplyStatus.APPLIED
    assert (invoice["TotalAmt"], invoice["PrivateNote"]) == (Decimal("140.00"), "checked by Sam")
    assert books.writes == 2  # the stale attempt was refused (5010), the re-decided one written


async def test_a_stale_sync_token_over_a_changed_total_is_not_overwritten(
    sessions, approval_settings
):
    result, invoice, _ = await _with_concurrent_edit(
        sessions, approval_settings, lambda r: {**r, "TotalAmt": Decimal("90.00")}
    )
    assert result.status == ApplyStatus.CONFLICT and "90.00" in result.detail
    assert invoice["TotalAmt"] == Decimal("90.00")


async def test_a_customer_email_follows_the_most_recent_record(sessions, approval_settings, qbo):
    d = Discrepancy(
        field=DiscrepancyField.CUSTOMER,
        severity=Severity.LOW,
        records=[SourceRef(source=Source.QUICKBOOKS, type="Customer", id="58")],
        explanation="email differs",
        correction=Correction(
            system="quickbooks",
            object_type="Customer",
            object_id="58",
            field="email",
            from_value="amy@old.example",
            to_value="amy@new.example",
        ),
    )
    run_id = await seed_run(sessions, [d])
    acts = WritebackActivities(sessions, approval_settings, quickbooks=qbo.writer)
    for _ in range(2):
        result = await ActivityEnvironment().run(acts.apply_correction, _apply(d, run_id))
        assert result.status == ApplyStatus.APPLIED
    customer = qbo.books.entities["Customer"]["58"]
    assert customer["PrimaryEmailAddr"] == {"Address": "amy@new.example"}
    assert (customer["SyncToken"], customer["DisplayName"], qbo.books.writes) == (
        "1",
        "Amy's Bird Sanctuary",
        1,
    )


def _taxed_order(order_id: str, skus: tuple[str, str] = ("MUG-1", "TEA-2")) -> Order:
    return Order(
        ref=SourceRef(source=Source.SHOPIFY, type="order", id=order_id),
        currency="USD",
        amount=Decimal("118.61"),  # 100.00 + 15.00 - 10.00 + 5.00 + 8.61
        number="1042",
        created_at=datetime(2026, 10, 4, 15, 0, tzinfo=UTC),
        customer=SourceRef(source=Source.SHOPIFY, type="customer", id=f"c{order_id}"),
        tax=Decimal("8.61"),
        discounts=Decimal("10.00"),
        shipping=Decimal("5.00"),
        line_items=[
            LineItem(sku=skus[0], quantity=2, unit_price=Decimal("50.00"), amount=Decimal("100")),
            LineItem(sku=skus[1], quantity=1, unit_price=Decimal("15.00"), amount=Decimal("15")),
        ],
    )


async def _missing_invoice(sessions, order: Order) -> Discrepancy:
    """The ledger holds the order, and knows its buyer as QuickBooks customer 58; the run found
    no invoice for it, and the correction is to create one."""
    assert order.customer is not None
    person = f"cust_{order.ref.id}"
    async with sessions.begin() as session:
        await canonical.save_versions(session, [(order, None)])
        session.add(CustomerIdentity(source_key=order.customer.key, canonical_id=person))
        session.add(CustomerIdentity(source_key="quickbooks:Customer:58", canonical_id=person))
    return missing_invoice(order.ref, order.amount)


async def test_an_approved_missing_invoice_is_created_from_its_order_once(
    sessions, approval_settings, qbo
):
    order = _taxed_order(uuid.uuid4().hex[:10])
    item = await _missing_invoice(sessions, order)
    run_id = await seed_run(sessions, [item])
    acts = WritebackActivities(sessions, approval_settings, quickbooks=qbo.writer)

    first = await ActivityEnvironment().run(acts.apply_correction, _apply(item, run_id))
    again = await ActivityEnvironment().run(acts.apply_correction, _apply(item, run_id))

    assert first.status == again.status == ApplyStatus.APPLIED, first
    assert first.detail == ""  # QuickBooks totals it as the order says
    assert qbo.books.writes == 1
    stored = qbo.books.entities["Invoice"][first.vendor_id]
    assert (stored["DocNumber"], stored["CustomerRef"]["value"]) == ("1042", "58")
    assert (stored["TotalAmt"], stored["Balance"]) == (order.amount, order.amount)
    assert [
        line["SalesItemLineDetail"]["ItemRef"]
        for line in stored["Line"]
        if line["DetailType"] == "SalesItemLineDetail"
    ] == [
        {"value": "2", "name": "Stoneware Mug"},  # the item whose Sku is MUG-1
        {"value": "3", "name": "TEA-2"},
        {"value": "SHIPPING_ITEM_ID"},
    ]


async def test_a_sale_the_books_hold_under_another_number_is_not_booked_twice(
    sessions, approval_settings, qbo
):
    """The shop's sync booked the order as SH-1042 after what the run read: same customer,
    date and total. Creating another would double the receivable: it goes back to people."""
    order = _taxed_order(uuid.uuid4().hex[:10])
    item = await _missing_invoice(sessions, order)
    run_id = await seed_run(sessions, [item])
    synced = {
        **_invoice(900, "118.61"),
        "DocNumber": "SH-1042",
        "TxnDate": "2026-10-04",
        "CustomerRef": {"value": "58"},
    }
    qbo.sandbox.quickbooks.put("Invoice", synced)
    acts = WritebackActivities(sessions, approval_settings, quickbooks=qbo.writer)

    result = await ActivityEnvironment().run(acts.apply_correction, _apply(item, run_id))

    assert result.status == ApplyStatus.CONFLICT and "SH-1042" in result.detail, result
    assert qbo.books.writes == 0
    async with sessions() as session:
        assert (await session.get(DiscrepancyRow, item.id)).status == "open"  # back to people


async def test_an_order_with_a_sku_the_books_lack_gets_no_invoice(sessions, approval_settings, qbo):
    order = _taxed_order(uuid.uuid4().hex[:10], skus=("MUG-1", "VASE-9"))
    item = await _missing_invoice(sessions, order)
    run_id = await seed_run(sessions, [item])
    acts = WritebackActivities(sessions, approval_settings, quickbooks=qbo.writer)

    result = await ActivityEnvironment().run(acts.apply_correction, _apply(item, run_id))

    assert result.status == ApplyStatus.FAILED
    assert "QuickBooks has no item with SKU VASE-9" in result.detail
    assert qbo.books.writes == 0


def _read_back(stored: dict) -> Invoice:
    """The invoice as the next QuickBooks fetch normalizes it."""
    [invoice] = normalize(Source.QUICKBOOKS, "Invoice", stored, where="the sandbox's books")
    assert isinstance(invoice, Invoice)
    return invoice


async def test_an_invoice_made_from_an_order_totals_what_the_buyer_paid(qbo):
    """Items less a discount, plus shipping and tax: QuickBooks works the new invoice's total out
    of its lines, and it is the order's; the bank deposit recorded against it then pays it off."""
    order = _taxed_order("450789469")
    items = await writeback_quickbooks.item_refs(qbo.writer, skus_sold(order))
    assert items == {
        "MUG-1": {"value": "2", "name": "Stoneware Mug"},  # by its Sku
        "TEA-2": {"value": "3", "name": "TEA-2"},  # by its name
    }
    created = await writeback_quickbooks.create_invoice(
        qbo.writer, invoice_body(order, "58", "c_inv", items), "c_inv"
    )
    assert created.status == ApplyStatus.APPLIED
    invoice = _read_back(await qbo.writer.read("Invoice", created.vendor_id))
    assert (invoice.amount, invoice.balance) == (order.amount, order.amount)
    assert [(i.product.id, i.sku, i.quantity, i.amount) for i in invoice.line_items] == [
        ("2", "Stoneware Mug", 2, Decimal("100.00")),  # QuickBooks names the line's item
        ("3", "TEA-2", 1, Decimal("15.00")),
    ]  # the shipping line is no item

    deposit = BankTransaction(
        ref=SourceRef(source=Source.PLAID, type="transaction", id="txn_deposit_1042"),
        currency="USD",
        amount=order.amount,
        account_id="acc",
        posted_date=date(2026, 10, 6),
    )
    paid = await writeback_quickbooks.record_payment(
        qbo.writer, payment_body(deposit, [invoice], "c_pay"), "c_pay"
    )
    assert paid.status == ApplyStatus.APPLIED
    after = _read_back(await qbo.writer.read("Invoice", created.vendor_id))
    assert (after.balance, after.status) == (Decimal("0.00"), CanonicalStatus.COMPLETED)
    assert qbo.books.writes == 2


async def test_items_are_found_as_the_engine_reads_them_and_a_shared_sku_is_not_guessed(qbo):
    """An item known by its SKU is never taken for the SKU its name happens to spell, and a SKU
    two items carry is refused, naming both, rather than booked on either."""

    def item(id_: str, name: str, sku: str = "") -> dict:
        return {"Id": id_, "SyncToken": "0", "Name": name, "Active": True, "Sku": sku}

    qbo.sandbox.quickbooks.put("Item", item("20", "TEA-2-OLD", sku="SUP-88"))  # a supplier code
    qbo.sandbox.quickbooks.put("Item", item("21", "Vase, tall", sku="VASE-9"))
    qbo.sandbox.quickbooks.put("Item", item("22", "Vase (tall)", sku="VASE-9"))
    found = await writeback_quickbooks.item_refs(qbo.writer, ["TEA-2-OLD", "MUG-1"])
    assert found == {"MUG-1": {"value": "2", "name": "Stoneware Mug"}}
    with pytest.raises(writeback_quickbooks.CannotInvoice) as twice:
        await writeback_quickbooks.item_refs(qbo.writer, ["MUG-1", "VASE-9"])
    assert "SKU VASE-9 names 2 items in QuickBooks (Vase, tall 21, Vase (tall) 22)" in str(
        twice.value
    )


async def test_a_total_correction_moves_an_item_line_not_the_discount(
    sessions, approval_settings, qbo
):
    discounted = _invoice(100, "110.00")
    discounted["Line"].append(
        {
            "DetailType": "DiscountLineDetail",
            "Amount": Decimal("10.00"),
            "DiscountLineDetail": {"PercentBased": False},
        }
    )
    discounted["TotalAmt"] = discounted["Balance"] = Decimal("100.00")
    qbo.sandbox.quickbooks.put("Invoice", discounted)
    item = invoice_total("100", "100.00", "120.00")
    run_id = await seed_run(sessions, [item])
    acts = WritebackActivities(sessions, approval_settings, quickbooks=qbo.writer)

    result = await ActivityEnvironment().run(acts.apply_correction, _apply(item, run_id))

    assert result.status == ApplyStatus.APPLIED, result
    stored = qbo.books.entities["Invoice"]["100"]
    assert (stored["TotalAmt"], stored["Balance"]) == (Decimal("120.00"), Decimal("120.00"))
    assert [(line["DetailType"], line["Amount"]) for line in stored["Line"]] == [
        ("SalesItemLineDetail", Decimal("130.00")),
        ("SubTotalLineDetail", Decimal("130.00")),
        ("DiscountLineDetail", Decimal("10.00")),
    ]
