"""The embedded servers start, answer, stop without leaving a process, and keep their state."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import uuid
from pathlib import Path

import asyncpg
import psutil
import pytest
from sqlalchemy import text
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

from ledger import make_engine
from runtime.client import connect_temporal
from runtime.embedded import (
    EmbeddedServerError,
    TemporalDevServer,
    embedded_services,
    free_port,
    free_ports,
)
from runtime.search_attributes import ALL_KEYS
from runtime.settings import Settings


def embedded_settings(data_dir: Path) -> Settings:
    temporal, ui = free_ports(2)  # two different ports
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        temporal_address=None,
        database_url=None,
        embedded_temporal_port=temporal,
        embedded_temporal_ui_port=ui,
    )


def processes_using(folder: Path) -> list[psutil.Process]:
    """Live (non-zombie) processes whose command line mentions `folder`."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(folder) in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(proc)
    return found


async def test_both_servers_start_answer_stop_and_keep_history(tmp_path: Path):
    data_dir = tmp_path / "accord"
    settings = embedded_settings(data_dir)
    workflow_id = f"kept-{uuid.uuid4()}"

    async with embedded_services(settings) as services:
        assert processes_using(data_dir.resolve()), "the servers run under the data directory"
        client = await connect_temporal(services.temporal_address, "default", settings=settings)
        await client.start_workflow("NobodyRunsThis", id=workflow_id, task_queue="no-worker")
        engine = make_engine(services.database_url)
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT current_database()")) == "accord"
        await engine.dispose()
        assert services.ui_url == f"http://localhost:{settings.embedded_temporal_ui_port}"

    assert processes_using(data_dir.resolve()) == []
    assert (data_dir / "temporal" / "temporal.db").is_file()

    async with embedded_services(settings) as services:
        client = await connect_temporal(services.temporal_address, "default", settings=settings)
        listed = [w.id async for w in client.list_workflows(f"WorkflowId = '{workflow_id}'")]
        assert listed == [workflow_id], "the second start reuses the same history"
        listed_attributes = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace="default")
        )
        assert {key.name for key in ALL_KEYS} <= set(listed_attributes.custom_attributes)

    assert processes_using(data_dir.resolve()) == []


async def test_a_busy_port_is_refused_with_a_clear_message(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = TemporalDevServer(tmp_path, port=port, ui_port=free_port())
        with pytest.raises(
            EmbeddedServerError, match=rf"port {port} .*already in use.*EMBEDDED_TEMPORAL_PORT"
        ):
            await server.start()
    assert server.process is None


async def test_configured_servers_are_used_and_nothing_is_started(
    tmp_path: Path, temporal_address: str, database_url: str
):
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "unused",
        temporal_address=temporal_address,
        database_url=database_url,
        temporal_ui_url="https://temporal.example.com/",
    )
    async with embedded_services(settings) as services:
        assert services.temporal_address == temporal_address
        assert services.database_url == database_url
        assert services.ui_url == "https://temporal.example.com"
    assert not (tmp_path / "unused").exists()


async def test_the_embedded_url_works_with_asyncpg_directly(database_url: str):
    plain = database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(plain)
    try:
        assert await conn.fetchval("SELECT 41 + 1") == 42
    finally:
        await conn.close()


PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import asyncio, sys
from pathlib import Path
from runtime.embedded import embedded_services, free_port
from runtime.settings import Settings

async def main():
    settings = Settings(_env_file=None, data_dir=Path(sys.argv[1]), temporal_address=None,
                        database_url=None, embedded_temporal_port=int(sys.argv[2]),
                        embedded_temporal_ui_port=int(sys.argv[3]))
    async with embedded_services(settings):
        print("ready", flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""


async def start_child(data_dir: Path, settings: Settings) -> asyncio.subprocess.Process:
    """A command running `embedded_services` on `data_dir`, once it says it is ready."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        str(data_dir),
        str(settings.embedded_temporal_port),
        str(settings.embedded_temporal_ui_port),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    line = await asyncio.wait_for(child.stdout.readline(), 90)
    assert line.strip() == b"ready", (await child.stderr.read()).decode()
    assert processes_using(data_dir)
    return child


async def test_ctrl_c_stops_both_servers(tmp_path: Path):
    """What a user does to `make demo`: SIGINT to the command; nothing may stay behind."""
    data_dir = (tmp_path / "accord").resolve()
    child = await start_child(data_dir, embedded_settings(data_dir))
    child.send_signal(signal.SIGINT)
    await asyncio.wait_for(child.wait(), 60)
    assert processes_using(data_dir) == []


async def test_servers_left_by_a_killed_command_are_taken_over_and_stopped(tmp_path: Path):
    """SIGKILL gives no chance to clean up; the next command on the same data dir must still
    start (not fail on busy ports) and leave nothing behind when it ends."""
    data_dir = (tmp_path / "accord").resolve()
    settings = embedded_settings(data_dir)
    child = await start_child(data_dir, settings)
    child.kill()
    await child.wait()
    assert processes_using(data_dir), "the servers outlive a killed command"

    async with embedded_services(settings) as services:
        client = await connect_temporal(services.temporal_address, "default", settings=settings)
        assert await client.count_workflows() is not None
    assert processes_using(data_dir) == []
