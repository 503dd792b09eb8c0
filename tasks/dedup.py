"""Dedup: which new articles are copies of an earlier (or same-run) article.

Pure over plain records: the flow passes in what history it needs (the canonical article
for each body hash already in the warehouse) and gets back `duplicates` rows.
"""

from __future__ import annotations

import datetime as dt

from prefect import task
from prefect.cache_policies import NO_CACHE

_FAR_FUTURE = dt.date.max


def canonical_order(article: dict) -> tuple:
    """Canonical = earliest published, then longest, then smallest id (deterministic)."""
    return (article.get("published_date") or _FAR_FUTURE, -(article.get("word_count") or 0), article["article_id"])


def exact_duplicates(articles: list[dict], known_by_hash: dict[str, str]) -> list[dict]:
    """`kind = 'exact'` rows for new articles whose normalised body hash was seen before.

    `known_by_hash` maps body_hash -> canonical article_id of earlier runs; an earlier
    canonical stays canonical (published audit rows never flip)."""
    groups: dict[str, list[dict]] = {}
    for article in articles:
        groups.setdefault(article["body_hash"], []).append(article)
    rows = []
    for body_hash, group in groups.items():
        group = sorted(group, key=canonical_order)
        canonical = known_by_hash.get(body_hash) or group[0]["article_id"]
        rows.extend(
            {"article_id": a["article_id"], "duplicate_of": canonical, "kind": "exact", "similarity": 1.0}
            for a in group
            if a["article_id"] != canonical
        )
    return rows


@task(name="dedup", cache_policy=NO_CACHE)
def find_duplicates(articles: list[dict], known_by_hash: dict[str, str]) -> list[dict]:
    return exact_duplicates(articles, known_by_hash)
