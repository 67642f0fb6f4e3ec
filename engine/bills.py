"""Bank withdrawals ↔ QuickBooks bill payments and bills.

1. A BillPayment and the Bills in its LinkedTxn form `bill_payment_bill`.
2. A withdrawal meets a BillPayment of exactly its amount (money out) and currency, dated within
   `bill_days`, whose vendor the bank text names (`withdrawal_bill_payment`).
3. A withdrawal still unexplained meets a Bill no bill payment covers (`withdrawal_bill`): same
   vendor, dates within `bill_days`, and the exact amount — or a near miss (two adjacent digits
   transposed, or a difference up to `near_miss_max_difference`). A near miss is one group, so
   it becomes one `total` discrepancy on the pair (engine.compare), never two missing records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.config import EngineConfig
from engine.frames import Frames, major
from engine.linked import linked_txn_matches, refs
from engine.pairing import keyed, one_to_one
from engine.passes import column_at, window_pairs
from engine.payers import similarity_to
from models.results import Match, MatchKind


def transposed(a: int, b: int) -> bool:
    """True when b is a with two adjacent digits swapped (552000 ↔ 525000)."""
    x, y = str(abs(a)), str(abs(b))
    if len(x) != len(y) or x == y:
        return False
    diff = [i for i in range(len(x)) if x[i] != y[i]]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and x[diff[0]] == y[diff[1]]
        and x[diff[1]] == y[diff[0]]
    )


def bill_payment_bills(frames: Frames) -> list[Match]:
    return linked_txn_matches(
        frames.bill_payments, "Bill", MatchKind.BILL_PAYMENT_BILL, "bill payment", "bill"
    )


def withdrawals(frames: Frames) -> pd.DataFrame:
    bank = frames.bank
    out = bank[(bank["amount"] < 0) & ~bank["pending"].astype(bool) & (bank["status"] != "removed")]
    return out.assign(amount=-out["amount"])


def _vendor_names(frames: Frames, frame: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    out = {}
    for key, vendor_key, name in zip(
        frame["key"], frame["vendor_key"], frame["vendor_name"], strict=True
    ):
        vendor = frames.records.get(vendor_key) if vendor_key else None
        out[key] = tuple(n for n in {name, getattr(vendor, "name", "")} if n)
    return out


def _with_vendor(
    pairs: pd.DataFrame, frames: Frames, books: pd.DataFrame, threshold: float
) -> pd.DataFrame:
    """Candidate pairs whose bank text names the book record's vendor (score ≥ threshold)."""
    if pairs.empty:
        return pairs.assign(score=[])
    texts = column_at(frames.bank, "text", pairs["right"])
    names = _vendor_names(frames, books.loc[pairs["left"].unique()])
    lefts = books["key"].to_numpy(dtype=object)[pairs["left"].to_numpy()]
    pairs = pairs.assign(
        score=[similarity_to(t, names[k]) for t, k in zip(texts, lefts, strict=True)]
    )
    return pairs[pairs["score"] >= threshold]


def withdrawal_bill_payments(
    frames: Frames, config: EngineConfig, free: pd.DataFrame
) -> list[Match]:
    books = frames.bill_payments
    pairs = window_pairs(books, free, config.bill_days)
    chosen = one_to_one(_with_vendor(pairs, frames, books, config.payer_threshold), ["gap"])
    chosen = keyed(chosen, books, frames.bank)
    return [
        Match(
            kind=MatchKind.WITHDRAWAL_BILL_PAYMENT,
            records=refs([r.right_key, r.left_key]),
            rule="amount_date_vendor",
            explanation=(
                f"exact amount {_money(books, r.left)}, dates {r.gap} day(s) apart "
                f"(tolerance {config.bill_days}), bank text names the vendor (similarity {r.score:.2f})"
            ),
        )
        for r in chosen.itertuples(index=False)
    ]


def _money(frame: pd.DataFrame, position: int, column: str = "amount") -> str:
    row = frame.iloc[int(position)]
    return f"{major(abs(row[column]), row['exp'])} {row['currency']}"


def _bill_pairs(
    frames: Frames, bills: pd.DataFrame, free: pd.DataFrame, config: EngineConfig
) -> pd.DataFrame:
    """Bills and withdrawals of one currency within `bill_days`: exact, transposed or close."""
    pairs = window_pairs(bills, free, config.bill_days, same_amount=False)
    owed = column_at(frames.bills, "amount", pairs["left"])
    paid = -column_at(frames.bank, "amount", pairs["right"])
    exps = column_at(frames.bills, "exp", pairs["left"])
    pairs = pairs.assign(paid=paid, owed=owed, exp=exps, difference=np.abs(paid - owed))
    limits = np.array(
        [int(config.near_miss_max_difference.scaleb(int(e))) for e in exps], dtype=np.int64
    )
    pairs["exact"] = pairs["difference"] == 0
    pairs["swap"] = [transposed(a, b) for a, b in zip(paid, owed, strict=True)]
    return pairs[pairs["exact"] | pairs["swap"] | (pairs["difference"] <= limits)]


def _how(r, config: EngineConfig) -> str:
    if r.exact:
        return "exact amount"
    if r.swap:
        return "near miss: adjacent digits transposed"
    return f"near miss: {major(r.difference, r.exp)} apart (≤ {config.near_miss_max_difference})"


def withdrawal_bills(
    frames: Frames, config: EngineConfig, free: pd.DataFrame, covered: set[str]
) -> list[Match]:
    bills = frames.bills[~frames.bills["key"].isin(covered)]
    if bills.empty or free.empty:
        return []
    pairs = _bill_pairs(frames, bills, free, config)
    pairs = _with_vendor(pairs, frames, frames.bills, config.payer_threshold)
    chosen = one_to_one(pairs.assign(near=~pairs["exact"]), ["near", "gap", "difference"])
    chosen = keyed(chosen, frames.bills, frames.bank)
    return [
        Match(
            kind=MatchKind.WITHDRAWAL_BILL,
            records=refs([r.right_key, r.left_key]),
            confidence=1.0 if r.exact else 0.7,
            rule="exact_amount_vendor_date" if r.exact else "near_miss_vendor_date",
            explanation=(
                f"{_how(r, config)}: bank {major(r.paid, r.exp)} vs bill {major(r.owed, r.exp)} "
                f"{frames.bills['currency'].iloc[int(r.left)]}; same vendor (similarity {r.score:.2f}), "
                f"dates {r.gap} day(s) apart (tolerance {config.bill_days})"
            ),
        )
        for r in chosen.itertuples(index=False)
    ]


def match_bills(frames: Frames, config: EngineConfig) -> list[Match]:
    matches = bill_payment_bills(frames)
    if frames.bank.empty:
        return matches
    free = withdrawals(frames)
    if not frames.bill_payments.empty:
        matches += withdrawal_bill_payments(frames, config, free)
    used = {r.key for m in matches for r in m.records}
    if not frames.bills.empty:
        matches += withdrawal_bills(frames, config, free[~free["key"].isin(used)], used)
    return matches
