"""The wirehouse flow: a run is a pure computation between two IO edges.

    snapshot  -> file and article history from the committed lake (tasks/io/snapshot.py)
    ingest    -> read the new files, per chunk (tasks/io/readers.py)
    process   -> clean and extract, per chunk, in worker processes (flows/workers.py)
    stages    -> refuse bad rows, dedup, stories, assemble (tasks/run.py: pure)
    publish   -> validate, commit, ledger row last (the commit point)
    afterward -> catalog, artifact: best effort, never changes a committed outcome

Wiring and IO only; every decision is made by a pure function in `tasks/`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger

from flows.settings import WirehouseSettings, load_settings
from flows.workers import ChunkParams, process_chunk, start_pool, stop_pool
from tasks.ingest import classify_files, ingest_chunk
from tasks.io.catalog import build_catalog
from tasks.io.lake import Lake, Lock, WarehouseLocked
from tasks.io.readers import ParsedFile, ReadLimits, discover_files, stat_files, unchanged_files
from tasks.io.snapshot import (article_history, file_history, first_paths, known_stories, lsh_rebuild,
                               no_article_history, story_members, written_story_counts)
from tasks.run import Outcome, RunParams, StoredStories, run_stages
from tasks.spec import EXTRACTED_COUNTS, MERGE_KEYS, PUBLISHED_COUNTS, to_table
from tasks.stories import StoryParams
from tasks.validate import TooManyRefused, reference_sets, run_invariants, story_count_invariants, validate_task


class ValidationFailed(RuntimeError):
    """A table broke its contract (or the breaker tripped): nothing was published."""


class UsageError(ValueError):
    """The run cannot start as asked (a source or warehouse that is not a folder)."""


EXPECTED_FAILURES = (ValidationFailed, UsageError, WarehouseLocked)


class _NoTracebackForExpectedFailures(logging.Filter):
    """Prefect logs a flow's exception with its traceback; for the failures we raise on
    purpose the one-line message says everything."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], EXPECTED_FAILURES):
            record.exc_info, record.exc_text = None, None
        return True


logging.getLogger("prefect.flow_runs").addFilter(_NoTracebackForExpectedFailures())


def _progress(futures: list, stage: str, logger):
    """Results of per-chunk futures in order, with a progress bar on a terminal and a log
    line per chunk otherwise (what a scheduler's log shows)."""
    if sys.stderr.isatty():
        from rich.progress import track

        for future in track(futures, description=f"{stage:>9}", total=len(futures), transient=True):
            yield future.result()
        return
    for done, future in enumerate(futures, start=1):
        result = future.result()
        if len(futures) > 1:
            logger.info("%s: chunk %d/%d done", stage, done, len(futures))
        yield result


def preload_validation() -> None:
    """Import Great Expectations (seconds of CPU) on a second thread while the flow's
    process waits for Prefect's temporary server to come up."""
    import threading

    threading.Thread(target=lambda: __import__("expectations"), name="preload-gx", daemon=True).start()


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _work_chunk(n: int, cfg: WirehouseSettings) -> int:
    """Records per processing task: at most `chunk_size`, and at least one chunk per worker."""
    return max(1, min(cfg.chunk_size, -(-n // max(1, cfg.worker_processes))))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class StageClock:
    """Wall seconds per stage, for the ledger and the run report."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + now - self._last, 3)
        self._last = now


def new_run_id(started: dt.datetime) -> str:
    return f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def checked_folders(cfg: WirehouseSettings) -> tuple[Path, Path]:
    """The source and warehouse folders, or a UsageError saying what is wrong with them."""
    source, warehouse = Path(cfg.source).resolve(), Path(cfg.warehouse).resolve()
    if not source.exists():
        raise UsageError(f"source folder {source} does not exist")
    if not source.is_dir():
        raise UsageError(f"source {source} is a file, not a folder: give the folder that holds the articles")
    if warehouse.exists() and not warehouse.is_dir():
        raise UsageError(f"warehouse {warehouse} is a file, not a folder")
    if warehouse == source or warehouse.is_relative_to(source):
        raise UsageError(f"warehouse {warehouse} is inside the source folder {source}: its own files would be read")
    return source, warehouse


@flow(name="wirehouse-run", log_prints=True)
def wirehouse_run(settings: dict | None = None) -> dict:
    """One run over the source folder. Returns the run's ledger row."""
    cfg: WirehouseSettings = load_settings(**(settings or {}))
    logger = get_run_logger()
    started = _now()
    run_id = new_run_id(started)
    source, warehouse = checked_folders(cfg)
    lake = Lake(warehouse)
    lock = Lock(warehouse / ".lock", run_id, started.isoformat())
    clock = StageClock()
    row = {"run_id": run_id, "started_at": started, "status": "running", "source": str(source)}
    try:
        with _terminate_deferred():  # a SIGTERM while the lock is taken lands below, where it is recorded
            left_by_dead_run = lock.acquire()
        lake.ensure_tables()
        restored = lake.recover()
        if restored:
            logger.warning("rolled back uncommitted work of an interrupted run in: %s", ", ".join(restored))
        if left_by_dead_run:
            record_interrupted_run(lake, left_by_dead_run, run_id, restored)
        _best_effort(logger, "catalog rebuild", build_catalog, lake)  # views follow a moved warehouse
        clock.lap("prepare")

        paths, refused = discover_files(source)
        logger.info("run %s: %d files under %s", run_id, len(paths) + len(refused), source)
        files = file_history(lake, paths + [item.path for item in refused])  # refused ones are known too
        stats = stat_files(source, paths)
        unchanged = unchanged_files(stats, files["file_stats"], files["known_pairs"])
        to_read = [path for path in paths if path not in unchanged]
        if to_read and cfg.task_runner == "thread":  # the workers warm up while the files are read
            start_pool(cfg.worker_processes, cfg.spacy_model)
        # submitted tasks get plain values: the Dask runner hands `quote` wrappers on unopened
        limits = ReadLimits(cfg.max_file_bytes, cfg.max_container_bytes, cfg.max_archive_members,
                            tuple(cfg.field_map.items()))
        params = RunParams(run_id, started.date(), cfg.near_duplicate_threshold, StoryParams(
            threshold=cfg.story_threshold, merge_threshold=cfg.story_merge_threshold,
            entity_weight=cfg.story_entity_weight, window_days=cfg.story_window_days), cfg.max_rejected_fraction,
            cfg.breaker_min_rows)
        batches = _chunks(to_read, cfg.stream_files) or [[]]
        run = StagedRun()
        for number, batch in enumerate(batches):
            # the first batch also settles the files discovery refused and those left unchanged
            settled = refused + [ParsedFile(path, fid, stats[path][0]) for path, fid in unchanged.items()] \
                if number == 0 else []
            outcome = run_batch(lake, source, batch, settled, files, stats, limits, params, cfg, clock, logger,
                                row, run)
            stage(lake, warehouse, outcome, row, run, clock, started)
            if len(batches) > 1:
                logger.info("batch %d/%d staged: %d articles, %d quarantine rows (invisible until the run commits)",
                            number + 1, len(batches), outcome.counts["articles_new"], outcome.counts["quarantined"])
        if not cfg.keep_workers_warm:
            stop_pool()
        publish(lake, warehouse, run, row, clock, cfg)
    except BaseException as error:
        if not lock.held:
            raise  # the warehouse is another run's (or was never reached): nothing of ours to record
        if row["status"] == "succeeded" and _in_ledger(lake, run_id):
            logger.warning("run %s was interrupted after its commit point (%s); it stands as committed",
                           run_id, type(error).__name__)
        elif isinstance(error, ValidationFailed) or _in_ledger(lake, run_id):
            raise  # its ledger row says why
        else:
            _record_failure(lake, lock, row, error, logger)
            raise
    finally:
        if not cfg.keep_workers_warm:
            stop_pool()
        lock.release()

    # after the commit point: nothing here can change the run's outcome
    _best_effort(logger, "catalog rebuild", build_catalog, lake)
    _best_effort(logger, "run summary artifact", publish_summary, row, run.quarantine, row["message"])
    logger.info("run %s succeeded: %s", run_id, json.dumps(_counts(row)))
    return row


@contextmanager
def _terminate_deferred():
    """SIGTERM waits until the block is done, then acts as it would have. Only the main thread
    can swap a signal handler; elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        if pending and callable(previous):
            previous(pending[0], None)
        elif pending and previous == signal.SIG_DFL:
            os.kill(os.getpid(), signal.SIGTERM)


def _record_failure(lake: Lake, lock: Lock, row: dict, error: BaseException, logger) -> None:
    """Roll back and write the run's `failed` ledger row."""
    try:
        lake.ensure_tables()
        lake.recover()
        row.update(status="failed", finished_at=_now(), message=f"{type(error).__name__}: {error}"[:10_000],
                   table_versions=json.dumps(lake.committed_versions()))
        row.update(dict.fromkeys(PUBLISHED_COUNTS, 0))  # nothing of a failed run was published
        row.update(dict.fromkeys(EXTRACTED_COUNTS, None))
        lake.append_ledger(row)
    except BaseException:  # noqa: BLE001 - interrupted again while cleaning up
        # keep the holder in the lock file: the next run rolls back and records this run as failed
        logger.exception("could not record the failure of run %s; the next run will", row["run_id"])
        lock.abandon()


@dataclass
class StagedRun:
    """What a streamed run keeps between its batches: counts, and the quarantine rows for the
    run summary (the rows themselves are staged with their batch)."""

    counts: Counter = field(default_factory=Counter)
    quarantine: list[dict] = field(default_factory=list)
    bands_checked: bool = False
    message: str = ""
    batches: int = 0


def run_batch(lake: Lake, source: Path, batch: list[str], settled: list[ParsedFile], files: dict, stats: dict,
              limits: ReadLimits, params: RunParams, cfg: WirehouseSettings, clock: StageClock, logger, row: dict,
              run: StagedRun) -> Outcome:
    """One batch of files through every stage: read, process, look history up (this run's staged
    batches included), then the pure stages."""
    # submitted tasks get plain values: the Dask runner hands `quote` wrappers on unopened
    futures = [ingest_chunk.submit(str(source), chunk, files["known_pairs"], files["known_ids"], limits)
               for chunk in _chunks(batch, cfg.chunk_size)]
    read = [item for result in _progress(futures, "ingest", logger) for item in result]
    stat_rows = [{"path": item.path, "size_bytes": stats[item.path][0], "modified_ns": stats[item.path][1],
                  "file_id": item.file_id} for item in read
                 if item.file_id and item.path in stats and not _unsettled(item)]
    seen_path_of = first_paths(lake, {item.file_id for item in read if item.file_id})
    classified = classify_files(settled + read, seen_path_of, files["known_pairs"])
    clock.lap("ingest")

    chunk_params = ChunkParams(cfg.reference_date, cfg.spacy_model, cfg.ner_batch_size)
    processing = [process_chunk.submit(chunk, chunk_params)
                  for chunk in _chunks(classified.records, _work_chunk(len(classified.records), cfg))]
    processed = list(_progress(processing, "process", logger))
    clock.lap("process")

    history = no_article_history()
    if classified.records:
        history = article_history(lake, [a for result in processed for a in result["articles"]],
                                  [e for result in processed for e in result["entities"]],
                                  {k: v for result in processed for k, v in result["sketches"].items()},
                                  params.near_duplicate_threshold, params.story.window_days)
        # the stored band keys are checked once a run, by its first batch with records
        history["lsh_rebuild"] = None if run.bands_checked else lsh_rebuild(lake, params.near_duplicate_threshold)
        run.bands_checked = True
    clock.lap("history")
    try:
        stored = StoredStories(lambda ids: known_stories(lake, ids), lambda ids: story_members(lake, ids))
        outcome = run_stages(classified, processed, history, stored, params, clock.lap)
    except TooManyRefused as breaker:
        refuse_run(lake, lake.warehouse, row, str(breaker), None)
    outcome.rows["_file_stats"] = stat_rows
    return outcome


def stage(lake: Lake, warehouse: Path, outcome: Outcome, row: dict, run: StagedRun, clock: StageClock,
          started: dt.datetime) -> None:
    """Validate one batch's tables (its counts reconciled in a ledger row of its own that is
    never written), then stage them: committed to Delta, invisible until the ledger row."""
    tables = outcome.tables()
    batch_row = {**row, **outcome.counts, "status": "succeeded", "finished_at": _now()}
    report = validate_task(tables | {"runs": to_table("runs", [batch_row])},
                           reference_sets(started.date(), row["run_id"]), str(warehouse / "data_docs"))
    clock.lap("validate")
    if not report.success:
        refuse_run(lake, warehouse, row, report.summary(), report)
    lake.commit(tables, MERGE_KEYS, story_merges=outcome.merges, story_moves=outcome.moves, replace=outcome.replace)
    clock.lap("commit")
    run.counts.update(outcome.counts)
    run.batches += 1
    run.quarantine += outcome.rows["quarantine"]
    run.message = report.summary()


def publish(lake: Lake, warehouse: Path, run: StagedRun, row: dict, clock: StageClock,
            cfg: WirehouseSettings) -> None:
    """Check the invariants over every staged batch (when there were several), compact, then
    write the ledger row: the commit point."""
    counts = {key: run.counts[key] for key in (*PUBLISHED_COUNTS, *EXTRACTED_COUNTS)}
    # one batch was validated whole; over several, what no batch could see is checked on the staged rows
    broken = run_invariants(lake.staged_counts(row["run_id"]), counts) if run.batches > 1 else []
    broken += story_count_invariants(*written_story_counts(lake, row["run_id"]))
    if broken:
        refuse_run(lake, warehouse, row, "; ".join(broken), None)
    row.update(counts, status="succeeded", finished_at=_now())
    versions = lake.committed_versions() | (lake.staged_versions() or {})
    versions |= lake.compact(cfg.compact_after_files)
    clock.lap("commit")
    row.update(finished_at=_now(), table_versions=json.dumps(versions), message=run.message,
               stage_seconds=json.dumps(clock.seconds))
    lake.append_ledger(row)


def refuse_run(lake: Lake, warehouse: Path, row: dict, message: str, report) -> None:
    """Publish nothing: the ledger row says why (and the report which rows), then raise."""
    if report is not None:
        write_validation_report(warehouse, row["run_id"], report)
    row.update(status="validation_failed", message=message[:10_000], finished_at=_now(),
               table_versions=json.dumps(lake.committed_versions()))
    row.update(dict.fromkeys(PUBLISHED_COUNTS, 0))  # nothing was published: the next run reads it all again
    row.update(dict.fromkeys(EXTRACTED_COUNTS, None))
    lake.append_ledger(row)
    _best_effort(get_run_logger(), "catalog rebuild", build_catalog, lake)
    _best_effort(get_run_logger(), "run summary artifact", publish_summary, row, [], message)
    raise ValidationFailed(message)


def _unsettled(item: ParsedFile) -> bool:
    """A file read mid-write: its stat is not recorded, so the next run reads it again."""
    return any(p.reason == "changed_while_reading" for p in item.problems)


def _in_ledger(lake: Lake, run_id: str) -> bool:
    try:
        return run_id in set(lake.ledger().column("run_id").to_pylist())
    except Exception:  # noqa: BLE001 - no ledger yet
        return False


def _best_effort(logger, what: str, function, *args) -> None:
    """Run a step that must not change a run's outcome: a failure (or a SIGTERM) is logged;
    the next run repairs what it left."""
    try:
        function(*args)
    except BaseException as error:  # noqa: BLE001
        logger.warning("%s failed (the run's outcome stands; the next run repairs it): %s: %s",
                       what, type(error).__name__, error)


def publish_summary(row: dict, quarantine: list[dict], validation: str) -> None:
    """The run's figures as a Prefect artifact (shown on the flow run in the Prefect UI)."""
    from collections import Counter

    from prefect.artifacts import create_markdown_artifact

    counts = "\n".join(f"| {key} | {row.get(key)} |" for key in (*PUBLISHED_COUNTS, *EXTRACTED_COUNTS))
    stages = "\n".join(f"| {stage} | {seconds} |" for stage, seconds in json.loads(row.get("stage_seconds") or "{}").items())
    reasons = "\n".join(f"| {reason} | {n} |" for reason, n in Counter(q["reason"] for q in quarantine).most_common())
    create_markdown_artifact(
        key="wirehouse-run-summary",
        description=f"wirehouse run {row['run_id']}: {row['status']}",
        markdown=f"# Run {row['run_id']}: {row['status']}\n\n| count | value |\n|---|---|\n{counts}\n\n"
                 f"| stage | seconds |\n|---|---|\n{stages or '| - | - |'}\n\n"
                 f"| quarantine reason | rows |\n|---|---|\n{reasons or '| none | 0 |'}\n\n"
                 f"**Validation:** {validation}\n")


def record_interrupted_run(lake: Lake, holder: dict, run_id: str, restored: list[str]) -> None:
    """A run whose process died holding the lock gets its `failed` ledger row from the run
    that took the lock over (unless it had already written its own)."""
    dead_id = holder.get("run_id") or "unknown"
    if _in_ledger(lake, dead_id):
        return
    try:
        dead_start = dt.datetime.fromisoformat(holder.get("started_at") or "")
    except (TypeError, ValueError):
        dead_start = _now()
    lake.append_ledger({
        "run_id": dead_id, "started_at": dead_start, "finished_at": _now(), "status": "failed",
        "source": None, "table_versions": json.dumps(lake.committed_versions()),
        "message": f"interrupted: process {holder.get('pid')} on {holder.get('host')} died holding the lock; "
                   f"run {run_id} rolled back its uncommitted work ({', '.join(restored) or 'none'})",
        **dict.fromkeys(PUBLISHED_COUNTS, 0),
    })


def _counts(row: dict) -> dict:
    return {k: v for k, v in row.items() if isinstance(v, int)}


def write_validation_report(warehouse: Path, run_id: str, report) -> Path:
    folder = warehouse / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"validation-{run_id}.json"
    path.write_text(json.dumps(asdict(report), indent=2, default=str))
    return path


def flow_for(cfg: WirehouseSettings):
    """The flow with the configured task runner. With Dask, the per-chunk tasks (ingest, and
    process: clean, sketch, extract) spread over the cluster's workers; dedup, stories,
    validation and the commit stay in this process, the single writer."""
    if cfg.task_runner != "dask":
        return wirehouse_run
    from prefect_dask import DaskTaskRunner

    runner = DaskTaskRunner(address=cfg.dask_address) if cfg.dask_address else DaskTaskRunner(
        cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True})
    return wirehouse_run.with_options(task_runner=runner)
