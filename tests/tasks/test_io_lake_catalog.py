import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import shutil

from tasks.io.catalog import QueryRefused, build_catalog, query
from tasks.io.lake import Lake, Lock, WarehouseLocked, lock_state
from tasks.spec import TABLES, to_table


def test_empty_warehouse_has_typed_views(tmp_path):
    lake = Lake(tmp_path)
    lake.ensure_tables()
    build_catalog(lake)
    columns, rows = query(tmp_path, "describe articles")
    assert rows == [] or [r[0] for r in rows] == TABLES["articles"].names
    assert dict((r[0], r[1]) for r in query(tmp_path, "describe articles")[1])["dateline_date"] == "DATE"
    assert query(tmp_path, "select count(*) from entities")[1] == [(0,)]


def test_uncommitted_work_is_invisible_and_rolled_back(tmp_path):
    lake = Lake(tmp_path)
    lake.ensure_tables()
    row = {"file_id": "f" * 64, "path": "a.txt", "size_bytes": 1, "status": "ingested", "run_id": "r1"}
    lake.commit({"files": to_table("files", [row])}, {})  # a run that dies before its ledger row
    build_catalog(lake)
    assert query(tmp_path, "select count(*) from files")[1] == [(0,)]
    assert lake.recover() == ["files"]
    assert lake.read("files").num_rows == 0


def test_ledger_row_makes_a_commit_visible(tmp_path):
    _published_warehouse(tmp_path, "a.txt")
    assert Lake(tmp_path).recover() == []
    assert query(tmp_path, "select path, status from files")[1] == [("a.txt", "ingested")]


def test_the_lock_is_the_kernels(tmp_path):
    first = Lock(tmp_path / ".lock", "run-1", "t0")
    assert first.acquire() is None
    assert lock_state(tmp_path / ".lock")[0] == "held"
    with pytest.raises(WarehouseLocked, match="locked by run run-1"):
        Lock(tmp_path / ".lock", "run-2", "t1").acquire()
    first.release()
    assert lock_state(tmp_path / ".lock") == ("free", None)


def test_a_dead_holder_releases_the_lock_and_is_named_to_the_next_run(tmp_path):
    # a child takes the lock and dies by SIGKILL without releasing it
    code = (f"import os, signal; from tasks.io.lake import Lock; Lock({str(tmp_path / '.lock')!r}, 'dead-run', 't0')"
            ".acquire(); os.kill(os.getpid(), signal.SIGKILL)")
    child = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2])
    assert child.returncode == -signal.SIGKILL
    state, holder = lock_state(tmp_path / ".lock")
    assert (state, holder["run_id"]) == ("stale", "dead-run")
    left = Lock(tmp_path / ".lock", "run-2", "t1").acquire()
    assert left["run_id"] == "dead-run"


def test_a_reused_pid_cannot_hold_the_lock(tmp_path):
    # the holder named in the file is this very process (a pid that is alive): still free to take
    (tmp_path / ".lock").write_text(json.dumps({"pid": os.getpid(), "host": os.uname().nodename, "run_id": "old"}))
    assert Lock(tmp_path / ".lock", "run-2", "t1").acquire()["run_id"] == "old"


def test_two_runs_starting_together_never_both_hold_it(tmp_path):
    code = ("import sys, time; from tasks.io.lake import Lock, WarehouseLocked\n"
            "try:\n    Lock(sys.argv[1], sys.argv[2], 't').acquire(); print('took'); sys.stdout.flush(); time.sleep(2)\n"
            "except WarehouseLocked:\n    print('refused')")
    children = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / ".lock"), f"run-{n}"],
                                 stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
                for n in range(4)]
    outcomes = sorted(child.communicate(timeout=60)[0].strip() for child in children)
    assert outcomes == ["refused", "refused", "refused", "took"]


def test_the_newest_ledger_row_is_found_by_version_not_clock(tmp_path):
    lake = Lake(tmp_path)
    lake.ensure_tables()
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    lake.append_ledger({"run_id": "r1", "started_at": now, "finished_at": now, "status": "succeeded",
                        "table_versions": json.dumps({"files": 5})})
    earlier = now - dt.timedelta(hours=3)  # the clock stepped back between the runs
    lake.append_ledger({"run_id": "r2", "started_at": earlier, "finished_at": earlier, "status": "succeeded",
                        "table_versions": json.dumps({"files": 7})})
    assert lake.committed_versions()["files"] == 7
    assert lake.ledger().sort_by("ledger_version").column("ledger_version").to_pylist() == [1, 2]


def test_compaction_rewrites_small_files_and_keeps_what_open_readers_use(tmp_path):
    from deltalake import DeltaTable

    lake = Lake(tmp_path)
    lake.ensure_tables()
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    for n in range(3):  # three runs, each one small file in `files` and one ledger row
        row = {"file_id": f"{n}" * 64, "path": f"{n}.txt", "size_bytes": n, "status": "ingested", "run_id": f"r{n}"}
        versions = lake.commit({"files": to_table("files", [row])}, {})
        lake.append_ledger({"run_id": f"r{n}", "started_at": now, "finished_at": now + dt.timedelta(minutes=n),
                            "status": "succeeded", "table_versions": json.dumps(versions)})
    build_catalog(lake)
    old_files = DeltaTable(lake.path("files")).file_uris()
    assert len(old_files) == 3

    compacted = lake.compact(max_files=2)
    assert compacted == {"files": DeltaTable(lake.path("files")).version()}
    assert len(DeltaTable(lake.path("files")).file_uris()) == 1
    assert len(DeltaTable(lake.path("runs")).file_uris()) == 1  # the ledger is compacted too
    # the catalog built before still reads: replaced files stay for the retention period
    assert query(tmp_path, "select path from files order by path")[1] == [("0.txt",), ("1.txt",), ("2.txt",)]
    assert all(os.path.exists(uri.removeprefix("file://")) for uri in old_files)
    # visible once a ledger row names the compacted version, with the same rows
    lake.append_ledger({"run_id": "r3", "started_at": now, "finished_at": now + dt.timedelta(minutes=3),
                        "status": "succeeded", "table_versions": json.dumps({**versions, **compacted})})
    build_catalog(lake)
    assert query(tmp_path, "select path from files order by path")[1] == [("0.txt",), ("1.txt",), ("2.txt",)]
    assert lake.recover() == []
    assert lake.compact(max_files=2) == {}  # nothing over the limit: nothing rewritten


def test_a_column_a_newer_contract_added_joins_an_older_warehouse_with_its_next_write(tmp_path):
    from deltalake import DeltaTable, write_deltalake

    def evidence(aid, **extra):
        return {"article_id": aid, "story_id": f"st-{aid}", "day": dt.date(2024, 1, 1), "years": [2024],
                "text_index": [1], "text_count": [1.0], "name_index": [2], **extra}

    lake = Lake(tmp_path)
    older = to_table("_story_terms", [evidence("a")]).drop_columns(["headline_index"])  # written before it existed
    write_deltalake(lake.path("_story_terms"), older, mode="append")
    lake.ensure_tables()
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    lake.append_ledger({"run_id": "r1", "started_at": now, "finished_at": now, "status": "succeeded",
                        "table_versions": json.dumps({"_story_terms": 0})})
    assert lake.recover() == []
    assert lake.scan("_story_terms", "*").column("headline_index").to_pylist() == [None]
    versions = lake.commit({"_story_terms": to_table("_story_terms", [evidence("b", headline_index=[3])])}, {})
    lake.append_ledger({"run_id": "r2", "started_at": now, "finished_at": now, "status": "succeeded",
                        "table_versions": json.dumps(versions)})
    assert "headline_index" in DeltaTable(lake.path("_story_terms")).schema().to_arrow().names
    assert sorted(lake.scan("_story_terms", "article_id, headline_index").to_pylist(),
                  key=lambda r: r["article_id"]) == [{"article_id": "a", "headline_index": None},
                                                     {"article_id": "b", "headline_index": [3]}]


def _published_warehouse(root: Path, path: str = "[draft] note.txt") -> Path:
    """A warehouse whose one committed run added one file row, with its catalog."""
    lake = Lake(root)
    lake.ensure_tables()
    row = {"file_id": "f" * 64, "path": path, "size_bytes": 1, "status": "ingested", "run_id": "r1"}
    versions = lake.commit({"files": to_table("files", [row])}, {})
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    lake.append_ledger({"run_id": "r1", "started_at": now, "finished_at": now, "status": "succeeded",
                        "table_versions": json.dumps(versions)})
    build_catalog(lake)
    return root


def test_queries_are_confined_to_reading_the_warehouse(tmp_path):
    warehouse = _published_warehouse(tmp_path / "wh")
    assert query(warehouse, "select path from files")[1] == [("[draft] note.txt",)]
    assert query(warehouse, "describe files")[1][0][:2] == ("file_id", "VARCHAR")
    outside = tmp_path / "out.csv"
    refused = [f"COPY (select 1) TO '{outside}'", f"COPY files TO '{warehouse / 'lake' / 'files' / 'x.parquet'}'",
               f"ATTACH '{tmp_path / 'other.duckdb'}'", "INSTALL delta", "LOAD delta",
               "SET enable_external_access = true", "create table t as select 1"]
    for statement in refused:
        with pytest.raises(QueryRefused, match="only reads of the warehouse"):
            query(warehouse, statement)
    for statement in ["select * from read_csv('/etc/passwd')", f"select * from glob('{tmp_path}/*')"]:
        with pytest.raises(duckdb.PermissionException):
            query(warehouse, statement)
    assert not outside.exists() and not (warehouse / "lake" / "files" / "x.parquet").exists()
    with pytest.raises(QueryRefused, match="empty"):
        query(warehouse, "  ")


def test_a_moved_warehouse_rebuilds_its_catalog_before_a_query(tmp_path):
    warehouse = _published_warehouse(tmp_path / "wh")
    moved = tmp_path / "elsewhere"
    shutil.move(str(warehouse), str(moved))
    assert query(moved, "select count(*) from files")[1] == [(1,)]


def test_concurrent_catalog_builds_never_share_a_staging_file(tmp_path):
    import threading

    warehouse = _published_warehouse(tmp_path / "wh")
    errors = []

    def build():
        try:
            for _ in range(5):
                build_catalog(Lake(warehouse))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=build) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert query(warehouse, "select count(*) from files")[1] == [(1,)]
    assert [p.name for p in warehouse.iterdir() if "building" in p.name] == []


def test_a_lone_surname_names_the_person_the_warehouse_knows_by_it(tmp_path):
    lake = Lake(tmp_path)
    lake.ensure_tables()
    people = [("a", "Ronald Reagan"), ("a", "Ronald Reagan"), ("b", "Ronald Reagan"), ("c", "Nancy Reagan"),
              ("d", "Reagan"), ("e", "Donald Regan"), ("f", "Regan"), ("g", "Baker"), ("h", "James Baker"),
              ("i", "Susan Baker"), ("j", "Lee")]
    rows = [{"article_id": aid, "start_char": i, "end_char": i + 1, "text": name, "label": "PERSON",
             "canonical_name": name, "run_id": "r1"} for i, (aid, name) in enumerate(people)]
    rows.append({"article_id": "k", "start_char": 0, "end_char": 3, "text": "Lee", "label": "ORG",
                 "canonical_name": "Lee", "run_id": "r1"})
    versions = lake.commit({"entities": to_table("entities", rows)}, {})
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    lake.append_ledger({"run_id": "r1", "started_at": now, "finished_at": now, "status": "succeeded",
                        "table_versions": json.dumps(versions)})
    build_catalog(lake)
    resolved = dict(query(tmp_path, "select name, person from person_names")[1])
    # Reagan: Ronald holds 3 of 4 full-name mentions; Regan is another word; Baker is a tie, so stays
    assert resolved == {"Ronald Reagan": "Ronald Reagan", "Nancy Reagan": "Nancy Reagan", "Reagan": "Ronald Reagan",
                        "Donald Regan": "Donald Regan", "Regan": "Donald Regan", "Baker": "Baker",
                        "James Baker": "James Baker", "Susan Baker": "Susan Baker", "Lee": "Lee"}
