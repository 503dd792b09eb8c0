"""Snapshot: what the stages need from history, read from the committed lake.

`file_history` serves ingest (which files were seen, with what bytes and stat);
`article_history` serves dedup and stories and is read only when a run has new records.
"""

from __future__ import annotations

from tasks.dedup import SketchHistory
from tasks.io.lake import Lake
from tasks.stories import StoryVectors


def file_history(lake: Lake) -> dict:
    """Which (file, path) pairs were seen, the first path of each file, and each path's stat
    when it was last read."""
    files = lake.read("files", ["file_id", "path"]).to_pylist()
    seen_path_of: dict[str, str] = {}
    for row in sorted(files, key=lambda r: r["path"]):
        seen_path_of.setdefault(row["file_id"], row["path"])
    stats = lake.read("_file_stats").to_pydict()
    return {"known_pairs": {(row["file_id"], row["path"]) for row in files}, "seen_path_of": seen_path_of,
            "file_stats": {path: (size, modified, fid) for path, size, modified, fid
                           in zip(stats["path"], stats["size_bytes"], stats["modified_ns"], stats["file_id"])}}


def article_history(lake: Lake) -> dict:
    """What dedup and stories compare new articles with."""
    articles = lake.read("articles", ["article_id", "body_hash", "story_id"]).to_pylist()
    copies = set(lake.read("duplicates", ["article_id"]).column("article_id").to_pylist())
    return {
        "canonical_by_hash": {a["body_hash"]: a["article_id"] for a in articles if a["article_id"] not in copies},
        "story_of": {a["article_id"]: a["story_id"] for a in articles},
        "minhash": SketchHistory.from_arrow(lake.read("_minhash")),
        "story_vectors": StoryVectors.from_arrow(lake.read("_story_vectors")),
        "term_df": dict(zip(*lake.read("_term_df").to_pydict().values())),
    }


def no_article_history() -> dict:
    return {"canonical_by_hash": {}, "story_of": {}, "minhash": None, "story_vectors": StoryVectors(), "term_df": {}}


def known_stories(lake: Lake, story_ids: set[str]) -> dict[str, dict]:
    """The stored `stories` rows of the given stories."""
    return {s["story_id"]: s for s in lake.read("stories", filter_ids=("story_id", story_ids)).to_pylist()}
