"""Unpack the evaluation corpora from ../shared/data into a cache folder (never committed)."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

DATA = Path(os.environ.get("WIREHOUSE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CACHE = Path(os.environ.get("WIREHOUSE_BENCH_CACHE", "/tmp/wirehouse-bench"))


def unpacked(archive: str) -> Path:
    """Folder holding the contents of DATA/archive, unpacked once."""
    source = DATA / archive
    if not source.exists():
        raise SystemExit(f"{source} not found: set WIREHOUSE_DATA to the folder holding the corpora")
    target = CACHE / archive.replace("/", "_").removesuffix(".tar.gz")
    if not (target / ".done").exists():
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source) as tar:
            tar.extractall(target, filter="data")
        (target / ".done").touch()
    return target
