"""The warehouse contract, declared once per table.

Each `TableSpec` names its columns (Arrow type, meaning, example), its key, its accepted values
and its row rules. From it come the Arrow schema every stage writes, the DuckDB view types, the
README's data dictionary and the column expectations of the table's Great Expectations suite
(`expectations/`). Enumerations live here and nowhere else. This module imports no other module
of the project. Never rename a published column: the data team's queries depend on the names.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

_TS = pa.timestamp("us", tz="UTC")
RUN_ID_EXAMPLE = "20261123T160052-0c88d3b5"

# ---- enumerations -------------------------------------------------------------------------
FILE_STATUSES = ("ingested", "duplicate", "quarantined")
RUN_STATUSES = ("running", "succeeded", "failed", "validation_failed")
DUPLICATE_KINDS = ("exact", "near")
FILE_FORMATS = ("txt", "markdown", "html", "json", "jsonl", "csv", "tsv", "parquet", "warc", "arc", "feed", "newsml",
                "zip", "tar")
PUBLISHED_DATE_SOURCES = ("metadata", "dateline", "crawl")
# what was extracted from an article, by what its language has: models and rules made for it, or nothing
EXTRACTION_LEVELS = {
    "full": "entities, quotes with speakers, amounts and date mentions (English)",
    "entities_quotes": "entities from the language's own spaCy model and quotes with speakers from its own rules; "
                       "no amounts or date mentions (French)",
    "language_unsupported": "no entities, quotes, amounts or date mentions: no model or rules made for its language",
    "language_unknown": "no extraction: its language could not be told",
}
GRANULARITIES = ("day", "week", "month", "year")
ENTITY_LABELS = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE")
QUARANTINE_STAGES = ("ingest", "clean", "process", "extract", "validate")
# reason -> when it is given (the README's quarantine table is generated from this)
QUARANTINE_REASONS = {
    "unknown_format": "an extension that is none of the readable formats",
    "empty": "no bytes, or only whitespace",
    "binary": "NUL bytes (in CSV or JSON Lines, a few of them cost only the row or line that holds them), "
              "or a large share of control or unassigned characters",
    "undecodable": "neither UTF-8, UTF-16 nor any legacy encoding charset-normalizer knows reads it",
    "truncated_archive": "a `.gz` or tar that ends before its end marker",
    "corrupt_archive": "a `.gz`, zip or tar that cannot be opened",
    "invalid_json": "a `.json` file or a `.jsonl` line that does not parse",
    "no_article_text": "JSON without a text field, HTML without main text (or under 5 words of it: a menu, a "
                       "notice; or a meta-refresh redirect stub), a WARC without a response or resource record, or "
                       "under 3 different words left after cleaning (`Hello, world!`, `Read more`, `blah blah blah`), "
                       "whatever the format",
    "too_large": "over `max_file_bytes` (`max_container_bytes` for archives, WARC, ARC, Parquet, CSV, JSON Lines), also "
                 "after decompression, or an archive over `max_archive_members`; hashed in blocks, never loaded; "
                 "a record (a JSON object, a row) whose text is over `max_file_bytes`",
    "archive_too_deep": "an archive inside an archive inside an archive: not opened",
    "feed_link_only": "an RSS/Atom item with a link and no content, or only a teaser (a description under 40 "
                      "words), or a (news) sitemap's link: recorded, not fetched",
    "symlink_outside_root": "a symlink leading out of the source folder (never followed)",
    "symlink_loop": "a symlink that leads back into itself (never followed)",
    "not_a_regular_file": "a FIFO, socket or device, or a symlink to a folder: never opened (real folders are searched)",
    "unreadable": "the operating system refused to read it",
    "changed_while_reading": "its size or modification time changed while it was read; the next run reads it again",
    "parse_error": "any other failure while parsing it (the exception's class and message are in `detail`)",
    "processing_error": "cleaning or extraction raised on this record (exception in `detail`); the rest of its chunk went on",
    "worker_crashed": "a worker process died (segfault, out-of-memory kill) on this record alone",
    "failed_expectation": "a row broke a row-level expectation of its table (`table_name`; expectation and value in `detail`)",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    example: str = ""
    required: bool = False                       # row rule: not null
    values: tuple[str, ...] | str | None = None  # row rule: accepted values, or the name of a reference set
    min_value: float | None = None               # row rule: at least this
    max_value: float | str | None = None         # row rule: at most this ("today": not in the future)
    regex: str | None = None                     # row rule: matches
    # a value that breaks a row rule is replaced by the first of these columns whose value keeps
    # it (no guess: another field of the same record), its `<name>_source` set to the label,
    # and the row's `repairs` says so: ((column, label), ...)
    repair_from: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TableSpec:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()          # unique and not null: a table invariant
    merge_key: str | None = None       # rows upsert on this column instead of appending
    published: bool = True             # a contract table with a catalog view; else internal state
    row_rejectable: bool = False       # a row that breaks a row rule is quarantined, not the run failed

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([(c.name, c.type) for c in self.columns])

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _run_id(doc: str = "run that added it") -> Column:
    return Column("run_id", pa.string(), doc, RUN_ID_EXAMPLE, required=True)


def _article_id(doc: str = "article", example: str = "3ae1cd13d0ef2b0a1e27") -> Column:
    return Column("article_id", pa.string(), doc, example, required=True)


def _span(start_doc: str = "offset in `articles.body`", start_example: str = "131",
          end_example: str = "137") -> tuple[Column, Column]:
    return (Column("start_char", pa.int64(), start_doc, start_example, required=True, min_value=0),
            Column("end_char", pa.int64(), "offset after it", end_example, required=True))


def _enum(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


_COUNTS = (
    ("files_seen", "files found this run = skipped + ingested + duplicate + quarantined", "9"),
    ("files_new", "files not seen at that path with those bytes before", "9"),
    ("files_skipped", "same bytes at the same path as an earlier run", "0"),
    ("files_ingested", "new files that gave at least one article", "7"),
    ("files_duplicate", "new paths whose bytes were seen before", "1"),
    ("files_quarantined", "new files that gave no article", "1"),
    ("articles_new", "rows added to `articles`", "8"),
    ("duplicates", "rows added to `duplicates`", "2"),
    ("quarantined", "rows added to `quarantine` (files, records and rejected rows)", "3"),
)
_EXTRACTED = (
    ("stories_new", "stories opened", "5"),
    ("stories_merged", "stories absorbed by an older one", "0"),
    ("articles_moved", "stored articles (copies included) that a split moved to another story", "0"),
    ("entities_new", "rows added to `entities`", "128"),
    ("quotes_new", "rows added to `quotes`", "10"),
    ("amounts_new", "rows added to `amounts`", "10"),
    ("date_mentions_new", "rows added to `date_mentions`", "25"),
)
# the ledger's counts: those every run row must fill, and those of extraction
PUBLISHED_COUNTS = tuple(name for name, _, _ in _COUNTS)
EXTRACTED_COUNTS = tuple(name for name, _, _ in _EXTRACTED)

SPECS: dict[str, TableSpec] = {spec.name: spec for spec in (
    TableSpec("runs", "one row per pipeline run (the ledger; written last)", (
        Column("run_id", pa.string(), "run id: UTC start time and a random suffix", RUN_ID_EXAMPLE, required=True),
        Column("started_at", _TS, "when the run started (UTC)", "2026-11-23 16:00:52+00", required=True),
        Column("finished_at", _TS, "when the run ended (UTC)", "2026-11-23 16:01:03+00", required=True),
        Column("status", pa.string(), f"{_enum(RUN_STATUSES[1:])} (`running` is never published)", "succeeded",
               required=True, values=RUN_STATUSES),
        Column("source", pa.string(), "absolute source folder read", "/data/incoming"),
        *(Column(name, pa.int64(), doc, example, required=True, min_value=0) for name, doc, example in _COUNTS),
        *(Column(name, pa.int64(), doc, example) for name, doc, example in _EXTRACTED),
        Column("table_versions", pa.string(), "JSON: Delta version of every table after this run (what readers see)",
               '{"articles": 3, …}'),
        Column("stage_seconds", pa.string(), "JSON: wall seconds per stage", '{"process": 8.2, …}'),
        Column("message", pa.string(), "validation summary, or the error of a failed run",
               "132 expectations passed on 10 tables"),
        Column("ledger_version", pa.int64(), "Delta version of `runs` that this row was committed in: the newest "
               "row by this order names the committed state (never by clock)", "7"),
    ), key=("run_id",)),
    TableSpec("files", "one row per distinct input file and path", (
        Column("file_id", pa.string(), "sha256 of the file's bytes (of the link text for a symlink out of the root)",
               "1d60dcab…", required=True, regex=r"^[0-9a-f]{64}$"),
        Column("path", pa.string(), "path relative to the source folder; an archive's member is "
               "`archive!/member`", "mirror/010_rotterdam_strike.txt", required=True),
        Column("size_bytes", pa.int64(), "size on disk", "1008", required=True, min_value=0),
        Column("format", pa.string(), f"{_enum(FILE_FORMATS)} (null when never parsed)", "txt", values=FILE_FORMATS),
        Column("encoding", pa.string(), "text encoding found", "utf-8"),
        Column("status", pa.string(), _enum(FILE_STATUSES), "duplicate", required=True, values=FILE_STATUSES),
        Column("duplicate_of_path", pa.string(), "for a byte copy: the path first seen with these bytes",
               "010_rotterdam_strike.txt"),
        Column("records", pa.int64(), "articles published from the file", "1"),
        _run_id("run that saw it first"),
    ), key=("file_id", "path")),
    TableSpec("articles", "one row per parsed article, reprints included", (
        _article_id("stable id: hash of file_id and record position"),
        Column("file_id", pa.string(), "the file it came from", "1d60dcab…", required=True),
        Column("source_path", pa.string(), "path relative to the source root", "000_45d3b7d4710ad751.txt",
               required=True),
        Column("record_index", pa.int64(), "position of the record in its file, from 0 (every record counts, "
               "those quarantined too): unique within the file", "0", required=True, min_value=0),
        Column("locator", pa.string(), "where the record is in its file, in words (null for a one-article file)",
               "line 4"),
        Column("title", pa.string(), "headline: metadata (without the site's name a page title adds: "
                                     "`… - LA Weekly`), else a headline first line (a text file that is one headline, "
                                     "a wire flash, is its own title and body); null if none",
               "Rotterdam dockers walk out …"),
        Column("body", pa.string(), "clean text: paragraphs separated by a blank line; dateline, byline, "
               "trailers removed", "China's top …", required=True),
        Column("language", pa.string(), "ISO 639-1 code (lingua, any of its 75 languages; the record's own "
               "`language` field decides when lingua is unsure); null when it cannot be told", "en",
               values="languages"),
        Column("extraction", pa.string(), "what was extracted, by the article's language: "
               + "; ".join(f"`{k}`: {v}" for k, v in EXTRACTION_LEVELS.items()), "full", required=True,
               values=tuple(EXTRACTION_LEVELS)),
        Column("agency", pa.string(), "wire agency from the dateline or sign-off", "AFP"),
        Column("dateline_city", pa.string(), "dateline city", "Beijing"),
        Column("dateline_country", pa.string(), "ISO 3166 alpha-2 of the dateline place", "CN", values="countries"),
        Column("dateline_date", pa.date32(), "dateline date; null when it has no year and no anchor", "2023-09-18",
               max_value="today"),
        Column("published_date", pa.date32(), "metadata date, else the dateline date, else the crawl date of a "
               "WARC record; a metadata date in the future gives way to the dateline's (see `repairs`)", "2023-09-18",
               max_value="today", repair_from=(("dateline_date", "dateline"),)),
        Column("published_date_source", pa.string(), _enum(PUBLISHED_DATE_SOURCES), "dateline",
               values=PUBLISHED_DATE_SOURCES),
        Column("byline", pa.string(), "author(s)", "Anna Visser"),
        Column("url", pa.string(), "source URL from metadata", "https://…"),
        Column("outlet", pa.string(), "site or outlet from metadata", "Coastal Ledger"),
        Column("trailer", pa.string(), "wire trailers moved out of the body (credits, copyright, follow-us lines, "
                                       "Reuters' `Reuter`, AFP's desk initials `bur-jm/dc`, a page's comment "
                                       "counter and `You may also like` links) and picture captions, which end in "
                                       "their credit (`(AP Photo/…)`) or open `FILE -`, first",
               "(Reporting by Anna Visser; Editing by Tom Holt)"),
        Column("word_count", pa.int64(), "words in the body (in scripts written without spaces, such as Chinese, "
               "Japanese and Thai, each character counts as one)", "320", required=True, min_value=1),
        Column("body_hash", pa.string(), "sha256 of the normalised body (exact-duplicate key)", "5b64ee42…",
               required=True),
        Column("repairs", pa.string(), "fields repaired at validation from another field of the same record, and "
               "why; null when none was", "published_date: metadata date 2031-05-01 is in the future; the "
               "dateline's 2024-04-04 used"),
        Column("story_id", pa.string(), "the story it belongs to (a copy: its original's); re-pointed when its "
               "story merges into another or a split moves it", "st-3ae1cd13d0ef2b0a"),
        _run_id(),
    ), key=("article_id",), row_rejectable=True),
    TableSpec("duplicates", "one row per article that is a copy of another", (
        _article_id("the copy", "9f3f11b35e5e21b2beaa"),
        Column("duplicate_of", pa.string(), "its canonical article (earliest published, then longest)",
               "22994f35553a6fcb6a0f", required=True),
        Column("kind", pa.string(), f"{_enum(DUPLICATE_KINDS)}: normalised body equal, or shingle Jaccard over "
               "the threshold", "near", required=True, values=DUPLICATE_KINDS),
        Column("similarity", pa.float64(), "verified Jaccard of word 5-gram shingles; 1.0 for exact", "0.7347",
               required=True, min_value=0, max_value=1),
        _run_id("run that found it"),
    ), key=("article_id",)),
    TableSpec("stories", "one row per same-event cluster across outlets", (
        Column("story_id", pa.string(), "stable id, never reused or renumbered", "st-22994f35553a6fcb",
               required=True),
        Column("title", pa.string(), "title of its first article (or its lead words)", "Rotterdam dockers walk out …"),
        Column("first_date", pa.date32(), "earliest published date of its articles", "2024-03-04"),
        Column("last_date", pa.date32(), "latest published date", "2024-03-05", max_value="today"),
        Column("article_count", pa.int64(), "articles in the story, copies included (0 once merged)", "3",
               required=True, min_value=0),
        Column("outlet_count", pa.int64(), "distinct outlets or agencies", "1", required=True, min_value=0),
        Column("outlets", pa.list_(pa.string()), "those outlets", "[Reuters]"),
        Column("merged_into", pa.string(), "the older story that absorbed this one; null while live",
               "st-3ae1cd13d0ef2b0a"),
        Column("run_id", pa.string(), "run that last changed it", RUN_ID_EXAMPLE, required=True),
    ), key=("story_id",), merge_key="story_id"),
    TableSpec("entities", "one row per entity mention", (
        _article_id(),
        *_span("offset of the first character in `articles.body`", "52", "59"),
        Column("text", pa.string(), "the mention as written", "Wang", required=True),
        Column("label", pa.string(), f"OntoNotes label: {', '.join(ENTITY_LABELS)}", "PERSON", required=True,
               values=ENTITY_LABELS),
        Column("canonical_name", pa.string(), "resolved name (surname to full name within the article; a country "
                                                 "under one name: `U.S.`, `USA` and `America` are `United States`)",
               "Wang Yi", required=True),
        Column("country_code", pa.string(), "ISO 3166 alpha-2 for places that are countries or known cities", "RU",
               values="countries"),
        _run_id(),
    ), key=("article_id", "start_char", "end_char"), row_rejectable=True),
    TableSpec("quotes", "one row per quotation", (
        _article_id(),
        *_span("offset of the quotation (inside the marks) in `articles.body`", "612", "742"),
        Column("text", pa.string(), "the quotation", "will go to Russia to hold the 18th round …", required=True),
        Column("speaker", pa.string(), "who said it: canonical entity name, the attributing phrase, or a resolved "
               "pronoun; null for the writer's own `I`/`we` or a pronoun nothing before it resolves (an `it` "
               "that names no organisation, place or group is never taken for a person)",
               "China's foreign ministry"),
        Column("cue", pa.string(), "attribution verb (`credited` for a name after a dash behind the quote or alone "
               "before a colon); null when the speaker is carried over from the quotation or the sentence before",
               "said"),
        Column("speaker_start_char", pa.int64(), "offset of the attributing mention in the body", "530"),
        Column("speaker_end_char", pa.int64(), "offset after it", "554"),
        _run_id(),
    ), key=("article_id", "start_char"), row_rejectable=True),
    TableSpec("amounts", "one row per money amount", (
        _article_id(example="65ebe4bf6e082503e731"),
        *_span(start_example="2771", end_example="2784"),
        Column("text", pa.string(), "as written", "$ 200 billion", required=True),
        Column("value", pa.float64(), "number, scale applied", "2.0e11", required=True, min_value=0),
        Column("currency", pa.string(), "ISO 4217 (withdrawn FRF, DEM, ITL, NLG kept for archive copy)", "USD",
               required=True, values="currencies"),
        _run_id(),
    ), key=("article_id", "start_char"), row_rejectable=True),
    TableSpec("date_mentions", "one row per date expression", (
        _article_id(),
        *_span(),
        Column("text", pa.string(), "as written", "Monday", required=True),
        Column("resolved_date", pa.date32(), "the date (first day of a week, month or year); null for a relative "
               "date without anchor", "2023-09-18"),
        Column("granularity", pa.string(), _enum(GRANULARITIES), "day", required=True, values=GRANULARITIES),
        _run_id(),
    ), key=("article_id", "start_char"), row_rejectable=True),
    TableSpec("quarantine", "one row per rejected file, record or row", (
        Column("run_id", pa.string(), "run that rejected it", RUN_ID_EXAMPLE, required=True),
        Column("path", pa.string(), "path relative to the source root", "040_truncated.json", required=True),
        Column("record_index", pa.int64(), "the record's position in its file; null for a whole file", "3"),
        Column("locator", pa.string(), "where the record is in its file, in words", "line 4"),
        Column("file_id", pa.string(), "sha256 of the file's bytes", "…"),
        Column("stage", pa.string(), _enum(QUARANTINE_STAGES), "ingest", required=True, values=QUARANTINE_STAGES),
        Column("reason", pa.string(), "machine-readable reason (see Inputs and quarantine)", "invalid_json",
               required=True, values=tuple(QUARANTINE_REASONS)),
        Column("table_name", pa.string(), "for a row refused at validation: the table it was meant for", "articles"),
        Column("detail", pa.string(), "what was wrong, in words", "line 3: Unterminated string …", required=True),
    )),
    # Internal state that lets a run compare new articles with all history without re-reading
    # old bodies. Committed atomically with the published tables; no catalog views.
    TableSpec("_minhash", "MinHash signature and shingles of each canonical article", (
        Column("article_id", pa.string(), "canonical article"),
        Column("signature", pa.list_(pa.uint64()), "MinHash signature"),
        Column("shingles", pa.list_(pa.int64()), "CRC-32 of its word 5-grams"),
    ), published=False),
    # each canonical article's LSH band keys, one row each: new articles' keys are looked up
    # here, and only the articles that share one have their shingles fetched from `_minhash`
    TableSpec("_lsh_bands", "LSH band keys of each canonical article", (
        Column("key", pa.int64(), "hash of one band of the MinHash signature (band number mixed in)"),
        Column("article_id", pa.string(), "canonical article"),
        Column("scheme", pa.string(), "bands x rows the keys were cut with (set by near_duplicate_threshold)"),
    ), published=False),
    # raw term counts of each canonical article, so that the stories a run can join are
    # rebuilt under today's document frequencies (frozen weights made stories drift)
    TableSpec("_story_terms", "story evidence of each canonical article", (
        Column("article_id", pa.string(), "canonical article"),
        Column("story_id", pa.string(), "its story (re-pointed when stories merge or a split moves it)"),
        Column("day", pa.date32(), "its published date"),
        Column("years", pa.list_(pa.int32()), "years it names (its published year when dated)"),
        Column("day_of_year", pa.int16(), "its published date's day of a leap year (1-366), else its dateline's, "
               "which a dateline without a year gives too"),
        Column("text_index", pa.list_(pa.int32()), "hashed body terms"),
        Column("text_count", pa.list_(pa.float32()), "their counts"),
        Column("name_index", pa.list_(pa.int32()), "hashed names"),
        Column("headline_index", pa.list_(pa.int32()), "its headline's leading actor, hashed as a body term"),
        Column("headline_named_index", pa.list_(pa.int32()),
               "every actor its headline names that its body tells of outside the headline, hashed alike"),
        Column("figure_index", pa.list_(pa.int32()), "hashed figures of two digits or more its body gives, years aside"),
    ), published=False),
    TableSpec("_term_df", "document frequency of each hashed term", (
        Column("term", pa.int32(), "hashed term"),
        Column("df", pa.int64(), "articles holding it"),
    ), published=False, merge_key="term"),
    # size and modification time of each path when it was last read: a rerun reads only the
    # files whose stat changed (a rewrite that keeps both size and mtime to the nanosecond
    # goes unseen, as with make and rsync)
    TableSpec("_file_stats", "size and mtime of each path when last read", (
        Column("path", pa.string(), "path relative to the source root"),
        Column("size_bytes", pa.int64(), "size"),
        Column("modified_ns", pa.int64(), "modification time, ns"),
        Column("file_id", pa.string(), "sha256 of its bytes then"),
    ), published=False, merge_key="path"),
)}

# The ledger is committed last: its row is what makes a run's other commits visible.
LEDGER = "runs"
TABLES = {name: spec.schema for name, spec in SPECS.items() if spec.published}
STATE_TABLES = {name: spec.schema for name, spec in SPECS.items() if not spec.published}
DATA_TABLES = [name for name in TABLES if name != LEDGER]
STORED_TABLES = DATA_TABLES + list(STATE_TABLES)
MERGE_KEYS = {name: spec.merge_key for name, spec in SPECS.items() if spec.merge_key}
# tables whose rows hang off one article: an article refused takes these rows with it
ARTICLE_TABLES = [name for name, spec in SPECS.items() if spec.row_rejectable and name != "articles"]


def schema_of(name: str) -> pa.Schema:
    return SPECS[name].schema


def to_table(name: str, rows: list[dict]) -> pa.Table:
    """Rows (dicts) to an Arrow table with exactly the contract's columns and types."""
    schema = schema_of(name)
    return pa.Table.from_pydict({f.name: [row.get(f.name) for row in rows] for f in schema}, schema=schema)


def empty_table(name: str) -> pa.Table:
    return schema_of(name).empty_table()


def sql_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "VARCHAR"
    if pa.types.is_int64(arrow_type):
        return "BIGINT"
    if pa.types.is_float64(arrow_type):
        return "DOUBLE"
    if pa.types.is_date32(arrow_type):
        return "DATE"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    if pa.types.is_list(arrow_type):
        return f"{sql_type(arrow_type.value_type)}[]"
    raise TypeError(f"no DuckDB type for {arrow_type}")


def data_dictionary() -> str:
    """The README's data dictionary, as markdown."""
    lines = []
    for spec in SPECS.values():
        if not spec.published:
            continue
        lines += [f"### `{spec.name}` — {spec.doc}", "", "| column | type | meaning | example |", "|---|---|---|---|"]
        lines += [f"| `{c.name}` | {sql_type(c.type)} | {c.doc} | {c.example} |" for c in spec.columns]
        lines.append("")
    return "\n".join(lines)


def quarantine_reasons_table() -> str:
    """The README's table of quarantine reasons, as markdown."""
    return "\n".join(["| reason | when |", "|---|---|", *(f"| `{reason}` | {when} |"
                                                       for reason, when in QUARANTINE_REASONS.items())]) + "\n"
