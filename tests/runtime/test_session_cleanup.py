"""A test session stopped with SIGTERM (a timeout, CI) still stops its servers."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import psutil

PROJECT_ROOT = Path(__file__).resolve().parents[2]

WAITING_TEST = """
import asyncio

async def test_waits(database_url):
    print("URL", database_url, flush=True)
    await asyncio.sleep(120)
"""


def postgres_serving(socket_dir: str) -> list[psutil.Process]:
    return [
        proc
        for proc in psutil.process_iter(["name", "cmdline", "status"])
        if proc.info["name"] == "postgres"
        and socket_dir in " ".join(proc.info["cmdline"] or [])
        and proc.info["status"] != psutil.STATUS_ZOMBIE
    ]


async def test_sigterm_mid_session_tears_the_servers_down(tmp_path: Path):
    test_file = tmp_path / "test_waiting.py"
    test_file.write_text(WAITING_TEST)
    session = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest"),
        *("-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=session"),
        *("-o", "asyncio_default_test_loop_scope=session", "--rootdir", str(tmp_path)),
        str(test_file),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert session.stdout is not None
    seen = b""
    while b"URL " not in seen:
        line = await asyncio.wait_for(session.stdout.readline(), 90)
        assert line, f"the session ended early:\n{seen.decode()}"
        seen += line
    socket_dir = seen.decode().split("host=")[1].split()[0]
    assert postgres_serving(socket_dir)
    session.send_signal(signal.SIGTERM)
    await asyncio.wait_for(session.wait(), 60)
    assert postgres_serving(socket_dir) == []
