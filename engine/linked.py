"""Groups QuickBooks states itself: a payment's or bill payment's LinkedTxn names what it pays."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from models.records import SourceRef
from models.results import Match, MatchKind


def refs(keys: Iterable[str]) -> list[SourceRef]:
    return [SourceRef.parse(k) for k in keys]


def linked_txn_matches(
    frame: pd.DataFrame, linked_type: str, kind: MatchKind, paying: str, paid: str
) -> list[Match]:
    """One match per row whose `applied` keys name records of `linked_type`: e.g. a Payment
    applied to Invoices 130 and 131 gives PAYMENT_INVOICES [Payment, Invoice 130, Invoice 131]."""
    out = []
    for row in frame.itertuples(index=False):
        linked = [k for k in row.applied if k.split(":")[1] == linked_type]
        if linked:
            out.append(
                Match(
                    kind=kind,
                    records=refs([row.key, *linked]),
                    rule="linked_txn",
                    explanation=f"the {paying}'s LinkedTxn names {len(linked)} {paid}(s)",
                )
            )
    return out
