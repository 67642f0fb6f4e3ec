"""Pages by source and type, newest first: the normalize step reads the newest QuickBooks
preferences page (the company's home currency) on every run.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_raw_pages_type", "raw_pages", ["source", "page_type", "id"])


def downgrade() -> None:
    op.drop_index("ix_raw_pages_type", table_name="raw_pages")
