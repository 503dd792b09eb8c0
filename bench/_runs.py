"""One `wirehouse run` in a fresh process, measured as the bench scripts report it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]


class MeasuredRun(NamedTuple):
    seconds: float   # wall time, Prefect's temporary server and imports included
    flow_mib: float  # peak RSS of the flow's own process
    tree_mib: float  # peak of the summed RSS of the process tree: the flow, its workers, the server


def measured_run(source: Path, warehouse: Path, home: Path, api_url: str | None = None) -> MeasuredRun:
    """`wirehouse run SOURCE` with Prefect's temporary server or, given api_url, against a
    running Prefect server; memory sampled every 0.1 s. A failed run ends the bench with its
    output."""
    import psutil

    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "flows.cli", "run", str(source), "--warehouse", str(warehouse),
                                "--reference-date", "1987-12-31"], env=env, cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    root, flow_peak, tree_peak, output = psutil.Process(process.pid), 0, 0, []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    while process.poll() is None:
        try:
            flow_peak = max(flow_peak, root.memory_info().rss)
            tree = [root, *root.children(recursive=True)]
            tree_peak = max(tree_peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    reader.join()
    if process.returncode != 0:
        raise SystemExit("wirehouse run failed:\n" + "".join(output)[-5000:])
    return MeasuredRun(seconds, flow_peak / 2**20, tree_peak / 2**20)
