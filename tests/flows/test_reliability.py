"""Crash safety, one writer, idempotency: real subprocesses, real SIGKILL."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks.io.lake import WarehouseLocked, lock_state
from tests.conftest import SEEDS, contents, run_flow, sql

WIREHOUSE = [sys.executable, "-m", "flows.cli"]
def spawn(source: Path, warehouse: Path, home: Path) -> subprocess.Popen:
    env = {**os.environ, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    return subprocess.Popen([*WIREHOUSE, "run", str(source), "--warehouse", str(warehouse)], env=env,
                            cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_same_inputs_give_identical_tables(seeds_reference, tmp_path):
    two = tmp_path / "two"
    run_flow(SEEDS, two)
    run_flow(SEEDS, two)  # and a rerun changes nothing
    assert contents(two) == seeds_reference["contents"]


def test_kill_9_at_random_moments_then_recovery_does_the_work_exactly_once(seeds_reference, tmp_path):
    warehouse = tmp_path / "killed"
    rng = random.Random(int(os.environ.get("WIREHOUSE_KILL_SEED", "20261123")))
    # how long a whole run takes on this machine now, so that the kills fall inside one (fixed
    # moments of 20-27 s had all come after the run had finished once runs got faster); each
    # process has a Prefect home of its own, as creating one is part of every run's span
    begun = time.monotonic()
    assert spawn(SEEDS, tmp_path / "reference", tmp_path / "home-reference").wait(timeout=300) == 0
    span = time.monotonic() - begun
    killed = 0
    for attempt in range(3):
        process = spawn(SEEDS, warehouse, tmp_path / f"home-{attempt}")
        delay = rng.uniform(0.05, 0.75) * span
        try:
            process.wait(timeout=delay)  # finished before the kill: fine, the next attempt reruns
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            killed += 1
        # readable at every moment: the catalog (if any) shows a committed state
        if (warehouse / "news.duckdb").exists():
            runs = sql(warehouse, "select count(*) from runs where status = 'succeeded'")[0][0]
            articles = sql(warehouse, "select count(*) from articles")[0][0]
            assert articles == (8 if runs else 0), (attempt, delay)
    assert killed, "every run finished before its kill"
    final = spawn(SEEDS, warehouse, tmp_path / "home-final")
    output = final.communicate(timeout=300)[0].decode()
    assert final.returncode == 0, output
    assert sql(warehouse, "select count(*), count(distinct article_id) from articles") == [(8, 8)]
    assert contents(warehouse) == seeds_reference["contents"]


def test_a_second_writer_is_refused_while_a_run_holds_the_lock(prefect_server, tmp_path):
    warehouse, home = tmp_path / "wh", tmp_path / "prefect-home"
    source = tmp_path / "source"
    shutil.copytree(SEEDS, source)
    first = spawn(source, warehouse, home)
    deadline = time.monotonic() + 120
    while lock_state(warehouse / ".lock")[0] != "held":
        assert first.poll() is None, first.communicate()[0].decode()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    holder = lock_state(warehouse / ".lock")[1] or {}
    with pytest.raises(WarehouseLocked, match="locked by run"):
        run_flow(source, warehouse)  # the in-process flow reaches the lock within a second
    assert holder.get("pid") == first.pid or holder == {}
    assert first.wait(timeout=300) == 0
    assert lock_state(warehouse / ".lock") == ("free", None)


@pytest.mark.parametrize("signal_number", [signal.SIGTERM])
def test_a_terminated_run_rolls_back_and_records_failure(prefect_server, tmp_path, signal_number):
    warehouse, home = tmp_path / "wh", tmp_path / "prefect-home"
    process = spawn(SEEDS, warehouse, home)
    deadline = time.monotonic() + 120
    while not (warehouse / ".lock").exists():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal_number)
    process.wait(timeout=120)
    assert process.returncode == 1
    final = spawn(SEEDS, warehouse, home)
    assert final.wait(timeout=300) == 0, final.communicate()[0].decode()
    assert sql(warehouse, "select count(*) from articles") == [(8,)]
    assert sql(warehouse, "select status from runs order by started_at") == [("failed",), ("succeeded",)]


def test_a_failure_after_the_commit_point_leaves_one_succeeded_ledger_row(prefect_server, tmp_path):
    from tasks.io.lake import Lake

    warehouse = tmp_path / "wh"
    (warehouse / "news.duckdb").mkdir(parents=True)  # the catalog cannot be swapped in: rebuilds fail
    row = run_flow(SEEDS, warehouse)
    assert row["status"] == "succeeded"
    ledger = Lake(warehouse).ledger().to_pylist()
    assert [(r["run_id"], r["status"], r["articles_new"]) for r in ledger] == [(row["run_id"], "succeeded", 8)]
    (warehouse / "news.duckdb").rmdir()
    again = run_flow(SEEDS, warehouse)  # the next run repairs what the failed step left
    assert again["files_new"] == 0
    assert sql(warehouse, "select status, count(*) from runs group by 1") == [("succeeded", 2)]


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # a short-lived child (a `uname` probe, a finished worker) may be gone already
        return b""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_leaves_no_orphan_processes(prefect_server, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(SEEDS, source)
    process = spawn(source, tmp_path / "wh", tmp_path / "prefect-home")
    deadline = time.monotonic() + 180
    workers: set[int] = set()
    while len(workers) < 2:  # the run, its two workers (and the temporary server, and the resource tracker)
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[0].decode()
        family = _descendants(process.pid)
        workers = {pid for pid in family if b"spawn_main" in _cmdline(pid)}
        time.sleep(0.2)
    family = _descendants(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [pid for pid in family if _alive(pid)] == []


def test_streamed_batches_and_several_runs_give_the_tables_of_one_run(seeds_reference, tmp_path):
    streamed, several, source = tmp_path / "streamed", tmp_path / "several", tmp_path / "in"
    run = run_flow(SEEDS, streamed, stream_files=2)  # five batches, each validated and staged
    assert contents(streamed) == seeds_reference["contents"]
    assert (run["articles_new"], run["duplicates"], run["quarantined"]) == (8, 2, 3)
    names = sorted(path.name for path in SEEDS.iterdir())
    source.mkdir()
    for part in (names[:3], names[3:6], names[6:]):  # the same files, arriving over three runs
        for name in part:
            (shutil.copytree if (SEEDS / name).is_dir() else shutil.copy2)(SEEDS / name, source / name)
        run_flow(source, several)
    assert contents(several) == seeds_reference["contents"]


def test_a_crash_between_staged_batches_leaves_nothing_visible(seeds_reference, tmp_path):
    from deltalake import DeltaTable

    from tasks.io.lake import Lake

    warehouse, home = tmp_path / "wh", tmp_path / "prefect-home"
    env = {**os.environ, "PREFECT_HOME": str(home), "WIREHOUSE_STREAM_FILES": "2", "PREFECT_LOGGING_LEVEL": "INFO"}
    env.pop("PREFECT_API_URL", None)
    process = subprocess.Popen([*WIREHOUSE, "run", str(SEEDS), "--warehouse", str(warehouse)], env=env,
                               cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "batch 2/" in line:  # two batches staged, three to go
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait()
    assert any("batch 2/" in line for line in lines), "".join(lines)
    lake = Lake(warehouse)
    assert DeltaTable(lake.path("articles")).version() > lake.committed_versions()["articles"]  # staged, not committed
    assert sql(warehouse, "select count(*) from articles")[0][0] == 0
    assert sql(warehouse, "select count(*) from runs")[0][0] == 0
    run_flow(SEEDS, warehouse)  # rolls the staged batches back, then does the work once
    assert sql(warehouse, "select count(*), count(distinct article_id) from articles") == [(8, 8)]
    assert contents(warehouse) == seeds_reference["contents"]


def test_a_sigterm_while_the_lock_is_taken_is_raised_after_it():
    """The window between creating `.lock` and holding it: a SIGTERM there waits, then raises
    where the run can record itself (the SIGTERM test above hit that window once under load)."""
    from flows.pipeline import _terminate_deferred

    def raise_interrupt(signum, frame):
        raise KeyboardInterrupt(f"terminated by signal {signum}")

    previous = signal.signal(signal.SIGTERM, raise_interrupt)
    done = []
    try:
        with pytest.raises(KeyboardInterrupt, match="signal 15"):
            with _terminate_deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)  # a handler run here would skip the next line
                done.append("lock taken")
        assert done == ["lock taken"] and signal.getsignal(signal.SIGTERM) is raise_interrupt
    finally:
        signal.signal(signal.SIGTERM, previous)
