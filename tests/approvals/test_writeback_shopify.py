"""Shopify write-back through ShopifyAPI against the loopback Shopify Admin API: once, read first."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.writeback import WritebackActivities
from activities.writeback_shopify import ShopifyWriter
from connectors.shopify import ShopifyConfig
from ledger import outbox
from ledger.approval_tables import CorrectionOutbox
from models.approvals import ApplyInput, ApplyStatus
from models.records import Source, SourceRef
from models.results import Correction, Discrepancy, DiscrepancyField, Severity
from sandbox.servers import shopify as shopify_server
from sandbox.servers.host import VendorHost
from tests.approvals.approval_factories import seed_run
from tests.vendor_files import VENDOR

FIXTURE = VENDOR / "shopify/shopify_python_api-fixtures/order.json"
TOKEN = "shpat_accordtest0001"
VERSION = "2024-10"
ORDER = 450789469


@pytest.fixture
def shop() -> Iterator[tuple[VendorHost, shopify_server.ShopifyState]]:
    order = json.loads(FIXTURE.read_text())["order"]
    state = shopify_server.ShopifyState([order], [], TOKEN)
    host = VendorHost("shopify", shopify_server.build_app(state), shopify_server.fault_response)
    host.start()
    try:
        yield host, state
    finally:
        host.stop()


def tag_correction(tags: str) -> Discrepancy:
    return Discrepancy(
        field=DiscrepancyField.STATUS,
        severity=Severity.MEDIUM,
        records=[SourceRef(source=Source.SHOPIFY, type="order", id=str(ORDER))],
        explanation="refunded in Stripe, not in Shopify",
        correction=Correction(
            system="shopify",
            object_type="order",
            object_id=str(ORDER),
            field="tags",
            from_value=None,
            to_value=tags,
        ),
    )


def field_correction(field: str, from_value: str | None, to_value: str) -> Discrepancy:
    return tag_correction("").model_copy(
        update={
            "field": DiscrepancyField.CUSTOMER if field == "email" else DiscrepancyField.STATUS,
            "correction": Correction(
                system="shopify",
                object_type="order",
                object_id=str(ORDER),
                field=field,
                from_value=from_value,
                to_value=to_value,
            ),
        }
    )


def activities(host: VendorHost, sessions, settings) -> WritebackActivities:
    config = ShopifyConfig(f"{host.url}/admin/api/{VERSION}", TOKEN, VERSION)
    return WritebackActivities(sessions, settings, shopify=ShopifyWriter(config))


def _input(d: Discrepancy, run_id: int) -> ApplyInput:
    assert d.correction is not None
    return ApplyInput(
        run_id=run_id, discrepancy_id=d.id, correction=d.correction, decided_by="U0OWNER"
    )


async def test_tags_pushed_once_then_answered_from_the_outbox(shop, sessions, approval_settings):
    host, state = shop
    d = tag_correction("accord-reconciled, refund-check")
    run_id = await seed_run(sessions, [d])
    acts = activities(host, sessions, approval_settings)
    put = f"/admin/api/{VERSION}/orders/{ORDER}.json"

    first = await ActivityEnvironment().run(acts.apply_correction, _input(d, run_id))
    again = await ActivityEnvironment().run(acts.apply_correction, _input(d, run_id))

    assert first.status == again.status == ApplyStatus.APPLIED
    assert state.orders[ORDER]["tags"] == "accord-reconciled, refund-check"
    assert (
        host.requests(put, "PUT") == 1 and host.requests(put, "GET") == 1
    )  # the retry sent nothing
    async with sessions() as session:
        [row] = (await session.execute(select(CorrectionOutbox))).scalars()
    assert (row.status, row.attempts, row.before["tags"], row.after["tags"]) == (
        "applied",
        1,
        None,
        "accord-reconciled, refund-check",
    )


async def test_after_a_crash_the_order_is_read_and_nothing_is_written_again(
    shop, sessions, approval_settings
):
    host, _state = shop
    d = tag_correction("accord-reconciled")
    run_id = await seed_run(sessions, [d])
    acts = activities(host, sessions, approval_settings)
    # the first attempt committed its outbox row, pushed, and died before recording the outcome
    async with sessions.begin() as session:
        await outbox.enter(session, _input(d, run_id))
        await outbox.mark_sending(session, d.correction.id)
    acts.shopify.apply(str(ORDER), "tags", "accord-reconciled", {})
    put = f"/admin/api/{VERSION}/orders/{ORDER}.json"
    assert host.requests(put, "PUT") == 1

    result = await ActivityEnvironment().run(acts.apply_correction, _input(d, run_id))

    assert result.status == ApplyStatus.APPLIED and "already" in result.detail
    assert host.requests(put, "PUT") == 1


async def test_metafield_marks_the_reconciliation_once(shop, sessions, approval_settings):
    host, state = shop
    d = tag_correction("").model_copy(
        update={
            "correction": Correction(
                system="shopify",
                object_type="order",
                object_id=str(ORDER),
                field="metafield",
                from_value=None,
                to_value='{"reconciled": true}',
            )
        }
    )
    run_id = await seed_run(sessions, [d])
    acts = activities(host, sessions, approval_settings)
    await ActivityEnvironment().run(acts.apply_correction, _input(d, run_id))
    acts.shopify.apply(str(ORDER), "metafield", '{"reconciled": true}', {})  # a repeat: read, skip
    [field] = state.metafields[ORDER]
    assert (field["namespace"], field["key"], field["value"]) == (
        "accord",
        "reconciliation",
        '{"reconciled": true}',
    )
    # a later reconciliation of the order marks the same metafield anew, in place
    later = acts.shopify.apply(str(ORDER), "metafield", '{"reconciled": "again"}', {})
    assert later.status == ApplyStatus.APPLIED
    [field] = state.metafields[ORDER]
    assert field["value"] == '{"reconciled": "again"}'
    assert host.requests(f"/admin/api/{VERSION}/orders/{ORDER}/metafields.json", "POST") == 1


async def test_dry_run_shows_and_pushes_nothing(shop, sessions, approval_settings):
    host, state = shop
    d = tag_correction("accord-reconciled")
    run_id = await seed_run(sessions, [d])
    settings = approval_settings.model_copy(update={"writeback_dry_run": True})
    result = await ActivityEnvironment().run(
        activities(host, sessions, settings).apply_correction, _input(d, run_id)
    )
    assert result.status == ApplyStatus.DRY_RUN
    assert "would set shopify order 450789469 tags: None → 'accord-reconciled'" in result.detail
    assert sum(host.calls.values()) == 0 and state.orders[ORDER].get("tags") in (None, "")


async def test_an_approved_email_correction_sets_the_orders_email(
    shop, sessions, approval_settings
):
    """The order's email is replaced (not added to its tags), once."""
    host, state = shop
    was = state.orders[ORDER]["email"]
    d = field_correction("email", was, "bob.norman@example.com")
    run_id = await seed_run(sessions, [d])
    acts = activities(host, sessions, approval_settings)
    result = await ActivityEnvironment().run(acts.apply_correction, _input(d, run_id))
    again = acts.shopify.apply(str(ORDER), "email", "bob.norman@example.com", {}, was)
    assert result.status == again.status == ApplyStatus.APPLIED
    assert state.orders[ORDER]["email"] == "bob.norman@example.com"
    assert "bob.norman" not in (state.orders[ORDER].get("tags") or "")
    assert host.requests(f"/admin/api/{VERSION}/orders/{ORDER}.json", "PUT") == 1
    async with sessions() as session:
        [row] = (await session.execute(select(CorrectionOutbox))).scalars()
    assert (row.before["email"], row.after["email"]) == (was, "bob.norman@example.com")


@pytest.mark.parametrize("field", ["email", "note"])
async def test_a_value_changed_in_shopify_since_the_proposal_is_a_conflict(
    shop, sessions, approval_settings, field
):
    """The merchant edited the order after Accord proposed the correction: theirs is kept,
    and the discrepancy is reopened instead of overwriting it."""
    host, state = shop
    state.orders[ORDER][field] = "edited-by-merchant@example.com"
    d = field_correction(field, "what-accord-saw@example.com", "accord@example.com")
    run_id = await seed_run(sessions, [d])
    result = await ActivityEnvironment().run(
        activities(host, sessions, approval_settings).apply_correction, _input(d, run_id)
    )
    assert result.status == ApplyStatus.CONFLICT
    assert "edited-by-merchant@example.com" in result.detail
    assert state.orders[ORDER][field] == "edited-by-merchant@example.com"
    assert host.requests(f"/admin/api/{VERSION}/orders/{ORDER}.json", "PUT") == 0
