"""Approvals without Slack, and the Slack endpoint's server.

    python starter.py pending                                  what waits for a decision
    python starter.py decide <discrepancy-id> approve|reject --by NAME
    python starter.py audit <discrepancy-id>                   the whole story of one item
    python starter.py serve [--host H] [--port P]             the Slack interactivity endpoint

`decide` goes through the same `decide` update as a Slack click: the same checks, the same record.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from approvals.audit import story
from ledger import approvals as store
from models.approvals import Decision, DecisionOutcome, Verdict
from models.money import quantize
from runtime.settings import Settings, get_settings

console = Console()
T = TypeVar("T")


@asynccontextmanager
async def _ledger(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    from ledger import make_engine, migrate, session_factory
    from runtime.embedded import embedded_services

    async with embedded_services(settings, temporal=False) as services:
        await migrate(services.database_url)
        engine = make_engine(services.database_url, pool_size=2)
        try:
            yield session_factory(engine)
        finally:
            await engine.dispose()


async def _temporal(settings: Settings) -> Client:
    from runtime.client import connect_temporal

    address = settings.temporal_address or f"127.0.0.1:{settings.embedded_temporal_port}"
    return await connect_temporal(address, settings.temporal_namespace, settings=settings)


def _run(work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    async def main() -> T:
        async with _ledger(get_settings()) as sessions:
            return await work(sessions)

    return asyncio.run(main())


def pending() -> None:
    """List the discrepancies waiting for a decision."""

    async def work(sessions):
        async with sessions() as session:
            return await store.waiting(session)

    rows = _run(work)
    table = Table(title=f"Waiting for a decision: {len(rows)}")
    table.add_column("discrepancy", no_wrap=True)
    for column in (
        "severity",
        "money at stake",
        "proposed",
        "who may decide",
        "since",
    ):
        table.add_column(column)
    for request, d in rows:
        c = request.correction or {}
        proposed = (
            f"{c.get('system', '')} {c.get('object_type', '')} {c.get('field', '')}: {c.get('from_value')} → {c.get('to_value')}"
            if c
            else "review only"
        )
        table.add_row(
            d.id,
            d.severity,
            f"{quantize(d.money_at_stake, d.currency) if d.currency else d.money_at_stake} {d.currency or ''}",
            proposed,
            ", ".join(request.allowed),
            f"{request.requested_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


def decide(
    discrepancy_id: Annotated[str, typer.Argument(help="the discrepancy's id (d_...)")],
    verdict: Annotated[Verdict, typer.Argument(help="approve or reject")],
    by: Annotated[str, typer.Option("--by", help="who decides (a name in APPROVERS)")],
) -> None:
    """Approve or reject one waiting item, through the same checks as a Slack click."""
    from approvals.submit import ledger_refusals, submit_decision

    async def work(sessions) -> DecisionOutcome:
        async with sessions() as session:
            request = await store.open_request(session, discrepancy_id)
        if request is None:
            raise typer.BadParameter(
                f"{discrepancy_id} was never put to anyone", param_hint="DISCREPANCY_ID"
            )
        decision = Decision(
            discrepancy_id=discrepancy_id,
            verdict=verdict,
            by=by,
            by_name=by,
            channel="cli",
            correction_id=request.correction_id,
        )
        client = await _temporal(get_settings())
        return await submit_decision(
            client, request.workflow_id, decision, when_closed=ledger_refusals(sessions)
        )

    outcome = _run(work)
    if outcome.accepted:
        console.print(f"[green]Recorded:[/green] {discrepancy_id} {verdict.value}d by {by}.")
    else:
        console.print(f"[red]Refused[/red] (recorded): {outcome.reason}")
        raise typer.Exit(code=1)


def audit(
    discrepancy_id: Annotated[str, typer.Argument(help="the discrepancy's id (d_...)")],
) -> None:
    """Everything that happened to one discrepancy, in order."""

    async def work(sessions):
        async with sessions() as session:
            return await story(session, discrepancy_id)

    lines = _run(work)
    if not lines:
        console.print(f"[red]No discrepancy {discrepancy_id}[/red]")
        raise typer.Exit(code=1)
    for line in lines:
        console.print(line, highlight=False)


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 3000,
) -> None:
    """Run the Slack interactivity endpoint (POST /slack/events, GET /healthz)."""
    import uvicorn

    from approvals.app import build_app
    from approvals.submit import ledger_refusals, submit_decision

    settings = get_settings()
    if settings.slack_signing_secret is None:
        raise typer.BadParameter("set SLACK_SIGNING_SECRET (the Slack app's signing secret)")
    secret = settings.slack_signing_secret.get_secret_value()

    async def main() -> None:
        async with _ledger(settings) as sessions:
            client = await _temporal(settings)
            closed = ledger_refusals(sessions)

            async def submit(workflow_id: str, decision: Decision) -> DecisionOutcome:
                return await submit_decision(client, workflow_id, decision, when_closed=closed)

            app = build_app(signing_secret=secret, submit=submit)
            await uvicorn.Server(uvicorn.Config(app, host=host, port=port)).serve()

    asyncio.run(main())


def register(app: typer.Typer) -> None:
    """Mount the approval commands on the main command line."""
    for command in (pending, decide, audit, serve):
        app.command()(command)
