"""Shapes of the approval flow: what waits for a person, their decisions, and what was pushed.

Only ids, small summaries and decisions travel through Temporal; the ledger keeps the rest
(`ledger/approval_tables.py`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from models.records import AwareDatetime
from models.results import Correction


class WritebackMode(StrEnum):
    """Per discrepancy field: push without asking, ask a person first, or never push."""

    AUTO = "auto"
    REVIEW = "review"
    NEVER = "never"


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class ItemState(StrEnum):
    WAITING = "waiting"
    DECIDING = "deciding"  # a decision is being recorded; others are refused meanwhile
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


class ApplyStatus(StrEnum):
    APPLIED = "applied"  # the vendor holds the new value (now, or already before we asked)
    DRY_RUN = "dry_run"  # shown, not pushed
    CONFLICT = "conflict"  # the record changed since the correction was proposed: re-decide
    FAILED = "failed"  # the vendor refused the change permanently
    SKIPPED = "skipped"  # nothing to push (no correction, or the mode says never)


class RunApprovalsInput(BaseModel):
    run_id: int


class ApprovalItem(BaseModel):
    """One discrepancy waiting for a person (or pushed automatically), as shown in Slack."""

    discrepancy_id: str
    severity: str
    field: str
    rule: str = ""
    explanation: str
    values: dict[str, str] = Field(default_factory=dict)
    money_at_stake: Decimal = Decimal(0)
    currency: str | None = None
    correction: Correction | None = None
    allowed: list[str] = Field(default_factory=list)  # identities (Slack user ids, CLI names)
    roles: list[str] = Field(default_factory=list)  # the approver roles, for the message

    @property
    def correction_id(self) -> str:
        return self.correction.id if self.correction else ""


class ApprovalGroup(BaseModel):
    """Items a bookkeeper reviews together: one kind of change in one system, one audience."""

    key: str
    title: str
    items: list[ApprovalItem]

    @property
    def money_at_stake(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for item in self.items:
            code = item.currency or "?"
            totals[code] = totals.get(code, Decimal(0)) + item.money_at_stake
        return totals


class ApprovalTimes(BaseModel):
    remind_after: timedelta = timedelta(days=1)
    expire_after: timedelta = timedelta(days=7)


class RunApprovalsPlan(BaseModel):
    """What a run needs from people: groups to post, corrections to push without asking."""

    run_id: int
    groups: list[ApprovalGroup] = Field(default_factory=list)
    automatic: list[ApprovalItem] = Field(default_factory=list)
    times: ApprovalTimes = Field(default_factory=ApprovalTimes)
    run_workflow_id: str = ""
    run_ui_url: str = ""


class GroupInput(BaseModel):
    run_id: int
    group: ApprovalGroup
    times: ApprovalTimes
    run_ui_url: str = ""


class Decision(BaseModel):
    """A person's decision on one item, as it arrives from Slack or the command line."""

    discrepancy_id: str
    verdict: Verdict
    by: str  # Slack user id or CLI name
    by_name: str = ""
    channel: str = "cli"  # slack | cli
    correction_id: str  # the correction the person saw
    at: AwareDatetime | None = None


class DecisionOutcome(BaseModel):
    """What the person hears back: accepted, or refused and why (the refusal is recorded)."""

    accepted: bool
    discrepancy_id: str
    reason: str = ""
    state: ItemState
    decided_by: str = ""
    decided_at: datetime | None = None


class ItemStatus(BaseModel):
    """An item's state inside its group workflow, for rendering and queries."""

    discrepancy_id: str
    state: ItemState = ItemState.WAITING
    decided_by: str = ""
    decided_by_name: str = ""
    decided_at: datetime | None = None
    channel: str = ""
    apply_status: ApplyStatus | None = None
    apply_detail: str = ""


class PostedMessage(BaseModel):
    channel: str
    ts: str


class PostGroupInput(BaseModel):
    run_id: int
    workflow_id: str
    group: ApprovalGroup
    statuses: list[ItemStatus] = Field(default_factory=list)
    run_ui_url: str = ""
    expires_at: datetime | None = None


class UpdateGroupInput(BaseModel):
    message: PostedMessage
    post: PostGroupInput
    note: str = ""


class RecordDecisionInput(BaseModel):
    run_id: int
    workflow_id: str
    decision: Decision
    accepted: bool
    reason: str = ""
    before: str | None = None
    after: str | None = None


class CurrentCorrection(BaseModel):
    discrepancy_id: str
    correction_id: str  # "" when the discrepancy no longer proposes a correction
    status: str


class ExpireInput(BaseModel):
    run_id: int
    workflow_id: str
    discrepancy_ids: list[str]


class ApplyInput(BaseModel):
    run_id: int
    discrepancy_id: str
    correction: Correction
    decided_by: str = ""  # "auto" for automatic corrections


class ApplyResult(BaseModel):
    correction_id: str
    status: ApplyStatus
    detail: str = ""
    vendor_id: str | None = None  # the vendor's id of the record written
    response_id: str | None = None  # the vendor's response/request id (audit)


class NotifyInput(BaseModel):
    run_id: int
    run_ui_url: str = ""


class NotifyResult(BaseModel):
    sent: bool
    already_sent: bool = False
    detail: str = ""


class GroupResult(BaseModel):
    key: str
    statuses: list[ItemStatus]


class RunApprovalsResult(BaseModel):
    run_id: int
    posted: int = 0
    approved: int = 0
    rejected: int = 0
    expired: int = 0
    applied: int = 0
    automatic: int = 0
    conflicts: int = 0
    failed: int = 0
    by_state: dict[str, int] = Field(default_factory=dict)


class OpenItem(BaseModel):
    discrepancy_id: str
    severity: str
    explanation: str
    money_at_stake: Decimal
    currency: str | None = None
    since: datetime


class SummaryFacts(BaseModel):
    """What the daily summary and the exception email say about the books after a run."""

    run_id: int
    by_severity: dict[str, int] = Field(default_factory=dict)
    money_at_stake: dict[str, Decimal] = Field(default_factory=dict)
    oldest_open: OpenItem | None = None
    waiting: int = 0
    expired: list[OpenItem] = Field(default_factory=list)
    failed_pushes: list[str] = Field(default_factory=list)  # "correction id: detail"
    high_open: list[OpenItem] = Field(default_factory=list)
    run_ui_url: str = ""

    @property
    def exceptional(self) -> bool:
        return bool(self.expired or self.failed_pushes or self.high_open)
