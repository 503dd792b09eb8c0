"""Story precision on Reuters-21578 wire notices, through `wirehouse run` as a user runs it.

    .venv/bin/python bench/story_pairs.py --start 20001 [--count 1200] [--runs 4] [-v]

Reads files START .. START+COUNT-1 (by Reuters NEWID) into a fresh warehouse, in one run or in
RUNS runs by date (each run adds the next slice, as a scheduled feed would), then counts the
pairs of canonical articles (no copies) that share a story:
- by the ticker symbols of their gold headlines (`<UPJ>`, `<WCI>`): a notice names its issuer,
  so a pair whose symbols differ is two issuers' notices (boilerplate sharing a story, unless
  one event involves both: a takeover, a contract); a pair with a symbol in common is one
  issuer's. The pipeline never reads the symbols: they are gold, like the topics.
- by their gold topics: disjoint (both have topics, none shared) against shared.
Lower different-symbol and disjoint-topic counts, with same-symbol and shared-topic counts
kept, is better. `-v` lists the stories holding different-symbol pairs with their headlines.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _corpora import DATA, unpacked  # noqa: E402
from _runs import measured_run  # noqa: E402

SYMBOL = re.compile(r"<([A-Z0-9.]+)>")


def gold() -> dict[int, dict]:
    with open(DATA / "reuters21578" / "meta.jsonl", encoding="utf-8") as meta:
        return {int(m["newid"]): m for m in map(json.loads, meta)}


def story_pairs(articles: list[tuple[int, str]], meta: dict[int, dict]) -> dict[str, list]:
    """Pairs of (NEWID, NEWID) in one story, by what their gold says of them."""
    by_story: dict[str, list[int]] = defaultdict(list)
    for newid, story in articles:
        by_story[story].append(newid)
    pairs: dict[str, list] = {"different_symbol": [], "same_symbol": [], "disjoint_topics": [], "shared_topics": []}
    for story, members in by_story.items():
        for a, b in itertools.combinations(sorted(members), 2):
            symbols = [set(SYMBOL.findall(meta[n]["title"])) for n in (a, b)]
            if all(symbols):
                pairs["same_symbol" if symbols[0] & symbols[1] else "different_symbol"].append((story, a, b))
            topics = [set(meta[n]["topics"]) for n in (a, b)]
            if all(topics):
                pairs["shared_topics" if topics[0] & topics[1] else "disjoint_topics"].append((story, a, b))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--start", type=int, default=20001, help="first NEWID")
    parser.add_argument("--count", type=int, default=1200)
    parser.add_argument("--runs", type=int, default=1, help="runs by date, each adding the next slice")
    parser.add_argument("-v", action="store_true", help="list the stories holding different-symbol pairs")
    args = parser.parse_args()

    import duckdb

    meta = gold()
    texts = unpacked("reuters21578/articles-txt.tar.gz") / "txt"
    chosen = sorted((n for n in range(args.start, args.start + args.count) if (texts / f"{n:05d}.txt").exists()),
                    key=lambda n: (meta[n]["date"], n))
    slices = [chosen[i * len(chosen) // args.runs:(i + 1) * len(chosen) // args.runs] for i in range(args.runs)]
    work = Path(tempfile.mkdtemp(prefix="wirehouse-story-pairs-"))
    source, warehouse = work / "source", work / "warehouse"
    source.mkdir()
    warehouse.mkdir()
    try:
        for i, part in enumerate(slices, 1):
            for n in part:
                shutil.copy(texts / f"{n:05d}.txt", source / f"{n:05d}.txt")
            run = measured_run(source, warehouse, work / "prefect")
            print(f"run {i}/{args.runs}: {len(part)} files, {run.seconds:.1f} s", flush=True)
        with duckdb.connect(str(warehouse / "news.duckdb"), read_only=True) as con:
            rows = con.execute("""select a.source_path, a.story_id from articles a
                                  where a.article_id not in (select article_id from duplicates)""").fetchall()
        articles = [(int(Path(path).stem), story) for path, story in rows]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    pairs = story_pairs(articles, meta)
    stories = {story for _, story in articles}
    print(f"Reuters-21578 NEWID {args.start}-{args.start + args.count - 1}: {len(chosen)} files in {args.runs} run(s), "
          f"{len(articles)} canonical articles in {len(stories)} stories")
    for kind, found in pairs.items():
        print(f"{kind.replace('_', '-')} pairs in one story: {len(found)} in {len({s for s, _, _ in found})} stories")
    if args.v:
        for story in sorted({s for s, _, _ in pairs["different_symbol"]}):
            members = sorted(n for n, s in articles if s == story)
            print(f"  {story}:")
            for n in members:
                print(f"    {n:05d} {meta[n]['title']}")


if __name__ == "__main__":
    main()
