"""Which system's value wins a disagreement, and the correction that follows.

The authority map names, per field, the system whose value is kept (defaults from the issue:
total → QuickBooks, status → Shopify, email → the most recently updated record, sku and
description → Shopify). The loser's record gets a proposed `Correction`.

One reading needs saying out loud. "total → QuickBooks" makes the books the authority for
amounts that were *booked*; but when one side of the disagreement is money that actually moved
(a bank line, a Stripe charge or payout — `money_moved_sources`), that side is a fact no ledger
entry can overrule: nobody can correct the bank to match a typo'd bill. So a total is decided
by money moved when there is any, and by the authority map otherwise; the correction's `reason`
says which applied. Corrections use canonical field names (`total`, `status`, `email`, ...);
the write-back maps them onto each vendor's API.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import EngineConfig
from models.records import SourceRef
from models.results import Correction

WRITABLE = {"quickbooks", "shopify"}


@dataclass(frozen=True)
class Side:
    ref: SourceRef
    value: str
    updated: float = 0.0  # epoch seconds of the record's last update, for "most_recent"


def _correction(field: str, winner: Side, loser: Side, reason: str) -> Correction | None:
    if loser.ref.source.value not in WRITABLE or winner.value == loser.value:
        return None
    return Correction(
        system=loser.ref.source.value,
        object_type=loser.ref.type,
        object_id=loser.ref.id,
        field=field,
        from_value=loser.value,
        to_value=winner.value,
        reason=reason,
    )


def _money_moved(
    a: Side, b: Side, config: EngineConfig, evidence: str
) -> tuple[Side, Side, str] | None:
    moved = [s for s in (a, b) if s.ref.source.value in config.money_moved_sources]
    if len(moved) == 1 or evidence:
        winner = moved[0] if len(moved) == 1 else a
        loser = b if winner is a else a
        why = (
            evidence
            or f"{winner.ref.source.value} {winner.ref.type} {winner.ref.id} is money that moved"
        )
        return (
            winner,
            loser,
            (
                f"{why}; the authority map gives totals to {config.authority.get('total')}, but money "
                f"moved is a fact the books must follow, so {loser.ref.source.value} is corrected"
            ),
        )
    return None


def _by_map(field: str, a: Side, b: Side, config: EngineConfig) -> tuple[Side, Side, str] | None:
    authority = config.authority.get(field)
    if authority == "most_recent":
        winner, loser = (a, b) if a.updated >= b.updated else (b, a)
        return (
            winner,
            loser,
            f"authority map: {field} → the most recently updated record ({winner.ref.source.value})",
        )
    for winner, loser in ((a, b), (b, a)):
        if winner.ref.source.value == authority:
            return winner, loser, f"authority map: {field} → {authority}"
    return None


def propose(
    field: str, a: Side, b: Side, config: EngineConfig, evidence: str = "", target: str = ""
) -> Correction | None:
    """The correction for a disagreement on `field` between two records, or None if undecidable.

    `target` names the corrected field when it is not the authority map's key (line items are
    decided by "sku").

    `evidence` (for totals): why side `a` is known to be money that moved although its own
    system is a storefront (e.g. "Stripe charge ch_1 collected 59.89").
    """
    decided = _money_moved(a, b, config, evidence) if field == "total" else None
    decided = decided or _by_map(field, a, b, config)
    if decided is None:
        return None
    winner, loser, reason = decided
    return _correction(target or field, winner, loser, reason)
