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
    # size and modification time of each path when it was last read: a rerun reads only the
    # files whose stat changed (a rewrite that keeps both size and mtime to the nanosecond
    # goes unseen, as with make and rsync)
    "_file_stats": pa.schema([
        ("path", pa.string()),
        ("size_bytes", pa.int64()),
        ("modified_ns", pa.int64()),
        ("file_id", pa.string()),
    ]),
}
MERGE_KEYS = {"stories": "story_id", "_story_vectors": "story_id", "_term_df": "term", "_file_stats": "path"}

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


TABLE_DOCS = {
    "runs": "one row per pipeline run (the ledger; written last)",
    "files": "one row per distinct input file and path",
    "articles": "one row per parsed article, reprints included",
    "duplicates": "one row per article that is a copy of another",
    "stories": "one row per same-event cluster across outlets",
    "entities": "one row per entity mention",
    "quotes": "one row per quotation",
    "amounts": "one row per money amount",
    "date_mentions": "one row per date expression",
    "quarantine": "one row per rejected file or record",
}

# (meaning, example) of every published column; the README's data dictionary is generated from this
COLUMN_DOCS: dict[str, dict[str, tuple[str, str]]] = {
    "runs": {
        "run_id": ("run id: UTC start time and a random suffix", "20261123T160052-0c88d3b5"),
        "started_at": ("when the run started (UTC)", "2026-11-23 16:00:52+00"),
        "finished_at": ("when the run ended (UTC)", "2026-11-23 16:01:03+00"),
        "status": ("`succeeded`, `failed`, `validation_failed` (`running` is never published)", "succeeded"),
        "source": ("absolute source folder read", "/data/incoming"),
        "files_seen": ("files found this run = skipped + ingested + duplicate + quarantined", "9"),
        "files_new": ("files not seen at that path with those bytes before", "9"),
        "files_skipped": ("same bytes at the same path as an earlier run", "0"),
        "files_ingested": ("new files that gave at least one article", "7"),
        "files_duplicate": ("new paths whose bytes were seen before", "1"),
        "files_quarantined": ("new files that gave no article", "1"),
        "articles_new": ("rows added to `articles`", "8"),
        "duplicates": ("rows added to `duplicates`", "2"),
        "quarantined": ("rows added to `quarantine` (files and records)", "3"),
        "stories_new": ("stories opened", "5"),
        "stories_merged": ("stories absorbed by an older one", "0"),
        "entities_new": ("rows added to `entities`", "128"),
        "quotes_new": ("rows added to `quotes`", "10"),
        "amounts_new": ("rows added to `amounts`", "10"),
        "date_mentions_new": ("rows added to `date_mentions`", "25"),
        "table_versions": ("JSON: Delta version of every table after this run (what readers see)", '{"articles": 3, …}'),
        "stage_seconds": ("JSON: wall seconds per stage", '{"entities": 8.2, …}'),
        "message": ("validation summary, or the error of a failed run", "132 expectations passed on 10 tables"),
    },
    "files": {
        "file_id": ("sha256 of the file's bytes (of the link text for a symlink out of the root)", "1d60dcab…"),
        "path": ("path relative to the source folder", "mirror/010_rotterdam_strike.txt"),
        "size_bytes": ("size on disk", "1008"),
        "format": ("`txt`, `html`, `json`, `jsonl` (null when never parsed)", "txt"),
        "encoding": ("text encoding found", "utf-8"),
        "status": ("`ingested`, `duplicate`, `quarantined`", "duplicate"),
        "duplicate_of_path": ("for a byte copy: the path first seen with these bytes", "010_rotterdam_strike.txt"),
        "records": ("articles parsed from the file", "1"),
        "run_id": ("run that saw it first", "20261123T160052-0c88d3b5"),
    },
    "articles": {
        "article_id": ("stable id: hash of file_id and record position", "3ae1cd13d0ef2b0a1e27"),
        "file_id": ("the file it came from", "1d60dcab…"),
        "source_path": ("path relative to the source root", "000_45d3b7d4710ad751.txt"),
        "record_index": ("position in the file (JSONL line number; 0 for single-article files)", "0"),
        "title": ("headline: metadata, else a headline first line; null if none", "Rotterdam dockers walk out …"),
        "body": ("clean text: paragraphs separated by a blank line; dateline, byline, trailers removed", "China's top …"),
        "language": ("ISO 639-1 code (lingua)", "en"),
        "agency": ("wire agency from the dateline or sign-off", "AFP"),
        "dateline_city": ("dateline city", "Beijing"),
        "dateline_country": ("ISO 3166 alpha-2 of the dateline place", "CN"),
        "dateline_date": ("dateline date; null when it has no year and no anchor", "2023-09-18"),
        "published_date": ("metadata date, else the dateline date", "2023-09-18"),
        "published_date_source": ("`metadata` or `dateline`", "dateline"),
        "byline": ("author(s)", "Anna Visser"),
        "url": ("source URL from metadata", "https://…"),
        "outlet": ("site or outlet from metadata", "Coastal Ledger"),
        "trailer": ("wire trailers moved out of the body", "(Reporting by Anna Visser; Editing by Tom Holt)"),
        "word_count": ("words in the body", "320"),
        "body_hash": ("sha256 of the normalised body (exact-duplicate key)", "5b64ee42…"),
        "story_id": ("the story it belongs to (a copy: its original's)", "st-3ae1cd13d0ef2b0a"),
        "run_id": ("run that added it", "20261123T160052-0c88d3b5"),
    },
    "duplicates": {
        "article_id": ("the copy", "9f3f11b35e5e21b2beaa"),
        "duplicate_of": ("its canonical article (earliest published, then longest)", "22994f35553a6fcb6a0f"),
        "kind": ("`exact` (normalised body equal) or `near` (shingle Jaccard over the threshold)", "near"),
        "similarity": ("verified Jaccard of word 5-gram shingles; 1.0 for exact", "0.7347"),
        "run_id": ("run that found it", "20261123T160052-0c88d3b5"),
    },
    "stories": {
        "story_id": ("stable id, never reused or renumbered", "st-22994f35553a6fcb"),
        "title": ("title of its first article (or its lead words)", "Rotterdam dockers walk out …"),
        "first_date": ("earliest published date of its articles", "2024-03-04"),
        "last_date": ("latest published date", "2024-03-05"),
        "article_count": ("articles in the story, copies included (0 once merged)", "3"),
        "outlet_count": ("distinct outlets or agencies", "1"),
        "outlets": ("those outlets", "[Reuters]"),
        "merged_into": ("the older story that absorbed this one; null while live", "st-3ae1cd13d0ef2b0a"),
        "run_id": ("run that last changed it", "20261123T160052-0c88d3b5"),
    },
    "entities": {
        "article_id": ("article", "3ae1cd13d0ef2b0a1e27"),
        "start_char": ("offset of the first character in `articles.body`", "52"),
        "end_char": ("offset after the last character", "59"),
        "text": ("the mention as written", "Wang"),
        "label": ("OntoNotes label: PERSON, ORG, GPE, LOC, NORP, FAC, PRODUCT, EVENT, WORK_OF_ART, LAW, LANGUAGE", "PERSON"),
        "canonical_name": ("resolved name (surname to full name within the article)", "Wang Yi"),
        "country_code": ("ISO 3166 alpha-2 for places that are countries or known cities", "RU"),
        "run_id": ("run that added it", "20261123T160052-0c88d3b5"),
    },
    "quotes": {
        "article_id": ("article", "3ae1cd13d0ef2b0a1e27"),
        "start_char": ("offset of the quotation (inside the marks) in `articles.body`", "612"),
        "end_char": ("offset after it", "742"),
        "text": ("the quotation", "will go to Russia to hold the 18th round …"),
        "speaker": ("who said it: canonical entity name, the attributing phrase, or a resolved pronoun", "China's foreign ministry"),
        "cue": ("attribution verb (`credited` for a name after a dash behind the quote); null when inherited from the previous quotation", "said"),
        "speaker_start_char": ("offset of the attributing mention in the body", "530"),
        "speaker_end_char": ("offset after it", "554"),
        "run_id": ("run that added it", "20261123T160052-0c88d3b5"),
    },
    "amounts": {
        "article_id": ("article", "65ebe4bf6e082503e731"),
        "start_char": ("offset in `articles.body`", "2771"),
        "end_char": ("offset after it", "2784"),
        "text": ("as written", "$ 200 billion"),
        "value": ("number, scale applied", "2.0e11"),
        "currency": ("ISO 4217 (withdrawn FRF, DEM, ITL, NLG kept for archive copy)", "USD"),
        "run_id": ("run that added it", "20261123T160052-0c88d3b5"),
    },
    "date_mentions": {
        "article_id": ("article", "3ae1cd13d0ef2b0a1e27"),
        "start_char": ("offset in `articles.body`", "131"),
        "end_char": ("offset after it", "137"),
        "text": ("as written", "Monday"),
        "resolved_date": ("the date (first day of a week, month or year); null for a relative date without anchor", "2023-09-18"),
        "granularity": ("`day`, `week`, `month`, `year`", "day"),
        "run_id": ("run that added it", "20261123T160052-0c88d3b5"),
    },
    "quarantine": {
        "run_id": ("run that rejected it", "20261123T160052-0c88d3b5"),
        "path": ("path relative to the source root", "040_truncated.json"),
        "record_index": ("JSONL line number, or record position; null for a whole file", "3"),
        "file_id": ("sha256 of the file's bytes", "…"),
        "stage": ("`ingest` or `clean`", "ingest"),
        "reason": ("machine-readable reason (see Inputs and quarantine)", "invalid_json"),
        "detail": ("what was wrong, in words", "line 3: Unterminated string …"),
    },
}


def data_dictionary() -> str:
    """The README's data dictionary, as markdown."""
    from tasks.catalog import sql_type

    lines = []
    for name, schema in TABLES.items():
        lines += [f"### `{name}` — {TABLE_DOCS[name]}", "", "| column | type | meaning | example |", "|---|---|---|---|"]
        for field in schema:
            meaning, example = COLUMN_DOCS[name][field.name]
            lines.append(f"| `{field.name}` | {sql_type(field.type)} | {meaning} | {example} |")
        lines.append("")
    return "\n".join(lines)
