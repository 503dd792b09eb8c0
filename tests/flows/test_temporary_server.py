"""Prefect's temporary server as `wirehouse run` starts it: answers, stops, never outlives its run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flows.temporary_server import TemporaryServer

REPO = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
    return status != "Z"


def test_server_answers_then_stops(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    server = TemporaryServer()
    try:
        server.wait_ready(90)
        with urllib.request.urlopen(f"{server.api_url}/health", timeout=5) as response:
            assert response.status == 200
        pid = server.process.pid
    finally:
        server.stop()
    assert server.process is None and not _alive(pid)


def test_server_dies_with_a_killed_run(tmp_path):
    """A run killed with SIGKILL leaves no server behind (its atexit never runs)."""
    owner = subprocess.Popen(
        [sys.executable, "-c", "from flows.temporary_server import TemporaryServer\n"
                               "s = TemporaryServer(); s.wait_ready(90); print(s.process.pid, flush=True)\n"
                               "import time; time.sleep(600)"],
        cwd=REPO, env={**os.environ, "PREFECT_HOME": str(tmp_path)}, stdout=subprocess.PIPE, text=True)
    pid = int(owner.stdout.readline())
    assert _alive(pid)
    owner.send_signal(signal.SIGKILL)
    owner.wait(timeout=10)
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(pid)
