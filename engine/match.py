"""One run's matching: customers first, then each pair of systems, then what is missing.

Order matters only where records are consumed: a bank deposit is first a Stripe payout's, then a
recorded QuickBooks Payment's, then it pays invoices directly; a withdrawal is first a bill
payment's, then a bill's. Every pass is one-to-one within its kind and breaks ties on stable keys.
"""

from __future__ import annotations

from engine.bills import match_bills
from engine.charges import match_charges_to_orders
from engine.config import EngineConfig
from engine.customers import resolve_customers
from engine.deposits import match_deposits
from engine.existence import missing_counterparts
from engine.frames import Frames
from engine.orders import match_orders_to_invoices
from engine.outcome import MatchOutcome
from engine.payouts import match_payout_composition, match_payouts_to_deposits
from models.io import Window
from models.results import Discrepancy, Match


def _sorted(matches: list[Match]) -> list[Match]:
    return sorted(matches, key=lambda m: (m.kind.value, m.id))


def match(
    frames: Frames, window: Window, config: EngineConfig, identity: dict[str, str]
) -> MatchOutcome:
    """Match every system's records and report the window's records left without a counterpart.

    >>> outcome = match(build_frames(records), window, EngineConfig(), identity={})
    >>> [(m.kind, [r.key for r in m.records]) for m in outcome.matches]
    """
    people = resolve_customers(frames, config.customers, identity)
    matches = match_orders_to_invoices(frames, config, people)
    matches += match_charges_to_orders(frames, config)
    matches += match_payouts_to_deposits(frames, config)
    matches += match_payout_composition(frames)
    deposit_matches, ambiguous = match_deposits(frames, config, people, matches, window)
    matches += deposit_matches
    matches += match_bills(frames, config)
    excused = {r.key for d in ambiguous for r in d.records[:1]}
    missing = missing_counterparts(frames, matches, window, config, excused)
    findings: dict[str, Discrepancy] = {d.id: d for d in [*ambiguous, *missing]}
    return MatchOutcome(
        matches=_sorted(matches),
        customers=people.clusters,
        discrepancies=sorted(findings.values(), key=lambda d: d.id),
    )
