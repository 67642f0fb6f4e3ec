"""What matching and comparison produce: matches, discrepancies, proposed corrections.

These shapes are shared by the engine (which makes them), the ledger (which keeps them across
runs) and the report (which shows them). Ids are derived from business facts only, so the same
finding keeps its id from one run to the next.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from models.records import SourceRef


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


SEVERITY_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}

# Default severity per discrepancy field (and per kind of finding); Settings may override each.
DEFAULT_SEVERITIES: dict[str, str] = {
    "existence": "high",
    "total": "high",
    "status": "medium",
    "currency": "high",
    "line_items": "medium",
    "customer": "low",
    "cosmetic": "low",
    "input": "medium",
    "ambiguous": "medium",
}


class DiscrepancyField(StrEnum):
    EXISTENCE = "existence"
    TOTAL = "total"
    STATUS = "status"
    CURRENCY = "currency"
    LINE_ITEMS = "line_items"
    CUSTOMER = "customer"
    RULE = "rule"
    INPUT = "input"


class DiscrepancyStatus(StrEnum):
    OPEN = "open"
    PENDING_TIMING = "pending_timing"
    AUTO_RESOLVED = "auto_resolved"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    RESOLVED = "resolved"


class MatchKind(StrEnum):
    ORDER_INVOICE = "order_invoice"
    CHARGE_ORDER = "charge_order"
    PAYOUT_DEPOSIT = "payout_deposit"
    PAYOUT_COMPOSITION = "payout_composition"
    DEPOSIT_INVOICES = "deposit_invoices"
    DEPOSIT_PAYMENT = "deposit_payment"
    PAYMENT_INVOICES = "payment_invoices"
    WITHDRAWAL_BILL_PAYMENT = "withdrawal_bill_payment"
    BILL_PAYMENT_BILL = "bill_payment_bill"
    WITHDRAWAL_BILL = "withdrawal_bill"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def record_keys(records: Iterable[SourceRef]) -> list[str]:
    return sorted({r.key for r in records})


def match_id(kind: str, records: Iterable[SourceRef]) -> str:
    return "m_" + _digest(kind, *record_keys(records))


def discrepancy_id(field: str, records: Iterable[SourceRef], discriminator: str = "") -> str:
    """Stable across runs: the field and the sorted keys of the records it concerns.

    `discriminator` separates two findings of one field on the same records (e.g. two rules).
    """
    return "d_" + _digest(field, discriminator, *record_keys(records))


class Match(BaseModel):
    """One group of records that belong together, and why."""

    model_config = ConfigDict(frozen=True)

    kind: MatchKind
    records: list[SourceRef]
    confidence: float = 1.0
    explanation: str
    rule: str = ""
    partial: bool = False

    @property
    def id(self) -> str:
        return match_id(self.kind.value, self.records)


class Correction(BaseModel):
    """A proposed change to one vendor record's field, decided by the authority map."""

    model_config = ConfigDict(frozen=True)

    system: str
    object_type: str
    object_id: str
    field: str
    from_value: str | None
    to_value: str | None
    reason: str = ""

    @property
    def id(self) -> str:
        """The idempotency key: the same change to the same record is the same correction."""
        return "c_" + _digest(
            self.system,
            self.object_type,
            self.object_id,
            self.field,
            self.from_value or "",
            self.to_value or "",
        )


class Discrepancy(BaseModel):
    """A disagreement between systems (or a record that cannot be read), with its evidence."""

    model_config = ConfigDict(frozen=True)

    field: DiscrepancyField
    severity: Severity
    records: list[SourceRef]
    values: dict[str, str] = Field(default_factory=dict)
    explanation: str
    status: DiscrepancyStatus = DiscrepancyStatus.OPEN
    money_at_stake: Decimal = Decimal(0)
    currency: str | None = None
    rule: str = ""
    discriminator: str = ""
    correction: Correction | None = None
    approvers: list[str] = Field(default_factory=list)

    @property
    def id(self) -> str:
        return discrepancy_id(self.field.value, self.records, self.discriminator)
