"""Per-article work in worker processes, contained record by record.

Cleaning, language detection, sketches for near-duplicate matching, entities, quotes, amounts
and date mentions depend on one article at a time, so a chunk of records goes through all of
them in one worker process, which loads its models once. The flow's process keeps what needs
every article (dedup, stories, validation) and the single writer (commit).

Containment: an exception on one record costs that record (`processing_error`, the rest of the
chunk goes on); a record that kills its worker (segfault, out-of-memory kill) costs that record
(`worker_crashed`): the chunk is split in halves until the record is alone, and a record alone
is tried once more in a fresh process of its own, so a record that merely shared a pool with a
crash is never blamed. Workers exit when the flow's process dies, however it dies.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Callable

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.amounts import extract_amounts
from tasks.clean import clean_records
from tasks.date_mentions import extract_date_mentions
from tasks.dedup import sketch
from tasks.entities import FRENCH_LABELS, extract_entities, load_nlp
from tasks.quotes import RULES_BY_LANGUAGE, extract_quotes, load_parser, rule_quotes

RESULT_KEYS = ("articles", "problems", "sketches", "entities", "quotes", "amounts", "date_mentions")


@dataclass(frozen=True)
class ChunkParams:
    reference_date: dt.date | None
    spacy_model: str
    ner_batch_size: int


FRENCH_MODEL = "fr_core_news_sm"


def _process(raws: list[dict], params: ChunkParams, stage: list[str]) -> dict:
    """Clean every record; extract from each article only what its language has models and
    rules for (`articles.extraction`): an English model on German text is noise, not data."""
    stage[0] = "clean"
    articles, problems = clean_records(raws, params.reference_date)
    stage[0] = "extract"
    english = [a for a in articles if a["extraction"] == "full"]
    entities = extract_entities(english, load_nlp(params.spacy_model), params.ner_batch_size)
    quotes = extract_quotes(english, entities, load_parser(params.spacy_model))
    french = [a for a in articles if a["language"] == "fr" and a["extraction"] == "entities_quotes"]
    if french:
        french_entities = extract_entities(french, load_nlp(FRENCH_MODEL), params.ner_batch_size, FRENCH_LABELS)
        entities += french_entities
        quotes += rule_quotes(french, french_entities, RULES_BY_LANGUAGE["fr"])
    return {
        "articles": articles,
        "problems": problems,
        "sketches": {a["article_id"]: sketch(a["body"]) for a in articles},
        "entities": entities,
        "quotes": quotes,
        "amounts": extract_amounts(english),
        "date_mentions": extract_date_mentions(english),
    }


def record_problem(raw: dict, stage: str, reason: str, detail: str) -> dict:
    return {"path": raw["source_path"], "record_index": raw["record_index"], "locator": raw.get("locator"),
            "file_id": raw["file_id"], "stage": stage, "reason": reason, "detail": detail[:2000]}


def only_problems(problems: list[dict]) -> dict:
    return {key: ({} if key == "sketches" else []) for key in RESULT_KEYS} | {"problems": problems}


def merged(results: list[dict]) -> dict:
    out = only_problems([])
    for result in results:
        for key in RESULT_KEYS:
            out[key] = out[key] | result[key] if key == "sketches" else out[key] + result[key]
    return out


def process_records(raws: list[dict], params: ChunkParams) -> dict:
    """Raw records -> the rows that depend on one article at a time. An exception is found
    out record by record: the record that raises becomes a problem, the others go on."""
    stage = ["clean"]
    try:
        return _process(raws, params, stage)
    except Exception as error:  # noqa: BLE001 - one record's failure must not cost its chunk
        if len(raws) == 1:
            return only_problems([record_problem(raws[0], stage[0], "processing_error",
                                                 f"{stage[0]}: {type(error).__name__}: {error}")])
    return merged([process_records([raw], params) for raw in raws])


# ---- the pool -----------------------------------------------------------------------------

def _exit_with_parent(parent: int) -> None:
    """A worker whose flow process is gone (even by SIGKILL) exits within half a second."""
    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _warm(model: str) -> None:
    """Load what every chunk needs before the first chunk arrives."""
    from tasks.clean import _language_detector
    from tasks.places import _gazetteer

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the flow's process decides what a Ctrl-C means
    load_nlp(model)
    load_parser(model)
    _language_detector()
    _gazetteer()


class ContainedPool:
    """Worker processes that run one function over chunks, and survive a worker's death: the
    pool is replaced, the chunk split, the record at fault found and reported."""

    def __init__(self, processes: int, warm: Callable | None = None, warm_args: tuple = ()):
        self.processes, self.warm, self.warm_args = processes, warm, warm_args
        self._lock = threading.Lock()
        self._generation = 0
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_initialise, initargs=(self.warm, self.warm_args, os.getpid()))
        for _ in range(self.processes):  # the pool spawns a worker per waiting call: start them all now
            pool.submit(int)
        return pool

    def _submit(self, function, items, params):
        with self._lock:
            pool, generation = self._pool, self._generation
        try:
            return pool.submit(function, items, params).result()
        except BrokenProcessPool:
            with self._lock:
                if self._generation == generation:  # the first to see this break replaces the pool
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool, self._generation = self._start(), generation + 1
            raise

    def run(self, function, items: list, params, crashed: Callable[[object, str], dict]) -> dict:
        """function(items, params) in a worker; on a worker's death, halves until the item at
        fault is alone and confirmed by a process of its own; `crashed(item, why)` -> its result."""
        try:
            return self._submit(function, items, params)
        except BrokenProcessPool:
            pass
        if len(items) == 1:
            return _alone(function, items, params, crashed, self.warm, self.warm_args)
        half = len(items) // 2
        return merged([self.run(function, items[:half], params, crashed),
                       self.run(function, items[half:], params, crashed)])

    def shutdown(self) -> None:
        with self._lock:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _initialise(warm, warm_args, parent: int) -> None:
    """Worker start: watch the parent, then warm up."""
    _exit_with_parent(parent)
    if warm is not None:
        warm(*warm_args)


def _run_and_send(connection, function, items, params, warm, warm_args, parent) -> None:
    _initialise(warm, warm_args, parent)
    connection.send(function(items, params))
    connection.close()


def _alone(function, items: list, params, crashed, warm, warm_args) -> dict:
    """One item in a fresh process of its own: its result, or `crashed` if that process dies too."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run_and_send, args=(sender, function, items, params, warm, warm_args,
                                                          os.getpid()), daemon=True)
    process.start()
    sender.close()
    try:
        result = receiver.recv()
    except EOFError:
        result = None
    process.join()
    if result is not None:
        return result
    code = process.exitcode
    why = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
    return crashed(items[0], f"the worker process died on this record alone ({why})")


_pool: ContainedPool | None = None


def start_pool(processes: int, model: str) -> None:
    """Worker processes for this flow run, started at once so that they load their models
    while the flow reads files and history. Spawned, not forked: the flow's process runs threads."""
    global _pool
    if _pool is not None and (_pool.processes, _pool.warm_args) != (processes, (model,)):
        stop_pool()  # a warm pool another run started with other settings
    if _pool is None:
        _pool = ContainedPool(processes, _warm, (model,))


def stop_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown()
        _pool = None


def _crashed_record(raw: dict, why: str) -> dict:
    return only_problems([record_problem(raw, "process", "worker_crashed", why)])


def _local_pool() -> ContainedPool | None:
    """This process's pool. Read through a function: Dask pickles the task below by value, with
    the globals it names, and a warm pool of the flow's process cannot travel to a Dask worker."""
    return _pool


@task(name="process", cache_policy=NO_CACHE)
def process_chunk(raws: list[dict], params: ChunkParams) -> dict:
    pool = _local_pool()
    if pool is None:  # on a Dask worker: the chunk runs in the task's own process
        return process_records(raws, params)
    return pool.run(process_records, raws, params, _crashed_record)
