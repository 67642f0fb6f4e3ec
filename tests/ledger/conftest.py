from __future__ import annotations

import pytest
from sqlalchemy import text

from ledger import make_engine, migrate, session_factory


@pytest.fixture(scope="session")
async def migrated_url(database_url: str) -> str:
    await migrate(database_url)
    return database_url


@pytest.fixture
async def sessions(migrated_url: str):
    """A session factory on a ledger emptied before each test."""
    engine = make_engine(migrated_url)
    async with engine.begin() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
        ).scalars()
        await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    yield session_factory(engine)
    await engine.dispose()
