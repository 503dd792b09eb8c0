"""A real Prefect server on loopback, `wirehouse serve` on a schedule, a scheduled run completes."""

from __future__ import annotations

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


def test_serve_runs_the_flow_on_its_schedule(tmp_path):
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "server-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "WARNING",
           # the server schedules runs every 5 s and the runner polls every 5 s (defaults: 60 s, 15 s)
           "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5", "PREFECT_RUNNER_POLL_FREQUENCY": "5"}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    served = None
    try:
        wait_for(lambda: healthy(api), 120, "the Prefect server", server)
        source, warehouse = tmp_path / "source", tmp_path / "warehouse"
        shutil.copytree(SEEDS, source)
        served = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", str(source), "--warehouse",
                                   str(warehouse), "--interval", "10", "--name", "test-schedule"],
                                  env={**env, "PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "client-home")},
                                  cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def a_run_succeeded() -> bool:
            if not (warehouse / "news.duckdb").exists():
                return False
            return sql(warehouse, "select count(*) from runs where status = 'succeeded'")[0][0] >= 1

        wait_for(a_run_succeeded, 240, "a scheduled run", server, served)
        assert sql(warehouse, "select count(*) from articles") == [(8,)]
    finally:
        for process in (served, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
