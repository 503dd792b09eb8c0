"""Analyst queries, the HTML report and `status` against real warehouses."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import REPO, run_flow, sql, write

runner = CliRunner()
QUERIES = sorted((REPO / "queries").glob("*.sql"))


def test_every_analyst_query_runs_on_the_seeds(seeds_warehouse):
    assert len(QUERIES) >= 5
    for path in QUERIES:
        sql(seeds_warehouse["warehouse"], path.read_text())  # raises on any SQL error


def test_analyst_query_results(seeds_warehouse):
    warehouse = seeds_warehouse["warehouse"]
    run = lambda name: sql(warehouse, (REPO / "queries" / name).read_text())  # noqa: E731
    speakers = {r[0]: r[1:3] for r in run("quotes_by_speaker.sql")}
    assert speakers["Niek Stam"] == (1, 1)  # quoted once in the story; its two reprints add nothing
    assert [r[:3] for r in run("amounts_by_currency.sql")] == [
        ("USD", 6, 200540000004.96), ("EUR", 3, 1350000000.0), ("NGN", 1, 2200000000000.0)]
    assert run("duplicate_rate_by_source.sql")[0] == ("Reuters", 3, 2, 0.667)
    top = run("stories_by_outlets.sql")[0]
    assert (top[1], top[3]) == ("Rotterdam dockers walk out over automation plans", 3)
    assert run("top_people_by_week.sql")[0][1:] == ("Wang Yi", 3, 1)


def test_report_is_self_contained_escaped_and_has_charts(prefect_server, tmp_path):
    source, warehouse = tmp_path / "in", tmp_path / "wh"
    write(source, "a.json", '{"title": "<script>alert(1)</script> Port deal", "text": '
                            '"ROTTERDAM, March 5, 2024 (Reuters) - \\u201cWe signed it,\\u201d <b>Ana Ruiz</b> said."}')
    row = run_flow(source, warehouse)
    output = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--warehouse", str(warehouse), "--output", str(output)])
    assert result.exit_code == 0, result.output
    page = output.read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Port deal" in page
    assert page.count("<svg") >= 2  # real charts, inline
    assert "<script" not in page and "src=\"http" not in page and "href=\"http" not in page
    # validation results readable without a network, each linking its GX page
    import re

    validation = page.split("<h2>Validation</h2>", 1)[1]
    assert f"<td>runs</td><td>{row['run_id']}</td><td>True</td>" in validation
    links = re.findall(r"href='([^']+)'", validation)
    assert len(links) >= 4 and all((output.parent / link).resolve().exists() for link in links)


def test_status_shows_lock_runs_and_quarantine(seeds_warehouse):
    result = runner.invoke(app, ["status", "--warehouse", str(seeds_warehouse["warehouse"])])
    assert result.exit_code == 0, result.output
    assert "lock: free" in result.output
    assert "invalid_json" in result.output and "no_article_text" in result.output


def test_sql_reads_a_query_file(seeds_warehouse, tmp_path: Path):
    query = tmp_path / "q.sql"
    query.write_text("-- a comment first, as analysts write them\nselect count(*) as n from articles")
    result = runner.invoke(app, ["sql", "--file", str(query), "--warehouse", str(seeds_warehouse["warehouse"]),
                                 "--format", "csv"])
    assert result.stdout.splitlines() == ["n", "8"]
