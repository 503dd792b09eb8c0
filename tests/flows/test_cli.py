import json

from typer.testing import CliRunner

from flows.cli import EXIT_LOCKED, EXIT_SQL, EXIT_USAGE, app
from tests.conftest import write

runner = CliRunner()


def test_run_then_query_in_each_format(prefect_server, tmp_path):
    source, warehouse = tmp_path / "in", tmp_path / "wh"
    write(source, "a.txt", "Port reopens\n\nROTTERDAM, March 5, 2024 (Reuters) - The port reopened on Tuesday.\n")
    result = runner.invoke(app, ["run", str(source), "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    query = "select source_path, dateline_city from articles"
    as_json = runner.invoke(app, ["sql", query, "--warehouse", str(warehouse), "--format", "json"])
    assert json.loads(as_json.stdout) == [{"source_path": "a.txt", "dateline_city": "Rotterdam"}]
    as_csv = runner.invoke(app, ["sql", query, "--warehouse", str(warehouse), "--format", "csv"])
    assert as_csv.stdout.splitlines() == ["source_path,dateline_city", "a.txt,Rotterdam"]


def test_sql_is_read_only_and_errors_are_exit_codes(seeds_warehouse):
    warehouse = str(seeds_warehouse["warehouse"])
    assert runner.invoke(app, ["sql", "drop view articles", "--warehouse", warehouse]).exit_code == EXIT_SQL
    assert runner.invoke(app, ["sql", "select nope from articles", "--warehouse", warehouse]).exit_code == EXIT_SQL
    assert runner.invoke(app, ["sql", "select 1", "--format", "xml", "--warehouse", warehouse]).exit_code == EXIT_USAGE


def test_locked_warehouse_exits_4(prefect_server, tmp_path):
    import os
    import socket

    source, warehouse = tmp_path / "in", tmp_path / "wh"
    write(source, "a.txt", "The port reopened on Tuesday.\n")
    warehouse.mkdir()
    (warehouse / ".lock").write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                                 "run_id": "other-run", "started_at": "now"}))
    result = runner.invoke(app, ["run", str(source), "--warehouse", str(warehouse)])
    assert result.exit_code == EXIT_LOCKED
    assert "other-run" in result.output
