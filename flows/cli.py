"""`wirehouse` command line.

Exit codes: 0 success; 1 the run failed (error printed; the warehouse was rolled back);
2 bad usage or settings; 3 validation failed (nothing published; see warehouse/reports/);
4 the warehouse is locked by another run; 5 the SQL query failed.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import csv
import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from flows.temporary_server import TemporaryServer

app = typer.Typer(
    help="wirehouse: raw news article files in, validated Delta tables and a DuckDB catalog out.\n\n"
    "Examples:\n\n  wirehouse run seeds/ --warehouse warehouse/\n\n"
    "  wirehouse sql \"select source_path, story_id from articles\"",
    no_args_is_help=True,
    rich_markup_mode=None,
)
console = Console(stderr=True, highlight=False, emoji=False)

EXIT_FAILED, EXIT_USAGE, EXIT_VALIDATION, EXIT_LOCKED, EXIT_SQL = 1, 2, 3, 4, 5


def fail(message: str, code: int, label: str = "error") -> typer.Exit:
    """One line on stderr (printed as text: brackets and colons in it are data, not markup),
    and the exit code to raise."""
    console.print(Text.assemble((f"{label}: ", "bold red"), " ".join(str(message).split())), soft_wrap=True)
    return typer.Exit(code)


def _output() -> Console:
    """stdout for data: no markup, emoji or highlighting applied to what a query returns."""
    return Console(highlight=False, emoji=False, markup=False)


def _table(columns, rows, title: str | None = None, compact: bool = False) -> Table:
    from rich import box

    table = Table(title=title, box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD, pad_edge=not compact,
                  padding=(0, 1, 0, 0) if compact else (0, 1), title_justify="left" if compact else "center")
    for n, column in enumerate(columns):  # in a compact table the first column (an id) is never cut
        table.add_column(column, no_wrap=compact and n == 0, min_width=len(str(rows[0][0])) if compact and rows
                         and n == 0 else None, overflow="fold")
    for r in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in r))
    return table


@app.command()
def run(
    source: Optional[Path] = typer.Argument(None, help="Folder of raw article files (default: seeds/)."),
    warehouse: Optional[Path] = typer.Option(None, "--warehouse", "-w", help="Output folder (default: warehouse/)."),
    reference_date: Optional[str] = typer.Option(
        None, "--reference-date", help="YYYY-MM-DD: gives a year to datelines without one."),
    chunk_size: Optional[int] = typer.Option(None, "--chunk-size", help="Files per Prefect task."),
    stream_files: Optional[int] = typer.Option(None, "--stream-files", help="Files per staged batch."),
    task_runner: Optional[str] = typer.Option(None, "--task-runner", help="thread (default) or dask."),
    dask_address: Optional[str] = typer.Option(
        None, "--dask-address", help="Dask scheduler, e.g. tcp://10.0.0.5:8786; unset starts a local cluster."),
) -> None:
    """Run the pipeline once on SOURCE into the warehouse.

    Example: wirehouse run seeds/ --warehouse warehouse/
    """
    cfg = _settings_or_exit(source=source, warehouse=warehouse, reference_date=reference_date, chunk_size=chunk_size,
                            stream_files=stream_files, task_runner=task_runner, dask_address=dask_address)
    from flows.pipeline import UsageError, checked_folders  # before a server is started for nothing

    try:
        checked_folders(cfg)
    except UsageError as error:
        raise fail(error, EXIT_USAGE) from None
    row = _run_flow(_temporary_server(), cfg)
    from tasks.spec import PUBLISHED_COUNTS

    _output().print(_table(["count", "value"], [(c, row[c]) for c in (*PUBLISHED_COUNTS, "stories_new", "entities_new")],
                           title=f"run {row['run_id']}: {row['status']}"))


@app.command()
def serve(
    source: Optional[Path] = typer.Argument(None, help="Folder of raw article files (default: seeds/)."),
    warehouse: Optional[Path] = typer.Option(None, "--warehouse", "-w"),
    cron: Optional[str] = typer.Option(None, "--cron", help='Cron schedule (UTC), e.g. "*/15 * * * *".'),
    interval: Optional[int] = typer.Option(None, "--interval", help="Seconds between runs; the first starts at once."),
    name: str = typer.Option("wirehouse-scheduled", "--name", help="Name prefix of the scheduled flow runs."),
    runs: Optional[int] = typer.Option(None, "--runs", help="Stop after this many runs (default: never)."),
) -> None:
    """Run the flow on a schedule in this process, which stays up between runs: its worker
    processes keep their models loaded, and Great Expectations stays imported, so a run with
    little new work costs seconds. Each run is a Prefect flow run on the server PREFECT_API_URL
    names (else on a temporary server kept for the life of this process). A failed run is
    logged; the schedule goes on.

    Example: wirehouse serve /data/in --warehouse /data/wh --cron "*/15 * * * *"
    """
    if (cron is None) == (interval is None):
        raise fail("give exactly one of --cron or --interval", EXIT_USAGE)
    cfg = _settings_or_exit(source=source, warehouse=warehouse, keep_workers_warm=True)
    from flows.pipeline import UsageError, checked_folders

    try:
        checked_folders(cfg)
    except UsageError as error:
        raise fail(error, EXIT_USAGE, "serve not started") from None
    api = _server_api(_temporary_server(), cfg, "serve")  # one server for every run
    from flows.workers import stop_pool

    try:
        with api:
            for done, when in enumerate(schedule(cron, interval), start=1):
                time.sleep(max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds()))
                try:
                    row = _run_flow(None, cfg, flow_run_name=f"{name}-{when:%Y%m%dT%H%M%S}")
                    console.print(f"run {row['run_id']}: {row['articles_new']} new articles, "
                                  f"{sum(json.loads(row.get('stage_seconds') or '{}').values()):.1f} s of flow time")
                except typer.Exit:
                    pass  # _run_flow printed why; the next scheduled run may well succeed
                if runs is not None and done >= runs:
                    return
    finally:
        stop_pool()  # its threads would keep the process from exiting


def schedule(cron: str | None, interval: int | None):
    """The times of the scheduled runs (UTC), endless: every `interval` seconds from now, or
    the cron expression's times (Prefect's own cron schedule)."""
    now = dt.datetime.now(dt.timezone.utc)
    if interval is not None:
        step = dt.timedelta(seconds=interval)
        while True:
            yield now
            now = max(now + step, dt.datetime.now(dt.timezone.utc))
    from prefect.server.schemas.schedules import CronSchedule

    plan = CronSchedule(cron=cron, timezone="UTC")
    while True:
        dates = plan.get_dates(n=1, start=now + dt.timedelta(seconds=1))
        now = (asyncio.run(dates) if asyncio.iscoroutine(dates) else dates)[0]
        yield now


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
        raise fail("give a query or --file, not both", EXIT_USAGE)
    if output_format not in ("table", "csv", "json"):
        raise fail("--format must be table, csv or json", EXIT_USAGE)
    if file is not None:
        try:
            query = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise fail(f"cannot read {file}: {getattr(error, 'strerror', None) or error}", EXIT_USAGE) from None
    if not query.strip():
        raise fail("the query is empty", EXIT_USAGE)
    cfg = _settings_or_exit(warehouse=warehouse)
    columns, rows = _query_or_exit(cfg.warehouse, query)
    if output_format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif output_format == "json":
        json.dump([dict(zip(columns, r)) for r in rows], sys.stdout, default=str, indent=1)
        sys.stdout.write("\n")
    else:
        _output().print(_table(columns, rows))


def _query_or_exit(warehouse: Path, sql_text: str):
    """Rows of a read-only query, or one line and the exit code: 2 without a warehouse, 5 for
    a query DuckDB rejects or the sandbox refuses."""
    import duckdb

    from tasks.io.catalog import CatalogMissing, QueryRefused, query

    warehouse = Path(warehouse)
    if warehouse.exists() and not warehouse.is_dir():
        raise fail(f"warehouse {warehouse.resolve()} is a file, not a folder", EXIT_USAGE)
    try:
        return query(warehouse, sql_text)
    except CatalogMissing as error:
        raise fail(error, EXIT_USAGE) from None
    except QueryRefused as error:
        raise fail(error, EXIT_SQL, "query refused") from None
    except duckdb.Error as error:
        raise fail(error, EXIT_SQL, "query failed") from None
    except OSError as error:  # the catalog or lake cannot be read (moved away mid-query, permissions)
        raise fail(f"cannot read the warehouse {warehouse.resolve()}: {error}", EXIT_USAGE) from None


@app.command()
def report(
    warehouse: Optional[Path] = typer.Option(None, "--warehouse", "-w"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="HTML file (default: warehouse/reports/report.html)."),
) -> None:
    """Write a self-contained HTML report: runs, volumes, duplicates, stories, people, quotes.

    Example: wirehouse report --output /tmp/report.html
    """
    import datetime as dt

    from tasks.io.data_docs import latest_results
    from tasks.report import charts, render_report, report_data

    cfg = _settings_or_exit(warehouse=warehouse)
    data = report_data(lambda q: _query_or_exit(cfg.warehouse, q))
    target = output or Path(cfg.warehouse) / "reports" / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    docs = Path(cfg.warehouse).resolve() / "data_docs"
    data["validation"] = [{**row, "page": os.path.relpath(docs / row["page"], target.parent.resolve())
                           if row["page"] else None} for row in latest_results(docs)]
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    target.write_text(render_report(data, charts(data), str(Path(cfg.warehouse).resolve()), generated), encoding="utf-8")
    console.print(Text(f"report written: {target}"))


@app.command()
def status(warehouse: Optional[Path] = typer.Option(None, "--warehouse", "-w")) -> None:
    """Recent runs, the lock and quarantine counts.

    Example: wirehouse status --warehouse warehouse/
    """
    from tasks.io.lake import lock_state

    cfg = _settings_or_exit(warehouse=warehouse)
    out = _output()
    # narrow enough for 80 columns: the run id holds its start time, counts get short headings
    columns, rows = _query_or_exit(cfg.warehouse, """
        select run_id as run, status, files_seen as seen, files_new as new, articles_new as articles,
               duplicates as copies, quarantined as quarantine
        from runs order by ledger_version desc nulls last, started_at desc limit 10""")
    _, reasons = _query_or_exit(cfg.warehouse, "select reason, count(*) from quarantine group by 1 order by 2 desc, 1")
    state, holder = lock_state(Path(cfg.warehouse) / ".lock")
    if state == "free":
        out.print("lock: free")
    else:
        meaning = "held" if state == "held" else "stale: its process died; the next run records that run as failed"
        out.print(f"lock: {meaning} (run {holder.get('run_id')}, pid {holder.get('pid')} on {holder.get('host')}, "
                  f"started {holder.get('started_at')})")
    out.print(_table(columns, rows, title="recent runs", compact=True))
    out.print(_table(["reason", "rows"], reasons, title="quarantine", compact=True))


@app.command()
def catalog(warehouse: Optional[Path] = typer.Option(None, "--warehouse", "-w")) -> None:
    """Rebuild warehouse/news.duckdb (after moving the warehouse folder)."""
    from tasks.io.catalog import build_catalog
    from tasks.io.lake import Lake

    cfg = _settings_or_exit(warehouse=warehouse)
    lake = Lake(cfg.warehouse)
    if not (lake.root / "runs").is_dir():
        raise fail(f"no warehouse at {lake.warehouse}", EXIT_USAGE)
    console.print(Text(f"catalog written: {build_catalog(lake)}"))


@app.command()
def settings() -> None:
    """Every setting with the value in effect here (flags aside: environment, wirehouse.toml, default).

    Example: WIREHOUSE_CHUNK_SIZE=200 wirehouse settings
    """
    from flows.settings import WirehouseSettings

    cfg = _settings_or_exit()
    _output().print(_table(["setting", "value", "environment variable", "meaning"], [
        (name, "unset" if getattr(cfg, name) is None else getattr(cfg, name), f"WIREHOUSE_{name.upper()}",
         field.description) for name, field in WirehouseSettings.model_fields.items()]))


def _settings_or_exit(**flags):
    """The settings, or exit code 2 with pydantic's account of what is wrong."""
    from pydantic import ValidationError

    from flows.settings import load_settings

    try:
        return load_settings(**flags)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']} (got {e.get('input')!r})"
                             for e in error.errors())
        raise fail(problems, EXIT_USAGE, "bad settings") from None
    except Exception as error:  # noqa: BLE001 - a wirehouse.toml that does not parse
        raise fail(f"{type(error).__name__}: {error}", EXIT_USAGE, "bad settings") from None


def _temporary_server() -> TemporaryServer | None:
    """Prefect's temporary server, started at once so that it boots while the pipeline imports;
    None when PREFECT_API_URL names a server."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    server = TemporaryServer()
    atexit.register(server.stop)  # registered first, so it runs after Prefect has sent its last logs and events
    return server


def _server_api(server: TemporaryServer | None, cfg, what: str):
    """A context in which Prefect talks to `server` once it answers; with no server, or when
    the Prefect profile names one (or forbids a temporary one), Prefect decides."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings

    if server is None:
        return contextlib.nullcontext()
    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        server.stop()
        return contextlib.nullcontext()
    try:
        server.wait_ready(cfg.server_start_timeout, lambda text: console.print(Text(text)))
    except RuntimeError as error:
        raise fail(error, EXIT_FAILED, f"{what} not started") from None
    os.environ["PREFECT_API_URL"] = server.api_url  # for worker processes (Dask) started by the flow
    return temporary_settings(updates={PREFECT_API_URL: server.api_url})


def _run_flow(server: TemporaryServer | None, cfg, flow_run_name: str | None = None) -> dict:
    """Run the flow (against `server` when given) and map failures to one line and an exit code."""
    from flows.pipeline import UsageError, ValidationFailed, flow_for, preload_validation
    from tasks.io.lake import WarehouseLocked

    signal.signal(signal.SIGTERM, _raise_on_terminate)
    preload_validation()  # GX imports on a thread while the server boots
    api = _server_api(server, cfg, "run")
    try:
        with api:
            flow = flow_for(cfg)
            if flow_run_name:
                flow = flow.with_options(flow_run_name=flow_run_name)
            return flow(settings=cfg.model_dump(mode="json"))
    except WarehouseLocked as error:
        raise fail(error, EXIT_LOCKED, "locked") from None
    except ValidationFailed as error:
        raise fail(error, EXIT_VALIDATION, "validation failed, nothing published") from None
    except UsageError as error:
        raise fail(error, EXIT_USAGE) from None
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - the CLI's job is to report any failure
        raise fail(f"{type(error).__name__}: {error}", EXIT_FAILED, "run failed, warehouse rolled back") from None


def _raise_on_terminate(signum, frame) -> None:
    # a scheduler's SIGTERM must unwind through the flow's rollback, not end the process mid-commit
    raise KeyboardInterrupt(f"terminated by signal {signum}")


def main() -> None:
    """The `wirehouse` command: the app, then an exit that skips the interpreter's teardown.

    Tearing down the modules the pipeline imports (Prefect, Great Expectations, spaCy) took
    about a second of every run, a tenth of a scheduled run with nothing new. Everything that
    must happen at exit still does: other threads are joined, Prefect's log handler sends its
    last records, and the exit handlers run (Prefect sends its last events, then the temporary
    server stops).
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
    # logging's own exit handler runs last (it was registered first), after the server has
    # stopped: Prefect's handler then waited 5 s on a server that was gone, and lost the records
    logging.shutdown()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
