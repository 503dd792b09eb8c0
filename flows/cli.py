"""`wirehouse` command line.

Exit codes: 0 success; 1 the run failed (error printed; the warehouse was rolled back);
2 bad usage or settings; 3 validation failed (nothing published; see warehouse/reports/);
4 the warehouse is locked by another run; 5 the SQL query failed.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from flows.temporary_server import TemporaryServer

app = typer.Typer(
    help="wirehouse: raw news article files in, validated Delta tables and a DuckDB catalog out.\n\n"
    "Examples:\n\n  wirehouse run seeds/ --warehouse warehouse/\n\n"
    "  wirehouse sql \"select source_path, story_id from articles\"",
    no_args_is_help=True,
    rich_markup_mode=None,
)
console = Console(stderr=True)

EXIT_FAILED, EXIT_USAGE, EXIT_VALIDATION, EXIT_LOCKED, EXIT_SQL = 1, 2, 3, 4, 5


@app.command()
def run(
    source: Optional[Path] = typer.Argument(None, help="Folder of raw article files (default: seeds/)."),
    warehouse: Optional[Path] = typer.Option(None, "--warehouse", "-w", help="Output folder (default: warehouse/)."),
    reference_date: Optional[str] = typer.Option(
        None, "--reference-date", help="YYYY-MM-DD: gives a year to datelines without one."),
    chunk_size: Optional[int] = typer.Option(None, "--chunk-size", help="Files per Prefect task."),
    task_runner: Optional[str] = typer.Option(None, "--task-runner", help="thread (default) or dask."),
    dask_address: Optional[str] = typer.Option(
        None, "--dask-address", help="Dask scheduler, e.g. tcp://10.0.0.5:8786; unset starts a local cluster."),
) -> None:
    """Run the pipeline once on SOURCE into the warehouse.

    Example: wirehouse run seeds/ --warehouse warehouse/
    """
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = TemporaryServer()
        atexit.register(server.stop)  # registered first, so it runs after Prefect has sent its last logs and events
    row = _run_flow(server, source=source, warehouse=warehouse, reference_date=reference_date,
                    chunk_size=chunk_size, task_runner=task_runner, dask_address=dask_address)
    from flows.pipeline import PUBLISHED_COUNTS

    summary = Table(title=f"run {row['run_id']}: {row['status']}")
    for column in (*PUBLISHED_COUNTS, "stories_new", "entities_new"):
        summary.add_row(column, str(row[column]))
    Console().print(summary)


@app.command()
def serve(
    source: Optional[Path] = typer.Argument(None, help="Folder of raw article files (default: seeds/)."),
    warehouse: Optional[Path] = typer.Option(None, "--warehouse", "-w"),
    cron: Optional[str] = typer.Option(None, "--cron", help='Cron schedule, e.g. "*/15 * * * *".'),
    interval: Optional[int] = typer.Option(None, "--interval", help="Seconds between runs."),
    name: str = typer.Option("wirehouse-scheduled", "--name", help="Deployment name."),
) -> None:
    """Serve the flow as a scheduled deployment on a Prefect server (needs PREFECT_API_URL).

    Example: PREFECT_API_URL=http://127.0.0.1:4200/api wirehouse serve /data/in --cron "*/15 * * * *"
    """
    from flows.pipeline import wirehouse_run
    from flows.settings import load_settings

    if (cron is None) == (interval is None):
        console.print("give exactly one of --cron or --interval")
        raise typer.Exit(EXIT_USAGE)
    if not os.environ.get("PREFECT_API_URL"):
        console.print("serve needs a running Prefect server: start one with `prefect server start` and set "
                      "PREFECT_API_URL (for example http://127.0.0.1:4200/api)")
        raise typer.Exit(EXIT_USAGE)
    cfg = load_settings(source=source, warehouse=warehouse)
    settings = cfg.model_dump(mode="json")
    settings["source"] = str(Path(cfg.source).resolve())
    settings["warehouse"] = str(Path(cfg.warehouse).resolve())
    wirehouse_run.serve(name=name, cron=cron, interval=interval, parameters={"settings": settings},
                        description="wirehouse: ingest, clean, dedup, extract, validate, commit")


@app.command()
def sql(
    query: Optional[str] = typer.Argument(None, help="SQL over the catalog's views (read-only)."),
    file: Optional[Path] = typer.Option(None, "--file", "-F", help="Read the SQL from this file instead."),
    warehouse: Optional[Path] = typer.Option(None, "--warehouse", "-w"),
    output_format: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
) -> None:
    """Query the warehouse (read-only).

    Examples: wirehouse sql "select label, count(*) from entities group by 1 order by 2 desc"

              wirehouse sql --file queries/quotes_by_speaker.sql --format csv
    """
    if (query is None) == (file is None):
        console.print("give a query or --file, not both")
        raise typer.Exit(EXIT_USAGE)
    if file is not None:
        query = file.read_text(encoding="utf-8")
    import duckdb

    from flows.settings import load_settings
    from tasks.catalog import query as run_query

    if output_format not in ("table", "csv", "json"):
        console.print("--format must be table, csv or json")
        raise typer.Exit(EXIT_USAGE)
    cfg = load_settings(warehouse=warehouse)
    try:
        columns, rows = run_query(cfg.warehouse, query)
    except FileNotFoundError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(EXIT_USAGE) from None
    except duckdb.Error as error:
        console.print(f"[red]query failed:[/red] {error}")
        raise typer.Exit(EXIT_SQL) from None
    if output_format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif output_format == "json":
        json.dump([dict(zip(columns, r)) for r in rows], sys.stdout, default=str, indent=1)
        sys.stdout.write("\n")
    else:
        table = Table(*columns)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        Console().print(table)


@app.command()
def report(
    warehouse: Optional[Path] = typer.Option(None, "--warehouse", "-w"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="HTML file (default: warehouse/reports/report.html)."),
) -> None:
    """Write a self-contained HTML report: runs, volumes, duplicates, stories, people, quotes.

    Example: wirehouse report --output /tmp/report.html
    """
    import datetime as dt

    from flows.settings import load_settings
    from tasks.catalog import query as run_query
    from tasks.report import charts, render_report, report_data

    cfg = load_settings(warehouse=warehouse)
    try:
        data = report_data(lambda q: run_query(cfg.warehouse, q))
    except FileNotFoundError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(EXIT_USAGE) from None
    target = output or Path(cfg.warehouse) / "reports" / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    target.write_text(render_report(data, charts(data), str(Path(cfg.warehouse).resolve()), generated), encoding="utf-8")
    console.print(f"report written: {target}")


@app.command()
def status(warehouse: Optional[Path] = typer.Option(None, "--warehouse", "-w")) -> None:
    """Recent runs, the lock and quarantine counts.

    Example: wirehouse status --warehouse warehouse/
    """
    from flows.settings import load_settings
    from tasks.catalog import query as run_query
    from tasks.lake import is_stale, read_lock

    cfg = load_settings(warehouse=warehouse)
    out = Console()
    holder = read_lock(Path(cfg.warehouse) / ".lock")
    if holder is None:
        out.print("lock: free")
    else:
        state = "stale (its process is gone; the next run takes over)" if is_stale(holder) else "held"
        out.print(f"lock: {state} by run {holder.get('run_id')} (pid {holder.get('pid')} on {holder.get('host')}, "
                  f"started {holder.get('started_at')})")
    try:
        columns, rows = run_query(cfg.warehouse, """
            select run_id, status, started_at, files_seen, files_new, articles_new, duplicates, quarantined
            from runs order by started_at desc limit 10""")
        _, reasons = run_query(cfg.warehouse, "select reason, count(*) from quarantine group by 1 order by 2 desc, 1")
    except FileNotFoundError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(EXIT_USAGE) from None
    table = Table(*columns, title="recent runs")
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r))
    out.print(table)
    quarantine = Table("reason", "rows", title="quarantine")
    for reason, count in reasons:
        quarantine.add_row(reason, str(count))
    out.print(quarantine)


@app.command()
def catalog(warehouse: Optional[Path] = typer.Option(None, "--warehouse", "-w")) -> None:
    """Rebuild warehouse/news.duckdb (after moving the warehouse folder)."""
    from flows.settings import load_settings
    from tasks.catalog import build_catalog
    from tasks.lake import Lake

    cfg = load_settings(warehouse=warehouse)
    lake = Lake(cfg.warehouse)
    if not (lake.root / "runs").exists():
        console.print(f"[red]no warehouse at {lake.warehouse}[/red]")
        raise typer.Exit(EXIT_USAGE)
    path = build_catalog(lake)
    console.print(f"catalog written: {path}")


@app.command()
def settings() -> None:
    """Every setting with the value in effect here (flags aside: environment, wirehouse.toml, default).

    Example: WIREHOUSE_CHUNK_SIZE=200 wirehouse settings
    """
    from flows.settings import WirehouseSettings

    cfg = _settings_or_exit()
    table = Table("setting", "value", "environment variable", "meaning")
    for name, field in WirehouseSettings.model_fields.items():
        value = getattr(cfg, name)
        table.add_row(name, "unset" if value is None else str(value), f"WIREHOUSE_{name.upper()}", field.description)
    Console().print(table)


def _settings_or_exit(**flags):
    """The settings, or exit code 2 with pydantic's account of what is wrong."""
    from pydantic import ValidationError

    from flows.settings import load_settings

    try:
        return load_settings(**flags)
    except ValidationError as error:
        console.print(f"[red]bad settings:[/red] {error}")
        raise typer.Exit(EXIT_USAGE) from None


def _run_flow(server: TemporaryServer | None, **options) -> dict:
    """Load settings, run the flow (against `server` when given) and map failures to exit codes."""
    cfg = _settings_or_exit(**options)
    from prefect.settings import (PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED,
                                  PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings)

    if server is not None and (PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value()):
        server.stop()  # the Prefect profile names a server (or forbids a temporary one): Prefect decides
        server = None

    from flows.pipeline import ValidationFailed, flow_for, preload_validation
    from tasks.lake import WarehouseLocked

    signal.signal(signal.SIGTERM, _raise_on_terminate)
    preload_validation()  # GX imports on a thread while the server boots
    api = contextlib.nullcontext()
    if server is not None:
        try:
            server.wait_ready(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
        except RuntimeError as error:
            console.print(f"[red]run not started:[/red] {error}")
            raise typer.Exit(EXIT_FAILED) from None
        os.environ["PREFECT_API_URL"] = server.api_url  # for worker processes (Dask) started by the flow
        api = temporary_settings(updates={PREFECT_API_URL: server.api_url})
    try:
        with api:
            return flow_for(cfg)(settings=cfg.model_dump(mode="json"))
    except WarehouseLocked as error:
        console.print(f"[red]locked:[/red] {error}")
        raise typer.Exit(EXIT_LOCKED) from None
    except ValidationFailed as error:
        console.print(f"[red]validation failed, nothing published:[/red] {error}")
        raise typer.Exit(EXIT_VALIDATION) from None
    except FileNotFoundError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(EXIT_USAGE) from None
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - the CLI's job is to report any failure
        console.print(f"[red]run failed, warehouse rolled back:[/red] {type(error).__name__}: {error}")
        raise typer.Exit(EXIT_FAILED) from None


def _raise_on_terminate(signum, frame) -> None:
    # a scheduler's SIGTERM must unwind through the flow's rollback, not end the process mid-commit
    raise KeyboardInterrupt(f"terminated by signal {signum}")


def main() -> None:
    """The `wirehouse` command: the app, then an exit that skips the interpreter's teardown.

    Tearing down the modules the pipeline imports (Prefect, Great Expectations, spaCy) took
    about a second of every run, a tenth of a scheduled run with nothing new. Everything that
    must happen at exit still does: other threads are joined and the exit handlers run
    (Prefect sends its last logs and events, then the temporary server stops).
    """
    try:
        app()
        code = 0
    except SystemExit as done:
        code = done.code
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
