"""Story clustering quality on ECB+ (topics 1-22, gold same-event clusters): adjusted Rand index.

    .venv/bin/python bench/stories.py [--threshold 0.18] [--splits 10] [--headlines]

Runs the real clean, entity and story stages: once with every document in one run, and once
split over three runs (state carried between them as the warehouse does) to show that the
incremental decision matches. `--splits N` also prints the mean and range of the three-run
score over N random splits (seeds 7, 8, …): one split moves by a few points with the order.
`--headlines` gives each text a title, as a feed would: the paragraph after its URL line, else a
first paragraph of at most 150 characters (the texts come without one), to measure the
headline-actor rule on one event told by many outlets.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _corpora import DATA, unpacked  # noqa: E402

from tasks.clean import clean_record  # noqa: E402
from tasks.entities import extract_entities, load_nlp  # noqa: E402
from tasks.spec import to_table  # noqa: E402
from tasks.stories import DocumentFrequencies, StoryEvidence, StoryParams, match_stories, resolve_merges  # noqa: E402


def headline_of(body: str) -> str | None:
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    if paragraphs and paragraphs[0].startswith("http"):
        paragraphs = paragraphs[1:]
    return paragraphs[0] if paragraphs and len(paragraphs[0]) <= 150 else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threshold", type=float, default=StoryParams.threshold)
    parser.add_argument("--merge-threshold", type=float, default=StoryParams.merge_threshold)
    parser.add_argument("--splits", type=int, default=1)
    parser.add_argument("--headlines", action="store_true")
    args = parser.parse_args()
    from sklearn.metrics import adjusted_rand_score

    folder = unpacked("ecbplus/ecbplus-dev-txt.tar.gz")
    gold_rows = list(csv.DictReader((DATA / "ecbplus" / "clusters-dev.tsv").open(), delimiter="\t"))
    articles = []
    for row in gold_rows:
        text = next(folder.rglob(f"{row['doc']}.txt")).read_text(encoding="utf-8")
        cleaned = clean_record({"text": text, "format": "txt"}, None)
        articles.append({"article_id": row["doc"], **cleaned})
        if args.headlines:
            articles[-1]["title"] = headline_of(cleaned["body"])
    gold = {row["doc"]: row["cluster"] for row in gold_rows}
    started = time.perf_counter()
    entities = extract_entities(articles, load_nlp("en_core_web_sm"))
    ner_seconds = time.perf_counter() - started
    params = StoryParams(threshold=args.threshold, merge_threshold=args.merge_threshold)

    def score(runs: list[list[dict]]) -> tuple[float, int, float, int]:
        stored, df, story_of, moved = [], DocumentFrequencies(), {}, 0
        began = time.perf_counter()
        for batch in runs:  # between runs, state goes through the table the warehouse keeps
            ids = {a["article_id"] for a in batch}
            evidence = StoryEvidence.from_arrow(to_table("_story_terms", stored))
            match = match_stories(batch, [e for e in entities if e["article_id"] in ids], evidence, df, params)
            survivor_of = resolve_merges(match.merges)
            story_of = {aid: survivor_of.get(sid, sid) for aid, sid in story_of.items()} | match.moved | match.story_of
            stored = [{**row, "story_id": story_of[row["article_id"]]} for row in stored] + match.evidence_rows
            df, moved = match.df, moved + len(match.moved)
        docs = sorted(gold)
        return (adjusted_rand_score([gold[d] for d in docs], [story_of[d] for d in docs]), len(set(story_of.values())),
                time.perf_counter() - began, moved)

    def three_runs(seed: int) -> tuple[float, int, float, int]:
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        return score([shuffled[i::3] for i in range(3)])

    one = score([articles])
    three = three_runs(7)
    titled = sum(1 for a in articles if a.get("title"))
    print(f"ECB+ dev: {len(articles)} documents ({titled} with a headline), {len(set(gold.values()))} gold clusters; "
          f"NER {ner_seconds:.1f} s")
    print(f"one run:    ARI {one[0]:.4f}, {one[1]} stories, {one[2]:.2f} s")
    print(f"three runs: ARI {three[0]:.4f}, {three[1]} stories, {three[2]:.2f} s, {three[3]} earlier articles moved "
          "by splits")
    if args.splits > 1:
        scores = [three[0]] + [three_runs(seed)[0] for seed in range(8, 7 + args.splits)]
        print(f"three runs over {args.splits} splits: mean ARI {sum(scores) / len(scores):.4f}, "
              f"min {min(scores):.4f}, max {max(scores):.4f}")


if __name__ == "__main__":
    main()
