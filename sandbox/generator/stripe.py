"""Stripe objects exactly as the v1 API returns them (spec3.yaml / fixtures3.json shapes).

Amounts are integers in the currency's minor unit, `created` unix seconds, `arrival_date` the unix
time of midnight UTC of the arrival day. Balance transactions carry no `payout` field in the API:
which transactions make up a payout is the answer to `GET /v1/balance_transactions?payout=po_...`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sandbox.generator.business import CURRENCY, CardCharge, CardRefund, Movement, Payout
from sandbox.generator.payouts import available_on

CUR = CURRENCY.lower()


def unix(instant: datetime) -> int:
    return int(instant.timestamp())


def unix_day(day: date) -> int:
    return unix(datetime.combine(day, time(0), UTC))


def cents(amount: Decimal) -> int:
    """USD minor units (exponent 2), the same as `models.money.to_minor_units(amount, "USD")`."""
    return int(amount.scaleb(2))


def charge(c: CardCharge) -> dict[str, Any]:
    refunded = cents(c.refund.amount) if c.refund else 0
    return {
        "id": c.id,
        "object": "charge",
        "amount": cents(c.amount),
        "amount_captured": cents(c.amount),
        "amount_refunded": refunded,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": c.movement.id,
        "billing_details": {
            "address": {
                "city": None,
                "country": "US",
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            "email": c.email,
            "name": c.name,
            "phone": c.phone,
        },
        "calculated_statement_descriptor": "JUNIPER & OAK",
        "captured": True,
        "created": unix(c.at),
        "currency": CUR,
        "customer": None,
        "description": c.description,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "invoice": None,
        "livemode": True,
        "metadata": dict(c.metadata),
        "on_behalf_of": None,
        "outcome": {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": True,
        "payment_intent": c.payment_intent,
        "payment_method": "pm_" + c.payment_intent[3:],
        "receipt_email": c.email,
        "receipt_number": None,
        "receipt_url": None,
        "refunded": bool(c.refund) and refunded == cents(c.amount),
        "review": None,
        "shipping": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded",
        "transfer_data": None,
        "transfer_group": None,
    }


def refund(c: CardCharge, r: CardRefund) -> dict[str, Any]:
    return {
        "id": r.id,
        "object": "refund",
        "amount": cents(r.amount),
        "balance_transaction": r.movement.id,
        "charge": c.id,
        "created": unix(r.at),
        "currency": CUR,
        "metadata": {},
        "payment_intent": c.payment_intent,
        "reason": "requested_by_customer",
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }


def balance_transaction(m: Movement, as_of: date) -> dict[str, Any]:
    """`status` is `pending` until the funds are available (as seen at `as_of`)."""
    fee = cents(m.fee)
    category = {"charge": "charge", "refund": "refund", "payout": "payout"}.get(
        m.type, "other_adjustment"
    )
    available = available_on(m)
    return {
        "id": m.id,
        "object": "balance_transaction",
        "amount": cents(m.amount),
        "available_on": unix_day(available),
        "created": unix(m.at),
        "currency": CUR,
        "description": m.description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": CUR,
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        ),
        "net": cents(m.amount) - fee,
        "reporting_category": category,
        "source": m.source,
        "status": "available" if available <= as_of else "pending",
        "type": m.type,
    }


def payout(p: Payout, as_of: date) -> dict[str, Any]:
    """`paid` once the arrival date has come, `in_transit` before."""
    return {
        "id": p.id,
        "object": "payout",
        "amount": cents(p.amount),
        "arrival_date": unix_day(p.arrival),
        "automatic": True,
        "balance_transaction": p.movement.id,
        "created": unix(p.at),
        "currency": CUR,
        "description": "STRIPE PAYOUT",
        "destination": "ba_1MqJuniperOakChecking00",
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "livemode": True,
        "metadata": {},
        "method": "standard",
        "original_payout": None,
        "reconciliation_status": "completed",
        "reversed_by": None,
        "source_type": "card",
        "statement_descriptor": None,
        "status": "paid" if p.arrival <= as_of else "in_transit",
        "type": "bank_account",
    }
