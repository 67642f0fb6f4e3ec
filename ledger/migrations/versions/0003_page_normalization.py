"""normalization is tracked per page, not per raw record

A raw record was marked normalized by rewriting its row (payload and all): as much write-ahead
log again as storing it. A page is marked instead; records of a page are found by `page_id`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("raw_pages", sa.Column("normalized_at", sa.DateTime(timezone=True)))
    op.execute(
        """
        UPDATE raw_pages p SET normalized_at = now()
        WHERE NOT EXISTS (
            SELECT 1 FROM raw_records r WHERE r.page_id = p.id AND r.normalized_at IS NULL
        )
        """
    )
    op.create_index(
        "ix_raw_pages_unnormalized",
        "raw_pages",
        ["id"],
        postgresql_where=sa.text("normalized_at IS NULL"),
    )
    op.create_index("ix_raw_records_page", "raw_records", ["page_id"])
    op.drop_index(
        "ix_raw_records_unnormalized",
        table_name="raw_records",
        postgresql_where=sa.text("normalized_at IS NULL"),
    )
    op.drop_column("raw_records", "normalized_at")


def downgrade() -> None:
    op.add_column("raw_records", sa.Column("normalized_at", sa.DateTime(timezone=True)))
    op.execute(
        """
        UPDATE raw_records r SET normalized_at = p.normalized_at
        FROM raw_pages p WHERE p.id = r.page_id
        """
    )
    op.create_index(
        "ix_raw_records_unnormalized",
        "raw_records",
        ["id"],
        postgresql_where=sa.text("normalized_at IS NULL"),
    )
    op.drop_index("ix_raw_records_page", table_name="raw_records")
    op.drop_index(
        "ix_raw_pages_unnormalized",
        table_name="raw_pages",
        postgresql_where=sa.text("normalized_at IS NULL"),
    )
    op.drop_column("raw_pages", "normalized_at")
