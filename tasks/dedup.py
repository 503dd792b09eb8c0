"""Dedup: which new articles are copies of an earlier (or same-run) article.

Pure over plain records: the flow passes in what history it needs (the canonical article
for each body hash already in the warehouse) and gets back `duplicates` rows.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib

import numpy as np
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


_TOKEN = re.compile(r"\w+")
MINHASH_SCHEME = "affine32"  # datasketch 2.0's default; stored signatures are only valid under it


def shingles_of(body: str, size: int = 5) -> list[int]:
    """Sorted distinct CRC-32 hashes of the body's word n-grams (casefolded)."""
    tokens = _TOKEN.findall(body.casefold())
    if len(tokens) < size:
        grams = [" ".join(tokens)] if tokens else []
    else:
        grams = [" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)]
    return sorted({zlib.crc32(gram.encode()) for gram in grams})


def minhash_of(shingles: list[int], num_perm: int):
    from datasketch import LeanMinHash, MinHash

    minhash = MinHash(num_perm=num_perm, seed=1, hashfunc=int)
    minhash.update_batch(shingles)
    lean = LeanMinHash(minhash)
    assert lean.scheme == MINHASH_SCHEME, f"datasketch now hashes with {lean.scheme}: stored signatures need migrating"
    return lean


def jaccard(a: list[int], b: list[int]) -> float:
    if not a and not b:
        return 1.0
    intersection = len(np.intersect1d(np.asarray(a), np.asarray(b), assume_unique=True))
    return intersection / (len(a) + len(b) - intersection)


def near_duplicates(articles: list[dict], exact_rows: list[dict], history: dict[str, tuple[list[int], list[int]]],
                    threshold: float, num_perm: int = 128) -> tuple[list[dict], list[dict]]:
    """`kind = 'near'` rows for reprints, and the MinHash state rows of new canonical articles.

    history: article_id -> (signature, shingles) of every earlier canonical article. MinHash
    LSH proposes candidates; the verified Jaccard of the shingle sets decides. New articles
    are taken in canonical order, so the earliest (then longest) of a group is its canonical."""
    from datasketch import LeanMinHash, MinHashLSH

    # a low LSH threshold keeps recall high near the cut; verification decides
    lsh = MinHashLSH(threshold=max(0.05, threshold * 0.6), num_perm=num_perm)
    shingles_by_id: dict[str, list[int]] = {}
    for aid, (signature, shingles) in sorted(history.items()):
        stored = LeanMinHash(seed=1, hashvalues=np.asarray(signature, dtype=np.uint64), scheme=MINHASH_SCHEME)
        lsh.insert(aid, stored, check_duplication=False)
        shingles_by_id[aid] = shingles
    copies = {row["article_id"] for row in exact_rows}
    rows, state = [], []
    for article in sorted((a for a in articles if a["article_id"] not in copies), key=canonical_order):
        shingles = shingles_of(article["body"])
        minhash = minhash_of(shingles, num_perm)
        scored = sorted(((jaccard(shingles, shingles_by_id[c]), c) for c in lsh.query(minhash)),
                        key=lambda pair: (-pair[0], pair[1]))
        if scored and scored[0][0] >= threshold:
            similarity, original = scored[0]
            rows.append({"article_id": article["article_id"], "duplicate_of": original, "kind": "near",
                         "similarity": round(similarity, 4)})
            continue
        lsh.insert(article["article_id"], minhash, check_duplication=False)
        shingles_by_id[article["article_id"]] = shingles
        state.append({"article_id": article["article_id"], "signature": minhash.hashvalues.tolist(),
                      "shingles": shingles})
    return rows, state


@task(name="dedup", cache_policy=NO_CACHE)
def find_duplicates(articles: list[dict], known_by_hash: dict[str, str], history: dict, threshold: float):
    exact = exact_duplicates(articles, known_by_hash)
    near, state = near_duplicates(articles, exact, history, threshold)
    return exact + near, state
