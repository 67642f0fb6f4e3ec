"""What `match` returns: matches, customer clusters and the discrepancies found while matching."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.records import SourceRef
from models.results import Discrepancy, Match


@dataclass(frozen=True)
class CustomerCluster:
    """One person or company across systems; `canonical_id` stays the same from run to run."""

    canonical_id: str
    name: str | None
    members: list[SourceRef]
    emails: list[str] = field(default_factory=list)
    explanation: str = ""


@dataclass
class MatchOutcome:
    matches: list[Match] = field(default_factory=list)
    customers: list[CustomerCluster] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
