"""Fetch, store and normalize ~100k records from the four vendor sandboxes; print figures.

    .venv/bin/python bench/bench_fetch.py [--records 100000] [--seed 7] [--memory]

The sandboxes run in a child process (generated business, rate limits opened wide), so this
process's time and memory are Accord's alone: the real SDK clients and the real fetch
activities, with the garbage collector set as the worker sets it (`runtime.collector`). Where pages go:
- default: the real `Ingestor` into an embedded PostgreSQL, then the real `normalize` activity
  (the path a run takes);
- `--memory`: kept in memory, each split and normalized with the real `normalizers` as it
  arrives (Accord's own work without the database).
Sources run one after another so time is attributed cleanly: *waiting* is the time spent inside
a connector's page call (the HTTP round trip, the sandbox's work and the SDK's own handling);
*Accord* is the rest (storing, splitting, normalizing, heartbeats, paging). The baseline,
measured in the same run on the same pages, is the least any reader of them must do: parse
each body once with the standard library (exact decimals).

Pages are read and normalized in worker processes, as in the worker (`runtime.cpu`; one per
core, or `CPU_PROCESSES=n` in the environment, 0 for a thread of this process). A page is read
there while the fetch waits on the next one, so that work can hide in *waiting*: the workers'
CPU is reported on its own, and with it records per CPU-second of Accord (this process's and
its workers', without the baseline), which no overlap can flatter.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE_CALLS = ("page", "_after", "changes")  # sync_page, list_page, page_after, QBO CDC changes …
RECORDS_PER_ORDER = 4.7  # what the generator yields per storefront order, all vendors together


def serve(seed: int, orders: int) -> None:
    """Child process: generate, serve, print the settings as one JSON line, stop on stdin EOF."""
    from sandbox.generator import generate
    from sandbox.servers import run_sandbox

    data = generate(seed=seed, orders=orders)
    wide_open = {"shopify_bucket": (10**9, 10**9), "qbo_throttle": (10**9, 60.0)}
    with run_sandbox(data, **wide_open) as sb:
        print(json.dumps({"env": sb.env(), "window": data.window.model_dump(mode="json")}))
        sys.stdout.flush()
        sys.stdin.read()


class NormalizingSink:
    """Keeps each page's bytes and normalizes its records at once with the real normalizers."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.pages = self.records = self.canonical = self.problems = self.bytes = 0

    async def add(self, page_type: str, origin: str, body: bytes) -> None:
        from models.errors import InputError
        from normalizers import load_json, normalize, split_page

        base = (
            "balance_transactions" if page_type.startswith("balance_transactions_") else page_type
        )
        items = split_page(self.source, base, load_json(body, where=origin), where=origin)
        for item in items:
            if item.op == "remove":
                continue
            try:
                self.canonical += len(
                    normalize(self.source, item.object_type, item.payload, where=origin)
                )
            except InputError:  # planted bad records: the ledger keeps them as problems
                self.problems += 1
        self.pages += 1
        self.records += len(items)
        self.bytes += len(body)

    async def keep(self, page_type: str, origin: str, body: bytes, problem: str) -> None:
        self.pages += 1
        self.problems += 1
        self.bytes += len(body)

    buffered = 0
    incomplete: str | None = None

    async def flush(self) -> None:
        return None

    def result(self) -> Any:
        from models.io import FetchResult

        return FetchResult(
            source=self.source, pages=self.pages, records=self.records, problems=self.problems
        )


class NormalizingIngestor:
    def __init__(self) -> None:
        self.cursors: dict[Any, str] = {}
        self.canonical = 0

    @contextlib.asynccontextmanager
    async def batch(self, run_id: int, source: Any):
        sink = NormalizingSink(source)
        yield sink
        self.canonical += sink.canonical

    async def get_cursor(self, source: Any, key: str) -> str | None:
        return self.cursors.get((source, key))

    async def save_cursor(self, source: Any, key: str, cursor: str) -> None:
        self.cursors[(source, key)] = cursor

    @contextlib.asynccontextmanager
    async def hold(self, source: Any, key: str):
        yield  # one process, one connector per source: nobody else refreshes its tokens


class TimedIngestor:
    """Passes batches through, adding up the time spent storing pages (`sink.add`)."""

    def __init__(self, inner: Any, clock: dict[str, float]) -> None:
        self.inner, self.clock = inner, clock

    @contextlib.asynccontextmanager
    async def batch(self, run_id: int, source: Any):
        async with self.inner.batch(run_id, source) as sink:
            yield TimedSink(sink, self.clock, source.value)

    async def get_cursor(self, source: Any, key: str) -> str | None:
        return await self.inner.get_cursor(source, key)

    async def save_cursor(self, source: Any, key: str, cursor: str) -> None:
        await self.inner.save_cursor(source, key, cursor)


BASELINE: dict[str, float] = defaultdict(float)


class TimedSink:
    def __init__(self, sink: Any, clock: dict[str, float], source: str) -> None:
        self.sink, self.clock, self.source = sink, clock, source

    async def add(self, page_type: str, origin: str, body: bytes) -> None:
        parsing = time.perf_counter()
        json.loads(body, parse_float=Decimal)  # the baseline, not counted as Accord's
        BASELINE[self.source] += time.perf_counter() - parsing
        started = time.perf_counter()
        try:
            await self.sink.add(page_type, origin, body)
        finally:
            self.clock[self.source] += time.perf_counter() - started

    async def keep(self, page_type: str, origin: str, body: bytes, problem: str) -> None:
        await self.sink.keep(page_type, origin, body, problem)

    @property
    def buffered(self) -> int:
        return self.sink.buffered

    @property
    def incomplete(self) -> str | None:
        return self.sink.incomplete

    @incomplete.setter
    def incomplete(self, why: str | None) -> None:
        self.sink.incomplete = why

    async def flush(self) -> None:
        started = time.perf_counter()
        try:
            await self.sink.flush()
        finally:
            self.clock[self.source] += time.perf_counter() - started

    def result(self) -> Any:
        return self.sink.result()


class Timed:
    """Passes every call through to a connector, adding up the time spent in its page calls."""

    def __init__(self, connector: Any, clock: dict[str, float], source: str) -> None:
        self._connector, self._clock, self._source = connector, clock, source

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._connector, name)
        if not name.endswith(PAGE_CALLS) or not asyncio.iscoroutinefunction(value):
            return value

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await value(*args, **kwargs)
            finally:
                self._clock[self._source] += time.perf_counter() - started

        return timed


def connectors(settings: Any, ingestor: Any) -> dict[Any, tuple[Any, Any]]:
    from activities.plaid import PlaidActivities
    from activities.quickbooks import LedgerTokenBackend, QuickBooksActivities
    from activities.shopify import ShopifyActivities
    from activities.stripe import StripeActivities
    from connectors.plaid import PlaidConnector
    from connectors.quickbooks import QuickBooksConnector
    from connectors.shopify import ShopifyConnector
    from connectors.stripe import StripeConnector
    from models.records import Source

    return {
        Source.PLAID: (PlaidActivities, PlaidConnector.from_settings(settings)),
        Source.STRIPE: (StripeActivities, StripeConnector.from_settings(settings)),
        Source.SHOPIFY: (ShopifyActivities, ShopifyConnector.from_settings(settings)),
        Source.QUICKBOOKS: (
            QuickBooksActivities,
            QuickBooksConnector.from_settings(settings, LedgerTokenBackend(ingestor)),
        ),
    }


async def fetch_all(settings: Any, win: Any, ingestor: Any, run_id: int) -> tuple:
    """Each source's fetch activity in turn; (results, wall time, waiting time) by source."""
    from temporalio.testing import ActivityEnvironment

    from models.io import FetchInput

    waiting: dict[str, float] = defaultdict(float)
    storing: dict[str, float] = defaultdict(float)
    rows, wall = [], {}
    built = connectors(settings, ingestor)  # SDK imports and clients: set-up, not processing
    timed_ingestor = TimedIngestor(ingestor, storing)
    for source, (cls, connector) in built.items():
        fetch = cls(Timed(connector, waiting, source.value), timed_ingestor).fetch
        request = FetchInput(
            run_id=run_id, source=source, start=win.start - settings.window_overlap, end=win.as_of
        )
        started = time.perf_counter()
        rows.append(await ActivityEnvironment().run(fetch, request))
        wall[source.value] = time.perf_counter() - started
        if hasattr(connector, "aclose"):
            await connector.aclose()
    return rows, wall, waiting, storing


@contextlib.asynccontextmanager
async def ledger_run(settings: Any, win: Any):
    """An embedded PostgreSQL with a migrated ledger and one run: (ingestor, run id, normalize)."""
    from temporalio.testing import ActivityEnvironment

    import engine
    from activities.ingest import Ingestor
    from activities.ledger import LedgerActivities
    from ledger import make_engine, migrate, session_factory
    from ledger import results as ledger_results
    from models.io import RunInput, StartRunInput
    from models.records import Source
    from runtime.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="accord-bench-") as folder:
        postgres = EmbeddedPostgres(Path(folder), database="accord_bench")
        url = await postgres.start()
        try:
            await migrate(url)
            db = make_engine(url)
            sessions = session_factory(db)
            spec = StartRunInput(
                workflow_id="bench", workflow_run_id="1", window=win, sources=list(Source)
            )
            async with sessions.begin() as session:
                run_id = await ledger_results.start_run(session, spec)
            ledger = LedgerActivities(
                sessions, settings, engine.EngineConfig.from_settings(settings)
            )

            async def normalize() -> int:
                done = await ActivityEnvironment().run(ledger.normalize, RunInput(run_id=run_id))
                return done.records

            yield Ingestor(sessions), run_id, normalize
            await db.dispose()
        finally:
            postgres.stop()


async def bench(env: dict[str, str], window: dict[str, str], use_ledger: bool) -> None:
    from models.io import Window
    from runtime.settings import Settings

    settings = Settings(_env_file=None, **{k.lower(): v for k, v in env.items()})  # type: ignore[call-arg]
    win = Window.model_validate(window)
    import normalizers  # noqa: F401  (imported before the clock starts)
    from runtime import cpu as pool
    from runtime.collector import tune_for_bulk_reading
    from worker import PAGE_WORK

    tune_for_bulk_reading()  # as the worker does
    pool.configure(settings.cpu_processes, PAGE_WORK)  # as the worker does
    await pool.start()  # set-up, not processing

    cpu_start, workers_start = time.process_time(), workers_cpu()
    if use_ledger:
        async with ledger_run(settings, win) as (ingestor, run_id, normalize):
            cpu_start, workers_start = time.process_time(), workers_cpu()
            rows, wall, waiting, storing = await fetch_all(settings, win, ingestor, run_id)
            started = time.perf_counter()
            canonical = await normalize()
            normalize_time = time.perf_counter() - started
    else:
        ingestor = NormalizingIngestor()
        rows, wall, waiting, storing = await fetch_all(settings, win, ingestor, 0)
        canonical, normalize_time = ingestor.canonical, 0.0
    baseline = sum(BASELINE.values())
    total = sum(wall.values()) + normalize_time - baseline
    cpu = time.process_time() - cpu_start
    workers = (workers_cpu() - workers_start, workers_peak_mib())
    report(rows, wall, waiting, storing, normalize_time, canonical, total, cpu, baseline, workers)


def _workers() -> list[Any]:
    """This process's page-reading workers (`runtime.cpu`): its spawned children, not the
    sandbox's process."""
    import psutil

    return [
        child
        for child in psutil.Process().children()
        if any("spawn_main" in part for part in child.cmdline())
    ]


def workers_cpu() -> float:
    return sum(sum(w.cpu_times()[:2]) for w in _workers())


def workers_peak_mib() -> float:
    """The sum of the workers' peak resident memory (Linux `VmHWM`)."""
    total = 0
    for worker in _workers():
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{worker.pid}/status").read_text()
            total += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")
            )
    return total / 1024


def report(
    rows, wall, waiting, storing, normalize_time, canonical, total, cpu, baseline, workers
) -> None:
    records = sum(r.records for r in rows)
    waited, stored = sum(waiting.values()), sum(storing.values()) + normalize_time
    accord = total - waited
    plumbing = accord - stored
    print(
        f"{'source':<11}{'pages':>7}{'records':>9}{'wall s':>8}{'waiting s':>11}{'storing s':>11}{'other s':>9}"
    )
    for r in rows:
        name = r.source.value
        other = wall[name] - waiting[name] - storing[name] - BASELINE[name]
        print(
            f"{name:<11}{r.pages:>7}{r.records:>9}{wall[name]:>8.2f}{waiting[name]:>11.2f}"
            f"{storing[name]:>11.2f}{other:>9.2f}"
        )
    print(f"canonical records: {canonical} (separate normalize step: {normalize_time:.2f} s)")
    print(f"records fetched, stored and normalized: {records}")
    print(f"total wall time: {total:.2f} s  -> {records / total:,.0f} records/s end to end")
    print(f"waiting on the sandbox: {waited:.2f} s ({waited / total:.0%})")
    print(
        f"Accord's own processing: {accord:.2f} s ({accord / total:.0%}) -> {records / accord:,.0f} records/s"
    )
    print(f"  of which storing + normalizing: {stored:.2f} s -> {records / stored:,.0f} records/s")
    print(
        f"  of which fetch plumbing (paging, retries, heartbeats): {plumbing:.2f} s -> {records / plumbing:,.0f} records/s"
    )
    print(
        f"baseline (json.loads of every page, same run): {baseline:.2f} s -> "
        f"{records / baseline:,.0f} records/s; Accord's processing is {accord / baseline:.1f}x it"
    )
    workers_cpu_s, workers_mib = workers
    print(f"Accord process CPU: {cpu:.2f} s (of it {baseline:.2f} s baseline parsing)")
    print(
        f"Accord worker processes ({len(_workers())}, `CPU_PROCESSES`) CPU: {workers_cpu_s:.2f} s"
        f" -> {records / (cpu - baseline + workers_cpu_s):,.0f} records per CPU-second of Accord"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: Accord process {peak:.0f} MiB, its worker processes {workers_mib:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--memory", action="store_true", help="keep pages in memory, no database")
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.seed, args.serve)
        return
    orders = math.ceil(args.records / RECORDS_PER_ORDER)
    print(f"generating ~{args.records} records ({orders} orders) and starting the sandboxes …")
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(orders), "--seed", str(args.seed)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise SystemExit("the sandbox process exited before it was ready")
        started = json.loads(line)
        print("sink:", "memory + real normalizers" if args.memory else "the ledger (PostgreSQL)")
        asyncio.run(bench(started["env"], started["window"], not args.memory))
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(timeout=30)


if __name__ == "__main__":
    main()
