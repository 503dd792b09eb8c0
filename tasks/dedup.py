"""Dedup: which new articles are copies of an earlier (or same-run) article.

Pure over plain records: the flow passes in what history it needs (the canonical article
for each body hash already in the warehouse) and gets back `duplicates` rows.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.clean import words_of
from tasks.stories import HeadlineActors, filed_apart, named_apart

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


NUM_PERM = 128
MINHASH_SCHEME = "affine32"  # datasketch 2.0's default; stored signatures are only valid under it


def shingles_of(body: str, size: int = 5) -> list[int]:
    """Sorted distinct CRC-32 hashes of the body's word n-grams (casefolded)."""
    tokens = words_of(body.casefold())  # in scripts without spaces, character n-grams
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


def sketch(body: str, num_perm: int = NUM_PERM) -> tuple[list[int], list[int]]:
    """(MinHash signature, shingles) of a body: what near-duplicate matching compares. Computed
    per article alongside extraction; kept in `_minhash` for canonical articles."""
    shingles = shingles_of(body)
    return minhash_of(shingles, num_perm).hashvalues.tolist(), shingles


def signature_matrix(table) -> np.ndarray:
    """The `signature` column of `_minhash` rows as one n x NUM_PERM numpy block (no Python
    object per number)."""
    import pyarrow.compute as pc

    signatures = pc.list_flatten(table.column("signature")).to_numpy(zero_copy_only=False)
    return signatures.astype(np.uint64).reshape(table.num_rows, NUM_PERM)


@dataclass
class SketchHistory:
    """Signatures (one row each) and shingles of every earlier canonical article, as read
    from `_minhash` without turning 128 numbers per article into Python objects."""

    ids: list[str]
    signatures: np.ndarray  # n x num_perm, uint64
    shingles: pa.ListArray  # one list of ints per row

    @classmethod
    def from_arrow(cls, table) -> SketchHistory:
        """From the `_minhash` table: signatures as one numpy block, shingles left in Arrow."""
        return cls(table.column("article_id").to_pylist(), signature_matrix(table),
                   table.column("shingles").combine_chunks())

    def shingles_of(self, row: int) -> list[int]:
        return self.shingles[row].as_py()


_BAND_MIX = np.uint64(0x9E3779B97F4A7C15)


def _band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 per (article, band): a hash of the band's slice of the signature. Equal
    slices give equal keys; the rare unequal slice that collides only adds a candidate,
    which the Jaccard check then drops."""
    weights = np.random.default_rng(7).integers(1, 2**63, size=rows, dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):
        return np.stack([(signatures[:, b * rows:(b + 1) * rows] * weights).sum(axis=1, dtype=np.uint64)
                         for b in range(bands)], axis=1) if len(signatures) else np.zeros((0, bands), np.uint64)


def lsh_scheme(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) of the LSH index for a verification threshold: a low LSH threshold keeps
    recall high near the cut; verification decides."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=max(0.05, threshold * 0.6), num_perm=num_perm)
    return lsh.b, lsh.r


def stored_band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """The band keys `_lsh_bands` keeps, as int64 (article x band): the band number is mixed
    in so that equal slices of different bands never meet."""
    mixed = _band_keys(signatures, bands, rows) ^ (np.arange(1, bands + 1, dtype=np.uint64) * _BAND_MIX)
    return mixed.view(np.int64)


def band_table(ids: list[str], signatures: np.ndarray, bands: int, rows: int) -> pa.Table:
    """`_lsh_bands` rows of canonical articles (built in Arrow: a backfill makes millions)."""
    keys = stored_band_keys(signatures.reshape(-1, NUM_PERM), bands, rows)
    return pa.table({"key": pa.array(keys.ravel(), pa.int64()),
                     "article_id": pa.array(np.repeat(np.asarray(ids, dtype=object), bands), pa.string()),
                     "scheme": pa.array([f"{bands}x{rows}"] * keys.size, pa.string())})


def history_candidates(new: np.ndarray, history: SketchHistory, bands: int, rows: int) -> list[set[int]]:
    """For each new signature, the history rows that share one of its LSH bands (numpy over
    the whole history instead of one index insert per stored article)."""
    found: list[set[int]] = [set() for _ in range(len(new))]
    if not len(new) or not len(history.ids):
        return found
    new_keys, old_keys = _band_keys(new, bands, rows), _band_keys(history.signatures, bands, rows)
    for band in range(bands):
        hits = np.flatnonzero(np.isin(old_keys[:, band], new_keys[:, band]))
        if not len(hits):
            continue
        rows_of: dict[int, list[int]] = {}
        for row in hits.tolist():
            rows_of.setdefault(int(old_keys[row, band]), []).append(row)
        for i, key in enumerate(new_keys[:, band].tolist()):
            found[i].update(rows_of.get(key, ()))
    return found


def near_duplicates(articles: list[dict], exact_rows: list[dict], sketches: dict[str, tuple[list[int], list[int]]],
                    history: SketchHistory | None, threshold: float, actors: dict[str, HeadlineActors] | None = None,
                    window_days: int | None = None, num_perm: int = NUM_PERM) -> tuple[list[dict], list[dict]]:
    """`kind = 'near'` rows for reprints, and the MinHash state rows of new canonical articles.

    sketches: article_id -> (signature, shingles) of each new article; history: the same for
    the earlier canonical articles that share an LSH band with one of them (or more). MinHash
    LSH proposes candidates; the verified Jaccard of the shingle sets decides, except that two
    articles whose headlines lead with actors, neither of which the other mentions (`actors`, new and
    earlier articles alike; see `stories.named_apart`), are no reprints: one template filled in
    for two issuers shares most of its shingles. Nor are two undated articles whose datelines are
    more than `window_days` apart (`stories.filed_apart`). New articles are taken in canonical order, so
    the earliest (then longest) of a group is its canonical."""
    from datasketch import LeanMinHash, MinHashLSH

    history = history or SketchHistory([], np.zeros((0, num_perm), np.uint64), pa.array([], pa.list_(pa.int64())))
    bands, band_rows = lsh_scheme(threshold, num_perm)
    lsh = MinHashLSH(num_perm=num_perm, params=(bands, band_rows))
    copies = {row["article_id"] for row in exact_rows}
    ordered = sorted((a for a in articles if a["article_id"] not in copies), key=canonical_order)
    signatures = np.array([sketches[a["article_id"]][0] for a in ordered], dtype=np.uint64).reshape(-1, num_perm)
    earlier = history_candidates(signatures, history, lsh.b, lsh.r)
    shingles_by_id: dict[str, list[int]] = {}
    rows, state = [], []
    for article, signature, old in zip(ordered, signatures, earlier):
        shingles = sketches[article["article_id"]][1]
        minhash = LeanMinHash(seed=1, hashvalues=signature, scheme=MINHASH_SCHEME)
        scored = [(jaccard(shingles, history.shingles_of(r)), history.ids[r]) for r in old]
        scored += [(jaccard(shingles, shingles_by_id[c]), c) for c in lsh.query(minhash)]
        mine = (actors or {}).get(article["article_id"])
        scored = [(score, c) for score, c in scored if not (mine and c in actors and (
            named_apart(mine, actors[c]) or window_days is not None and filed_apart(mine, actors[c], window_days)))]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        if scored and scored[0][0] >= threshold:
            similarity, original = scored[0]
            rows.append({"article_id": article["article_id"], "duplicate_of": original, "kind": "near",
                         "similarity": round(similarity, 4)})
            continue
        lsh.insert(article["article_id"], minhash, check_duplication=False)
        shingles_by_id[article["article_id"]] = shingles
        state.append({"article_id": article["article_id"], "signature": signature.tolist(), "shingles": shingles})
    return rows, state


@task(name="dedup", cache_policy=NO_CACHE)
def find_duplicates(articles: list[dict], sketches: dict, known_by_hash: dict[str, str], history: SketchHistory | None,
                    threshold: float, actors: dict[str, HeadlineActors] | None = None, window_days: int | None = None):
    exact = exact_duplicates(articles, known_by_hash)
    near, state = near_duplicates(articles, exact, sketches, history, threshold, actors, window_days)
    return exact + near, state
