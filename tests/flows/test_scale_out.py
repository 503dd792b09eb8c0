"""The same flow on a Dask LocalCluster (prefect-dask) gives the same tables."""

from __future__ import annotations

from flows.pipeline import flow_for
from flows.settings import load_settings
from tests.conftest import SEEDS, sql


def test_dask_task_runner_gives_the_same_tables(seeds_reference, tmp_path):
    threads, dask = seeds_reference["warehouse"], tmp_path / "dask"
    cfg = load_settings(source=str(SEEDS), warehouse=str(dask), task_runner="dask", chunk_size=3)
    row = flow_for(cfg)(settings=cfg.model_dump(mode="json"))
    assert (row["status"], row["articles_new"], row["files_seen"]) == ("succeeded", 8, 9)
    for query in ("select article_id, story_id, dateline_city from articles order by 1",
                  "select article_id, start_char, canonical_name from entities order by all",
                  "select article_id, duplicate_of, kind from duplicates order by 1"):
        assert sql(dask, query) == sql(threads, query)
