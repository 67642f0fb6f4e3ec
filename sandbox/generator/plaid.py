"""Plaid `Transaction` objects as `/transactions/sync` returns them (API 2020-09-14).

Plaid's sign: a positive `amount` is money OUT of the account; deposits are negative. Amounts are
JSON numbers, kept as `Decimal` here and written exactly. `date` is the posted date.
"""

from __future__ import annotations

from typing import Any

from sandbox.generator.business import BankLine

ACCOUNT_ID = "vzeNDwK7KQIm4yEog683uElbp9GRLEFXGK98D"
ICON = "https://plaid-category-icons.plaid.com/PFC_{}.png"


def account(balance) -> dict[str, Any]:
    return {
        "account_id": ACCOUNT_ID,
        "balances": {
            "available": balance,
            "current": balance,
            "iso_currency_code": "USD",
            "limit": None,
            "unofficial_currency_code": None,
        },
        "mask": "4417",
        "name": "Business Checking",
        "official_name": "Juniper & Oak Goods Business Checking",
        "subtype": "checking",
        "type": "depository",
    }


def _counterparties(line: BankLine) -> list[dict[str, Any]]:
    if not line.counterparty:
        return []
    return [
        {
            "name": line.counterparty,
            "type": line.counterparty_type,
            "logo_url": None,
            "website": None,
            "entity_id": None,
            "confidence_level": "HIGH",
        }
    ]


def transaction(line: BankLine) -> dict[str, Any]:
    day = line.posted.isoformat()
    primary, detailed = line.category
    return {
        "account_id": ACCOUNT_ID,
        "account_owner": None,
        "amount": -line.amount,
        "iso_currency_code": "USD",
        "unofficial_currency_code": None,
        "check_number": None,
        "counterparties": _counterparties(line),
        "date": day,
        "datetime": None,
        "authorized_date": day,
        "authorized_datetime": None,
        "location": {
            "address": None,
            "city": None,
            "region": None,
            "postal_code": None,
            "country": None,
            "lat": None,
            "lon": None,
            "store_number": None,
        },
        "name": line.name,
        "merchant_name": line.merchant,
        "merchant_entity_id": None,
        "logo_url": None,
        "website": None,
        "payment_meta": {
            "by_order_of": None,
            "payee": None,
            "payer": None,
            "payment_method": "ACH" if "ACH" in line.name else None,
            "payment_processor": None,
            "ppd_id": None,
            "reason": None,
            "reference_number": None,
        },
        "payment_channel": line.channel,
        "pending": False,
        "pending_transaction_id": None,
        "personal_finance_category": {
            "primary": primary,
            "detailed": detailed,
            "confidence_level": "HIGH",
        },
        "personal_finance_category_icon_url": ICON.format(primary),
        "transaction_id": line.id,
        "transaction_code": None,
        "transaction_type": "special",
    }
