"""The ledger's tables: raw as received, canonical versions, identities, runs and their results.

Nothing received is ever overwritten: a raw record or canonical record that changes gets a new
version row, and the old one stays.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSONB, list[Any]: JSONB}


class Run(Base):
    """One execution of the reconciliation workflow."""

    __tablename__ = "runs"
    __table_args__ = (UniqueConstraint("workflow_id", "workflow_run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(200))
    workflow_run_id: Mapped[str] = mapped_column(String(100))
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sources: Mapped[list[Any]] = mapped_column(JSONB)
    source_dir: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(40), default="running")
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    staged_findings: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    report_path: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Batch(Base):
    """What one fetch of one source brought in during a run."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("run_id", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    source: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="fetching")
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RawPage(Base):
    """A response body exactly as the vendor (or the recorded file) gave it."""

    __tablename__ = "raw_pages"
    __table_args__ = (
        UniqueConstraint("batch_id", "origin", "sha256"),
        Index("ix_raw_pages_unnormalized", "id", postgresql_where=text("normalized_at IS NULL")),
        Index("ix_raw_pages_type", "source", "page_type", "id"),  # the newest of a type
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    source: Mapped[str] = mapped_column(String(20))
    page_type: Mapped[str] = mapped_column(String(120))
    origin: Mapped[str] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    parse_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Set once the page's new record versions are normalized (every one, or its problem noted).
    normalized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RawRecord(Base):
    """One vendor record as received; a changed payload is a new version.

    The record's bytes live once, in its page: `path` says where (`data/3`). The view
    `raw_record_payloads` shows each version's payload; `payload` is set only on versions
    stored before migration 0003, which kept a copy here.
    """

    __tablename__ = "raw_records"
    __table_args__ = (
        UniqueConstraint("source", "object_type", "vendor_id", "version"),
        Index("ix_raw_records_page", "page_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    object_type: Mapped[str] = mapped_column(String(60))
    vendor_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(10), default="upsert")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    content_hash: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    page_id: Mapped[int] = mapped_column(ForeignKey("raw_pages.id"))
    path: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    problem: Mapped[str | None] = mapped_column(Text)


class RecordLink(Base):
    """A relation a vendor expresses through the query that returned a record, not its body
    (e.g. Stripe's `GET /v1/balance_transactions?payout=po_…`)."""

    __tablename__ = "record_links"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    relation: Mapped[str] = mapped_column(String(40), primary_key=True)
    from_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    to_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class SyncCursor(Base):
    """A vendor's incremental-sync cursor, saved only after its update's records are committed."""

    __tablename__ = "sync_cursors"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    cursor: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class CanonicalRow(Base):
    """A canonical record version. `is_current` marks the newest; `removed` a vendor deletion."""

    __tablename__ = "canonical_records"
    __table_args__ = (
        UniqueConstraint("source", "object_type", "vendor_id", "version"),
        Index(
            "ix_canonical_current",
            "kind",
            "occurred_on",
            postgresql_where=text("is_current"),
        ),
        Index(
            "uq_canonical_one_current",
            "source",
            "object_type",
            "vendor_id",
            unique=True,
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    object_type: Mapped[str] = mapped_column(String(60))
    vendor_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    content_hash: Mapped[str] = mapped_column(String(64))
    occurred_on: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    currency: Mapped[str | None] = mapped_column(String(3))
    raw_record_id: Mapped[int | None] = mapped_column(ForeignKey("raw_records.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CustomerIdentity(Base):
    """One source customer id → its canonical customer id, stable across runs."""

    __tablename__ = "customer_identities"

    source_key: Mapped[str] = mapped_column(String(260), primary_key=True)
    canonical_id: Mapped[str] = mapped_column(String(60), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    first_seen_run: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class MatchRow(Base):
    __tablename__ = "matches"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    match_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    records: Mapped[list[Any]] = mapped_column(JSONB)
    confidence: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    explanation: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(120), default="")
    partial: Mapped[bool] = mapped_column(Boolean, default=False)


class DiscrepancyRow(Base):
    """A finding that lives across runs under its stable id."""

    __tablename__ = "discrepancies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    field: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    records: Mapped[list[Any]] = mapped_column(JSONB)
    values: Mapped[dict[str, Any]] = mapped_column(JSONB)
    explanation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    money_at_stake: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    currency: Mapped[str | None] = mapped_column(String(3))
    rule: Mapped[str] = mapped_column(String(120), default="")
    correction: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    approvers: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    anchor_on: Mapped[date | None] = mapped_column(Date)
    first_seen_run: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    last_seen_run: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    resolved_run: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    resolved_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class RunDiscrepancy(Base):
    """How a run saw a discrepancy: new, still_open or resolved."""

    __tablename__ = "run_discrepancies"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    discrepancy_id: Mapped[str] = mapped_column(ForeignKey("discrepancies.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
