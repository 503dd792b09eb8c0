"""Ingest: decide each file's fate from what the readers made of it.

Pure over `ParsedFile`s; the reading itself is `tasks/io/readers.py`, wrapped here as the
per-chunk Prefect task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.io.readers import ParsedFile, ReadLimits, read_chunk


@task(name="ingest", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def ingest_chunk(root: str, rel_paths: list[str], skip_pairs: set, known_ids: set, limits: ReadLimits):
    return read_chunk(Path(root), rel_paths, skip_pairs, known_ids, limits)


@dataclass
class Classified:
    files: list[dict] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    skipped: int = 0


def classify_files(parsed: list[ParsedFile], seen_path_of: dict[str, str],
                   known_pairs: set[tuple[str, str]]) -> Classified:
    """Decide each file's fate, in path order: skipped (same bytes at the same path as an
    earlier run), duplicate (same bytes as a file seen before or earlier in this run),
    quarantined (no article could be read) or ingested. An archive is `ingested` here when it
    could be opened; its members are inputs of their own, and the stages settle its fate from
    theirs. `seen_path_of` maps the file_ids of earlier runs to their first path; it is not modified."""
    first_path = dict(seen_path_of)
    out = Classified()
    for item in sorted(parsed, key=lambda p: p.path):
        if (item.file_id, item.path) in known_pairs:
            out.skipped += 1
            continue
        row = {"file_id": item.file_id, "path": item.path, "size_bytes": item.size_bytes,
               "format": item.format, "encoding": item.encoding, "records": 0}
        if item.file_id in first_path:
            out.files.append({**row, "status": "duplicate", "duplicate_of_path": first_path[item.file_id]})
            continue
        first_path[item.file_id] = item.path
        out.quarantine.extend(
            {"path": item.path, "record_index": p.record_index, "locator": p.locator, "file_id": item.file_id,
             "stage": "ingest", "reason": p.reason, "detail": p.detail}
            for p in item.problems)
        if item.archive:
            out.files.append({**row, "status": "ingested"})
            continue
        if not item.records:
            out.files.append({**row, "status": "quarantined"})
            continue
        out.files.append({**row, "status": "ingested", "records": len(item.records)})
        out.records.extend({**record, "file_id": item.file_id, "source_path": item.path} for record in item.records)
    return out
