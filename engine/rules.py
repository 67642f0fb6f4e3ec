"""Declarative rules: a YAML file of conditions that raise a `rule` discrepancy, plus overrides
of the default severities and of the authority map.

```yaml
severities: {status: high}          # optional, per DiscrepancyField (or "ambiguous")
authority: {total: quickbooks}      # optional, see engine.authority
rules:
  - name: new_vendor_large_payment
    description: a payment to a vendor first seen in the last 30 days, over $1,000
    when:
      kind: bill_payment            # bill_payment, bill, withdrawal, deposit, charge, order, invoice, payment
      amount_over: "1000.00"
      vendor_first_seen_within_days: 30
    severity: high
    approvers: [cfo]
```
`load_rules` refuses an unknown key or a bad value with a `ConfigurationError` that names the
rule and the key.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from models.errors import ConfigurationError

SeverityName = Literal["high", "medium", "low"]
RuleKind = Literal[
    "bill_payment", "bill", "withdrawal", "deposit", "charge", "order", "invoice", "payment"
]
FIELDS = {
    "existence",
    "total",
    "status",
    "currency",
    "line_items",
    "customer",
    "rule",
    "input",
    "cosmetic",
    "ambiguous",
}
AUTHORITY_FIELDS = {"total", "status", "email", "sku", "description", "currency", "customer"}
AUTHORITIES = {"quickbooks", "shopify", "stripe", "plaid", "most_recent"}


class RuleWhen(BaseModel):
    """All given conditions must hold (AND)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: RuleKind
    amount_over: Decimal | None = None
    currency: str | None = None
    vendor_first_seen_within_days: int | None = Field(default=None, ge=0)
    customer_first_seen_within_days: int | None = Field(default=None, ge=0)
    name_matches: str | None = None

    @field_validator("amount_over", mode="before")
    @classmethod
    def _exact(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("write the amount as a quoted string or integer, not a float")
        return value

    @field_validator("name_matches")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"not a regular expression: {error}") from None
        return value


VENDOR_KINDS = {"bill_payment", "bill"}
CUSTOMER_KINDS = {"charge", "order", "invoice", "payment"}


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    when: RuleWhen
    severity: SeverityName
    approvers: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _party_known(self) -> Rule:
        """First-seen conditions need a record that names its vendor or customer."""
        when = self.when
        if when.vendor_first_seen_within_days is not None and when.kind not in VENDOR_KINDS:
            raise ValueError(
                f"vendor_first_seen_within_days needs kind in {sorted(VENDOR_KINDS)}, not {when.kind}"
            )
        if when.customer_first_seen_within_days is not None and when.kind not in CUSTOMER_KINDS:
            raise ValueError(
                f"customer_first_seen_within_days needs kind in {sorted(CUSTOMER_KINDS)}, not {when.kind}"
            )
        return self


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[Rule] = Field(default_factory=list)
    severities: dict[str, SeverityName] = Field(default_factory=dict)
    authority: dict[str, str] = Field(default_factory=dict)

    def config_values(self, severities: dict[str, str]) -> dict[str, Any]:
        """The `EngineConfig` fields this file sets."""
        from engine.config import DEFAULT_AUTHORITY

        return {
            "rules": list(self.rules),
            "severities": {**severities, **self.severities},
            "authority": {**DEFAULT_AUTHORITY, **self.authority},
        }


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _rule(index: int, raw: Any, path: Path) -> Rule:
    name = raw.get("name", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
    try:
        return Rule.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(f"key '{_where(e['loc'])}': {e['msg']}" for e in error.errors())
        raise ConfigurationError(f"{path}: rule '{name}': {problems}") from None


def _check_top(data: dict[str, Any], path: Path) -> None:
    unknown = set(data) - {"rules", "severities", "authority"}
    if unknown:
        raise ConfigurationError(f"{path}: unknown top-level key(s) {sorted(unknown)}")
    for field, value in (data.get("severities") or {}).items():
        if field not in FIELDS:
            raise ConfigurationError(f"{path}: severities: unknown field '{field}'")
        if value not in ("high", "medium", "low"):
            raise ConfigurationError(
                f"{path}: severities.{field}: '{value}' is not high/medium/low"
            )
    for field, value in (data.get("authority") or {}).items():
        if field not in AUTHORITY_FIELDS:
            raise ConfigurationError(f"{path}: authority: unknown field '{field}'")
        if value not in AUTHORITIES:
            raise ConfigurationError(
                f"{path}: authority.{field}: '{value}' is not one of {sorted(AUTHORITIES)}"
            )


def parse_rules(data: Any, path: Path) -> RulesFile:
    if data is None:
        return RulesFile()
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"{path}: expected a mapping with 'rules', got {type(data).__name__}"
        )
    _check_top(data, path)
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        raise ConfigurationError(f"{path}: 'rules' must be a list")
    rules = [_rule(i, raw, path) for i, raw in enumerate(raw_rules)]
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigurationError(f"{path}: rule names must be unique; repeated: {duplicates}")
    return RulesFile(
        rules=rules,
        severities=data.get("severities") or {},
        authority=data.get("authority") or {},
    )


def load_rules(path: Path | str) -> RulesFile:
    """Read and validate a rules file; a `ConfigurationError` names the rule and the key."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigurationError(f"{path}: cannot read the rules file: {error}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigurationError(f"{path}: not valid YAML: {error}") from None
    return parse_rules(data, path)
