"""approvals: requests, decisions, refusals, corrections outbox, notifications sent

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def _when(name: str, *, default: bool = False) -> sa.Column:
    if default:
        return sa.Column(
            name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        )
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column(
            "discrepancy_id", sa.String(40), sa.ForeignKey("discrepancies.id"), nullable=False
        ),
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("group_key", sa.String(200), nullable=False),
        sa.Column("correction_id", sa.String(40), nullable=False),
        sa.Column("correction", JSONB, nullable=True),
        sa.Column("allowed", JSONB, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("slack_channel", sa.String(40), nullable=True),
        sa.Column("slack_ts", sa.String(40), nullable=True),
        _when("requested_at", default=True),
        _when("reminded_at"),
        _when("expires_at"),
        _when("closed_at"),
        sa.Column("summarized_run", sa.Integer(), nullable=True),
        sa.UniqueConstraint("workflow_id", "discrepancy_id"),
    )
    op.create_index("ix_approval_requests_discrepancy_id", "approval_requests", ["discrepancy_id"])
    op.create_table(
        "approval_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column(
            "discrepancy_id", sa.String(40), sa.ForeignKey("discrepancies.id"), nullable=False
        ),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("decided_by", sa.String(120), nullable=False),
        sa.Column("decided_by_name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("correction_id", sa.String(40), nullable=False),
        sa.Column("before_value", sa.Text(), nullable=True),
        sa.Column("after_value", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workflow_id", "discrepancy_id"),
    )
    op.create_index(
        "ix_approval_decisions_discrepancy_id", "approval_decisions", ["discrepancy_id"]
    )
    op.create_table(
        "approval_refusals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("discrepancy_id", sa.String(40), nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("attempted_by", sa.String(120), nullable=False),
        sa.Column("attempted_by_name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("correction_id", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workflow_id", "discrepancy_id", "attempted_by", "refused_at"),
    )
    op.create_index("ix_approval_refusals_discrepancy_id", "approval_refusals", ["discrepancy_id"])
    op.create_table(
        "corrections_outbox",
        sa.Column("correction_id", sa.String(40), primary_key=True),
        sa.Column("discrepancy_id", sa.String(40), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("system", sa.String(20), nullable=False),
        sa.Column("object_type", sa.String(60), nullable=False),
        sa.Column("object_id", sa.String(200), nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("from_value", sa.Text(), nullable=True),
        sa.Column("to_value", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(120), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.String(200), nullable=True),
        sa.Column("response_id", sa.String(200), nullable=True),
        sa.Column("before", JSONB, nullable=True),
        sa.Column("after", JSONB, nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        _when("created_at", default=True),
        _when("sent_at"),
        _when("finished_at"),
    )
    op.create_index(
        "ix_corrections_outbox_discrepancy_id", "corrections_outbox", ["discrepancy_id"]
    )
    op.create_index(
        "ix_outbox_unfinished",
        "corrections_outbox",
        ["correction_id"],
        postgresql_where=sa.text("finished_at IS NULL"),
    )
    op.create_table(
        "notifications_sent",
        sa.Column("run_id", sa.BigInteger(), primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("response_id", sa.String(200), nullable=True),
        _when("created_at", default=True),
        _when("sent_at"),
    )


def downgrade() -> None:
    op.drop_table("notifications_sent")
    op.drop_index("ix_outbox_unfinished", table_name="corrections_outbox")
    op.drop_index("ix_corrections_outbox_discrepancy_id", table_name="corrections_outbox")
    op.drop_table("corrections_outbox")
    op.drop_index("ix_approval_refusals_discrepancy_id", table_name="approval_refusals")
    op.drop_table("approval_refusals")
    op.drop_index("ix_approval_decisions_discrepancy_id", table_name="approval_decisions")
    op.drop_table("approval_decisions")
    op.drop_index("ix_approval_requests_discrepancy_id", table_name="approval_requests")
    op.drop_table("approval_requests")
