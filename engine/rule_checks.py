"""Apply the configured rules (engine.rules) to the window's records.

Each rule names a record kind and conditions that must all hold; a record that meets them gets
one `rule` discrepancy (discriminator = the rule's name) with the rule's severity and approvers.
"First seen" is the vendor's or customer's creation time in its system; a vendor or customer
Accord has no record of counts as first seen now (it is new to us).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pandas as pd

from engine.config import EngineConfig
from engine.frames import Frames, major
from engine.rules import Rule
from engine.timing import in_window
from models.io import Window
from models.records import SourceRef
from models.results import Discrepancy, DiscrepancyField, Severity

FRAME_OF = {
    "bill_payment": ("bill_payments", "vendor_key", "vendor_name"),
    "bill": ("bills", "vendor_key", "vendor_name"),
    "withdrawal": ("bank", "", "payer"),
    "deposit": ("bank", "", "payer"),
    "charge": ("charges", "customer_key", "customer_name"),
    "order": ("orders", "customer_key", "customer_name"),
    "invoice": ("invoices", "customer_key", "customer_name"),
    "payment": ("payments", "customer_key", "customer_name"),
}


def _records(frames: Frames, rule: Rule, window: Window) -> pd.DataFrame:
    name, _, _ = FRAME_OF[rule.when.kind]
    frame = getattr(frames, name)
    if frame.empty:
        return frame
    column = "ts" if "ts" in frame.columns else "day"
    frame = frame[in_window(frame, column, window)]
    if rule.when.kind == "withdrawal":
        frame = frame[frame["amount"] < 0]
    elif rule.when.kind == "deposit":
        frame = frame[frame["amount"] > 0]
    return frame


def _first_seen_days(frames: Frames, key: str, day: int) -> int:
    """Days between the party's creation and the record (0 when we have no record of the party)."""
    party = frames.records.get(key) if key else None
    created = getattr(party, "created_at", None)
    if created is None:
        return 0
    from engine.frames import day_number

    return day - day_number(created)


def _holds(rule: Rule, row, frames: Frames) -> list[str] | None:
    """The evidence for each condition, or None when one does not hold."""
    when = rule.when
    _, party_column, name_column = FRAME_OF[when.kind]
    amount = abs(major(row.amount, row.exp))
    evidence = []
    if when.currency and row.currency != when.currency.upper():
        return None
    if when.amount_over is not None:
        if not amount > Decimal(when.amount_over):
            return None
        evidence.append(f"amount {amount} {row.currency} > {when.amount_over}")
    for days in (when.vendor_first_seen_within_days, when.customer_first_seen_within_days):
        if days is None:
            continue
        party = getattr(row, party_column) if party_column else ""
        age = _first_seen_days(frames, party, row.day)
        if age > days:
            return None
        evidence.append(f"party first seen {age} day(s) before (≤ {days})")
    if when.name_matches:
        name = getattr(row, name_column) or ""
        if not re.search(when.name_matches, name, re.IGNORECASE):
            return None
        evidence.append(f"name {name!r} matches {when.name_matches!r}")
    return evidence


def _hits(frames: Frames, rule: Rule, window: Window) -> Iterator[tuple[Any, list[str]]]:
    for row in _records(frames, rule, window).itertuples(index=False):
        evidence = _holds(rule, row, frames)
        if evidence is not None:
            yield row, evidence


def apply_rules(frames: Frames, window: Window, config: EngineConfig) -> list[Discrepancy]:
    found = []
    for rule in config.rules:
        for row, evidence in _hits(frames, rule, window):
            ref = SourceRef.parse(row.key)
            amount = abs(major(row.amount, row.exp))
            found.append(
                Discrepancy(
                    field=DiscrepancyField.RULE,
                    severity=Severity(rule.severity),
                    records=[ref],
                    values={ref.source.value: str(amount)},
                    explanation=f"rule {rule.name}: {rule.description or 'conditions met'} ({'; '.join(evidence)})",
                    money_at_stake=amount,
                    currency=row.currency,
                    rule=rule.name,
                    discriminator=rule.name,
                    approvers=list(rule.approvers),
                )
            )
    return found
