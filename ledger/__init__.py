"""The ledger: PostgreSQL tables and queries (SQLAlchemy 2 async + asyncpg, Alembic)."""

from __future__ import annotations

import importlib.util

from ledger.db import make_engine, migrate, session_factory

__all__ = ["approval_tables_if_present", "make_engine", "migrate", "session_factory"]


def approval_tables_if_present() -> None:
    """Import the approval tables (if that module exists) so they join `Base.metadata`."""
    if importlib.util.find_spec("ledger.approval_tables") is not None:
        importlib.import_module("ledger.approval_tables")
