"""Corrections pushed to Shopify through ShopifyAPI: what its Admin API allows on an order.

An order's `note` and `email` (replaced only over the value the correction was proposed against),
its `tags` (added, never removed) and a metafield `accord.reconciliation` marking the
reconciliation. Shopify takes no idempotency key on these calls, so each is decided by a read
first: a value already there is not written again. Requests go through ShopifyAPI's
`ShopifyConnection` built per call from the connector's site (as the fetch connector does), so no
global ShopifyAPI session is shared between threads.
"""

from __future__ import annotations

import http.client
import json
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pyactiveresource.connection as arc
from shopify.base import ShopifyConnection

from activities.writeback_quickbooks import Pushed
from connectors.errors import TransientVendorError
from connectors.shopify import ShopifyConfig, bucket_for, call_limit, shopify_error
from models.approvals import ApplyStatus

METAFIELD_NAMESPACE = "accord"
METAFIELD_KEY = "reconciliation"
FIELDS = ("note", "tags", "email", "metafield")


def _tags(value: str | None) -> list[str]:
    return [t.strip() for t in (value or "").split(",") if t.strip()]


class ShopifyWriter:
    def __init__(self, config: ShopifyConfig) -> None:
        self.config = config
        self.base = urlsplit(config.site).path
        self.bucket = bucket_for(config)  # shared with fetches of the same shop

    def _call(self, method: str, path: str, body: dict | None = None) -> dict[str, Any]:
        """One Admin API call in its place in the shop's bucket (this runs in a thread)."""
        return self.bucket.call(lambda: self._send(method, path, body))

    def _send(self, method: str, path: str, body: dict | None) -> tuple[dict[str, Any], str | None]:
        connection = ShopifyConnection(self.config.site, timeout=60)
        headers = {"X-Shopify-Access-Token": self.config.access_token}
        url = f"{self.base}/{path}"
        try:
            if method == "GET":
                response = connection.get(url, headers)
            else:
                headers["Content-Type"] = "application/json"
                data = json.dumps(body).encode()
                response = getattr(connection, method.lower())(url, headers, data)
        except arc.Error as error:
            raise shopify_error(error) from error
        except (OSError, http.client.HTTPException) as error:
            raise TransientVendorError(
                "shopify", "connection", f"{method} {url}: {error!r}"
            ) from error
        answer = json.loads(response.body, parse_float=Decimal)
        return answer, call_limit(response.headers)

    def apply(
        self, order_id: str, field: str, value: str, marker: dict, before: str | None = None
    ) -> Pushed:
        """Set `field` of the order to `value`. For `note` and `email`, `before` is the value
        the correction was proposed against: a different one in Shopify now is a conflict
        (someone changed it since), never overwritten."""
        if field not in FIELDS:
            return Pushed(
                ApplyStatus.FAILED,
                f"Shopify orders take note, tags, email or metafield, not {field!r}",
            )
        order = self._call("GET", f"orders/{order_id}.json")["order"]
        shown = {k: order.get(k) for k in ("note", "tags", "email")}
        if field == "metafield":
            return self._metafield(order_id, value or json.dumps(marker), shown)
        if field == "tags":
            current = _tags(order.get("tags"))
            missing = [t for t in _tags(value) if t not in current]
            if not missing:
                return Pushed(
                    ApplyStatus.APPLIED, "tags already there", order_id, None, shown, shown
                )
            change = {"tags": ", ".join(current + missing)}
        else:  # note, email: replaced, so only over the value the proposal saw
            now = order.get(field) or ""
            if now == value:
                return Pushed(
                    ApplyStatus.APPLIED, f"{field} already set", order_id, None, shown, shown
                )
            if before is not None and now != before:
                changed = f"order {order_id} {field} is now {now!r}, not {before!r}"
                return Pushed(ApplyStatus.CONFLICT, changed, order_id, None, shown)
            change = {field: value}
        saved = self._call(
            "PUT", f"orders/{order_id}.json", {"order": {"id": int(order_id), **change}}
        )
        after = {k: saved["order"].get(k) for k in ("note", "tags", "email")}
        return Pushed(
            ApplyStatus.APPLIED, "", order_id, saved["order"].get("updated_at"), shown, after
        )

    def _metafield(self, order_id: str, value: str, before: dict) -> Pushed:
        """The order's one `accord.reconciliation` metafield: created, or updated in place
        (a later reconciliation of the order marks it anew)."""
        query = f"namespace={METAFIELD_NAMESPACE}&key={METAFIELD_KEY}"
        listed = self._call("GET", f"orders/{order_id}/metafields.json?{query}")
        mine = [
            m
            for m in listed.get("metafields", [])
            if (m["namespace"], m["key"]) == (METAFIELD_NAMESPACE, METAFIELD_KEY)
        ]
        if mine and mine[0]["value"] == value:
            return Pushed(
                ApplyStatus.APPLIED,
                "metafield already set",
                order_id,
                str(mine[0]["id"]),
                before,
                before,
            )
        field = {
            "namespace": METAFIELD_NAMESPACE,
            "key": METAFIELD_KEY,
            "value": value,
            "type": "json",
        }
        if mine:
            path = f"orders/{order_id}/metafields/{mine[0]['id']}.json"
            update = {"id": mine[0]["id"], "value": value, "type": "json"}
            saved = self._call("PUT", path, {"metafield": update})["metafield"]
        else:
            path = f"orders/{order_id}/metafields.json"
            saved = self._call("POST", path, {"metafield": field})["metafield"]
        return Pushed(
            ApplyStatus.APPLIED,
            "",
            order_id,
            str(saved["id"]),
            before,
            {**before, "metafield": value},
        )
