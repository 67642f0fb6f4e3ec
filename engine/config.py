"""The engine's knobs: weights, tolerances, patterns, grace, severities, authority and rules.

Every default is the one the issue names; `EngineConfig.from_settings` reads the few that live in
`runtime.settings.Settings` (grace, arrival window, severities, rules file) so there is one place
to configure a deployment.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.rules import Rule, load_rules
from models.results import DEFAULT_SEVERITIES

# Which system's value wins per field (see engine.authority for how a correction is proposed).
DEFAULT_AUTHORITY: dict[str, str] = {
    "total": "quickbooks",
    "status": "shopify",
    "email": "most_recent",
    "sku": "shopify",
    "description": "shopify",
}


class CustomerWeights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    email: float = 0.5
    phone: float = 0.3
    name: float = 0.2
    threshold: float = 0.7
    # The shared-mailbox guard: two records whose names are both known and less similar than
    # this are never merged on shared contact points alone, whatever the weights add up to.
    name_conflict_below: float = 0.5
    max_block: int = 200  # a mailbox or phone shared by more profiles than this is not a key


class OrderRefPattern(BaseModel):
    """A regex whose group 1 is an order number, looked for in the named invoice fields.

    `corroborate`: a weak pattern (a bare number in DocNumber) must also agree on amount or
    customer, because QuickBooks numbers its own invoices with plain numbers too.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str
    fields: list[str]
    corroborate: bool = False


DEFAULT_ORDER_PATTERNS = [
    OrderRefPattern(pattern=r"^\s*(?:SH|SHOP|SO)[-_ ]?#?(\d+)\s*$", fields=["doc_number"]),
    OrderRefPattern(
        pattern=r"(?i)\b(?:shopify\s+)?order\s*(?:no\.?|number)?\s*#?\s*(\d+)\b",
        fields=["private_note", "customer_memo", "custom"],
    ),
    OrderRefPattern(pattern=r"#(\d+)\b", fields=["private_note", "customer_memo", "custom"]),
    OrderRefPattern(pattern=r"^\s*#?(\d+)\s*$", fields=["doc_number", "custom"], corroborate=True),
]


class EngineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    customers: CustomerWeights = Field(default_factory=CustomerWeights)
    order_patterns: list[OrderRefPattern] = Field(default_factory=lambda: DEFAULT_ORDER_PATTERNS)
    order_custom_fields: list[str] = Field(
        default_factory=lambda: ["Shopify Order", "Order Number", "Order No", "Order"]
    )
    order_invoice_days: int = 3
    order_invoice_amount_tolerance: Decimal = Decimal("0.00")
    charge_order_window: timedelta = timedelta(hours=48)
    payout_arrival_window: timedelta = timedelta(days=3)
    deposit_payment_days: int = 5
    bill_days: int = 5
    near_miss_max_difference: Decimal = Decimal("5.00")
    payer_threshold: float = 0.8
    # Work (items x target cents, in bits) before a subset sum gives up as "too many candidates";
    # it also bounds memory: the per-item bitsets kept for the read-back are at most budget/8 bytes.
    subset_sum_budget: int = 250_000_000
    subset_sum_max_candidates: int = 200
    timing_grace: timedelta = timedelta(days=3)
    severities: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    authority: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_AUTHORITY))
    money_moved_sources: list[str] = Field(default_factory=lambda: ["plaid", "stripe"])
    unavailable_sources: frozenset[str] = frozenset()  # not read in this run
    rules: list[Rule] = Field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> EngineConfig:
        """Grace, arrival window, severities and the rules file from `Settings`."""
        values: dict[str, Any] = {
            "timing_grace": settings.timing_grace,
            "payout_arrival_window": settings.payout_arrival_window,
            "severities": {**DEFAULT_SEVERITIES, **dict(settings.severities)},
        }
        rules_file = getattr(settings, "rules_file", None)
        if rules_file:
            values.update(load_rules(Path(rules_file)).config_values(values["severities"]))
        values.update(overrides)
        return cls(**values)

    def severity(self, field: str) -> str:
        return self.severities.get(field, DEFAULT_SEVERITIES.get(field, "medium"))
