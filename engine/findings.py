"""Small builders shared by the comparisons: a discrepancy with its severity, values and money."""

from __future__ import annotations

from decimal import Decimal

from engine.config import EngineConfig
from models.records import SourceRef
from models.results import Correction, Discrepancy, DiscrepancyField, Severity


def finding(
    config: EngineConfig,
    field: DiscrepancyField,
    records: list[SourceRef],
    values: dict[str, str],
    explanation: str,
    *,
    money: Decimal = Decimal(0),
    currency: str | None = None,
    rule: str = "",
    correction: Correction | None = None,
    severity_key: str | None = None,
    discriminator: str = "",
) -> Discrepancy:
    return Discrepancy(
        field=field,
        severity=Severity(config.severity(severity_key or field.value)),
        records=records,
        values=values,
        explanation=explanation,
        money_at_stake=abs(money),
        currency=currency,
        rule=rule or f"compare:{field.value}",
        correction=correction,
        discriminator=discriminator,
    )
