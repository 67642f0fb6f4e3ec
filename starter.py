"""Accord's command line.

    python starter.py demo                      reconcile a generated month, end to end
    python starter.py reconcile --source-dir DIR --start ISO --end ISO --as-of ISO --report FILE
    python worker.py                            a worker alone

Embedded Temporal and PostgreSQL are started (and stopped) by the command itself unless
TEMPORAL_ADDRESS / DATABASE_URL point at real ones.
"""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from models.io import ReconcileInput, RunSummary, Window
from models.records import Source
from runtime.collector import tune_for_bulk_reading
from runtime.settings import Settings, get_settings

app = typer.Typer(
    help="Accord reconciles your bank, payments, storefront and books.", no_args_is_help=True
)
console = Console()


def parse_instant(value: str, option: str) -> datetime:
    """ISO 8601 date or datetime; a date means its midnight UTC; a naive time is UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), time())
        except ValueError:
            raise typer.BadParameter(
                f"{value!r} is not an ISO date or datetime (e.g. 2026-10-01 or 2026-10-01T00:00:00Z)",
                param_hint=option,
            ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def make_window(start: str, end: str, as_of: str | None) -> Window:
    begin, finish = parse_instant(start, "--start"), parse_instant(end, "--end")
    known = parse_instant(as_of, "--as-of") if as_of else finish
    try:
        return Window(start=begin, end=finish, as_of=known)
    except ValueError as error:
        raise typer.BadParameter(
            str(error).splitlines()[-1], param_hint="--start/--end/--as-of"
        ) from None


def parse_sources(value: str) -> list[Source]:
    try:
        return [Source(part.strip()) for part in value.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"{value!r}: sources are a comma list of {', '.join(s.value for s in Source)}",
            param_hint="--sources",
        ) from None


async def run_reconciliation(settings: Settings, request: ReconcileInput) -> tuple[RunSummary, str]:
    """Start the embedded servers if needed, a worker, the workflow; wait for its summary."""
    from runtime.client import connect_temporal
    from runtime.embedded import embedded_services
    from worker import running_worker
    from workflows.reconciliation import ReconciliationWorkflow

    async with embedded_services(settings) as services:
        client = await connect_temporal(
            services.temporal_address, settings.temporal_namespace, settings=settings
        )
        async with running_worker(client, settings, services.database_url):
            handle = await client.start_workflow(
                ReconciliationWorkflow.run,
                request,
                id=request.workflow_id(),
                task_queue=settings.temporal_task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                static_summary=f"reconcile {request.window.label if request.window else ''}",
            )
            console.print(f"[dim]workflow {handle.id} started[/dim]")
            summary = await handle.result()
            run_id = (await handle.describe()).run_id
            await _let_approvals_start(client, f"approvals-run{summary.run_id}-{run_id}")
            return summary, settings.workflow_ui_url(handle.id, run_id)


async def _let_approvals_start(client, workflow_id: str, patience: float = 30.0) -> None:
    """Keep this command's worker up until the run's approvals workflow has posted its requests
    (it then waits for people; `make worker` carries it on, and `starter.py pending` lists it)."""
    from temporalio.api.enums.v1 import EventType
    from temporalio.service import RPCError

    handle = client.get_workflow_handle(workflow_id)
    deadline = asyncio.get_running_loop().time() + patience
    while asyncio.get_running_loop().time() < deadline:
        try:
            events = [e.event_type async for e in handle.fetch_history_events()]
        except RPCError:  # not started yet: the parent starts it as its last step
            events = []
        started = EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
        waiting_on_people = started in events or (
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED in events
        )
        if waiting_on_people:
            return
        await asyncio.sleep(0.5)


def print_summary(summary: RunSummary, ui_url: str) -> None:
    table = Table(title="Accord reconciliation", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for source, count in sorted(summary.fetched.items()):
        table.add_row(f"records fetched from {source}", str(count))
    for kind, count in sorted(summary.matches.by_kind.items()):
        table.add_row(f"matches: {kind}", str(count))
    d = summary.discrepancies
    for severity in ("high", "medium", "low"):
        table.add_row(f"discrepancies: {severity}", str(d.by_severity.get(severity, 0)))
    for field, count in sorted(d.by_field.items()):
        table.add_row(f"  by field: {field}", str(count))
    table.add_row("new / still open / resolved", f"{d.new} / {d.still_open} / {d.resolved}")
    for currency, amount in sorted(d.money_at_stake.items()):
        table.add_row(f"money at stake ({currency})", str(amount))
    console.print(table)
    for source, error in summary.failed_sources.items():
        console.print(f"[red]{source} could not be fetched:[/red] {error}")
    for source, warnings in summary.warnings.items():
        for warning in warnings:
            console.print(f"[yellow]{source}:[/yellow] {warning}", soft_wrap=True)
    if summary.report_path and Path(summary.report_path).is_file():
        print_discrepancies(json.loads(Path(summary.report_path).read_text()))
    console.print(f"Temporal UI:  {ui_url}  (`make ui` serves it again later)", soft_wrap=True)
    if summary.report_path:
        console.print(f"Report:       {summary.report_path}", soft_wrap=True)


def print_discrepancies(report: dict, limit: int = 25) -> None:
    """The findings themselves, most severe first; the report has all of them."""
    rows = report.get("discrepancies", [])
    order = {"high": 0, "medium": 1, "low": 2}
    console.print(f"[bold]Discrepancies ({len(rows)})[/bold]")
    for d in sorted(rows, key=lambda d: (order.get(d["severity"], 3), d["field"], d["id"]))[:limit]:
        stake = f" {d['money_at_stake']} {d['currency']}" if d.get("currency") else ""
        console.print(
            f"  [bold]{d['severity']:<6}[/bold] {d['field']:<9} {d['status']:<14}{stake}\n"
            f"         {d['explanation']}",
            soft_wrap=True,
            highlight=False,
        )
    if len(rows) > limit:
        console.print(f"  … and {len(rows) - limit} more in the report")


@app.command()
def reconcile(
    start: Annotated[str, typer.Option(help="window start, ISO date or datetime (inclusive)")],
    end: Annotated[str, typer.Option(help="window end, ISO date or datetime (exclusive)")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="what is known by then; default: end")
    ] = None,
    source_dir: Annotated[
        Path | None,
        typer.Option("--source-dir", help="recorded API responses; omit for live connectors"),
    ] = None,
    report: Annotated[Path | None, typer.Option(help="where to write the JSON report")] = None,
    sources: Annotated[str, typer.Option(help="comma list of sources")] = ",".join(
        s.value for s in Source
    ),
) -> None:
    """Reconcile one window through the Temporal workflow and print its summary."""
    window = make_window(start, end, as_of)
    if source_dir is not None and not source_dir.is_dir():
        raise typer.BadParameter(
            f"{source_dir} is not a directory of recorded responses", param_hint="--source-dir"
        )
    settings = get_settings()
    tune_for_bulk_reading()  # this process is the run's worker
    request = ReconcileInput(
        window=window,
        sources=parse_sources(sources),
        source_dir=str(source_dir.resolve()) if source_dir else None,
        overlap=settings.window_overlap,
        report_path=str(
            (report or settings.data_dir / "reports" / f"{window.label}.json").resolve()
        ),
    )
    summary, url = asyncio.run(run_reconciliation(settings, request))
    print_summary(summary, url)


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="seed of the generated business")] = 7,
    orders: Annotated[int, typer.Option(help="storefront orders in the month")] = 150,
    month: Annotated[str, typer.Option(help="the month to generate, YYYY-MM")] = "2026-10",
    recorded: Annotated[
        bool, typer.Option("--recorded", help="replay recorded pages instead of the live sandbox")
    ] = False,
) -> None:
    """Generate a realistic month for a small shop and reconcile it end to end: live, through
    the vendors' SDKs against the loopback sandbox (or from recorded pages with --recorded)."""
    from sandbox.generator import generate, write_recorded

    settings = with_demo_approvers(get_settings())
    tune_for_bulk_reading()  # this process is the run's worker (and the sandbox)
    data = generate(seed=seed, month=date.fromisoformat(f"{month}-01"), orders=orders)
    folder = settings.data_dir / "demo" / f"{month}-seed{seed}-orders{orders}"
    write_recorded(data, folder)  # the planted truth (expected.json), and the pages for --recorded
    planted = json.loads((folder / "expected.json").read_text())["discrepancies"]
    console.print(
        f"Generated {month} for seed {seed}: {orders} orders, {len(planted)} planted discrepancies"
    )
    report = str((settings.data_dir / "reports" / f"demo-{month}.json").resolve())
    request = ReconcileInput(
        window=data.window, overlap=settings.window_overlap, report_path=report
    )
    if recorded:
        request = request.model_copy(update={"source_dir": str(folder.resolve())})
        summary, url = asyncio.run(run_reconciliation(settings, request))
    else:
        summary, url = asyncio.run(reconcile_against_sandbox(data, request, settings))
    print_summary(summary, url)
    console.print(
        "Waiting for a person: `.venv/bin/python starter.py pending`; decide with "
        "`starter.py decide <id> approve --by owner` while `make worker` runs.",
        soft_wrap=True,
    )


DEMO_APPROVERS = {"owner": ["owner"], "bookkeeper": ["bookkeeper"], "cfo": ["cfo"]}


def with_demo_approvers(settings: Settings) -> Settings:
    """The demo's business has an owner, a bookkeeper and a CFO unless APPROVERS names people."""
    return (
        settings
        if settings.approvers
        else settings.model_copy(update={"approvers": DEMO_APPROVERS})
    )


async def reconcile_against_sandbox(
    data, request: ReconcileInput, base: Settings
) -> tuple[RunSummary, str]:
    """Serve the month from the loopback vendor APIs and reconcile it through the live path."""
    from sandbox.servers import run_sandbox

    async with run_sandbox(data) as sb:
        console.print(
            "Vendor sandbox: " + ", ".join(f"{k} {v}" for k, v in sorted(sb.urls.items())),
            soft_wrap=True,
        )
        pointed: dict[str, Any] = {key.lower(): value for key, value in sb.env().items()}
        settings = base.model_copy(update=Settings(**pointed).model_dump(include=set(pointed)))
        return await run_reconciliation(settings, request)


@app.command()
def sandbox(
    seed: Annotated[int, typer.Option(help="seed of the generated business")] = 0,
    orders: Annotated[int, typer.Option(help="storefront orders in the month")] = 200,
) -> None:
    """Serve loopback Plaid, Stripe, Shopify, QuickBooks and Slack Web APIs; print the settings
    that point Accord at them (KEY=value lines), then serve until interrupted."""
    from sandbox.servers import serve_forever
    from sandbox.slack_api import SlackSandbox

    with SlackSandbox(token="xoxb-sandbox-accord") as slack:
        print(f"SLACK_API_URL={slack.api_url}", flush=True)
        print("SLACK_BOT_TOKEN=xoxb-sandbox-accord", flush=True)
        print("SLACK_CHANNEL=#accord-approvals", flush=True)
        serve_forever(seed=seed, orders=orders)


@app.command()
def ui() -> None:
    """Serve the embedded Temporal server and its Web UI on the saved history, until Ctrl-C."""
    from runtime.embedded import TemporalDevServer

    settings = get_settings()
    if not settings.embedded_temporal:
        raise typer.BadParameter(
            f"TEMPORAL_ADDRESS is set ({settings.temporal_address}); use that cluster's UI"
        )

    async def serve() -> None:
        server = TemporalDevServer.from_settings(settings)
        await server.start()
        try:
            console.print(f"Temporal UI at {server.ui_url} — Ctrl-C to stop", soft_wrap=True)
            await asyncio.Event().wait()
        finally:
            server.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


def _mount_optional_commands() -> None:
    """Commands that live beside their capability (approvals, schedules, the sandbox)."""
    import importlib

    for module in ("approvals.cli", "scheduling.cli", "sandbox.cli"):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        mod.register(app)


_mount_optional_commands()


def _stop_cleanly_on_sigterm() -> None:
    """`kill`, CI timeouts and process managers send SIGTERM: treat it like Ctrl-C, so the
    embedded servers this command started are stopped too."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


if __name__ == "__main__":
    from runtime.shutdown import exit_without_finalizing

    _stop_cleanly_on_sigterm()
    try:
        app()
    except SystemExit as done:
        exit_without_finalizing(done.code)
    exit_without_finalizing(0)
