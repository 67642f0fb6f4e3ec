"""Does a payout equal the net of its balance transactions?

Stripe pays out the net of what it lists in the payout: charges (gross − fee), minus refunds,
plus or minus adjustments, disputes and their fees. When the payout and that net differ, the
gap is named by what would most likely close it: a negative gap (the payout is smaller) is a
missing fee, refund, dispute or adjustment; a positive gap a missing charge or a reversal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.config import EngineConfig
from engine.findings import finding
from engine.frames import Frames, major, minor
from models.results import Discrepancy, DiscrepancyField, Match


def net_of(parts) -> Decimal:
    return sum((p.net for p in parts), Decimal(0))


def _likely(gap: Decimal, parts) -> str:
    if gap < 0:
        fees = sum((p.fee for p in parts), Decimal(0))
        kinds = "a refund, a dispute or an adjustment" if -gap > fees else "a fee or an adjustment"
        return f"the payout is {-gap} less than the listed net: most likely {kinds} missing from the list"
    return f"the payout is {gap} more than the listed net: most likely a charge or a reversal missing from the list"


def _unlisted(frames: Frames, payout: Any, gap: Decimal) -> str:
    """A balance transaction that no payout lists and whose net is exactly the gap, if any."""
    bts = frames.balance_txns
    if bts.empty:
        return ""
    units = minor(gap, payout.currency)
    candidates = bts[
        (bts["payout"] == "")
        & (bts["net"] == units)
        & (bts["currency"] == payout.currency)
        & (bts["ts"] <= int(payout.created_at.timestamp()))
    ]
    if candidates.empty:
        return ""
    row = candidates.iloc[0]
    return (
        f"; balance transaction {row['id']} ({row['txn_type']}, net {major(row['net'], row['exp'])}) "
        "is exactly the gap and is listed in no payout"
    )


def compare_composition(m: Match, frames: Frames, config: EngineConfig) -> list[Discrepancy]:
    payout = frames.get(m.records[0].key)
    parts = [frames.record(r.key) for r in m.records[1:] if r.key in frames.records]
    if payout is None or not parts:
        return []
    net = net_of(parts)
    gap = payout.amount - net
    if gap == 0:
        return []
    gross = sum((p.amount for p in parts), Decimal(0))
    fees = sum((p.fee for p in parts), Decimal(0))
    return [
        finding(
            config,
            DiscrepancyField.TOTAL,
            list(m.records),
            {
                "stripe": str(payout.amount),
                "stripe_balance_transactions_net": str(net),
                "gap": str(gap),
            },
            f"payout {payout.ref.id} of {payout.amount} {payout.currency} vs {len(parts)} balance "
            f"transactions: gross {gross} − fees {fees} = net {net}; {_likely(gap, parts)}"
            + _unlisted(frames, payout, gap),
            money=gap,
            currency=payout.currency,
            rule="payout_composition",
        )
    ]
