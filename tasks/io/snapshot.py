"""Snapshot: what the stages need from history, looked up in the committed lake by the keys of
the new work, never loaded whole.

`file_history` serves ingest: the rows of the paths found in the source, then the first path
of the contents read. `article_history` serves dedup and stories: the canonical articles with
the new body hashes, those sharing an LSH band key with a new signature (only their shingles
are fetched), the stories of both, the raw evidence of the stories within the date window of
the new articles that share a name with them, and the document frequencies (a fixed-size
table). Each lookup is a DuckDB scan of the key columns that reads the other columns only for
the rows that match.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from tasks.dedup import NUM_PERM, SketchHistory, band_table, lsh_scheme, signature_matrix, stored_band_keys
from tasks.io.lake import Lake
from tasks.stories import (DAYS_IN_LEAP_YEAR, DocumentFrequencies, StoryEvidence, article_day, name_keys,
                           stored_headline_evidence)

_IN = "IN (SELECT k FROM wanted)"


def file_history(lake: Lake, paths: list[str]) -> dict:
    """For the paths found in the source: which (file, path) pairs the warehouse holds, their
    file ids, and each path's stat when it was last read."""
    wanted = {"wanted": sorted(paths)}
    files = lake.scan("files", "file_id, path", f"path {_IN}", wanted).to_pylist()
    stats = lake.scan("_file_stats", "path, size_bytes, modified_ns, file_id", f"path {_IN}", wanted).to_pylist()
    return {"known_pairs": {(row["file_id"], row["path"]) for row in files},
            "known_ids": {row["file_id"] for row in files},
            "file_stats": {row["path"]: (row["size_bytes"], row["modified_ns"], row["file_id"]) for row in stats}}


def first_paths(lake: Lake, file_ids: set[str]) -> dict[str, str]:
    """file_id -> the first path (in path order) it was seen at, for contents seen before."""
    rows = lake.scan("files", "file_id, min(path) AS path", f"file_id {_IN} GROUP BY file_id",
                     {"wanted": sorted(file_ids)}).to_pylist()
    return {row["file_id"]: row["path"] for row in rows}


def article_history(lake: Lake, articles: list[dict], entities: list[dict], sketches: dict, near_threshold: float,
                    window_days: int) -> dict:
    """What dedup and stories compare the new articles with (see the module's docstring)."""
    hashes = sorted({a["body_hash"] for a in articles})
    by_hash = lake.scan("articles", "article_id, body_hash", f"body_hash {_IN}", {"wanted": hashes}).to_pylist()
    copies = _ids(lake.scan("duplicates", "article_id", f"article_id {_IN}",
                            {"wanted": [a["article_id"] for a in by_hash]}))
    canonical_by_hash: dict[str, str] = {}
    for row in sorted(by_hash, key=lambda r: r["article_id"]):
        if row["article_id"] not in copies:
            canonical_by_hash.setdefault(row["body_hash"], row["article_id"])

    bands, rows = lsh_scheme(near_threshold)
    ids = list(sketches)
    signatures = np.array([sketches[i][0] for i in ids], dtype=np.uint64).reshape(-1, NUM_PERM)
    keys = stored_band_keys(signatures, bands, rows).ravel().tolist()
    near = _ids(lake.scan("_lsh_bands", "DISTINCT article_id", f"scheme = '{bands}x{rows}' AND key {_IN}",
                          {"wanted": keys}))
    minhash = SketchHistory.from_arrow(lake.scan("_minhash", "article_id, signature, shingles",
                                                 f"article_id {_IN} ORDER BY article_id", {"wanted": sorted(near)}))
    originals = sorted(set(canonical_by_hash.values()) | near)
    story_of = {row["article_id"]: row["story_id"] for row in lake.scan(
        "articles", "article_id, story_id", f"article_id {_IN}", {"wanted": originals}).to_pylist()}
    # the headline actors of those earlier articles, so that a template filled in for another
    # issuer is no reprint of them (read whole: rows written before headlines were kept lack it)
    headlines = stored_headline_evidence(lake.scan("_story_terms", "*", f"article_id {_IN}", {"wanted": sorted(near)}))
    return {"canonical_by_hash": canonical_by_hash, "minhash": minhash, "story_of": story_of,
            "headline_evidence": headlines,
            "story_evidence": story_evidence(lake, articles, entities, window_days),
            "term_df": DocumentFrequencies.from_arrow(lake.read("_term_df"))}


def story_evidence(lake: Lake, articles: list[dict], entities: list[dict], window_days: int) -> StoryEvidence:
    """The raw evidence of every story a new article could join: stories with an article dated
    within `window_days` of its date (or undated) that shares one of its names. Days are
    appended in feed order, so the day filter skips the row groups of other days. A new
    article with no date is compared with undated stories only, not with every dated story
    ever; when its dateline gives its day of the year (`stories.article_day`), only with those
    whose day is within the window of it, going round the year, or unknown: an endless undated
    feed reads a few weeks of each year."""
    mentions: dict[str, list[dict]] = {}
    for mention in entities:
        mentions.setdefault(mention["article_id"], []).append(mention)

    def names_of(group: list[dict]) -> list[int]:
        return name_keys([m for a in group for m in mentions.get(a["article_id"], ())])

    window = dt.timedelta(days=window_days)
    placed = [a for a in articles if article_day(a) is not None]
    dated = [f"day BETWEEN DATE '{lo - window}' AND DATE '{hi + window}'"
             for lo, hi in _ranges(sorted({a["published_date"] for a in placed if a.get("published_date")}), window_days)]
    # as `stories._compatible_matrix`: a day's slack for February 29
    arcs = " OR ".join(f"day_of_year BETWEEN {lo} AND {hi}"
                       for lo, hi in _arcs(sorted({article_day(a) for a in placed}), window_days + 1))
    undated_near = f"(day IS NULL AND (day_of_year IS NULL OR {arcs}))" if arcs else "false"
    stories = _stories_near(lake, "day IS NULL", names_of([a for a in articles if article_day(a) is None])) | \
        _stories_near(lake, " OR ".join([undated_near, *dated]), names_of(placed))
    if not stories:
        return StoryEvidence()
    table = lake.scan("_story_terms", "*", f"story_id {_IN} ORDER BY article_id", {"wanted": sorted(stories)})
    return StoryEvidence.from_arrow(table)


def _stories_near(lake: Lake, near: str, names: list[int]) -> set[str]:
    """Stories with an article that meets `near` and holds one of `names` (hashed)."""
    if not names:
        return set()
    # unnested and joined: ten times faster than list_has_any over the same rows
    return _ids(lake.scan("_story_terms", "DISTINCT story_id", f"({near}) AND story_id IN (SELECT story_id FROM "
                          f"(SELECT story_id, unnest(name_index) AS n FROM {{table}} WHERE {near}) "
                          f"WHERE n IN (SELECT k FROM names))", {"names": names}))


def _arcs(days: list[int], slack: int) -> list[tuple[int, int]]:
    """Days of the year, each widened by `slack` and wrapped round the year, as merged ranges."""
    pieces = []
    for day in days:
        lo, hi = day - slack, day + slack
        pieces.append((max(lo, 1), min(hi, DAYS_IN_LEAP_YEAR)))
        if lo < 1:
            pieces.append((lo + DAYS_IN_LEAP_YEAR, DAYS_IN_LEAP_YEAR))
        if hi > DAYS_IN_LEAP_YEAR:
            pieces.append((1, hi - DAYS_IN_LEAP_YEAR))
    out: list[list[int]] = []
    for lo, hi in sorted(pieces):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


def _ranges(days: list[dt.date], window_days: int) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as ranges: a day within the window of the range before extends it."""
    out: list[list[dt.date]] = []
    for day in days:
        if out and (day - out[-1][1]).days <= window_days:
            out[-1][1] = day
        else:
            out.append([day, day])
    return [(lo, hi) for lo, hi in out]


def _ids(table) -> set[str]:
    return set(table.column(0).to_pylist()) if table.num_rows else set()


def lsh_rebuild(lake: Lake, near_threshold: float):
    """`_lsh_bands` for every canonical article, when the stored keys were cut with another
    scheme (the threshold changed) or predate the table: read `_minhash` once and cut them
    again. None when the stored keys are current."""
    bands, rows = lsh_scheme(near_threshold)
    canonical = lake.scan("_minhash", "count(*)").column(0)[0].as_py()
    stored = lake.scan("_lsh_bands", "count(*)", f"scheme = '{bands}x{rows}'").column(0)[0].as_py()
    if stored == canonical * bands:
        return None
    table = lake.read("_minhash", ["article_id", "signature"])
    return band_table(table.column("article_id").to_pylist(), signature_matrix(table), bands, rows)


def known_stories(lake: Lake, story_ids: set[str]) -> dict[str, dict]:
    """The stored `stories` rows of the given stories."""
    table = lake.scan("stories", "*", f"story_id {_IN}", {"wanted": sorted(story_ids)})
    return {s["story_id"]: s for s in table.to_pylist()}


def story_members(lake: Lake, story_ids: set[str]) -> list[dict]:
    """The stored articles of these stories, copies included (`duplicate_of` names the article
    each copies): what a split recounts."""
    rows = lake.scan("articles", "article_id, story_id, published_date, outlet, agency, title", f"story_id {_IN}",
                     {"wanted": sorted(story_ids)}).to_pylist()
    copies = lake.scan("duplicates", "article_id, duplicate_of", f"article_id {_IN}",
                       {"wanted": [row["article_id"] for row in rows]}).to_pylist()
    original = {row["article_id"]: row["duplicate_of"] for row in copies}
    return [{**row, "duplicate_of": original.get(row["article_id"])} for row in rows]


def written_story_counts(lake: Lake, run_id: str) -> tuple[list[dict], dict[str, int]]:
    """The `stories` rows this run wrote, and how many articles point at each of them."""
    stories = lake.scan("stories", "story_id, article_count", f"run_id {_IN}", {"wanted": [run_id]}).to_pylist()
    held = lake.scan("articles", "story_id, count(*) AS n", f"story_id {_IN} GROUP BY story_id",
                     {"wanted": [row["story_id"] for row in stories]}).to_pylist()
    return stories, {row["story_id"]: row["n"] for row in held}


def no_article_history() -> dict:
    """The history of a run with no new records: nothing is looked up."""
    return {"canonical_by_hash": {}, "minhash": None, "story_of": {}, "story_evidence": StoryEvidence(),
            "term_df": DocumentFrequencies(), "headline_evidence": {}}
