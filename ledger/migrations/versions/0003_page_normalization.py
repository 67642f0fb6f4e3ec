"""raw records point into their page; normalization is tracked per page

A raw record kept its own jsonb copy of the payload and was marked normalized by rewriting its
row: the database wrote every record three times. Now the page body is the one copy (`path`
says where a record sits in it; the view `raw_record_payloads` shows it), and a page, not each
record, is marked normalized. Versions stored earlier keep their `payload` copy.

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

PAYLOADS_VIEW = """
CREATE VIEW raw_record_payloads AS
SELECT r.id, r.source, r.object_type, r.vendor_id, r.version, r.op, r.page_id, r.path,
       coalesce(
           r.payload,
           CASE WHEN r.path = '' THEN convert_from(p.body, 'UTF8')::jsonb
                ELSE convert_from(p.body, 'UTF8')::jsonb #> string_to_array(r.path, '/')
           END
       ) AS payload
FROM raw_records r JOIN raw_pages p ON p.id = r.page_id
"""


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
    op.add_column("raw_records", sa.Column("path", sa.Text()))
    op.alter_column("raw_records", "payload", nullable=True)
    op.execute(PAYLOADS_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW raw_record_payloads")
    op.execute(
        """
        UPDATE raw_records r SET payload = v.payload
        FROM (SELECT id, payload FROM raw_record_payloads) v
        WHERE v.id = r.id AND r.payload IS NULL
        """
    )
    op.alter_column("raw_records", "payload", nullable=False)
    op.drop_column("raw_records", "path")
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
