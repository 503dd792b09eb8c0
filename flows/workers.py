"""Per-article work in worker processes.

Cleaning, language detection, sketches for near-duplicate matching, entities, quotes, amounts
and date mentions depend on one article at a time, so a chunk of records goes through all of
them in one worker process, which loads its models once. The flow's process keeps what needs
every article (dedup, stories, validation) and the single writer (commit).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.amounts import extract_amounts
from tasks.clean import clean_records
from tasks.date_mentions import extract_date_mentions
from tasks.dedup import sketch
from tasks.entities import extract_entities, load_nlp
from tasks.quotes import extract_quotes, load_parser

_pool: ProcessPoolExecutor | None = None


@dataclass(frozen=True)
class ChunkParams:
    reference_date: dt.date | None
    spacy_model: str
    ner_batch_size: int


def process_records(raws: list[dict], params: ChunkParams) -> dict:
    """Raw records -> the rows that depend on one article at a time."""
    articles, problems = clean_records(raws, params.reference_date)
    entities = extract_entities(articles, load_nlp(params.spacy_model), params.ner_batch_size)
    return {
        "articles": articles,
        "problems": problems,
        "sketches": {a["article_id"]: sketch(a["body"]) for a in articles},
        "entities": entities,
        "quotes": extract_quotes(articles, entities, load_parser(params.spacy_model)),
        "amounts": extract_amounts(articles),
        "date_mentions": extract_date_mentions(articles),
    }


def _warm(model: str) -> None:
    """Load what every chunk needs before the first chunk arrives."""
    from tasks.clean import _language_detector
    from tasks.places import _gazetteer

    load_nlp(model)
    load_parser(model)
    _language_detector()
    _gazetteer()


def start_pool(processes: int, model: str) -> None:
    """Worker processes for this flow run (none with `processes = 1`: chunks run in the task's
    own process, as on a Dask worker), started at once so that they load their models while
    the flow reads files and history. Spawned, not forked: the flow's process runs threads."""
    global _pool
    if processes > 1 and _pool is None:
        _pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_warm, initargs=(model,))
        for _ in range(processes):  # the pool spawns a worker per waiting call: start them all now
            _pool.submit(int)


def stop_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
        _pool = None


@task(name="process", cache_policy=NO_CACHE)
def process_chunk(raws: list[dict], params: ChunkParams) -> dict:
    if _pool is None:
        return process_records(raws, params)
    return _pool.submit(process_records, raws, params).result()
