"""Prefect's temporary API server for `wirehouse run` when no PREFECT_API_URL is set.

Prefect would start the same server itself, but only once the flow begins: after this process
has imported Prefect, the pipeline and Great Expectations, and after importing Prefect's
server module in-process just to launch it. Spawned first, with nothing imported, the server
boots on the second core while this process imports, which takes seconds off every run
(a scheduled run with nothing new is mostly this start-up).

The command and environment are those of Prefect 3.8's `SubprocessASGIServer`.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# what SubprocessASGIServer sets: no UI, and the server's ephemeral (per-process) mode
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
# Defaults the environment may override. This server's only client is one flow run, which uses
# no blocks: registering block types (importing every Prefect collection, Dask included) was a
# third of its start-up. Its telemetry heartbeat has no network here and only failed against
# the run's own writes ("database is locked").
SERVER_ENV_DEFAULTS = {"PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
                       "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
                       "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
PR_SET_PDEATHSIG = 1  # linux/prctl.h
# looked up here, not in the forked child, where loading a library could wait on another thread's lock
_prctl = ctypes.CDLL(None).prctl if sys.platform == "linux" else None


def _die_with_parent() -> None:
    """In the server's process before exec: end it when the run's process dies, even by SIGKILL."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    """A free loopback port outside the kernel's ephemeral range (as Prefect picks them), so
    that no outgoing connection takes it in the seconds before uvicorn binds it."""
    for _ in range(100):
        port = random.randrange(8000, 9000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port in 8000-8999 for Prefect's temporary server")


class TemporaryServer:
    """One uvicorn process serving Prefect's API on a free loopback port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        self._spawn()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _spawn(self) -> None:
        prefect_dir = Path(importlib.util.find_spec("prefect").submodule_search_locations[0])
        env = {**SERVER_ENV_DEFAULTS, **os.environ, **SERVER_ENV}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect_dir.parent), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"], env=env, stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if _prctl else None)

    def wait_ready(self, timeout: float, notice=None, notice_after: float = 5.0) -> None:
        """Block until /health answers; raise RuntimeError if the server exits or times out.
        `notice(text)` is called once if the wait lasts longer than notice_after seconds."""
        begun = time.monotonic()
        deadline = begun + timeout
        while time.monotonic() < deadline:
            if notice is not None and time.monotonic() - begun > notice_after:
                notice(f"waiting for Prefect's temporary server at {self.api_url} to answer (up to {timeout:.0f} s; "
                       f"setting server_start_timeout)")
                notice = None
            code = self.process.poll()
            if code == 3:  # uvicorn could not bind: another process took the port in between
                self.port = _free_port()
                self._spawn()
                continue
            if code is not None:
                raise RuntimeError(f"Prefect's temporary server exited with code {code} before it was ready")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Prefect's temporary server ({self.api_url}) did not answer its health check within "
                           f"{timeout:.0f} s; on a loaded machine raise the setting server_start_timeout, or start "
                           f"`prefect server start` and set PREFECT_API_URL")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
