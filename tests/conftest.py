"""One Prefect temporary server for the whole session; helpers to run the real flow."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="wirehouse-prefect-")
os.environ.pop("PREFECT_API_URL", None)
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    from flows.workers import stop_pool

    with prefect_test_harness(server_startup_timeout=90):
        yield
    stop_pool()


def run_flow(source: Path, warehouse: Path, **settings) -> dict:
    """One flow run in this process. Its worker processes stay warm for the next, as under
    `wirehouse serve`: spawning them and loading their models is most of a small run's time."""
    from flows.pipeline import wirehouse_run

    settings = {"source": str(source), "warehouse": str(warehouse), "keep_workers_warm": True, **settings}
    return wirehouse_run(settings=settings)


def sql(warehouse: Path, query: str) -> list[tuple]:
    from tasks.io.catalog import query as run_query

    return run_query(warehouse, query)[1]


CONTENT_QUERIES = {
    "articles": "select article_id, file_id, source_path, title, body, dateline_city, dateline_date, story_id "
                "from articles order by article_id",
    "files": "select file_id, path, status, duplicate_of_path from files order by path",
    "duplicates": "select article_id, duplicate_of, kind, similarity from duplicates order by article_id",
    "entities": "select article_id, start_char, end_char, label, canonical_name from entities order by all",
    "quotes": "select article_id, start_char, speaker from quotes order by all",
    "amounts": "select article_id, start_char, value, currency from amounts order by all",
    "date_mentions": "select article_id, start_char, resolved_date from date_mentions order by all",
    "quarantine": "select path, record_index, reason from quarantine order by all",
    "stories": "select story_id, article_count from stories order by all",
}


def contents(warehouse: Path) -> dict:
    return {name: sql(warehouse, query) for name, query in CONTENT_QUERIES.items()}


@pytest.fixture(scope="session")
def seeds_reference(prefect_server, tmp_path_factory) -> dict:
    """seeds/ run once into a fresh warehouse, never written again: what a run that was
    crashed, killed, streamed, spread over runs or sent to other workers must end with."""
    warehouse = tmp_path_factory.mktemp("reference") / "warehouse"
    run_flow(SEEDS, warehouse)
    return {"warehouse": warehouse, "contents": contents(warehouse)}


@pytest.fixture(scope="session")
def seeds_warehouse(prefect_server, tmp_path_factory) -> dict:
    """seeds/ run twice into one warehouse: the first and the second ledger row."""
    warehouse = tmp_path_factory.mktemp("seeds") / "warehouse"
    first = run_flow(SEEDS, warehouse)
    second = run_flow(SEEDS, warehouse)
    return {"warehouse": warehouse, "first": first, "second": second}


def write(folder: Path, name: str, content: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


@pytest.fixture
def copy_seeds(tmp_path) -> Path:
    target = tmp_path / "source"
    shutil.copytree(SEEDS, target)
    return target
