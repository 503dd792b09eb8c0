"""The stages of one run between its two IO edges: pure over the records the readers and
workers produced and what the snapshot looked up from history.

    outcome = run_stages(classified, processed, history, stored, params)

1. rows that break a row rule of their table are refused (`tasks/validate.refused_rows`); an
   article refused takes the rows that hang off it along; each refusal is a quarantine row;
2. dedup marks copies, against history and within the run;
3. stories places every new article (and moves the earlier ones a split takes along);
4. every table's new rows and the ledger's counts are assembled, every file given its fate.
Nothing here opens a file or reads a clock (the `lap` callback only times the stages).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pyarrow as pa

from tasks.dedup import band_table, find_duplicates, lsh_scheme
from tasks.ingest import Classified
from tasks.io.readers import ARCHIVE_FORMATS, MEMBER_SEPARATOR
from tasks.spec import ARTICLE_TABLES, SPECS, STORED_TABLES, Column, to_table
from tasks.stories import StoryParams, headline_evidence, moves_with_copies, stories_after, story_task
from tasks.validate import Refusal, TooManyRefused, breaker_trips, check_breaker, reference_sets, refused_rows


@dataclass(frozen=True)
class RunParams:
    run_id: str
    today: dt.date
    near_duplicate_threshold: float
    story: StoryParams
    max_rejected_fraction: float
    breaker_min_rows: int


@dataclass(frozen=True)
class StoredStories:
    """History the story stage looks up only for the stories it touches."""

    rows: Callable[[set[str]], dict[str, dict]]  # story ids -> their stored `stories` rows
    # story ids -> the stored articles of those stories, copies included: article_id, story_id,
    # duplicate_of, published_date, outlet, agency, title
    members: Callable[[set[str]], list[dict]]


@dataclass
class Outcome:
    rows: dict[str, list[dict]]                  # new rows of every stored table (the ledger aside)
    counts: dict[str, int]                       # the ledger row's counts
    merges: list[tuple[str, str]] = field(default_factory=list)  # (absorbed, survivor) story ids
    moves: dict[str, str] = field(default_factory=dict)          # stored article -> the story a split moved it to
    arrow: dict[str, pa.Table] = field(default_factory=dict)     # new rows built as Arrow (too many for dicts)
    replace: set[str] = field(default_factory=set)               # tables whose rows replace the stored ones

    def tables(self):
        return {name: self.arrow[name] if name in self.arrow else to_table(name, self.rows.get(name, []))
                for name in STORED_TABLES}


# problems that are exceptions in our own code rather than something the input lacks
CODE_FAILURES = ("processing_error", "worker_crashed")


def gather(processed: list[dict]) -> dict:
    """The per-chunk results of the workers as one set of rows."""
    out = {"articles": [], "problems": [], "sketches": {}, **{name: [] for name in ARTICLE_TABLES}}
    for result in processed:
        out["articles"] += result["articles"]
        out["problems"] += result["problems"]
        out["sketches"] |= result["sketches"]
        for name in ARTICLE_TABLES:
            out[name] += result[name]
    return out


def _keeps(column: Column, value, today: dt.date) -> bool:
    """Whether a value passes a column's row rules (those a repair can be asked to keep)."""
    if value is None:
        return False
    top = today if column.max_value == "today" else column.max_value
    if top is not None and value > top:
        return False
    if column.min_value is not None and value < column.min_value:
        return False
    return not (isinstance(column.values, tuple) and value not in column.values)


def repair(rows: dict[str, list[dict]], refusals: list[Refusal], today: dt.date) -> list[Refusal]:
    """Repairs that need no guess: a value that broke a row rule gives way to another field of
    the same record that keeps the rule (`Column.repair_from`: a metadata date in the future
    gives way to the dateline's date), and the row's `repairs` says what and why. Returns the
    refusals left."""
    left = []
    for refusal in refusals:
        spec = SPECS[refusal.table]
        column = next((c for c in spec.columns if c.name == refusal.column), None)
        row = rows[refusal.table][refusal.row]
        fix = next(((name, label) for name, label in (column.repair_from if column else ())
                    if _keeps(column, row.get(name), today)), None)
        if fix is None:
            left.append(refusal)
            continue
        name, label = fix
        note = (f"{column.name}: {row.get(f'{column.name}_source') or 'the'} value {row[column.name]} broke "
                f"{refusal.expectation}; the {name.replace('_', ' ')} {row[name]} used")
        row["repairs"] = "; ".join(filter(None, [row.get("repairs"), note]))
        row[column.name] = row[name]
        if f"{column.name}_source" in row:
            row[f"{column.name}_source"] = label
    return left


def refuse(rows: dict[str, list[dict]], refusals) -> tuple[dict[str, list[dict]], list[dict]]:
    """Rows without the refused ones (an article takes its dependent rows along), and one
    quarantine row per refused row."""
    details: dict[tuple[str, int], list[str]] = {}
    first: dict[tuple[str, int], Refusal] = {}
    for r in refusals:
        details.setdefault((r.table, r.row), []).append(r.detail)
        first.setdefault((r.table, r.row), r)
    refusals = list(first.values())
    refused = set(details)
    articles = rows["articles"]
    by_id = {a["article_id"]: a for a in articles}
    gone = {articles[r.row]["article_id"] for r in refusals if r.table == "articles"}
    dependents = Counter(row["article_id"] for name in ARTICLE_TABLES for row in rows[name]
                         if row["article_id"] in gone)
    quarantine = []
    for r in refusals:
        row = rows[r.table][r.row]
        if r.table != "articles" and row["article_id"] in gone:
            continue  # leaves with its article
        article = by_id[row["article_id"]]
        along = f" (its {dependents[article['article_id']]} dependent rows were not published either)" \
            if r.table == "articles" and dependents[article["article_id"]] else ""
        where = "" if r.table == "articles" else \
            f" [{', '.join(f'{k} = {row[k]}' for k in ('start_char', 'end_char') if k in row)}]"
        quarantine.append({"path": article["source_path"], "record_index": article["record_index"],
                           "locator": article.get("locator"), "file_id": article["file_id"], "stage": "validate",
                           "reason": "failed_expectation", "table_name": r.table,
                           "detail": f"{'; '.join(details[(r.table, r.row)])}{where}{along}"[:2000]})
    kept = {name: [row for i, row in enumerate(table_rows)
                   if (name, i) not in refused and row.get("article_id") not in gone]
            for name, table_rows in rows.items()}
    return kept, quarantine


def files_after(files: list[dict], articles: list[dict], quarantine: list[dict]) -> list[dict]:
    """Each file's fate once its records went through the stages: a file none of whose records
    was published is quarantined; an archive counts its members' articles, and one none of
    whose members gave an article is quarantined with a row that says so."""
    published = Counter(a["file_id"] for a in articles)
    by_path = {row["path"]: published[row["file_id"]] for row in files if row["status"] == "ingested"}
    out = []
    for row in files:
        if row["status"] == "ingested" and row["format"] in ARCHIVE_FORMATS:
            inside = sum(n for path, n in by_path.items() if path.startswith(row["path"] + MEMBER_SEPARATOR))
            row = {**row, "records": inside, "status": "ingested" if inside else "quarantined"}
            if not inside and not any(q["path"] == row["path"] for q in quarantine):
                quarantine.append({"path": row["path"], "record_index": None, "locator": None,
                                   "file_id": row["file_id"], "stage": "ingest", "reason": "no_article_text",
                                   "detail": "no member of the archive gave an article (its members' rows say why)"})
        elif row["status"] == "ingested":
            row = {**row, "records": published[row["file_id"]],
                   "status": "ingested" if published[row["file_id"]] else "quarantined"}
        out.append(row)
    return out


def run_stages(classified: Classified, processed: list[dict], history: dict, stored: StoredStories,
               params: RunParams, lap: Callable[[str], None] = lambda stage: None) -> Outcome:
    """Tables and exclusions of one run. `history` is the snapshot (`tasks/io/snapshot`);
    `stored` looks up the stories this run touches."""
    done = gather(processed)
    failed = [p for p in done["problems"] if p["reason"] in CODE_FAILURES]
    if breaker_trips(len(failed), len(classified.records), params.max_rejected_fraction, params.breaker_min_rows):
        raise TooManyRefused(
            f"{len(failed)} of {len(classified.records)} records failed in cleaning or extraction, over "
            f"max_rejected_fraction = {params.max_rejected_fraction}: far likelier a bug in wirehouse than bad input, "
            f"so nothing was published. First: {failed[0]['path']}: {failed[0]['detail']}")
    rows = {"articles": done["articles"], **{name: done[name] for name in ARTICLE_TABLES}}
    for table_rows in rows.values():
        for r in table_rows:
            r["run_id"] = params.run_id
    refusals = repair(rows, refused_rows({name: to_table(name, rows[name]) for name in rows},
                                         reference_sets(params.today, params.run_id)), params.today)
    check_breaker(refusals, {name: len(table_rows) for name, table_rows in rows.items()},
                  params.max_rejected_fraction, params.breaker_min_rows)
    rows, refused = refuse(rows, refusals)
    articles = rows["articles"]
    lap("validate rows")

    actors = headline_evidence(articles, rows["entities"], history["term_df"]) | history["headline_evidence"]
    duplicates, minhash_rows = find_duplicates.fn(articles, done["sketches"], history["canonical_by_hash"],
                                                  history["minhash"], params.near_duplicate_threshold, actors,
                                                  params.story.window_days)
    lap("dedup")

    match = story_task.fn(articles, duplicates, rows["entities"], history["story_of"], history["story_evidence"],
                          history["term_df"], params.story)
    for article in articles:
        article["story_id"] = match.story_of[article["article_id"]]
    stored_in = history["story_evidence"].story_of()
    members = stored.members({stored_in[a] for a in match.moved} | set(match.moved.values())) if match.moved else []
    moves = moves_with_copies(match.moved, members)
    touched = set(match.story_of.values()) | {sid for pair in match.merges for sid in pair} | {
        row["story_id"] for row in members}
    known = stored.rows(touched)
    stories = stories_after(articles, match.story_of, known, match.merges, members, moves)
    lap("stories")

    quarantine = classified.quarantine + done["problems"] + refused
    files = files_after(classified.files, articles, quarantine)
    out = {"files": files, "articles": articles, "duplicates": duplicates, "stories": stories,
           **{name: rows[name] for name in ARTICLE_TABLES}, "quarantine": quarantine}
    for table_rows in out.values():
        for r in table_rows:
            r["run_id"] = params.run_id
    out |= {"_minhash": minhash_rows, "_story_terms": match.evidence_rows,
            "_term_df": match.df.changed_rows(history["term_df"])}
    bands = band_table([row["article_id"] for row in minhash_rows],
                       np.array([row["signature"] for row in minhash_rows], dtype=np.uint64),
                       *lsh_scheme(params.near_duplicate_threshold))
    if history.get("lsh_rebuild") is not None:  # keys cut afresh for every stored canonical article
        bands = pa.concat_tables([history["lsh_rebuild"], bands])
    statuses = Counter(f["status"] for f in files)
    counts = {
        "files_skipped": classified.skipped, "files_new": len(files),
        "files_ingested": statuses["ingested"], "files_duplicate": statuses["duplicate"],
        "files_quarantined": statuses["quarantined"], "articles_new": len(articles), "duplicates": len(duplicates),
        "quarantined": len(quarantine),
        "stories_new": sum(1 for s in stories if s["story_id"] not in known), "stories_merged": len(match.merges),
        "articles_moved": len(moves),
        **{f"{name}_new": len(rows[name]) for name in ARTICLE_TABLES},
    }
    counts["files_seen"] = counts["files_skipped"] + counts["files_new"]
    return Outcome(out, counts, match.merges, moves, {"_lsh_bands": bands},
                   {"_lsh_bands"} if history.get("lsh_rebuild") is not None else set())
