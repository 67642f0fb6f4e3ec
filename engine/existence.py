"""Existence checks: records in the window that must have a counterpart and have none.

| record | needs one of | in the window by |
|---|---|---|
| order (paid, partially refunded, refunded) | `order_invoice`; and separately `charge_order` | created_at |
| charge (succeeded) | `charge_order` | created_at |
| payout (not cancelled or failed) | `payout_deposit` | arrival_date or created_at |
| bank deposit (posted) | `payout_deposit`, `deposit_payment`, `deposit_invoices` | posted_date |
| bank withdrawal (posted) | `withdrawal_bill_payment`, `withdrawal_bill` | posted_date |
| QuickBooks Payment | `deposit_payment` | txn_date |

A missing counterpart not yet due (time + grace after `as_of`) is `pending_timing`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from engine.config import EngineConfig
from engine.frames import Frames, major
from engine.timing import in_window, not_due, seconds_of
from models.io import Window
from models.records import SourceRef
from models.results import (
    Discrepancy,
    DiscrepancyField,
    DiscrepancyStatus,
    Match,
    MatchKind,
    Severity,
)

CHECKED_ORDER = ["completed", "partial_refund", "refunded"]


@dataclass(frozen=True)
class Check:
    frame: str
    eligible: Callable[[pd.DataFrame], pd.Series]
    needs: tuple[MatchKind, ...]
    what: str
    missing: str
    discriminator: str
    due_column: str = "day"
    window_columns: tuple[str, ...] = ("day",)
    # where the counterpart would come from: unread in this run, the check cannot conclude
    counterparts: frozenset[str] = frozenset({"plaid", "stripe", "shopify", "quickbooks"})


def _bank(frame: pd.DataFrame, sign: int) -> pd.Series:
    return (
        (frame["amount"] * sign > 0)
        & ~frame["pending"].astype(bool)
        & (frame["status"] != "removed")
    )


CHECKS = [
    Check(
        "orders",
        lambda f: f["status"].isin(CHECKED_ORDER),
        (MatchKind.ORDER_INVOICE,),
        "order",
        "no QuickBooks invoice",
        "no_invoice",
        "ts",
        ("ts",),
        counterparts=frozenset({"quickbooks"}),
    ),
    Check(
        "orders",
        lambda f: f["status"].isin(CHECKED_ORDER),
        (MatchKind.CHARGE_ORDER,),
        "order",
        "no Stripe charge",
        "no_charge",
        "ts",
        ("ts",),
        counterparts=frozenset({"stripe"}),
    ),
    Check(
        "charges",
        lambda f: f["status"].isin(CHECKED_ORDER) & f["paid"].astype(bool),
        (MatchKind.CHARGE_ORDER,),
        "charge",
        "no Shopify order",
        "",
        "ts",
        ("ts",),
        counterparts=frozenset({"shopify"}),
    ),
    Check(
        "payouts",
        lambda f: ~f["status"].isin(["cancelled", "failed", "removed"]),
        (MatchKind.PAYOUT_DEPOSIT,),
        "payout",
        "no bank deposit",
        "",
        "day",
        ("day", "ts"),
        counterparts=frozenset({"plaid"}),
    ),
    Check(
        "bank",
        lambda f: _bank(f, 1),
        (MatchKind.PAYOUT_DEPOSIT, MatchKind.DEPOSIT_PAYMENT, MatchKind.DEPOSIT_INVOICES),
        "bank deposit",
        "no Stripe payout, QuickBooks payment or invoice explains it",
        "",
        counterparts=frozenset({"quickbooks", "stripe"}),
    ),
    Check(
        "bank",
        lambda f: _bank(f, -1),
        (MatchKind.WITHDRAWAL_BILL_PAYMENT, MatchKind.WITHDRAWAL_BILL),
        "bank withdrawal",
        "no QuickBooks bill payment or bill",
        "",
        counterparts=frozenset({"quickbooks"}),
    ),
    Check(
        "payments",
        lambda f: ~f["status"].isin(["cancelled", "removed"]),
        (MatchKind.DEPOSIT_PAYMENT,),
        "QuickBooks payment",
        "no bank deposit",
        "",
        counterparts=frozenset({"plaid"}),
    ),
]


def _matched(matches: list[Match], kinds: tuple[MatchKind, ...]) -> set[str]:
    return {r.key for m in matches if m.kind in kinds for r in m.records}


def _candidates(frame: pd.DataFrame, check: Check, window: Window) -> pd.DataFrame:
    if frame.empty:
        return frame
    inside = np.zeros(len(frame), dtype=bool)
    for column in check.window_columns:
        inside |= in_window(frame, column, window)
    return frame[inside & check.eligible(frame).to_numpy()]


def _span(value: timedelta) -> str:
    days, seconds = value.days, value.seconds
    hours = f"{seconds // 3600} h" if seconds else ""
    return " ".join(p for p in (f"{days} days" if days else "", hours) if p) or "0 h"


def _finding(row, check: Check, pending: bool, config: EngineConfig, window: Window) -> Discrepancy:
    ref = SourceRef.parse(row.key)
    amount = major(abs(row.amount), row.exp)
    due = f"not due yet (grace {config.timing_grace}), checked again next run"
    return Discrepancy(
        field=DiscrepancyField.EXISTENCE,
        severity=Severity(config.severity("existence")),
        records=[ref],
        values={ref.source.value: str(amount)},
        explanation=(
            f"{check.what} {ref.id} ({amount} {row.currency}) has {check.missing}"
            + (f"; {due}" if pending else f"; searched everything up to {window.as_of.date()}")
        ),
        status=DiscrepancyStatus.PENDING_TIMING if pending else DiscrepancyStatus.OPEN,
        money_at_stake=amount,
        currency=row.currency,
        rule=f"existence:{check.frame}:{check.discriminator or 'counterpart'}",
        discriminator=check.discriminator,
    )


def missing_counterparts(
    frames: Frames, matches: list[Match], window: Window, config: EngineConfig, excused: set[str]
) -> list[Discrepancy]:
    """One `existence` discrepancy per checked record without its counterpart.

    `excused` keys already carry a finding that explains their missing match (an ambiguous
    deposit), so they are not reported twice. A check whose counterpart comes from a source in
    `config.unavailable_sources` (down or absent in this run) is skipped: an outage is not a
    missing record.
    """
    found = []
    for check in CHECKS:
        if check.counterparts & config.unavailable_sources:
            continue
        frame = _candidates(getattr(frames, check.frame), check, window)
        if frame.empty:
            continue
        lonely = frame[~frame["key"].isin(_matched(matches, check.needs) | excused)]
        pending = not_due(seconds_of(lonely, check.due_column), window, config.timing_grace)
        found += [
            _finding(row, check, bool(p), config, window)
            for row, p in zip(lonely.itertuples(index=False), pending, strict=True)
        ]
    return found
