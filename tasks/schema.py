"""The warehouse contract: one Arrow schema per published table.

Every stage produces rows for these schemas and the commit writes exactly these columns,
so the Delta tables, the DuckDB views and the README's data dictionary agree by
construction. Never rename a column here: the data team's queries depend on the names.
"""

from __future__ import annotations

import pyarrow as pa

_ts = pa.timestamp("us", tz="UTC")

TABLES: dict[str, pa.Schema] = {
    "runs": pa.schema(
        [
            ("run_id", pa.string()),
            ("started_at", _ts),
            ("finished_at", _ts),
            ("status", pa.string()),
            ("source", pa.string()),
            ("files_seen", pa.int64()),
            ("files_new", pa.int64()),
            ("files_skipped", pa.int64()),
            ("files_ingested", pa.int64()),
            ("files_duplicate", pa.int64()),
            ("files_quarantined", pa.int64()),
            ("articles_new", pa.int64()),
            ("duplicates", pa.int64()),
            ("quarantined", pa.int64()),
            ("stories_new", pa.int64()),
            ("stories_merged", pa.int64()),
            ("entities_new", pa.int64()),
            ("quotes_new", pa.int64()),
            ("amounts_new", pa.int64()),
            ("date_mentions_new", pa.int64()),
            ("table_versions", pa.string()),
            ("stage_seconds", pa.string()),
            ("message", pa.string()),
        ]
    ),
    "files": pa.schema(
        [
            ("file_id", pa.string()),
            ("path", pa.string()),
            ("size_bytes", pa.int64()),
            ("format", pa.string()),
            ("encoding", pa.string()),
            ("status", pa.string()),
            ("duplicate_of_path", pa.string()),
            ("records", pa.int64()),
            ("run_id", pa.string()),
        ]
    ),
    "articles": pa.schema(
        [
            ("article_id", pa.string()),
            ("file_id", pa.string()),
            ("source_path", pa.string()),
            ("record_index", pa.int64()),
            ("title", pa.string()),
            ("body", pa.string()),
            ("language", pa.string()),
            ("agency", pa.string()),
            ("dateline_city", pa.string()),
            ("dateline_country", pa.string()),
            ("dateline_date", pa.date32()),
            ("published_date", pa.date32()),
            ("published_date_source", pa.string()),
            ("byline", pa.string()),
            ("url", pa.string()),
            ("outlet", pa.string()),
            ("trailer", pa.string()),
            ("word_count", pa.int64()),
            ("body_hash", pa.string()),
            ("story_id", pa.string()),
            ("run_id", pa.string()),
        ]
    ),
    "duplicates": pa.schema(
        [
            ("article_id", pa.string()),
            ("duplicate_of", pa.string()),
            ("kind", pa.string()),
            ("similarity", pa.float64()),
            ("run_id", pa.string()),
        ]
    ),
    "stories": pa.schema(
        [
            ("story_id", pa.string()),
            ("title", pa.string()),
            ("first_date", pa.date32()),
            ("last_date", pa.date32()),
            ("article_count", pa.int64()),
            ("outlet_count", pa.int64()),
            ("outlets", pa.list_(pa.string())),
            ("merged_into", pa.string()),
            ("run_id", pa.string()),
        ]
    ),
    "entities": pa.schema(
        [
            ("article_id", pa.string()),
            ("start_char", pa.int64()),
            ("end_char", pa.int64()),
            ("text", pa.string()),
            ("label", pa.string()),
            ("canonical_name", pa.string()),
            ("country_code", pa.string()),
            ("run_id", pa.string()),
        ]
    ),
    "quotes": pa.schema(
        [
            ("article_id", pa.string()),
            ("start_char", pa.int64()),
            ("end_char", pa.int64()),
            ("text", pa.string()),
            ("speaker", pa.string()),
            ("cue", pa.string()),
            ("speaker_start_char", pa.int64()),
            ("speaker_end_char", pa.int64()),
            ("run_id", pa.string()),
        ]
    ),
    "amounts": pa.schema(
        [
            ("article_id", pa.string()),
            ("start_char", pa.int64()),
            ("end_char", pa.int64()),
            ("text", pa.string()),
            ("value", pa.float64()),
            ("currency", pa.string()),
            ("run_id", pa.string()),
        ]
    ),
    "date_mentions": pa.schema(
        [
            ("article_id", pa.string()),
            ("start_char", pa.int64()),
            ("end_char", pa.int64()),
            ("text", pa.string()),
            ("resolved_date", pa.date32()),
            ("granularity", pa.string()),
            ("run_id", pa.string()),
        ]
    ),
    "quarantine": pa.schema(
        [
            ("run_id", pa.string()),
            ("path", pa.string()),
            ("record_index", pa.int64()),
            ("file_id", pa.string()),
            ("stage", pa.string()),
            ("reason", pa.string()),
            ("detail", pa.string()),
        ]
    ),
}

# Internal state that lets a run compare new articles with all history without re-reading
# old bodies. Committed atomically with the published tables; no catalog views.
STATE_TABLES: dict[str, pa.Schema] = {
    "_minhash": pa.schema([
        ("article_id", pa.string()),
        ("signature", pa.list_(pa.uint64())),
        ("shingles", pa.list_(pa.int64())),
    ]),
    "_story_vectors": pa.schema([
        ("story_id", pa.string()),
        ("size", pa.int64()),
        ("text_index", pa.list_(pa.int32())),
        ("text_value", pa.list_(pa.float32())),
        ("entity_index", pa.list_(pa.int32())),
        ("entity_value", pa.list_(pa.float32())),
        ("years", pa.list_(pa.int32())),
        ("first_date", pa.date32()),
        ("last_date", pa.date32()),
    ]),
    "_term_df": pa.schema([
        ("term", pa.int32()),
        ("df", pa.int64()),
    ]),
}
MERGE_KEYS = {"stories": "story_id", "_story_vectors": "story_id", "_term_df": "term"}

# The ledger is committed last: its row is what makes a run's other commits visible.
LEDGER = "runs"
DATA_TABLES = [name for name in TABLES if name != LEDGER]
STORED_TABLES = DATA_TABLES + list(STATE_TABLES)

FILE_STATUSES = ("ingested", "duplicate", "quarantined")
RUN_STATUSES = ("running", "succeeded", "failed", "validation_failed")
DUPLICATE_KINDS = ("exact", "near")


def schema_of(name: str) -> pa.Schema:
    return TABLES.get(name) or STATE_TABLES[name]


def to_table(name: str, rows: list[dict]) -> pa.Table:
    """Rows (dicts) to an Arrow table with exactly the contract's columns and types."""
    schema = schema_of(name)
    columns = {field.name: [row.get(field.name) for row in rows] for field in schema}
    return pa.Table.from_pydict(columns, schema=schema)


def empty_table(name: str) -> pa.Table:
    return TABLES[name].empty_table()
