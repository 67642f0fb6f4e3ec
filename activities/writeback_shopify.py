"""Corrections pushed to Shopify through ShopifyAPI: what its Admin API allows on an order.

An order's `note`, its `tags` (added, never removed) and a metafield `accord.reconciliation`
marking the reconciliation. Shopify takes no idempotency key on these calls, so each is decided
by a read first: a value already there is not written again. ShopifyAPI keeps its session in
class attributes; calls hold a lock while a session is active.
"""

from __future__ import annotations

import json
import threading

import shopify

from activities.writeback_quickbooks import Pushed
from models.approvals import ApplyStatus

METAFIELD_NAMESPACE = "accord"
METAFIELD_KEY = "reconciliation"
FIELDS = ("note", "tags", "metafield")
_lock = threading.Lock()


def _tags(value: str | None) -> list[str]:
    return [t.strip() for t in (value or "").split(",") if t.strip()]


class ShopifyWriter:
    def __init__(self, session: shopify.Session) -> None:
        self.session = session

    def apply(self, order_id: str, field: str, value: str, marker: dict) -> Pushed:
        if field not in FIELDS:
            return Pushed(
                ApplyStatus.FAILED, f"Shopify orders take note, tags or metafield, not {field!r}"
            )
        with _lock:
            shopify.ShopifyResource.activate_session(self.session)
            try:
                return self._apply(order_id, field, value, marker)
            finally:
                shopify.ShopifyResource.clear_session()

    def _apply(self, order_id: str, field: str, value: str, marker: dict) -> Pushed:
        order = shopify.Order.find(order_id)
        before = {"note": order.attributes.get("note"), "tags": order.attributes.get("tags")}
        if field == "metafield":
            return self._metafield(order, value or json.dumps(marker), before)
        if field == "note":
            if (order.attributes.get("note") or "") == value:
                return Pushed(
                    ApplyStatus.APPLIED, "note already set", order_id, None, before, before
                )
            order.note = value
        else:
            current = _tags(order.attributes.get("tags"))
            missing = [t for t in _tags(value) if t not in current]
            if not missing:
                return Pushed(
                    ApplyStatus.APPLIED, "tags already there", order_id, None, before, before
                )
            order.tags = ", ".join(current + missing)
        if not order.save():
            return Pushed(
                ApplyStatus.FAILED, f"Shopify refused: {order.errors.full_messages()}", order_id
            )
        after = {"note": order.attributes.get("note"), "tags": order.attributes.get("tags")}
        return Pushed(ApplyStatus.APPLIED, "", order_id, None, before, after)

    def _metafield(self, order, value: str, before: dict) -> Pushed:
        order_id = str(order.id)
        try:
            existing = [
                m
                for m in order.metafields()
                if m.namespace == METAFIELD_NAMESPACE and m.key == METAFIELD_KEY
            ]
        except Exception:  # a shop that cannot list metafields: write, Shopify upserts by key
            existing = []
        if existing and existing[0].value == value:
            return Pushed(
                ApplyStatus.APPLIED, "metafield already set", order_id, None, before, before
            )
        field = shopify.Metafield(
            {"namespace": METAFIELD_NAMESPACE, "key": METAFIELD_KEY, "value": value, "type": "json"}
        )
        saved = order.add_metafield(field)
        after = {**before, "metafield": value}
        return Pushed(
            ApplyStatus.APPLIED, "", order_id, str(getattr(saved, "id", "")) or None, before, after
        )
