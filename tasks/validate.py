"""Validate: every table against its Great Expectations suite, in two passes.

1. `refused_rows` (before dedup and stories): the row rules of the tables whose rows stand
   alone (articles and the rows hanging off them). A row that breaks one is refused, not the
   run: the caller quarantines it with the rows that depend on it.
2. `validate_tables` (before the commit): the contract of every table that has rows. Any
   failure here, a table invariant above all, is our bug: nothing is published.

The check columns some suites need (body length, span text, reconciliation sums) are derived
here on a copy of the table; the published tables never carry them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.spec import SPECS

MAX_ROWS_REPORTED = 20
ROW = "_row"  # position of each row in its table: how a failing row is found again


@dataclass
class Failure:
    table: str
    expectation: str
    column: str | None
    unexpected_count: int
    rows: list[dict]

    def describe(self) -> str:
        keys = ", ".join(str({k: v for k, v in row.items() if k != ROW}) for row in self.rows[:5])
        return f"{self.table}: {self.expectation}({self.column or ''}) failed on {self.unexpected_count} row(s): {keys}"


@dataclass
class ValidationReport:
    success: bool
    checked: dict[str, int] = field(default_factory=dict)  # table -> expectations evaluated
    failures: list[Failure] = field(default_factory=list)

    def summary(self) -> str:
        if self.success:
            return f"{sum(self.checked.values())} expectations passed on {len(self.checked)} tables"
        return "; ".join(f.describe() for f in self.failures)


@dataclass(frozen=True)
class Refusal:
    """One row that broke a row rule: which, and why in words."""

    table: str
    row: int
    expectation: str
    detail: str
    column: str | None = None


class TooManyRefused(RuntimeError):
    """The breaker: so large a share of one table's rows broke its row rules that the cause is
    far likelier our own code than the input."""


def reference_sets(today: dt.date, run_id: str) -> dict:
    import pycountry

    from tasks.amounts import HISTORIC_CURRENCIES

    return {
        "run_id": run_id,
        "today": dt.datetime.combine(today, dt.time.max),
        "languages": sorted({lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")}),
        "countries": sorted({country.alpha_2 for country in pycountry.countries} | {"XK"}),
        "currencies": sorted({currency.alpha_3 for currency in pycountry.currencies} | HISTORIC_CURRENCIES),
    }


def check_frame(name: str, table: pa.Table, bodies: dict[str, str], tables: dict[str, pa.Table]):
    """The table as pandas, plus the derived columns its suite checks."""
    frame = table.to_pandas(date_as_object=False)
    frame[ROW] = range(len(frame))
    if "article_id" in frame.columns and name != "articles":
        frame["article_in_run"] = frame["article_id"].isin(bodies.keys())
    if "start_char" in frame.columns:
        frame["body_length"] = [len(bodies.get(aid, "")) for aid in frame["article_id"]]
        frame["span_matches_body"] = [
            bodies.get(aid, "")[start:end] == text
            for aid, start, end, text in zip(frame["article_id"], frame["start_char"], frame["end_char"], frame["text"])
        ]
    if name == "stories":  # an empty story is one that was merged into another
        frame["live_or_merged"] = (frame["article_count"] > 0) != frame["merged_into"].notna()
    if name == "duplicates":
        frame["points_elsewhere"] = frame["article_id"] != frame["duplicate_of"]
    if name == "runs":
        frame["files_accounted"] = frame[["files_skipped", "files_ingested", "files_duplicate", "files_quarantined"]].sum(axis=1)
        frame["files_new_accounted"] = frame[["files_ingested", "files_duplicate", "files_quarantined"]].sum(axis=1)
        frame["articles_rows"] = tables["articles"].num_rows
        frame["duplicates_rows"] = tables["duplicates"].num_rows
        frame["quarantine_rows"] = tables["quarantine"].num_rows
    return frame


@lru_cache(maxsize=1)
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context, context.data_sources.add_pandas("wirehouse"), context.validation_results_store_name


DOCS_INDEX_RESULTS = 500  # newest validation results linked from the Data Docs index


def _docs_site(context, docs_dir: str) -> str:
    """A Data Docs site writing into docs_dir, with its validation results kept as JSON in
    docs_dir/results (added once per process). The results persist across runs so the site
    keeps every run's pages: built from the in-memory store alone, each build deleted the
    pages of results it did not hold, every earlier run's."""
    import hashlib

    name = "wirehouse-" + hashlib.sha256(docs_dir.encode()).hexdigest()[:10]
    if name not in context.get_site_names():
        context.add_store(name, {"class_name": "ValidationResultsStore", "store_backend": {
            "class_name": "TupleFilesystemStoreBackend", "base_directory": f"{docs_dir}/results"}})
        context.add_data_docs_site(site_name=name, site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": docs_dir},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder",
                                   "validation_results_limit": DOCS_INDEX_RESULTS},
        })
    return name


def _run_suites(suites: dict[str, list], tables: dict[str, pa.Table], ref: dict, tag: str,
                docs_dir: str | None) -> ValidationReport:
    """Run each table's expectations (table -> list) over it; collect which expectation failed
    on which rows (every failing row, by `_row`). With docs_dir, results are also rendered into
    the Data Docs site there."""
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    context, source, in_memory = _context()
    # results go to the site's own store (the sites of other warehouses keep theirs), or to memory
    site = _docs_site(context, docs_dir) if docs_dir else None
    context.variables.validation_results_store_name = site or in_memory
    bodies = dict(zip(tables["articles"].column("article_id").to_pylist(), tables["articles"].column("body").to_pylist()))
    report = ValidationReport(success=True)
    rendered, names = [], []
    for name, expectations in suites.items():
        if tables[name].num_rows == 0 or not expectations:  # nothing to check; a checkpoint costs ~0.3 s
            continue
        frame = check_frame(name, tables[name], bodies, tables)
        suite_name = f"{name}-{tag}-{ref['run_id']}"
        names.append(suite_name)
        asset = source.add_dataframe_asset(suite_name)
        batch = asset.add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=expectations))
        definition = context.validation_definitions.add(gx.ValidationDefinition(data=batch, suite=suite, name=suite_name))
        key = [ROW, *SPECS[name].key] if SPECS[name].key else [ROW]
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=suite_name, validation_definitions=[definition],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": key}))
        result_id, result = next(iter(checkpoint.run(batch_parameters={"dataframe": frame}).run_results.items()))
        rendered += [result_id, ExpectationSuiteIdentifier(name=suite_name)]
        report.checked[name] = len(result.results)
        for outcome in result.results:
            if outcome.success:
                continue
            report.success = False
            config = outcome.expectation_config
            rows = outcome.result.get("unexpected_index_list") or []
            report.failures.append(Failure(
                table=name,
                expectation=config.type,
                column=config.kwargs.get("column") or config.kwargs.get("column_A") or str(config.kwargs.get("column_list")),
                unexpected_count=int(outcome.result.get("unexpected_count") or len(rows) or 1),
                rows=[{k: _plain(v) for k, v in row.items()} for row in rows],
            ))
    if docs_dir:  # one build for the whole run: each build also rewrites the site's index
        context.build_data_docs(site_names=[site], resource_identifiers=rendered)
    for suite_name in names:
        context.checkpoints.delete(suite_name)
        context.validation_definitions.delete(suite_name)
        context.suites.delete(suite_name)
        source.delete_asset(suite_name)
    return report


def breaker_trips(failed: int, rows: int, max_fraction: float, min_rows: int) -> bool:
    """Too large a share failed, out of enough rows to judge (one bad input alone never trips it)."""
    return rows >= min_rows and failed > max_fraction * rows


def refused_rows(tables: dict[str, pa.Table], ref: dict) -> list[Refusal]:
    """Each (row, column) of the row-refusable tables that breaks a row rule."""
    from expectations import SUITES
    from expectations._common import column_rules

    suites = {name: column_rules(spec, ref) + SUITES[name].row_rules(ref)
              for name, spec in SPECS.items() if spec.row_rejectable}
    report = _run_suites(suites, tables, ref, "rows", None)
    refusals: dict[tuple[str, int, str | None], Refusal] = {}
    for failure in report.failures:
        for row in failure.rows:
            values = {k: v for k, v in row.items() if k != ROW and k not in SPECS[failure.table].key}
            detail = f"{failure.table}: {failure.expectation}({failure.column}) failed on " + \
                ", ".join(f"{k} = {v!r}" for k, v in values.items())
            key = (failure.table, int(row[ROW]), failure.column)
            refusals.setdefault(key, Refusal(failure.table, int(row[ROW]), failure.expectation, detail, failure.column))
    return sorted(refusals.values(), key=lambda r: (r.table, r.row, r.column or ""))


def check_breaker(refusals: list[Refusal], rows: dict[str, int], max_fraction: float, min_rows: int) -> None:
    """Raise `TooManyRefused` when a table of at least min_rows new rows (`rows`: table -> count)
    has a refused share over max_fraction."""
    for name, count in rows.items():
        refused = {r.row for r in refusals if r.table == name}
        if breaker_trips(len(refused), count, max_fraction, min_rows):
            raise TooManyRefused(
                f"{len(refused)} of {count} new {name} rows broke row-level expectations, over "
                f"max_rejected_fraction = {max_fraction}: far likelier a bug in wirehouse than bad input, so nothing "
                f"was published. First: {next(r.detail for r in refusals if r.table == name)}")


def validate_tables(tables: dict[str, pa.Table], ref: dict, docs_dir: str | None = None) -> ValidationReport:
    """The whole contract of every table with rows: column and row rules, keys, invariants."""
    from expectations import SUITES
    from expectations._common import column_rules, key_rules

    suites = {name: column_rules(SPECS[name], ref) + module.row_rules(ref) + key_rules(SPECS[name])
              + module.table_rules(ref) for name, module in SUITES.items()}
    report = _run_suites(suites, tables, ref, "contract", docs_dir)
    for failure in report.failures:
        failure.rows = failure.rows[:MAX_ROWS_REPORTED]
    return report


def _plain(value):
    return value.item() if hasattr(value, "item") else (value.isoformat() if hasattr(value, "isoformat") else value)


@task(name="validate", cache_policy=NO_CACHE)
def validate_task(tables: dict[str, pa.Table], ref: dict, docs_dir: str | None = None) -> ValidationReport:
    return validate_tables(tables, ref, docs_dir)


# ledger count -> the table whose rows this run it counts
COUNTED_ROWS = {"files_new": "files", "articles_new": "articles", "duplicates": "duplicates",
                "quarantined": "quarantine", "entities_new": "entities", "quotes_new": "quotes",
                "amounts_new": "amounts", "date_mentions_new": "date_mentions"}


def run_invariants(staged: dict[str, dict[str, int]], counts: dict[str, int]) -> list[str]:
    """What must hold over all the batches a streamed run staged (each was validated on its
    own): every count equals the rows staged for it, and keys stay unique across batches.
    Returns the broken ones, in words; any is our bug."""
    broken = [f"{count} = {counts[count]} but {table} holds {staged[table]['rows']} rows of this run"
              for count, table in COUNTED_ROWS.items() if counts.get(count, 0) != staged[table]["rows"]]
    return broken + [f"{table}: {seen['rows'] - seen['keys']} rows of this run repeat a key of another batch"
                     for table, seen in staged.items()
                     if SPECS[table].key and seen["keys"] != seen["rows"]]


def story_count_invariants(stories: list[dict], held: dict[str, int]) -> list[str]:
    """Every `stories` row a run wrote counts the articles that point at it (0 once merged):
    merges and splits re-point articles and recount rows, and a slip there is our bug. `held`:
    story id -> articles pointing at it in the staged tables. Returns the broken one, in words."""
    wrong = [f"{row['story_id']} counts {row['article_count']} articles but {held.get(row['story_id'], 0)} point at it"
             for row in stories if row["article_count"] != held.get(row["story_id"], 0)]
    return [f"stories: {len(wrong)} rows of this run miscount their articles; first: {wrong[0]}"] if wrong else []
