"""The approval flow's tables: requests, decisions, refusals, the corrections outbox, notifications.

Together they tell a discrepancy's whole story after the run found it: when it was put to whom,
who decided what through which channel (and who was refused, and why), what was pushed to which
vendor with which response id, and which notifications went out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledger.tables import Base


class ApprovalRequest(Base):
    """One discrepancy put to people by one run's approval workflow."""

    __tablename__ = "approval_requests"
    __table_args__ = (UniqueConstraint("workflow_id", "discrepancy_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    discrepancy_id: Mapped[str] = mapped_column(ForeignKey("discrepancies.id"), index=True)
    workflow_id: Mapped[str] = mapped_column(String(200))
    group_key: Mapped[str] = mapped_column(String(200))
    correction_id: Mapped[str] = mapped_column(String(40))
    correction: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    allowed: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    state: Mapped[str] = mapped_column(String(20), default="waiting")
    slack_channel: Mapped[str | None] = mapped_column(String(40))
    slack_ts: Mapped[str | None] = mapped_column(String(40))
    requested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    summarized_run: Mapped[int | None] = mapped_column(Integer)


class ApprovalDecision(Base):
    """The one decision that counts for a request (the unique key makes a second impossible)."""

    __tablename__ = "approval_decisions"
    __table_args__ = (UniqueConstraint("workflow_id", "discrepancy_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    workflow_id: Mapped[str] = mapped_column(String(200))
    discrepancy_id: Mapped[str] = mapped_column(ForeignKey("discrepancies.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_by_name: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(20))
    correction_id: Mapped[str] = mapped_column(String(40))
    before_value: Mapped[str | None] = mapped_column(Text)
    after_value: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApprovalRefusal(Base):
    """A decision that was refused (already decided, not allowed, stale correction, ...)."""

    __tablename__ = "approval_refusals"
    __table_args__ = (
        UniqueConstraint("workflow_id", "discrepancy_id", "attempted_by", "refused_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(Integer)
    workflow_id: Mapped[str] = mapped_column(String(200))
    discrepancy_id: Mapped[str] = mapped_column(String(40), index=True)
    verdict: Mapped[str] = mapped_column(String(10))
    attempted_by: Mapped[str] = mapped_column(String(120))
    attempted_by_name: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(20))
    correction_id: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    refused_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CorrectionOutbox(Base):
    """A correction on its way to a vendor. Committed before the vendor is called; the id is
    the vendor's idempotency key, so a crash between call and commit is looked up, not repeated."""

    __tablename__ = "corrections_outbox"
    __table_args__ = (
        Index(
            "ix_outbox_unfinished", "correction_id", postgresql_where=text("finished_at IS NULL")
        ),
    )

    correction_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    discrepancy_id: Mapped[str] = mapped_column(String(40), index=True)
    run_id: Mapped[int | None] = mapped_column(Integer)
    system: Mapped[str] = mapped_column(String(20))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(60))
    from_value: Mapped[str | None] = mapped_column(Text)
    to_value: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    vendor_id: Mapped[str | None] = mapped_column(String(200))
    response_id: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    detail: Mapped[str | None] = mapped_column(Text)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationSent(Base):
    """One notification of one run (the daily summary, the exception email): sent once."""

    __tablename__ = "notifications_sent"

    run_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="sending")
    target: Mapped[str] = mapped_column(Text, default="")
    response_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
