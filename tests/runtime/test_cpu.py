"""The pool that reads and normalizes pages: real child processes, and what happens when one dies."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from runtime import cpu


@pytest.fixture
def pool() -> Iterator[None]:
    cpu.configure(1)
    yield
    cpu.configure(0)  # the suite's default: no child processes


def where_am_i() -> tuple[int, bool]:
    return os.getpid(), multiprocessing.parent_process() is not None


def die_in_a_child() -> str:
    """A worker killed mid-call (the OOM killer, say); in a thread it answers."""
    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return "answered in a thread"


def refuse(value: str) -> None:
    raise ValueError(f"cannot read {value}")


async def test_work_runs_in_a_child_process(pool):
    pid, in_child = await cpu.run(where_am_i)
    assert in_child and pid != os.getpid()
    assert cpu.width() == 1


async def test_without_a_pool_work_runs_in_this_process():
    cpu.configure(0)
    pid, in_child = await cpu.run(where_am_i)
    assert (pid, in_child) == (os.getpid(), False)
    assert cpu.width() == 1


async def test_an_exception_comes_back_as_it_was_raised(pool):
    with pytest.raises(ValueError, match="cannot read page 3"):
        await cpu.run(refuse, "page 3")


async def test_a_killed_worker_costs_the_call_nothing_and_the_pool_is_replaced(pool):
    before, _ = await cpu.run(where_am_i)
    assert await cpu.run(die_in_a_child) == "answered in a thread"
    after, in_child = await cpu.run(where_am_i)  # a new pool, a new process
    assert in_child and after not in (before, os.getpid())


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="CPU_PROCESSES must be 0 or more"):
        cpu.configure(-1)


ENDS_ABRUPTLY = """
import asyncio, os, sys, time
sys.path.insert(0, {root!r})
from runtime import cpu

async def main():
    await cpu.start()
    pids = await asyncio.gather(*(cpu.run(os.getpid) for _ in range(4)))
    print(*set(pids), flush=True)
    asyncio.ensure_future(cpu.run(time.sleep, 1))  # one worker busy, the other waiting
    await asyncio.sleep(0.3)

if __name__ == "__main__":
    cpu.configure(2)
    asyncio.run(main())
    os._exit(0)  # as a command does after its work (runtime.shutdown): no atexit, no pool shutdown
"""


def test_workers_end_with_a_process_that_exits_without_shutting_them_down(tmp_path):
    script = tmp_path / "ends_abruptly.py"
    script.write_text(ENDS_ABRUPTLY.format(root=str(Path(__file__).resolve().parents[2])))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    workers = [int(pid) for pid in done.stdout.split()]
    assert workers
    deadline = time.monotonic() + 10
    for worker in workers:
        while psutil.pid_exists(worker) and psutil.Process(worker).status() != "zombie":
            if time.monotonic() > deadline:
                psutil.Process(worker).kill()
                raise AssertionError(f"worker process {worker} outlived its parent")
            time.sleep(0.1)


def imported(module: str) -> bool:
    return module in sys.modules


async def test_workers_import_what_they_will_run_as_they_start():
    """The first page a worker reads does not wait for its imports."""
    try:
        cpu.configure(1)
        assert not await cpu.run(imported, "colorsys")
        cpu.configure(1, preload=("colorsys",))
        assert await cpu.run(imported, "colorsys")
    finally:
        cpu.configure(0)
