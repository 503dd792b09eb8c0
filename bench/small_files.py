"""What many small runs do to a Delta table, and what compaction (`compact_after_files`) undoes.

    .venv/bin/python bench/small_files.py [--appends 1000]

Every run appends at least one small file to the ledger and to each table it adds rows to; a
run every 15 minutes makes ~100 a day. This appends one-row files to a 20,000-row table and
prints the time of a full read (what the ledger read at every run start, `known_files` and the
catalog build do) as files pile up, then after `Lake.compact`'s two calls.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake


def read_seconds(path: str) -> float:
    started = time.perf_counter()
    DeltaTable(path).to_pyarrow_dataset().to_table()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=1000)
    args = parser.parse_args()
    path = tempfile.mkdtemp(prefix="wirehouse-small-files-")
    write_deltalake(path, pa.table({"n": list(range(20_000)), "text": ["x" * 50] * 20_000}), mode="overwrite")
    print(f"1 file: read {read_seconds(path):.3f} s")
    marks = {64, 100, 300, args.appends}
    for n in range(1, args.appends + 1):
        write_deltalake(path, pa.table({"n": [n], "text": ["y"]}), mode="append")
        if n in marks:
            print(f"{n + 1} files: read {read_seconds(path):.3f} s")
    started = time.perf_counter()
    table = DeltaTable(path)
    metrics = table.optimize.compact()
    table.vacuum(dry_run=False)  # within the retention period: deletes nothing yet
    print(f"compact: {time.perf_counter() - started:.2f} s, {metrics['numFilesRemoved']} files -> "
          f"{metrics['numFilesAdded']}; read {read_seconds(path):.3f} s")
    shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()
