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
from engine.pairing import keyed, one_to_one
from engine.passes import column_at, window_pairs
from models.records import SourceRef
from models.results import Match, MatchKind


def deposits(frames: Frames) -> pd.DataFrame:
    bank = frames.bank
    return bank[
        (bank["amount"] > 0) & ~bank["pending"].astype(bool) & (bank["status"] != "removed")
    ]


def payout_deposit_pairs(frames: Frames, config: EngineConfig) -> pd.DataFrame:
    """The amount/date-window pass: (left = payout row, right = deposit row, gap in days)."""
    payouts = frames.payouts[~frames.payouts["status"].isin(["cancelled", "failed"])]
    days = config.payout_arrival_window.days
    return one_to_one(window_pairs(payouts, deposits(frames), days), ["gap"])


def match_payouts_to_deposits(frames: Frames, config: EngineConfig) -> list[Match]:
    if frames.payouts.empty or frames.bank.empty:
        return []
    days = config.payout_arrival_window.days
    chosen = keyed(payout_deposit_pairs(frames, config), frames.payouts, frames.bank)
    amounts = column_at(frames.payouts, "amount", chosen["left"])
    exps = column_at(frames.payouts, "exp", chosen["left"])
    currencies = column_at(frames.payouts, "currency", chosen["left"])
    return [
        Match(
            kind=MatchKind.PAYOUT_DEPOSIT,
            records=[SourceRef.parse(a), SourceRef.parse(b)],
            rule="exact_amount_arrival_window",
            explanation=(
                f"exact amount {major(amount, exp)} {currency}; bank posted "
                f"{gap} day(s) from the payout's arrival date (window {days} days)"
            ),
        )
        for a, b, gap, amount, exp, currency in zip(
            chosen["left_key"],
            chosen["right_key"],
            chosen["gap"],
            amounts,
            exps,
            currencies,
            strict=True,
        )
    ]


def composition(frames: Frames) -> pd.DataFrame:
    """Balance transactions paid out in a payout: columns payout_key, key, net, fee, txn_type."""
    bts, payouts = frames.balance_txns, frames.payouts
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
