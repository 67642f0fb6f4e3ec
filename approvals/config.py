"""The approval flow's configuration, read from `Settings`.

Who may decide what, when to remind and expire, and which fields are pushed without asking.
Read with defaults (`getattr`) so the flow works before every field exists in `Settings`.

Settings fields (environment names in capitals):
- `APPROVERS` role → identities allowed to act in it (Slack user ids and command-line names),
  e.g. `{"cfo": ["U0CFO", "dana"], "bookkeeper": ["U0BOOK", "sam"]}`;
- `APPROVER_ROLES` severity → roles, used when a discrepancy names no approvers itself
  (a rule such as "new vendor payment" names its own: `approvers=["cfo"]`);
- `APPROVAL_REMIND_AFTER`, `APPROVAL_EXPIRE_AFTER` (ISO 8601 durations, e.g. `P1D`, `P7D`);
- `WRITEBACK_MODES` discrepancy field → auto | review | never (high severity is always review
  unless the field says never);
- `WRITEBACK_DRY_RUN` show what would be pushed, push nothing;
- `SMTP_HOST`, `SMTP_PORT`, `SMTP_FROM`, `SMTP_TO`, `SMTP_USERNAME`, `SMTP_PASSWORD`, `SMTP_STARTTLS`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from models.approvals import ApprovalTimes, WritebackMode
from models.errors import ConfigurationError

DEFAULT_ROLES = {"high": ["owner", "bookkeeper"], "medium": ["bookkeeper"], "low": ["bookkeeper"]}
DEFAULT_MODES = {
    "existence": WritebackMode.REVIEW,
    "total": WritebackMode.REVIEW,
    "status": WritebackMode.NEVER,  # no vendor API lets an app set an order's or invoice's status
    "currency": WritebackMode.NEVER,
    "line_items": WritebackMode.REVIEW,
    "customer": WritebackMode.AUTO,
    "rule": WritebackMode.REVIEW,
    "input": WritebackMode.NEVER,
}


class SmtpConfig(BaseModel):
    host: str | None = None
    port: int = 25
    sender: str = "accord@localhost"
    to: list[str] = Field(default_factory=list)
    username: str | None = None
    password: str | None = None
    starttls: bool = False

    @property
    def configured(self) -> bool:
        return bool(self.host and self.to)


class ApprovalConfig(BaseModel):
    approvers: dict[str, list[str]] = Field(default_factory=dict)
    roles_by_severity: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_ROLES))
    times: ApprovalTimes = Field(default_factory=ApprovalTimes)
    modes: dict[str, WritebackMode] = Field(default_factory=lambda: dict(DEFAULT_MODES))
    dry_run: bool = False
    slack_channel: str | None = None
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    group_size: int = 10

    def roles_for(self, severity: str, named: list[str]) -> list[str]:
        return list(named) if named else list(self.roles_by_severity.get(severity, []))

    def identities(self, roles: list[str]) -> list[str]:
        """Everyone allowed to act in any of `roles`; a role nobody holds is a configuration error."""
        allowed: list[str] = []
        for role in roles:
            if role not in self.approvers:
                raise ConfigurationError(
                    f"approver role {role!r} has nobody in APPROVERS (roles known: "
                    f"{', '.join(sorted(self.approvers)) or 'none'})"
                )
            allowed.extend(self.approvers[role])
        return sorted(set(allowed))

    def mode_for(self, field: str, severity: str) -> WritebackMode:
        mode = self.modes.get(field, WritebackMode.REVIEW)
        if severity == "high" and mode == WritebackMode.AUTO:
            return WritebackMode.REVIEW
        return mode

    @classmethod
    def from_settings(cls, settings: Any) -> ApprovalConfig:
        def get(name: str, default: Any) -> Any:
            value = getattr(settings, name, None)
            return default if value is None else value

        secret = get("smtp_password", None)
        return cls(
            approvers=get("approvers", {}),
            roles_by_severity=get("approver_roles", dict(DEFAULT_ROLES)),
            times=ApprovalTimes(
                remind_after=get("approval_remind_after", timedelta(days=1)),
                expire_after=get("approval_expire_after", timedelta(days=7)),
            ),
            modes={**DEFAULT_MODES, **get("writeback_modes", {})},
            dry_run=get("writeback_dry_run", False),
            slack_channel=get("slack_channel", None),
            smtp=SmtpConfig(
                host=get("smtp_host", None),
                port=get("smtp_port", 25),
                sender=get("smtp_from", "accord@localhost"),
                to=_addresses(get("smtp_to", [])),
                username=get("smtp_username", None),
                password=secret.get_secret_value()
                if hasattr(secret, "get_secret_value")
                else secret,
                starttls=get("smtp_starttls", False),
            ),
        )


def _addresses(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)
