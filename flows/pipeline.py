"""The wirehouse flow: ingest -> clean -> dedup -> stories -> extract -> validate -> commit -> catalog.

Wiring and IO only; every decision is made by a pure function in `tasks/`.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import uuid
from dataclasses import asdict
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.utilities.annotations import quote

from flows.settings import WirehouseSettings, load_settings
from tasks.catalog import build_catalog
from flows.workers import ChunkParams, process_chunk, start_pool, stop_pool
from tasks.dedup import SketchHistory, find_duplicates
from tasks.ingest import ParsedFile, classify_files, discover_files, ingest_chunk, stat_files, unchanged_files
from tasks.lake import Lake, Lock
from tasks.schema import MERGE_KEYS, STORED_TABLES, to_table
from tasks.stories import StoryParams, StoryVectors, stories_after, story_task
from tasks.validate import reference_sets, validate_task


PUBLISHED_COUNTS = ("files_seen", "files_new", "files_skipped", "files_ingested", "files_duplicate",
                    "files_quarantined", "articles_new", "duplicates", "quarantined")
EXTRACTED_COUNTS = ("stories_new", "stories_merged", "entities_new", "quotes_new", "amounts_new", "date_mentions_new")


class ValidationFailed(RuntimeError):
    """A table broke its contract: nothing was published."""


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


def known_files(lake: Lake) -> dict:
    """What ingest needs from earlier runs: which (file, path) pairs were seen."""
    files = lake.read("files", ["file_id", "path"]).to_pylist()
    seen_path_of: dict[str, str] = {}
    for row in sorted(files, key=lambda r: r["path"]):
        seen_path_of.setdefault(row["file_id"], row["path"])
    stats = lake.read("_file_stats").to_pydict()
    return {"known_pairs": {(row["file_id"], row["path"]) for row in files}, "seen_path_of": seen_path_of,
            "file_stats": {path: (size, modified, fid) for path, size, modified, fid
                           in zip(stats["path"], stats["size_bytes"], stats["modified_ns"], stats["file_id"])}}


def article_history(lake: Lake) -> dict:
    """What dedup and stories need from earlier runs; read only when there are new articles."""
    articles = lake.read("articles", ["article_id", "body_hash", "story_id"]).to_pylist()
    copies = set(lake.read("duplicates", ["article_id"]).column("article_id").to_pylist())
    return {
        "canonical_by_hash": {a["body_hash"]: a["article_id"] for a in articles if a["article_id"] not in copies},
        "story_of": {a["article_id"]: a["story_id"] for a in articles},
        "minhash": SketchHistory.from_arrow(lake.read("_minhash")),
        "story_vectors": StoryVectors.from_arrow(lake.read("_story_vectors")),
        "term_df": dict(zip(*lake.read("_term_df").to_pydict().values())),
    }


@flow(name="wirehouse-run", log_prints=True)
def wirehouse_run(settings: dict | None = None) -> dict:
    """One run over the source folder. Returns the run's ledger row."""
    cfg: WirehouseSettings = load_settings(**(settings or {}))
    logger = get_run_logger()
    started = _now()
    run_id = new_run_id(started)
    source, warehouse = Path(cfg.source).resolve(), Path(cfg.warehouse).resolve()
    if not source.is_dir():
        raise FileNotFoundError(f"source folder {source} does not exist")
    lake = Lake(warehouse)
    lock = Lock(warehouse / ".lock", run_id, started.isoformat())
    clock = StageClock()
    dead = lock.acquire()
    row = {"run_id": run_id, "started_at": started, "status": "running", "source": str(source)}
    try:
        lake.ensure_tables()
        restored = lake.recover()
        if restored:
            logger.warning("rolled back uncommitted work of an interrupted run in: %s", ", ".join(restored))
        if dead:
            record_interrupted_run(lake, dead, run_id, restored)
        build_catalog(lake)
        history = known_files(lake)
        clock.lap("prepare")

        paths, escaped = discover_files(source)
        logger.info("run %s: %d files under %s", run_id, len(paths) + len(escaped), source)
        known_ids = set(history["seen_path_of"])
        stats = stat_files(source, paths)
        unchanged = unchanged_files(stats, history["file_stats"], history["known_pairs"])
        to_read = [path for path in paths if path not in unchanged]
        if to_read:  # only files read can hold new records; the workers warm up while they are read
            start_pool(cfg.worker_processes if cfg.task_runner == "thread" else 1, cfg.spacy_model)
        # submitted tasks get plain values: the Dask runner hands `quote` wrappers on unopened
        futures = [ingest_chunk.submit(str(source), chunk, history["known_pairs"], known_ids, cfg.max_file_bytes)
                   for chunk in _chunks(to_read, cfg.chunk_size)]
        read = [item for result in _progress(futures, "ingest", logger) for item in result]
        parsed = escaped + read + [ParsedFile(path, fid, stats[path][0]) for path, fid in unchanged.items()]
        stat_rows = [{"path": item.path, "size_bytes": stats[item.path][0], "modified_ns": stats[item.path][1],
                      "file_id": item.file_id} for item in read if item.file_id and item.path in stats]
        classified = classify_files(parsed, history["seen_path_of"], history["known_pairs"])
        clock.lap("ingest")

        if classified.records:
            history |= article_history(lake)
        else:
            history |= {"canonical_by_hash": {}, "story_of": {}, "minhash": None, "story_vectors": StoryVectors(),
                        "term_df": {}}
        chunk_params = ChunkParams(cfg.reference_date, cfg.spacy_model, cfg.ner_batch_size)
        processing = [process_chunk.submit(chunk, chunk_params)
                      for chunk in _chunks(classified.records, _work_chunk(len(classified.records), cfg))]
        articles, problems, sketches = [], [], {}
        extracted = {"entities": [], "quotes": [], "amounts": [], "date_mentions": []}
        for result in _progress(processing, "process", logger):
            articles += result["articles"]
            problems += result["problems"]
            sketches |= result["sketches"]
            for name, table_rows in extracted.items():
                table_rows += result[name]
        stop_pool()
        quarantine = classified.quarantine + problems
        bad_files = {p["file_id"] for p in problems} - {a["file_id"] for a in articles}
        for file_row in classified.files:  # a file none of whose records survived cleaning
            if file_row["file_id"] in bad_files:
                file_row["status"] = "quarantined"
        entities = extracted["entities"]
        clock.lap("process")

        duplicates, minhash_rows = find_duplicates(quote(articles), quote(sketches), quote(history["canonical_by_hash"]),
                                                   quote(history["minhash"]), cfg.near_duplicate_threshold)
        clock.lap("dedup")

        params = StoryParams(threshold=cfg.story_threshold, merge_threshold=cfg.story_merge_threshold,
                             entity_weight=cfg.story_entity_weight, window_days=cfg.story_window_days)
        story_of, vector_rows, term_df, merges = story_task(
            *map(quote, (articles, duplicates, entities, history["story_of"], history["story_vectors"],
                         history["term_df"])), params)
        for article in articles:
            article["story_id"] = story_of[article["article_id"]]
        touched = set(story_of.values()) | {sid for pair in merges for sid in pair}
        known_stories = {s["story_id"]: s for s in lake.read("stories", filter_ids=("story_id", touched)).to_pylist()}
        stories = stories_after(articles, story_of, known_stories, merges)
        clock.lap("stories")

        rows = {"files": classified.files, "articles": articles, "duplicates": duplicates, "stories": stories,
                **extracted, "quarantine": quarantine}
        for table_rows in rows.values():
            for r in table_rows:
                r["run_id"] = run_id
        rows |= {"_minhash": minhash_rows, "_story_vectors": vector_rows, "_file_stats": stat_rows,
                 "_term_df": [{"term": t, "df": n} for t, n in sorted(term_df.items())
                              if n != history["term_df"].get(t)]}
        tables = {name: to_table(name, rows[name]) for name in STORED_TABLES}
        statuses = [f["status"] for f in classified.files]
        row.update(
            files_seen=len(parsed), files_skipped=classified.skipped, files_new=len(classified.files),
            files_ingested=statuses.count("ingested"), files_duplicate=statuses.count("duplicate"),
            files_quarantined=statuses.count("quarantined"), articles_new=len(articles),
            duplicates=len(duplicates), quarantined=len(quarantine),
            stories_new=sum(1 for s in stories if s["story_id"] not in known_stories),
            stories_merged=len(merges),
            entities_new=len(entities), quotes_new=len(rows["quotes"]), amounts_new=len(rows["amounts"]),
            date_mentions_new=len(rows["date_mentions"]),
            status="succeeded", finished_at=_now(),
        )
        ref = reference_sets(started.date(), run_id)
        report = validate_task(quote({**tables, "runs": to_table("runs", [row])}), quote(ref),  # state tables are not checked
                               str(warehouse / "data_docs"))
        clock.lap("validate")
        if not report.success:
            write_validation_report(warehouse, run_id, report)
            row.update(status="validation_failed", message=report.summary()[:10_000], finished_at=_now(),
                       table_versions=json.dumps(lake.committed_versions()))
            lake.append_ledger(row)
            build_catalog(lake)
            publish_summary(row, quarantine, report.summary())
            raise ValidationFailed(report.summary())
        versions = lake.commit(tables, MERGE_KEYS, story_merges=merges)
        versions |= lake.compact(cfg.compact_after_files)
        clock.lap("commit")
        row.update(finished_at=_now(), table_versions=json.dumps(versions), message=report.summary(),
                   stage_seconds=json.dumps(clock.seconds))
        lake.append_ledger(row)  # the commit point
        build_catalog(lake)
        publish_summary(row, quarantine, report.summary())
        logger.info("run %s succeeded: %s", run_id, json.dumps(_counts(row)))
        return row
    except ValidationFailed:
        raise
    except BaseException as error:
        try:
            lake.ensure_tables()
            lake.recover()
            row.update(status="failed", finished_at=_now(), message=f"{type(error).__name__}: {error}"[:10_000],
                       table_versions=json.dumps(lake.committed_versions()))
            row.update(dict.fromkeys(PUBLISHED_COUNTS, 0))  # nothing of a failed run was published
            lake.append_ledger(row)
            build_catalog(lake)
        except BaseException:  # noqa: BLE001 - interrupted again while cleaning up
            # keep the lock: the next run finds it stale, rolls back and records this run as failed
            logger.exception("could not record the failure of run %s; the next run will", run_id)
            lock.run_id = None
        raise
    finally:
        stop_pool()
        if lock.run_id is not None:
            lock.release()


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
    if dead_id in set(lake.ledger().column("run_id").to_pylist()):
        return
    try:
        dead_start = dt.datetime.fromisoformat(holder.get("started_at") or "")
    except ValueError:
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
