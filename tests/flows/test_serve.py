"""A real Prefect server on loopback: `wirehouse serve` on a schedule, and `prefect deploy` of
prefect.yaml with a process worker; both see a run of the flow complete."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import REPO, SEEDS, sql


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, seconds: float, what: str, *processes: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for process in processes:
            assert process.poll() is None, f"{process.args[:4]} exited while waiting for {what}"
        if check():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def server_env(tmp_path: Path, port: int) -> dict:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "server-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "WARNING",
           # the server schedules runs every 5 s, runners and workers poll every 5 s (defaults: 60, 15, 10 s)
           "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5", "PREFECT_RUNNER_POLL_FREQUENCY": "5",
           "PREFECT_WORKER_QUERY_SECONDS": "5"}
    env.pop("PREFECT_API_URL", None)
    return env


def stop(*processes: subprocess.Popen | None) -> None:
    for process in processes:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: healthy(f"http://127.0.0.1:{port}/api"), 120, "the Prefect server", server)
    return server


def succeeded_runs(warehouse: Path) -> int:
    if not (warehouse / "news.duckdb").exists():
        return 0
    return sql(warehouse, "select count(*) from runs where status = 'succeeded'")[0][0]


def test_serve_runs_the_flow_on_its_schedule_in_one_warm_process(tmp_path):
    port = free_port()
    env = server_env(tmp_path, port)
    server = start_server(env, port)
    served = None
    try:
        source, warehouse = tmp_path / "source", tmp_path / "warehouse"
        shutil.copytree(SEEDS, source)
        # a first run that overruns the interval has the second start at once, before the new file
        # below is written (it did at 20 s on a busy machine): the interval leaves it room
        served = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", str(source), "--warehouse",
                                   str(warehouse), "--interval", "45", "--runs", "2", "--name", "test-schedule"],
                                  env={**env, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
                                       "PREFECT_HOME": str(tmp_path / "client-home")},
                                  cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_for(lambda: succeeded_runs(warehouse) >= 1, 240, "a scheduled run", server, served)
        assert sql(warehouse, "select count(*) from articles") == [(8,)]
        (source / "050_lagos_port.txt").write_text(
            "LAGOS, March 6, 2024 (Reuters) - Nigeria's ports authority said on Wednesday it would reopen the "
            "Apapa terminal after a two-day closure, as trucks queued for kilometres outside the gates.\n")
        output = served.communicate(timeout=240)[0]  # the second run, then it stops by itself
        assert served.returncode == 0, output
        assert sql(warehouse, "select count(*) from articles") == [(9,)]
        assert sql(warehouse, "select articles_new from runs order by ledger_version") == [(8,), (1,)]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/flow_runs/filter", data=b"{}", method="POST",
                                          headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            names = sorted(run["name"] for run in json.load(response))
        assert len(names) == 2 and all(name.startswith("test-schedule-") for name in names)
    finally:
        stop(served, server)


def test_prefect_deploy_registers_the_schedule_and_a_worker_runs_the_flow(tmp_path):
    """The README's `prefect deploy` steps, as written, against prefect.yaml as committed."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = server_env(tmp_path, port)
    server = start_server(env, port)
    worker = None
    try:
        home = tmp_path / "wirehouse-home"  # WIREHOUSE_HOME: code, seeds/ and warehouse/ of the deployment
        for part in ("flows", "tasks", "expectations", "seeds", "prefect.yaml"):
            copy = shutil.copytree if (REPO / part).is_dir() else shutil.copy
            copy(REPO / part, home / part)
        client = {**env, "PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "client-home"),
                  "WIREHOUSE_HOME": str(home)}
        prefect = [sys.executable, "-m", "prefect"]
        for step in (["work-pool", "create", "wirehouse", "--type", "process"], ["--no-prompt", "deploy", "--all"]):
            done = subprocess.run(prefect + step, env=client, cwd=home, capture_output=True, text=True, timeout=180)
            assert done.returncode == 0, done.stdout + done.stderr
        inspect = subprocess.run(prefect + ["deployment", "inspect", "wirehouse-run/wirehouse-every-15-minutes"],
                                 env=client, cwd=home, capture_output=True, text=True, timeout=60)
        assert inspect.returncode == 0 and "*/15 * * * *" in inspect.stdout, inspect.stdout + inspect.stderr
        triggered = subprocess.run(prefect + ["deployment", "run", "wirehouse-run/wirehouse-every-15-minutes"],
                                   env=client, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert triggered.returncode == 0, triggered.stdout + triggered.stderr
        worker = subprocess.Popen(prefect + ["worker", "start", "--pool", "wirehouse"], env=client, cwd=tmp_path,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: succeeded_runs(home / "warehouse") >= 1, 300, "the worker's run", server, worker)
        assert sql(home / "warehouse", "select count(*) from articles") == [(8,)]
    finally:
        stop(worker, server)
