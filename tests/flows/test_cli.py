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


def test_locked_warehouse_exits_4_with_one_line_and_no_traceback(tmp_path):
    import os
    import sqlite3
    import subprocess
    import sys

    from tasks.io.lake import Lock

    source, warehouse = tmp_path / "in", tmp_path / "wh"
    write(source, "a.txt", "The port reopened on Tuesday.\n")
    holder = Lock(warehouse / ".lock", "other-run", "now")
    holder.acquire()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "home")}
    env.pop("PREFECT_API_URL", None)
    try:  # a real process: Prefect's log handlers write to the real stderr
        done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(source), "--warehouse", str(warehouse)],
                              capture_output=True, text=True, env=env, timeout=300)
    finally:
        holder.release()
    assert done.returncode == EXIT_LOCKED
    assert "locked: warehouse is locked by run other-run" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    # the run's last log records reached the temporary server before it stopped
    with sqlite3.connect(tmp_path / "home" / "prefect.db") as server_db:
        logged = [message for (message,) in server_db.execute("select message from log")]
    assert any("warehouse is locked by run other-run" in message for message in logged), logged


def test_usage_errors_are_one_line_and_exit_2(tmp_path, monkeypatch):
    a_file = write(tmp_path, "a.txt", "not a folder")
    cases = [
        (["sql", ""], "error: the query is empty"),
        (["sql", "--file", str(tmp_path / "missing.sql")], "error: cannot read"),
        (["run", str(a_file), "--warehouse", str(tmp_path / "wh")], "is a file, not a folder"),
        (["run", str(tmp_path / "nowhere")], "does not exist"),
        (["run", str(tmp_path), "--warehouse", str(a_file)], f"warehouse {a_file} is a file, not a folder"),
        (["status", "--warehouse", str(a_file)], "is a file, not a folder"),
        (["sql", "select 1", "--warehouse", str(tmp_path / "none")], "no catalog at"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert (result.exit_code, message in result.output, result.output.count("\n")) == (EXIT_USAGE, True, 1), \
            (args, result.output)
    assert not (tmp_path / ".lock").exists() and not list(tmp_path.rglob(".lock"))
    monkeypatch.setenv("WIREHOUSE_CHUNK_SIZE", "many")
    for command in (["sql", "select 1"], ["status"], ["report"], ["catalog"], ["run"]):
        result = runner.invoke(app, command)
        assert (result.exit_code, result.output.startswith("bad settings: chunk_size:")) == (EXIT_USAGE, True), \
            (command, result.output)


def test_sql_prints_data_as_data_and_survives_a_moved_warehouse(seeds_warehouse, tmp_path):
    import shutil

    moved = tmp_path / "moved"
    shutil.copytree(seeds_warehouse["warehouse"], moved)
    result = runner.invoke(app, ["sql", "select '[draft] note.txt' as a, ':x:' as b, '[/b]' as c, count(*) as n "
                                        "from articles", "--warehouse", str(moved)])
    assert result.exit_code == 0, result.output
    assert "[draft] note.txt" in result.output and ":x:" in result.output and "[/b]" in result.output
    assert "│ 8 " in result.output
    status = runner.invoke(app, ["status", "--warehouse", str(moved)])
    assert status.exit_code == 0 and "lock: free" in status.output, status.output
    refused = runner.invoke(app, ["sql", f"copy articles to '{tmp_path / 'out.csv'}'", "--warehouse", str(moved)])
    assert (refused.exit_code, refused.output.startswith("query refused: only reads")) == (EXIT_SQL, True)


def test_status_reads_at_80_columns(seeds_warehouse):
    import os

    result = runner.invoke(app, ["status", "--warehouse", str(seeds_warehouse["warehouse"])],
                           env={**os.environ, "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    first = seeds_warehouse["first"]["run_id"]
    assert any(line.split()[:2] == [first, "succeeded"] for line in lines if line.strip())  # the id is whole


def test_serve_schedule_follows_cron_and_interval():
    import datetime as dt
    import itertools

    from flows.cli import schedule

    cron = list(itertools.islice(schedule("*/15 * * * *", None), 3))
    assert all(t.minute % 15 == 0 and t.second == 0 for t in cron)
    assert [b - a for a, b in itertools.pairwise(cron)] == [dt.timedelta(minutes=15)] * 2
    first, second = itertools.islice(schedule(None, 600), 2)
    assert abs((first - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 5  # the first run starts at once
    assert second - first == dt.timedelta(seconds=600)
