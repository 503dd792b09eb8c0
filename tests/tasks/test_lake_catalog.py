import datetime as dt
import json
import os

import pytest

from tasks.catalog import build_catalog, query
from tasks.lake import Lake, Lock, WarehouseLocked
from tasks.schema import TABLES, to_table


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
    lake = Lake(tmp_path)
    lake.ensure_tables()
    row = {"file_id": "f" * 64, "path": "a.txt", "size_bytes": 1, "status": "ingested", "run_id": "r1"}
    versions = lake.commit({"files": to_table("files", [row])}, {})
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    lake.append_ledger({"run_id": "r1", "started_at": now, "finished_at": now, "status": "succeeded",
                        "table_versions": json.dumps(versions)})
    assert lake.recover() == []
    build_catalog(lake)
    assert query(tmp_path, "select path, status from files")[1] == [("a.txt", "ingested")]


def test_second_writer_is_refused_and_stale_lock_taken_over(tmp_path):
    first = Lock(tmp_path / ".lock", "run-1", "t0")
    first.acquire()
    with pytest.raises(WarehouseLocked, match="locked by run run-1"):
        Lock(tmp_path / ".lock", "run-2", "t1").acquire()
    first.release()
    holder = json.loads(json.dumps({"pid": 2 ** 22 + 7, "host": os.uname().nodename, "run_id": "dead", "started_at": "t"}))
    (tmp_path / ".lock").write_text(json.dumps(holder))
    Lock(tmp_path / ".lock", "run-3", "t2").acquire()
    assert json.loads((tmp_path / ".lock").read_text())["run_id"] == "run-3"


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
