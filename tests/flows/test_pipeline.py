"""The real flow, end to end: Prefect, Great Expectations, Delta Lake and DuckDB."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.conftest import SEEDS, contents, run_flow, sql, write

CONTRACT = {
    "runs": ["run_id", "started_at", "finished_at", "status", "files_seen", "files_new", "articles_new",
             "duplicates", "quarantined"],
    "files": ["file_id", "path", "size_bytes", "format", "status", "run_id"],
    "articles": ["article_id", "file_id", "source_path", "title", "body", "language", "agency", "dateline_city",
                 "dateline_country", "dateline_date", "published_date", "byline", "word_count", "story_id", "run_id"],
    "duplicates": ["article_id", "duplicate_of", "kind", "similarity", "run_id"],
    "stories": ["story_id", "title", "first_date", "last_date", "article_count"],
    "entities": ["article_id", "start_char", "end_char", "text", "label", "canonical_name"],
    "quotes": ["article_id", "start_char", "end_char", "text", "speaker", "cue"],
    "amounts": ["article_id", "text", "value", "currency"],
    "date_mentions": ["article_id", "text", "resolved_date", "granularity"],
    "quarantine": ["run_id", "path", "stage", "reason", "detail"],
}


def test_seeds_files_have_exactly_one_fate(seeds_warehouse):
    rows = sql(seeds_warehouse["warehouse"], "select path, status, format, duplicate_of_path from files order by path")
    assert rows == [
        ("000_45d3b7d4710ad751.txt", "ingested", "txt", None),
        ("003_d62f74c9173699c6.txt", "ingested", "txt", None),
        ("010_rotterdam_strike.txt", "ingested", "txt", None),
        ("011_rotterdam_strike_reprint.txt", "ingested", "txt", None),
        ("012_rotterdam_strike_windows.txt", "ingested", "txt", None),
        ("020_lagos_budget.html", "ingested", "html", None),
        ("030_scraper_batch.jsonl", "ingested", "jsonl", None),
        ("040_truncated.json", "quarantined", "json", None),
        ("mirror/010_rotterdam_strike.txt", "duplicate", "txt", "010_rotterdam_strike.txt"),
    ]


def test_seeds_articles_fields(seeds_warehouse):
    rows = sql(seeds_warehouse["warehouse"], """
        select source_path, record_index, title, dateline_city, dateline_country, dateline_date, agency,
               published_date, published_date_source, byline, language
        from articles order by source_path, record_index""")
    rotterdam = ("Rotterdam dockers walk out over automation plans", "Rotterdam", "NL", dt.date(2024, 3, 4),
                 "Reuters", dt.date(2024, 3, 4), "dateline", "Anna Visser", "en")
    assert rows == [
        ("000_45d3b7d4710ad751.txt", 0, None, "Beijing", "CN", dt.date(2023, 9, 18), "AFP",
         dt.date(2023, 9, 18), "dateline", None, "en"),
        ("003_d62f74c9173699c6.txt", 0, None, None, None, None, None, None, None, None, "en"),
        ("010_rotterdam_strike.txt", 0, *rotterdam),
        ("011_rotterdam_strike_reprint.txt", 0, "Strike halts Rotterdam container terminals", "Rotterdam", "NL",
         dt.date(2024, 3, 4), "Reuters", dt.date(2024, 3, 4), "dateline", None, "en"),
        ("012_rotterdam_strike_windows.txt", 0, *rotterdam),
        ("020_lagos_budget.html", 0, "Lagos unveils record budget for flood defences", "Lagos", "NG",
         dt.date(2024, 5, 14), None, dt.date(2024, 5, 14), "metadata", "Chidi Okafor", "en"),
        ("030_scraper_batch.jsonl", 0, "Chile copper output rises for third month", "Santiago", "CL",
         dt.date(2024, 6, 3), "Reuters", dt.date(2024, 6, 3), "metadata", "Fabian Cambero", "en"),
        ("030_scraper_batch.jsonl", 1, "Kenya tea auction prices slip", "Mombasa", "KE",
         dt.date(2024, 6, 4), None, dt.date(2024, 6, 4), "metadata", "Duncan Miriri", "en"),
    ]


def test_seeds_body_is_clean(seeds_warehouse):
    (body, trailer), = sql(seeds_warehouse["warehouse"],
                           "select body, trailer from articles where source_path = '010_rotterdam_strike.txt'")
    assert body.startswith("Dock workers at Europe's largest port stopped work on Monday")
    assert "\n\nAutomation and jobs\n\n" in body  # the heading stays a paragraph of its own
    assert body.endswith("according to the shipping council.")
    assert trailer == "(Reporting by Anna Visser; Editing by Tom Holt)"
    (html_body,), = sql(seeds_warehouse["warehouse"], "select body from articles where source_path like '%.html'")
    assert html_body.startswith("The Lagos state government on Tuesday presented a budget")
    assert "Subscribe" not in html_body and "All rights reserved" not in html_body


def test_seeds_duplicates_and_stories(seeds_warehouse):
    warehouse = seeds_warehouse["warehouse"]
    rows = sql(warehouse, """
        select c.source_path, o.source_path, d.kind, d.similarity, c.story_id = o.story_id
        from duplicates d join articles c on c.article_id = d.article_id
        join articles o on o.article_id = d.duplicate_of order by 1""")
    assert rows == [("011_rotterdam_strike_reprint.txt", "010_rotterdam_strike.txt", "near", 0.7347, True),
                    ("012_rotterdam_strike_windows.txt", "010_rotterdam_strike.txt", "exact", 1.0, True)]
    stories = sql(warehouse, """
        select list(source_path || coalesce(':' || record_index::varchar, '') order by source_path, record_index)
        from articles group by story_id order by 1""")
    assert [r[0] for r in stories] == [
        ["000_45d3b7d4710ad751.txt:0", "003_d62f74c9173699c6.txt:0"],  # AFP and a rewrite: one story, not copies
        ["010_rotterdam_strike.txt:0", "011_rotterdam_strike_reprint.txt:0", "012_rotterdam_strike_windows.txt:0"],
        ["020_lagos_budget.html:0"],
        ["030_scraper_batch.jsonl:0"],
        ["030_scraper_batch.jsonl:1"],
    ]
    assert sql(warehouse, "select sum(article_count), count(*) from stories") == [(8, 5)]


def test_seeds_quarantine_reasons(seeds_warehouse):
    rows = sql(seeds_warehouse["warehouse"], "select path, record_index, stage, reason from quarantine order by 1, 2")
    assert rows == [
        ("030_scraper_batch.jsonl", 2, "ingest", "invalid_json"),
        ("030_scraper_batch.jsonl", 3, "ingest", "no_article_text"),
        ("040_truncated.json", None, "ingest", "invalid_json"),
    ]


def test_seeds_entities_resolve_short_names(seeds_warehouse):
    rows = sql(seeds_warehouse["warehouse"], """
        select e.text, e.label, e.canonical_name from entities e join articles a using (article_id)
        where a.source_path = '000_45d3b7d4710ad751.txt' and e.text = 'Wang'""")
    assert rows == [("Wang", "PERSON", "Wang Yi"), ("Wang", "PERSON", "Wang Yi")]
    offsets_ok = sql(seeds_warehouse["warehouse"], """
        select bool_and(substr(a.body, e.start_char + 1, e.end_char - e.start_char) = e.text)
        from entities e join articles a using (article_id)""")
    assert offsets_ok == [(True,)]


def test_seeds_quote_amount_and_date(seeds_warehouse):
    warehouse = seeds_warehouse["warehouse"]
    afp = "a.source_path = '000_45d3b7d4710ad751.txt'"
    (text, speaker, cue), = sql(warehouse, f"""
        select q.text, q.speaker, q.cue from quotes q join articles a using (article_id)
        where {afp} and q.text like 'will go to Russia%'""")
    assert text.startswith("will go to Russia to hold the 18th round") and text.endswith("from 18 to 21 September")
    assert (speaker, cue) == ("China’s foreign ministry", "said")
    assert sql(warehouse, """select m.text, m.value, m.currency from amounts m join articles a using (article_id)
                             where a.source_path = '003_d62f74c9173699c6.txt'""") == [("$ 200 billion", 2e11, "USD")]
    assert sql(warehouse, f"""select distinct d.resolved_date, d.granularity from date_mentions d
                              join articles a using (article_id) where {afp} and d.text = 'Monday'""") == [
        (dt.date(2023, 9, 18), "day")]
    assert sql(warehouse, f"""select d.text, d.resolved_date from date_mentions d join articles a using (article_id)
                              where {afp} and d.granularity = 'month' order by d.start_char""") == [
        ("February last year", dt.date(2022, 2, 1)), ("Last month", dt.date(2023, 8, 1)),
        ("July", dt.date(2023, 7, 1)), ("October", dt.date(2023, 10, 1)), ("March", dt.date(2023, 3, 1))]


def test_first_run_ledger_reconciles(seeds_warehouse):
    first = seeds_warehouse["first"]
    assert (first["status"], first["files_seen"], first["files_new"], first["files_skipped"], first["files_ingested"],
            first["files_duplicate"], first["files_quarantined"], first["articles_new"], first["duplicates"],
            first["quarantined"]) == ("succeeded", 9, 9, 0, 7, 1, 1, 8, 2, 3)


def test_second_run_adds_nothing(seeds_warehouse):
    warehouse, second = seeds_warehouse["warehouse"], seeds_warehouse["second"]
    assert (second["status"], second["files_seen"], second["files_new"], second["files_skipped"],
            second["articles_new"]) == ("succeeded", 9, 0, 9, 0)
    assert sql(warehouse, "select status, files_new, articles_new from runs order by started_at") == [
        ("succeeded", 9, 8), ("succeeded", 0, 0)]
    assert sql(warehouse, "select count(*) from articles") == [(8,)]
    assert sql(warehouse, "select count(*) from files") == [(9,)]


def test_each_run_publishes_a_prefect_artifact(seeds_warehouse):
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def summaries():
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["wirehouse-run-summary"])))

    descriptions = {a.description for a in asyncio.run(summaries())}
    assert f"wirehouse run {seeds_warehouse['first']['run_id']}: succeeded" in descriptions
    first = next(a for a in asyncio.run(summaries()) if seeds_warehouse["first"]["run_id"] in a.description)
    assert "| articles_new | 8 |" in first.data and "| invalid_json | 2 |" in first.data


def test_data_docs_are_built_inside_the_warehouse_and_keep_every_run(seeds_warehouse):
    docs = seeds_warehouse["warehouse"] / "data_docs"
    pages = {p.parent.parent.parent.name for p in (docs / "validations").rglob("*.html")}
    assert {name.split("-")[0] for name in pages} == {
        "runs", "files", "articles", "duplicates", "stories", "entities", "quotes", "amounts", "date_mentions",
        "quarantine"}
    first, second = seeds_warehouse["first"]["run_id"], seeds_warehouse["second"]["run_id"]
    # the second run (nothing new) checked only its ledger row; the first run's pages stay
    assert {name for name in pages if name.endswith(second)} == {f"runs-contract-{second}"}
    assert len({name for name in pages if name.endswith(first)}) == 10
    index = (docs / "index.html").read_text()
    assert f"runs-contract-{first}" in index and f"runs-contract-{second}" in index


def test_catalog_has_every_contract_view_typed(seeds_warehouse):
    import duckdb

    con = duckdb.connect(str(seeds_warehouse["warehouse"] / "news.duckdb"), read_only=True)
    try:
        for table, columns in CONTRACT.items():
            described = [row[0] for row in con.execute(f"describe {table}").fetchall()]
            assert set(columns) <= set(described), table
    finally:
        con.close()


RELATED = """Dockers' strike snarls Rotterdam shipping

ROTTERDAM, March 5, 2024 (Reuters) - A strike by dock workers at the port of Rotterdam over automation of container terminals entered its second day on Tuesday, with union spokesman Niek Stam saying the FNV would not call off the walkout.

Hutchison Ports said the automation programme at the Maasvlakte terminals would continue and that talks with the union were planned for Wednesday, as dozens of vessels waited to berth.
"""


def test_story_ids_survive_a_second_run_that_adds_a_related_article(prefect_server, copy_seeds, tmp_path):
    warehouse = tmp_path / "wh"
    run_flow(copy_seeds, warehouse)
    before = dict(sql(warehouse, "select source_path, story_id from articles where record_index = 0"))
    write(copy_seeds, "050_rotterdam_day_two.txt", RELATED)
    second = run_flow(copy_seeds, warehouse)
    after = dict(sql(warehouse, "select source_path, story_id from articles where record_index = 0"))
    assert {path: after[path] for path in before} == before  # published story ids never change
    assert after["050_rotterdam_day_two.txt"] == before["010_rotterdam_strike.txt"]
    assert second["stories_new"] == 0
    assert sql(warehouse, f"select article_count, first_date, last_date from stories where story_id = "
                          f"'{before['010_rotterdam_strike.txt']}'") == [(4, dt.date(2024, 3, 4), dt.date(2024, 3, 5))]


def test_compaction_inside_runs_changes_files_never_rows(prefect_server, copy_seeds, tmp_path):
    from deltalake import DeltaTable

    from tasks.io.lake import Lake
    from tasks.spec import STORED_TABLES

    plain, compacted = tmp_path / "plain", tmp_path / "compacted"
    for warehouse, limit in ((plain, 0), (compacted, 1)):  # 1: compact every table with a second file
        run_flow(copy_seeds, warehouse, compact_after_files=limit)
    write(copy_seeds, "050_rotterdam_day_two.txt", RELATED)
    for warehouse, limit in ((plain, 0), (compacted, 1)):
        run_flow(copy_seeds, warehouse, compact_after_files=limit)
    assert contents(compacted) == contents(plain)

    def file_counts(warehouse):
        return {name: len(DeltaTable(Lake(warehouse).path(name)).file_uris()) for name in (*STORED_TABLES, "runs")}

    assert file_counts(plain)["articles"] == 2 and file_counts(plain)["runs"] == 2
    assert {name: n for name, n in file_counts(compacted).items() if n > 1} == {"runs": 2}  # its row comes last
    newest = json.loads(sql(compacted, "select table_versions from runs order by finished_at desc limit 1")[0][0])
    assert newest == {name: DeltaTable(Lake(compacted).path(name)).version() for name in STORED_TABLES}


def test_a_row_that_breaks_a_row_rule_costs_its_article_and_the_rest_is_published(prefect_server, tmp_path):
    source, warehouse = tmp_path / "in", tmp_path / "wh"
    write(source, "a.txt", "Port reopens\n\nROTTERDAM, March 5, 2024 (Reuters) - The port reopened on Tuesday.\n")
    write(source, "b.txt", "Port plan\n\nROTTERDAM, March 5, 2091 (Reuters) - The port published a plan for Shell.\n")
    write(source, "c.txt", "Port strike\n\nANTWERP, March 6, 2024 (Reuters) - Dockers at Antwerp went on strike.\n")
    row = run_flow(source, warehouse)
    assert (row["status"], row["articles_new"], row["files_ingested"], row["files_quarantined"]) == ("succeeded", 2, 2, 1)
    assert sql(warehouse, "select source_path from articles order by 1") == [("a.txt",), ("c.txt",)]
    assert sql(warehouse, "select path, status, records from files order by 1") == [
        ("a.txt", "ingested", 1), ("b.txt", "quarantined", 0), ("c.txt", "ingested", 1)]
    (path, stage, reason, table, detail), = sql(warehouse, "select path, stage, reason, table_name, detail from quarantine")
    assert (path, stage, reason, table) == ("b.txt", "validate", "failed_expectation", "articles")
    assert detail.startswith("articles: expect_column_values_to_be_between(dateline_date) failed on dateline_date = "
                             "'2091-03-05")
    assert "dependent rows were not published either" in detail
    assert run_flow(source, warehouse)["files_new"] == 0  # the refused file is recorded: a rerun is clean


def test_the_breaker_publishes_nothing(prefect_server, tmp_path):
    from flows.pipeline import ValidationFailed

    source, warehouse = tmp_path / "in", tmp_path / "wh"
    write(source, "a.txt", "Port reopens\n\nROTTERDAM, March 5, 2024 (Reuters) - The port reopened on Tuesday.\n")
    run_flow(source, warehouse)
    before = sql(warehouse, "select article_id, title from articles")
    write(source, "b.txt", "Port plan\n\nROTTERDAM, March 5, 2091 (Reuters) - The port published a plan.\n")
    with pytest.raises(ValidationFailed, match=r"1 of 1 new articles rows broke row-level expectations, over "
                                               r"max_rejected_fraction = 0.5: far likelier a bug in wirehouse"):
        run_flow(source, warehouse, breaker_min_rows=1)
    assert sql(warehouse, "select article_id, title from articles") == before
    assert sql(warehouse, "select count(*) from files") == [(1,)]
    assert sql(warehouse, "select status, files_new, articles_new from runs order by ledger_version") == [
        ("succeeded", 1, 1), ("validation_failed", 0, 0)]
    (message,), = sql(warehouse, "select message from runs where status = 'validation_failed'")
    assert "dateline_date = '2091-03-05" in message
    assert run_flow(source, warehouse)["quarantined"] == 1  # one article alone is too few to judge by default


def test_missing_source_is_a_clear_error(prefect_server, tmp_path):
    from flows.pipeline import UsageError

    with pytest.raises(UsageError, match="does not exist"):
        run_flow(tmp_path / "nowhere", tmp_path / "wh")
    assert not (tmp_path / "wh").exists()


def test_a_rerun_reads_only_files_whose_size_or_mtime_changed(prefect_server, copy_seeds, tmp_path):
    import os

    from tasks.io.lake import Lake

    warehouse = tmp_path / "warehouse"
    run_flow(copy_seeds, warehouse)
    target = copy_seeds / "010_rotterdam_strike.txt"
    before = target.stat()

    def recorded() -> tuple[int, str]:
        rows = Lake(warehouse).read("_file_stats").to_pylist()
        row = next(r for r in rows if r["path"] == "010_rotterdam_strike.txt")
        return row["modified_ns"], row["file_id"]

    assert len(Lake(warehouse).read("_file_stats")) == 9 and recorded()[0] == before.st_mtime_ns
    # new bytes behind the same size and mtime are not read (as with make and rsync)
    target.write_bytes(target.read_bytes().replace(b"Rotterdam", b"Rotterdan", 1))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert run_flow(copy_seeds, warehouse)["files_new"] == 0
    # a new mtime: read again, the new bytes are a new file at that path
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
    changed = run_flow(copy_seeds, warehouse)
    assert (changed["files_new"], changed["files_ingested"], changed["articles_new"]) == (1, 1, 1)
    assert recorded()[0] == before.st_mtime_ns + 10**9
    # touched again, same bytes: read, skipped, and its stat refreshed
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns + 2 * 10**9))
    touched = run_flow(copy_seeds, warehouse)
    assert (touched["files_new"], touched["files_skipped"]) == (0, 9)
    assert recorded() == (before.st_mtime_ns + 2 * 10**9, changed_file_id(warehouse))


def changed_file_id(warehouse) -> str:
    return sql(warehouse, "select file_id from files where path = '010_rotterdam_strike.txt' "
                          "order by run_id desc limit 1")[0][0]


def ferry(place: str, country: str, day: int, body: str) -> str:
    return f"Ferry news\n\n{place.upper()}, {country}, Oct {day}, 2024 (Reuters) - {body}\n"


SINKINGS = {
    "a1": ferry("Naples", "Italy", 28, "A ferry sank off Naples in a storm on Tuesday; coast guard spokeswoman Elena "
                                       "Conti said fishing boats rescued all forty passengers from the waves."),
    "b1": ferry("Athens", "Greece", 29, "A ferry sank near Athens after an engine fire on Tuesday; coast guard "
                                        "spokeswoman Elena Conti said two crew members were missing in the smoke."),
    "a2": ferry("Naples", "Italy", 30, "Divers reached the ferry the storm sank off Naples; Elena Conti said the forty "
                                       "passengers that fishing boats pulled from the waves are safe."),
    "a3": ferry("Naples", "Italy", 30, "The ferry sunk in the Naples storm will be raised, Elena Conti said, thanking "
                                       "the fishing boats that pulled forty passengers from the waves."),
    "b2": ferry("Athens", "Greece", 30, "The engine fire that sank the ferry near Athens started below deck, Elena "
                                        "Conti said; a helicopter searched the smoke for two missing crew members."),
    "b3": ferry("Athens", "Greece", 30, "A helicopter searched near Athens for the two crew members missing since "
                                        "the engine fire, Elena Conti said, as smoke still rose from the ferry."),
}


def test_a_story_a_first_run_mixed_splits_in_the_warehouse_when_later_articles_tell_it_apart(prefect_server,
                                                                                            tmp_path):
    source, warehouse = tmp_path / "in", tmp_path / "wh"
    for name in ("a1", "b1"):
        write(source, f"{name}.txt", SINKINGS[name])
    write(source, "b1-crlf.txt", SINKINGS["b1"].replace("\n", "\r\n"))  # a copy of b1
    run_flow(source, warehouse, story_threshold=0.25)
    story = "select source_path, story_id from articles order by 1"
    first = dict(sql(warehouse, story))
    assert len(set(first.values())) == 1  # two sinkings, too little text to tell them apart
    for name in ("a2", "a3", "b2", "b3"):
        write(source, f"{name}.txt", SINKINGS[name])
    second = run_flow(source, warehouse, story_threshold=0.25)
    after = dict(sql(warehouse, story))
    naples, athens = first["a1.txt"], after["b2.txt"]  # the story keeps the article that opened it
    assert after == {"a1.txt": naples, "a2.txt": naples, "a3.txt": naples,
                     "b1.txt": athens, "b1-crlf.txt": athens, "b2.txt": athens, "b3.txt": athens}
    assert second["articles_moved"] == 2 and athens != naples
    assert sql(warehouse, "select story_id, article_count, first_date, last_date from stories order by 2") == [
        (naples, 3, dt.date(2024, 10, 28), dt.date(2024, 10, 30)),
        (athens, 4, dt.date(2024, 10, 29), dt.date(2024, 10, 30))]
    from tasks.io.lake import Lake

    evidence = Lake(warehouse).read("_story_terms", ["story_id"]).column("story_id").to_pylist()
    assert sorted(evidence) == sorted([naples] * 3 + [athens] * 3)  # copies keep no evidence
