"""`python starter.py schedule create|list|describe|pause|unpause|trigger|delete|backfill`
and `python starter.py setup`.

They talk to the Temporal at TEMPORAL_ADDRESS, or to the embedded dev server's port when that is
unset (start it with the worker or a demo first): a schedule lives on the server, not here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Any, TypeVar

import typer
from temporalio.client import Client, ScheduleOverlapPolicy

from models.errors import AccordError, InputError
from models.records import Source
from runtime.settings import Settings, get_settings
from scheduling import schedules
from scheduling.config import DEFAULT_SCHEDULE_ID, ScheduleConfig
from scheduling.parsing import parse_duration, parse_instant
from scheduling.printing import console, print_plan, print_summaries, print_view

T = TypeVar("T")

schedule_app = typer.Typer(
    help="Nightly (or cron / interval) reconciliation on Temporal Schedules."
)

ScheduleId = Annotated[
    str | None, typer.Option("--schedule-id", help=f"default: {DEFAULT_SCHEDULE_ID}")
]
Note = Annotated[str | None, typer.Option(help="why, shown on the schedule")]


def _setting(settings: Settings, name: str, default: Any) -> Any:
    """A schedule setting from Settings once it has one, else the built-in default."""
    value = getattr(settings, name, None)
    return default if value is None else value


def _schedule_id(given: str | None, settings: Settings) -> str:
    return given or _setting(settings, "schedule_id", DEFAULT_SCHEDULE_ID)


async def _connect(settings: Settings) -> Client:
    from runtime.client import connect_temporal

    address = settings.temporal_address or f"127.0.0.1:{settings.embedded_temporal_port}"
    try:
        return await connect_temporal(address, settings.temporal_namespace, settings=settings)
    except RuntimeError as error:
        raise AccordError(
            f"cannot reach Temporal at {address} ({error}); set TEMPORAL_ADDRESS, or start the "
            "embedded dev server (python worker.py / make demo) and try again"
        ) from None


@contextmanager
def _user_errors() -> Iterator[None]:
    """Accord's errors become a message and an exit code (2: bad input, 1: refused)."""
    try:
        yield
    except InputError as error:
        console.print(f"[red]{error.where or 'input'}:[/red] {error.message}")
        raise typer.Exit(2) from None
    except AccordError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None


def _run(call: Callable[[Client], Awaitable[T]]) -> T:
    """Connect to Temporal and make the call."""
    settings = get_settings()

    async def go() -> T:
        return await call(await _connect(settings))

    return asyncio.run(go())


def _timing(cron: str | None, interval: timedelta | None, settings: Settings) -> dict[str, Any]:
    """The options when either is given (so `--interval` never meets a cron from settings);
    otherwise the settings' cron or interval; with neither, the config's nightly default."""
    if cron is None and interval is None:
        cron = _setting(settings, "schedule_cron", None)
        interval = None if cron else _setting(settings, "schedule_interval", None)
    return {"cron": cron, "interval": interval}


def _duration(text: str | None, option: str) -> timedelta | None:
    return parse_duration(text, option) if text else None


def _sources(text: str) -> list[Source]:
    try:
        return [Source(part.strip()) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(
            f"{text!r}: a comma list of {', '.join(s.value for s in Source)}", where="--sources"
        ) from None


def _policy(name: str, option: str) -> ScheduleOverlapPolicy:
    try:
        return ScheduleOverlapPolicy[name.upper()]
    except KeyError:
        choices = ", ".join(p.name for p in ScheduleOverlapPolicy)
        raise InputError(f"{name!r} is not one of {choices}", where=option) from None


@schedule_app.command()
def create(
    schedule_id: ScheduleId = None,
    cron: Annotated[
        str | None, typer.Option(help="cron in the time zone; default 0 0 * * *")
    ] = None,
    interval: Annotated[str | None, typer.Option(help="instead of cron: every 6h, 1d, ...")] = None,
    time_zone: Annotated[str | None, typer.Option("--time-zone", help="IANA; default UTC")] = None,
    period: Annotated[
        str | None, typer.Option(help="time each run reconciles; default: the interval, or 1d")
    ] = None,
    window_overlap: Annotated[
        str | None, typer.Option(help="fetch this much before the window; default from settings")
    ] = None,
    overlap_policy: Annotated[str, typer.Option(help="when a run is still going")] = "SKIP",
    catchup_window: Annotated[
        str | None, typer.Option(help="how late a missed run may still start; default 1d")
    ] = None,
    run_timeout: Annotated[
        str | None, typer.Option(help="end a run that takes longer (none by default)")
    ] = None,
    sources: Annotated[str, typer.Option(help="comma list")] = ",".join(s.value for s in Source),
    source_dir: Annotated[
        str | None, typer.Option(help="recorded responses instead of the live vendors")
    ] = None,
    workflow_id_prefix: Annotated[
        str | None, typer.Option(help="default: reconcile-<schedule id>")
    ] = None,
    paused: Annotated[bool, typer.Option(help="create it paused")] = False,
    note: Note = None,
) -> None:
    """Create the schedule: each run reconciles the period that ends at its scheduled time."""
    settings = get_settings()
    with _user_errors():
        config = ScheduleConfig(
            task_queue=settings.temporal_task_queue,
            schedule_id=_schedule_id(schedule_id, settings),
            workflow_id_prefix=workflow_id_prefix,
            cron=cron or _setting(settings, "schedule_cron", None),
            interval=_duration(interval, "--interval")
            or _setting(settings, "schedule_interval", None),
            time_zone=time_zone or _setting(settings, "schedule_time_zone", "UTC"),
            period=_duration(period, "--period"),
            window_overlap=_duration(window_overlap, "--window-overlap") or settings.window_overlap,
            overlap_policy=_policy(overlap_policy, "--overlap-policy"),
            catchup_window=_duration(catchup_window, "--catchup-window")
            or _setting(settings, "schedule_catchup_window", timedelta(days=1)),
            run_timeout=_duration(run_timeout, "--run-timeout"),
            sources=_sources(sources),
            source_dir=source_dir,
            paused=paused,
            note=note,
        )
        print_view(_run(lambda client: schedules.create_schedule(client, config)))


@schedule_app.command("list")
def list_() -> None:
    """Every schedule in the namespace."""
    with _user_errors():
        print_summaries(_run(schedules.list_schedules))


@schedule_app.command()
def describe(schedule_id: ScheduleId = None) -> None:
    """Times, policies, the window each run covers, recent and running runs."""
    sid = _schedule_id(schedule_id, get_settings())
    with _user_errors():
        print_view(_run(lambda client: schedules.describe_schedule(client, sid)))


@schedule_app.command()
def pause(schedule_id: ScheduleId = None, note: Note = None) -> None:
    """Stop starting runs (a running one goes on)."""
    sid = _schedule_id(schedule_id, get_settings())
    with _user_errors():
        _run(lambda client: schedules.pause_schedule(client, sid, note))
    console.print(f"schedule {sid} paused")


@schedule_app.command()
def unpause(schedule_id: ScheduleId = None, note: Note = None) -> None:
    """Start runs again at the next scheduled time."""
    sid = _schedule_id(schedule_id, get_settings())
    with _user_errors():
        _run(lambda client: schedules.unpause_schedule(client, sid, note))
    console.print(f"schedule {sid} unpaused")


@schedule_app.command()
def trigger(schedule_id: ScheduleId = None) -> None:
    """Run now, reconciling the period that ends now (skipped while a run is going, under SKIP)."""
    sid = _schedule_id(schedule_id, get_settings())
    with _user_errors():
        _run(lambda client: schedules.trigger_schedule(client, sid))
    console.print(f"schedule {sid} triggered; see `schedule describe` for the run")


@schedule_app.command()
def delete(
    schedule_id: ScheduleId = None,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
) -> None:
    """Remove the schedule; runs already started finish."""
    sid = _schedule_id(schedule_id, get_settings())
    if not yes:
        typer.confirm(f"delete schedule {sid}?", abort=True)
    with _user_errors():
        _run(lambda client: schedules.delete_schedule(client, sid))
    console.print(f"schedule {sid} deleted")


@schedule_app.command()
def backfill(
    start: Annotated[str, typer.Option(help="ISO date or datetime: first instant to cover")],
    end: Annotated[str, typer.Option(help="ISO date or datetime: end of the span (exclusive)")],
    schedule_id: ScheduleId = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only show what would run")] = False,
) -> None:
    """Reconcile every window of the schedule that overlaps [start, end), one run per window,
    one after another; windows that already ran (or are running) are not run again."""
    sid = _schedule_id(schedule_id, get_settings())
    with _user_errors():
        begin, finish = parse_instant(start, "--start"), parse_instant(end, "--end")
        plan = _run(
            lambda client: schedules.backfill_schedule(client, sid, begin, finish, dry_run=dry_run)
        )
    print_plan(plan, dry_run)


def setup() -> None:
    """Register Accord's search attributes on the Temporal cluster (safe to run again)."""
    from runtime.search_attributes import register_search_attributes

    settings = get_settings()
    with _user_errors():
        added = _run(lambda client: register_search_attributes(client, settings.temporal_namespace))
    what = ", ".join(added) if added else "nothing (all were there)"
    console.print(f"namespace {settings.temporal_namespace}: added {what}")


def register(app: typer.Typer) -> None:
    """Mount `schedule ...` and `setup` on starter.py's app."""
    app.add_typer(schedule_app, name="schedule")
    app.command("setup")(setup)
