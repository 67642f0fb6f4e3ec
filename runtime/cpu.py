"""CPU-bound page work (reading, splitting, hashing, normalizing) in worker processes.

Every function sent here is pure: page bytes in, small picklable results out. In a thread that
work holds the GIL against the event loop that fetches and stores, so it runs on one core
whatever the machine has; in a pool of processes it runs beside the event loop, on every core,
while the loop waits on the vendors and the ledger.

One pool per process, started on first use. A process uses one only once its entry point says
so (`configure(settings.cpu_processes)`: a count, or None for one per core), as Accord's worker,
starter and benchmarks do: a spawned child imports its parent's `__main__`, which must guard its
start-up with `if __name__ == "__main__":`. Until then, and with `configure(0)`, the work runs in
a thread of this process.

A pool that breaks (a child killed, say) is replaced, and the call is made again in a thread:
the functions are pure, so a call made twice gives the same answer.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")

_configured: int | None = 0  # until an entry point configures the pool
_preload: tuple[str, ...] = ()
_pool: ProcessPoolExecutor | None = None


def configure(processes: int | None, preload: tuple[str, ...] = ()) -> None:
    """Workers for the pool: a count, 0 for none (work in a thread), None for one per core;
    `preload`: modules each worker imports as it starts, not on its first call. A different
    setting takes effect for the next pool (a running one is shut down)."""
    global _configured, _preload
    if processes is not None and processes < 0:
        raise ValueError(f"CPU_PROCESSES must be 0 or more, got {processes}")
    if (processes, preload) != (_configured, _preload):
        _configured, _preload = processes, preload
        shutdown()


def processes() -> int:
    """How many workers the pool has (0: the work runs in a thread)."""
    if _configured is not None:
        return _configured
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def width() -> int:
    """How many calls can usefully run at once."""
    return max(1, processes())


def _child_started(preload: tuple[str, ...]) -> None:
    from runtime.collector import tune_for_bulk_reading

    for module in preload:
        importlib.import_module(module)
    tune_for_bulk_reading()  # as the worker process itself does
    parent = multiprocessing.parent_process()
    if parent is not None:  # a parent that ends without shutting the pool down (`os._exit`,
        # SIGKILL) can leave a worker waiting on its queue (seen after `make demo`): not so
        threading.Thread(
            target=_end_with, args=(parent,), name="end-with-parent", daemon=True
        ).start()


def _end_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns once the parent's end of the sentinel pipe closes
    os._exit(0)


def _get() -> ProcessPoolExecutor | None:
    global _pool
    if _pool is None and processes() > 0:
        # spawn, not fork: the parent runs an event loop and threads (Temporal's, the SDKs')
        context = multiprocessing.get_context("spawn")
        _pool = ProcessPoolExecutor(
            processes(), mp_context=context, initializer=_child_started, initargs=(_preload,)
        )
    return _pool


def shutdown() -> None:
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


atexit.register(shutdown)


async def start() -> None:
    """Start every worker process now (each takes a second or so to import Accord)."""
    await asyncio.gather(*(run(len, b"") for _ in range(processes())))


async def run(fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` in the pool (in a thread when there is none); its result or its exception."""
    pool = _get()
    if pool is None:
        return await asyncio.to_thread(fn, *args)
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
    except BrokenProcessPool:
        if _pool is pool:
            shutdown()
        return await asyncio.to_thread(fn, *args)
