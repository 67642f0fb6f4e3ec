"""The ledger's connection: an async SQLAlchemy engine on asyncpg, and Alembic on start.

JSON columns are written and read with exact decimals (never floats): payloads keep every digit
the vendor sent.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from models.exact_json import decode, encode

MIGRATIONS = Path(__file__).parent / "migrations"


def dumps(value: Any) -> str:
    return encode(value).decode()


def loads(data: str | bytes) -> Any:
    return decode(data)


def make_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    return create_async_engine(
        url,
        json_serializer=dumps,
        json_deserializer=loads,
        pool_size=pool_size,
        pool_pre_ping=True,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str):  # -> alembic.config.Config
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


async def migrate(url: str) -> None:
    """Apply every Alembic migration (idempotent); called when a worker or command starts."""
    await asyncio.to_thread(_upgrade, url)
