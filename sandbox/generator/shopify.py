"""Shopify Admin REST objects (orders embed their customer and refunds), in the shop's time zone.

Prices are strings with two decimals; timestamps carry the shop's UTC offset (-04:00 in summer
time, -05:00 after the clocks go back), as Shopify writes them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sandbox.generator.business import SHOP_ZONE, TAX_RATE, Line, Person, Sale


def shop_time(instant: datetime) -> str:
    return instant.astimezone(SHOP_ZONE).isoformat()


def money(amount: Decimal) -> str:
    """Shopify's price strings: amounts here always carry exactly two decimals."""
    return str(amount)


def customer(person: Person, orders: list[Sale]) -> dict[str, Any]:
    last = orders[-1] if orders else None
    spent = sum((s.total for s in orders if s.financial_status == "paid"), Decimal("0.00"))
    return {
        "id": person.shopify_id,
        "email": person.email,
        "accepts_marketing": False,
        "created_at": shop_time(person.created),
        "updated_at": shop_time(last.at if last else person.created),
        "first_name": person.first,
        "last_name": person.last,
        "orders_count": len(orders),
        "state": "enabled",
        "total_spent": money(spent),
        "last_order_id": last.shopify_id if last else None,
        "note": None,
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": False,
        "phone": person.phone,
        "tags": "",
        "last_order_name": f"#{last.number}" if last else None,
        "currency": "USD",
        "default_address": address(person, person.shopify_id + 1),
    }


def address(person: Person, address_id: int) -> dict[str, Any]:
    return {
        "id": address_id,
        "first_name": person.first,
        "last_name": person.last,
        "company": None,
        "address1": "",
        "address2": "",
        "city": "New York",
        "province": "New York",
        "country": "United States",
        "zip": "10013",
        "phone": person.phone,
        "name": person.name,
        "province_code": "NY",
        "country_code": "US",
        "country_name": "United States",
        "default": True,
    }


def line_item(line: Line, item_id: int) -> dict[str, Any]:
    return {
        "id": item_id,
        "variant_id": item_id + 7,
        "title": line.title,
        "quantity": line.quantity,
        "price": money(line.price),
        "grams": 450,
        "sku": line.sku,
        "variant_title": None,
        "vendor": "Juniper & Oak",
        "fulfillment_service": "manual",
        "product_id": item_id + 3,
        "requires_shipping": True,
        "taxable": True,
        "gift_card": False,
        "name": line.title,
        "variant_inventory_management": "shopify",
        "properties": [],
        "product_exists": True,
        "fulfillable_quantity": 0,
        "total_discount": "0.00",
        "fulfillment_status": "fulfilled",
    }


def refunds(sale: Sale) -> list[dict[str, Any]]:
    charge = sale.charge
    if not charge or not charge.refund:
        return []
    r = charge.refund
    return [
        {
            "id": r.shopify_refund_id,
            "order_id": sale.shopify_id,
            "created_at": shop_time(r.at),
            "note": "Returned by customer",
            "restock": True,
            "user_id": None,
            "refund_line_items": [],
            "transactions": [
                {
                    "id": r.shopify_transaction_id,
                    "order_id": sale.shopify_id,
                    "amount": money(r.amount),
                    "kind": "refund",
                    "gateway": "stripe",
                    "status": "success",
                    "message": None,
                    "created_at": shop_time(r.at),
                    "test": False,
                    "authorization": r.id,
                    "currency": "USD",
                    "location_id": None,
                    "user_id": None,
                    "parent_id": None,
                    "device_id": None,
                    "receipt": {},
                    "error_code": None,
                    "source_name": "web",
                }
            ],
            "order_adjustments": [],
        }
    ]


def order(sale: Sale, token: str, history: list[Sale]) -> dict[str, Any]:
    """`history`: the buyer's orders so far this month (for the embedded customer's counters)."""
    person = sale.person
    created = shop_time(sale.at)
    refund_list = refunds(sale)
    updated = (
        refund_list[-1]["created_at"] if refund_list else shop_time(sale.at + timedelta(minutes=1))
    )
    return {
        "id": sale.shopify_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{sale.shopify_id}",
        "email": person.email,
        "contact_email": person.email,
        "phone": None,
        "closed_at": None,
        "created_at": created,
        "updated_at": updated,
        "processed_at": created,
        "number": sale.number - 1000,
        "note": None,
        "token": token,
        "gateway": "stripe",
        "payment_gateway_names": ["stripe"],
        "test": False,
        "total_price": money(sale.total),
        "subtotal_price": money(sale.subtotal),
        "total_weight": 450 * sum(line.quantity for line in sale.lines),
        "total_tax": money(sale.tax),
        "taxes_included": False,
        "currency": sale.currency,
        "presentment_currency": sale.currency,
        "financial_status": sale.financial_status,
        "confirmed": True,
        "total_discounts": "0.00",
        "total_line_items_price": money(sale.subtotal),
        "cart_token": None,
        "buyer_accepts_marketing": False,
        "name": f"#{sale.number}",
        "referring_site": None,
        "landing_site": "/",
        "cancelled_at": None,
        "cancel_reason": None,
        "user_id": None,
        "location_id": None,
        "source_identifier": None,
        "source_url": None,
        "device_id": None,
        "customer_locale": "en",
        "app_id": 580111,
        "browser_ip": None,
        "landing_site_ref": None,
        "order_number": sale.number,
        "discount_codes": [],
        "note_attributes": [],
        "processing_method": "direct",
        "checkout_id": None,
        "source_name": "web",
        "fulfillment_status": "fulfilled" if sale.financial_status == "paid" else None,
        "tax_lines": [{"price": money(sale.tax), "rate": TAX_RATE, "title": "NY State Tax"}],
        "tags": "",
        "line_items": [
            line_item(line, i) for line, i in zip(sale.lines, sale.line_item_ids, strict=True)
        ],
        "shipping_lines": [],
        "billing_address": address(person, person.shopify_id + 1),
        "shipping_address": address(person, person.shopify_id + 1),
        "customer": customer(person, [s for s in history if s.number <= sale.number]),
        "refunds": refund_list,
    }
