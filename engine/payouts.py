"""Stripe payouts ↔ bank deposits (`payout_deposit`) and a payout's composition
(`payout_composition`: the payout and every balance transaction paid out in it).

A payout meets the bank deposit of exactly its amount and currency posted within
`payout_arrival_window` of its `arrival_date`, nearest first. Its composition groups the
balance transactions whose `payout` is the payout's id, except the payout's own `type=payout`
transaction; whether their net adds up to the payout is a comparison (engine.compare).
"""

from __future__ import annotations

import pandas as pd

from engine.config import EngineConfig
from engine.frames import Frames, major
from engine.pairing import one_to_one
from models.records import SourceRef
from models.results import Match, MatchKind


def deposits(frames: Frames) -> pd.DataFrame:
    bank = frames.bank
    if bank.empty:
        return bank
    return bank[
        (bank["amount"] > 0) & ~bank["pending"].astype(bool) & (bank["status"] != "removed")
    ]


def window_pairs(left: pd.DataFrame, right: pd.DataFrame, days: int, on: list[str]) -> pd.DataFrame:
    """Pairs equal on `on` whose `day` columns are at most `days` apart (the amount/date pass)."""
    pairs = left[["key", "day", *on]].merge(
        right[["key", "day", *on]], on=on, suffixes=("_l", "_r")
    )
    pairs["gap"] = (pairs["day_l"] - pairs["day_r"]).abs()
    pairs = pairs[pairs["gap"] <= days]
    return pairs.rename(columns={"key_l": "left", "key_r": "right"})


def match_payouts_to_deposits(frames: Frames, config: EngineConfig) -> list[Match]:
    payouts = frames.payouts
    if payouts.empty or frames.bank.empty:
        return []
    payouts = payouts[~payouts["status"].isin(["cancelled", "failed"])]
    days = config.payout_arrival_window.days
    chosen = one_to_one(
        window_pairs(payouts, deposits(frames), days, ["amount", "currency", "exp"]), ["gap"]
    )
    return [
        Match(
            kind=MatchKind.PAYOUT_DEPOSIT,
            records=[SourceRef.parse(row.left), SourceRef.parse(row.right)],
            rule="exact_amount_arrival_window",
            explanation=(
                f"exact amount {major(row.amount, row.exp)} {row.currency}; bank posted "
                f"{row.gap} day(s) from the payout's arrival date (window {days} days)"
            ),
        )
        for row in chosen.itertuples(index=False)
    ]


def composition(frames: Frames) -> pd.DataFrame:
    """Balance transactions paid out in a payout: columns payout_key, key, net, fee, txn_type."""
    bts, payouts = frames.balance_txns, frames.payouts
    if bts.empty or payouts.empty:
        return pd.DataFrame(
            columns=["payout_key", "key", "net", "fee", "txn_type", "id", "currency"]
        )
    owners = payouts[["key", "id", "own_txn"]].rename(columns={"key": "payout_key", "id": "payout"})
    parts = bts[bts["txn_type"] != "payout"].merge(owners, on="payout")
    parts = parts[parts["id"] != parts["own_txn"]]
    return parts.sort_values(["payout_key", "key"]).reset_index(drop=True)


def match_payout_composition(frames: Frames) -> list[Match]:
    parts = composition(frames)
    matches = []
    for payout_key, group in parts.groupby("payout_key", sort=True):
        counts = group["txn_type"].value_counts().sort_index()
        listing = ", ".join(f"{n} {t}" for t, n in counts.items())
        matches.append(
            Match(
                kind=MatchKind.PAYOUT_COMPOSITION,
                records=[SourceRef.parse(payout_key), *(SourceRef.parse(k) for k in group["key"])],
                rule="balance_transactions_of_payout",
                explanation=f"the {len(group)} balance transactions Stripe lists in this payout ({listing})",
            )
        )
    return matches
