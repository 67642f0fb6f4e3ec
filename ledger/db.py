"""The ledger's connection: an async SQLAlchemy engine on asyncpg, and Alembic on start.

JSON columns are written and read with exact decimals (never floats): payloads keep every digit
the vendor sent.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).parent / "migrations"

# Keys sorted, so equal content gives equal bytes (content hashes); a Decimal is written as the
# exact number literal it holds, and read back as Decimal (never through float).
_ENCODER = msgspec.json.Encoder(decimal_format="number", order="sorted")
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def encode(value: Any) -> bytes:
    """Compact JSON bytes with sorted keys and exact decimals."""
    return _ENCODER.encode(value)


def dumps(value: Any) -> str:
    return _ENCODER.encode(value).decode()


def loads(data: str | bytes) -> Any:
    return _DECODER.decode(data)


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
