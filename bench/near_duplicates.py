"""Duplicates on BBC (101 groups of identical articles) and Reuters-21578, and the MinHash
library choice: datasketch against rensa on the same shingles (speed, same verified pairs).

    .venv/bin/python bench/near_duplicates.py

Dedup runs as the pipeline runs it, with the headline actors of each article (entities by
the real entity stage) and the default story window: the pairs the shingles alone would call
reprints but whose headlines name actors each unmentioned in the other, or whose undated
datelines are weeks apart, are counted and shown.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _corpora import unpacked  # noqa: E402

from tasks.clean import clean_records  # noqa: E402
from tasks.dedup import exact_duplicates, jaccard, minhash_of, near_duplicates, shingles_of, sketch  # noqa: E402
from tasks.entities import extract_entities, load_nlp  # noqa: E402
from tasks.io.readers import parse_file  # noqa: E402
from tasks.stories import DocumentFrequencies, StoryParams, headline_evidence  # noqa: E402

THRESHOLD, NUM_PERM = 0.5, 128


def load(archive: str, pattern: str) -> tuple[list[dict], dict[str, bytes]]:
    folder = unpacked(archive)
    raws, data = [], {}
    for path in sorted(folder.rglob(pattern)):
        rel = path.relative_to(folder).as_posix()
        data[rel] = path.read_bytes()
        parsed = parse_file(rel, data[rel], 10_000_000)
        raws += [dict(r, source_path=rel, file_id=parsed.file_id) for r in parsed.records]
    articles, _ = clean_records(raws, None)
    for article in articles:
        article["article_id"] = article["source_path"]
    return articles, data


def library_pairs(articles: list[dict]) -> dict[str, tuple[float, set]]:
    """Verified pairs from each library's LSH over identical shingles."""
    from datasketch import MinHashLSH
    from rensa import RMinHash, RMinHashLSH

    shingles = {a["article_id"]: shingles_of(a["body"]) for a in articles}
    sets = {k: set(v) for k, v in shingles.items()}
    out = {}

    started = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD * 0.6, num_perm=NUM_PERM)
    hashes = {}
    for key, values in shingles.items():
        hashes[key] = minhash_of(values, NUM_PERM)
        lsh.insert(key, hashes[key])
    pairs = {tuple(sorted((k, c))) for k, m in hashes.items() for c in lsh.query(m) if c != k}
    verified = {p for p in pairs if jaccard(shingles[p[0]], shingles[p[1]]) >= THRESHOLD}
    out["datasketch"] = (time.perf_counter() - started, verified)

    started = time.perf_counter()
    keys = list(shingles)
    lsh = RMinHashLSH(threshold=THRESHOLD * 0.6, num_perm=NUM_PERM, num_bands=32)
    hashes = []
    for i, key in enumerate(keys):
        minhash = RMinHash(num_perm=NUM_PERM, seed=1)
        minhash.update([str(s) for s in shingles[key]])
        hashes.append(minhash)
        lsh.insert(i, minhash)
    pairs = {tuple(sorted((keys[i], keys[c]))) for i, m in enumerate(hashes) for c in lsh.query(m) if c != i}
    verified = {p for p in pairs if len(sets[p[0]] & sets[p[1]]) / max(1, len(sets[p[0]] | sets[p[1]])) >= THRESHOLD}
    out["rensa"] = (time.perf_counter() - started, verified)
    return out


def dedup(articles: list[dict], nlp) -> tuple[list[dict], list[dict], float]:
    """Exact and near rows as the pipeline finds them, and the seconds dedup took; prints the
    pairs that only the headline actors or the datelines' days keep apart."""
    actors = headline_evidence(articles, extract_entities(articles, nlp), DocumentFrequencies())
    started = time.perf_counter()
    sketches = {a["article_id"]: sketch(a["body"]) for a in articles}
    exact = exact_duplicates(articles, {})
    near, _ = near_duplicates(articles, exact, sketches, None, THRESHOLD, actors, StoryParams().window_days)
    seconds = time.perf_counter() - started
    blind, _ = near_duplicates(articles, exact, sketches, None, THRESHOLD)
    kept = {(r["article_id"], r["duplicate_of"]) for r in near}
    apart = [r for r in blind if (r["article_id"], r["duplicate_of"]) not in kept]
    title = {a["article_id"]: (a.get("title") or a["body"][:50]).replace("\n", " ") for a in articles}
    print(f"  headline actors: {len(blind)} near rows from shingles alone, {len(apart)} of them kept apart"
          + "".join(f"\n    J {r['similarity']}: {title[r['article_id']][:50]} | {title[r['duplicate_of']][:50]}"
                    for r in apart[:8]))
    return exact, near, seconds


def main() -> None:
    nlp = load_nlp("en_core_web_sm")
    bbc, bbc_bytes = load("bbc/bbc-fulltext.tar.gz", "*.txt")
    exact, near, seconds = dedup(bbc, nlp)
    rows = exact + near
    print(f"BBC: {len(bbc)} articles; dedup {seconds:.1f} s; exact rows {len(exact)}, near rows {len(near)}")
    bodies = {rel: b"\n".join(data.split(b"\n")[1:]) for rel, data in bbc_bytes.items()}
    for name, key in (("identical files", bbc_bytes), ("identical bodies (headline aside)", bodies)):
        groups = defaultdict(list)
        for rel, content in key.items():
            groups[b" ".join(content.split())].append(rel)
        gold = [set(g) for g in groups.values() if len(g) > 1]
        group_of = {m: i for i, g in enumerate(gold) for m in g}
        # a group is found when all its members end up under one canonical
        root = {r["article_id"]: r["duplicate_of"] for r in rows}
        found = sum(1 for g in gold if len({root.get(m, m) for m in g}) == 1)
        outside = [r for r in rows if group_of.get(r["article_id"], -1) != group_of.get(r["duplicate_of"], -2)]
        low = min((r["similarity"] for r in outside), default=None)
        print(f"  gold = {name}: {found}/{len(gold)} groups found; {len(outside)} duplicate rows outside them "
              f"(lowest verified Jaccard {low})")

    reuters, _ = load("reuters21578/articles-txt.tar.gz", "*.txt")
    exact, near, seconds = dedup(reuters, nlp)
    print(f"Reuters: {len(reuters)} articles; exact {len(exact)}, near {len(near)}; dedup stage {seconds:.1f} s "
          f"({len(reuters) / seconds:.0f} articles/s)")

    try:
        import rensa  # noqa: F401
    except ImportError:  # the bench extra (pyproject), not in the lock the tests install
        print("library comparison skipped: rensa is not installed (.venv/bin/pip install rensa)")
        return
    for name, corpus in (("BBC", bbc), ("Reuters", reuters)):
        results = library_pairs(corpus)
        (ds_time, ds_pairs), (rs_time, rs_pairs) = results["datasketch"], results["rensa"]
        print(f"{name} library comparison (same 5-gram shingles, LSH at {THRESHOLD * 0.6:.2f}, verified J >= {THRESHOLD}):")
        print(f"  datasketch {ds_time:.1f} s, {len(ds_pairs)} pairs | rensa {rs_time:.1f} s, {len(rs_pairs)} pairs | "
              f"common {len(ds_pairs & rs_pairs)}, only datasketch {len(ds_pairs - rs_pairs)}, "
              f"only rensa {len(rs_pairs - ds_pairs)}")


if __name__ == "__main__":
    main()
