"""Small vendor datasets in each vendor's own wire shapes, with records inside and outside the
fetch range, so a test knows exactly which ids a fetch must bring back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

FETCH_START = datetime(2026, 9, 29, tzinfo=UTC)  # window start 2026-10-01 minus 48 h overlap
FETCH_END = datetime(2026, 11, 4, tzinfo=UTC)  # as_of
FIRST = datetime(2026, 9, 20, tzinfo=UTC)  # data begins before the range …
DAYS = 50  # … and ends after it


def in_range(moment: datetime, start: datetime = FETCH_START, end: datetime = FETCH_END) -> bool:
    return start <= moment < end


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass
class VendorData:
    """The attributes the sandbox serves (the generator's `VendorData` has the same ones)."""

    stripe: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stripe_payout_members: dict[str, list[str]] = field(default_factory=dict)
    plaid_transactions: list[dict[str, Any]] = field(default_factory=list)
    shopify: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    quickbooks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def stripe_objects(per_day: int = 6, payout_every: int = 1) -> VendorData:
    """`per_day` charges a day (every fifth refunded), their balance transactions, and every
    `payout_every` days a payout of the transactions since the last one, arriving two days
    later."""
    data = VendorData(
        stripe={"charges": [], "refunds": [], "balance_transactions": [], "payouts": []}
    )
    members: list[str] = []
    for day in range(DAYS):
        moment = FIRST + timedelta(days=day, hours=9)
        for n in range(per_day):
            created = moment + timedelta(minutes=7 * n)
            charge_id, txn_id = f"ch_{day:02d}{n:02d}", f"txn_ch_{day:02d}{n:02d}"
            data.stripe["charges"].append(_charge(charge_id, txn_id, created, 1000 + 37 * n))
            data.stripe["balance_transactions"].append(_txn(txn_id, charge_id, "charge", created))
            members.append(txn_id)
            if n % 5 == 4:
                refund_id, rtxn = f"re_{day:02d}{n:02d}", f"txn_re_{day:02d}{n:02d}"
                later = created + timedelta(hours=3)
                data.stripe["refunds"].append(_refund(refund_id, charge_id, rtxn, later))
                data.stripe["balance_transactions"].append(_txn(rtxn, refund_id, "refund", later))
                members.append(rtxn)
        if day % payout_every == payout_every - 1:
            payout_id = f"po_{day:02d}"
            created = moment + timedelta(days=1)
            data.stripe["payouts"].append(_payout(payout_id, created, created + timedelta(days=2)))
            data.stripe_payout_members[payout_id], members = members, []
    return data


def _charge(charge_id: str, txn_id: str, created: datetime, amount: int) -> dict:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "balance_transaction": txn_id,
        "captured": True,
        "created": _ts(created),
        "currency": "usd",
        "paid": True,
        "status": "succeeded",
    }


def _refund(refund_id: str, charge_id: str, txn_id: str, created: datetime) -> dict:
    return {
        "id": refund_id,
        "object": "refund",
        "amount": 500,
        "balance_transaction": txn_id,
        "charge": charge_id,
        "created": _ts(created),
        "currency": "usd",
        "status": "succeeded",
    }


def _txn(txn_id: str, source: str, type_: str, created: datetime) -> dict:
    return {
        "id": txn_id,
        "object": "balance_transaction",
        "amount": 1000,
        "available_on": _ts(created + timedelta(days=2)),
        "created": _ts(created),
        "currency": "usd",
        "fee": 59,
        "net": 941,
        "source": source,
        "status": "available",
        "type": type_,
    }


def _payout(payout_id: str, created: datetime, arrival: datetime) -> dict:
    midnight = arrival.replace(hour=0, minute=0, second=0)
    return {
        "id": payout_id,
        "object": "payout",
        "amount": 5000,
        "arrival_date": _ts(midnight),
        "automatic": True,
        "created": _ts(created),
        "currency": "usd",
        "method": "standard",
        "status": "paid",
        "type": "bank_account",
    }


def plaid_transactions(count: int = 1200, pending_every: int = 40) -> VendorData:
    """`count` bank transactions over the data's days; every `pending_every`-th still pending.
    Plaid's sign: positive amounts are money out of the account."""
    txns = []
    for n in range(count):
        day = (FIRST + timedelta(days=n * DAYS // count)).date()
        deposit = n % 3 == 0
        txns.append(
            {
                "transaction_id": f"txn{n:05d}PLAID",
                "account_id": "acc_checking_0001",
                "amount": float(-(250 + n % 97)) if deposit else float(12 + n % 50) + 0.25,
                "iso_currency_code": "USD",
                "unofficial_currency_code": None,
                "date": day.isoformat(),
                "authorized_date": day.isoformat(),
                "name": "STRIPE TRANSFER" if deposit else f"VENDOR {n % 17}",
                "merchant_name": None if deposit else f"Vendor {n % 17}",
                "pending": n % pending_every == 0,
                "pending_transaction_id": None,
                "payment_channel": "other",
                "transaction_type": "special",
            }
        )
    return VendorData(plaid_transactions=txns)


def _shop_time(moment: datetime) -> str:
    """Shopify's timestamps carry the shop's offset (here US Eastern, UTC−4 in October)."""
    return (moment - timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%S-04:00")


def shopify_objects(orders: int = 600) -> VendorData:
    """`orders` orders over the data's days (every seventh refunded a day later), each with
    its customer embedded; one customer per ten orders. `updated_at` is what a fetch filters."""
    customers = [
        {
            "id": 7_000_000 + c,
            "email": f"buyer{c}@example.com",
            "first_name": f"Buyer{c}",
            "last_name": "Example",
            "created_at": _shop_time(FIRST),
            "updated_at": _shop_time(FIRST + timedelta(days=c % DAYS, hours=1)),
            "currency": "USD",
        }
        for c in range(orders // 10)
    ]
    shop_orders = []
    for n in range(orders):
        created = FIRST + timedelta(minutes=n * DAYS * 24 * 60 // orders)
        refunded = n % 7 == 3
        updated = created + timedelta(days=1) if refunded else created
        shop_orders.append(
            {
                "id": 5_000_000_000 + n,
                "name": f"#{1001 + n}",
                "created_at": _shop_time(created),
                "updated_at": _shop_time(updated),
                "processed_at": _shop_time(created),
                "currency": "USD",
                "total_price": f"{20 + n % 80}.00",
                "financial_status": "refunded" if refunded else "paid",
                "customer": customers[n % len(customers)],
                "refunds": [{"id": 9_000_000 + n, "created_at": _shop_time(updated)}]
                if refunded
                else [],
                "line_items": [],
            }
        )
    return VendorData(shopify={"orders": shop_orders, "customers": customers})


def shop_updated(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["updated_at"]).astimezone(UTC)


def _qbo_time(moment: datetime) -> str:
    """QBO writes times in the company's zone (here US Pacific, UTC−7 in October)."""
    return (moment - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S-07:00")


def quickbooks_entities(per_entity: int = 120) -> VendorData:
    """`per_entity` rows of each entity Accord reads, last updated across the data's days;
    every tenth customer, vendor and item inactive (QBO hides those unless asked)."""
    entities: dict[str, list[dict[str, Any]]] = {}
    for kind in ("Customer", "Vendor", "Item", "Invoice", "Payment", "Bill", "BillPayment"):
        rows = []
        for n in range(per_entity):
            updated = FIRST + timedelta(minutes=n * DAYS * 24 * 60 // per_entity + 17)
            row: dict[str, Any] = {
                "Id": str(100 + n),
                "SyncToken": "0",
                "domain": "QBO",
                "sparse": False,
                "MetaData": {
                    "CreateTime": _qbo_time(updated - timedelta(hours=2)),
                    "LastUpdatedTime": _qbo_time(updated),
                },
            }
            if kind in ("Customer", "Vendor"):
                row.update(DisplayName=f"{kind} {n}", Active=n % 10 != 0)
            elif kind == "Item":
                row.update(Name=f"Product {n}", Sku=f"SKU-{n}", Active=n % 10 != 0)
            else:
                row.update(TxnDate=updated.date().isoformat(), TotalAmt=100 + n)
            rows.append(row)
        entities[kind] = rows
    return VendorData(quickbooks=entities)


def qbo_updated(row: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(row["MetaData"]["LastUpdatedTime"]).astimezone(UTC)
