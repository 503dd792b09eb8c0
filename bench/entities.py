"""Entity quality on CoNLL-2003: PER/ORG/LOC precision, recall, F1.

    .venv/bin/python bench/entities.py [--bare] [--split testa|train] [--start K] [--limit N]

eng.testa is the dev split the rules were tuned on; `--split train` scores documents of the
train split (N of them from the K-th with --start/--limit). Errors were read on train documents
400-799 only: 0-399 and 800-945 are the train documents no rule was written from.

Gold entities come without offsets, so each document is scored as a multiset of
(type, text): a predicted mention is right when the document has an unmatched gold entity
of the same type and text. spaCy labels map PERSON->PER, ORG->ORG, GPE/LOC/FAC->LOC.
Each line (one sentence or headline) is a paragraph, as the entity stage runs. `--bare`
scores plain en_core_web_sm without wirehouse's news resolution.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _corpora import DATA  # noqa: E402

from tasks.entities import extract_entities, load_nlp, recognise  # noqa: E402

MAP = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
TYPES = ("PER", "ORG", "LOC")


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--bare", action="store_true")
    parser.add_argument("--split", default="testa", choices=("testa", "train"))
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    bare = args.bare
    docs = [json.loads(line) for line in (DATA / "conll2003" / "docs-train-testa.jsonl").open()]
    docs = [d for d in docs if d["split"] == args.split][args.start:]
    docs = docs[:args.limit]
    articles = [{"article_id": str(d["doc"]), "body": "\n\n".join(d["text"].split("\n"))} for d in docs]
    nlp = load_nlp("en_core_web_sm")
    started = time.perf_counter()
    if bare:
        mentions = recognise(articles, nlp)
        bodies = {a["article_id"]: a["body"] for a in articles}
        for m in mentions:
            m["text"] = bodies[m["article_id"]][m["start_char"]:m["end_char"]]
    else:
        mentions = extract_entities(articles, nlp)
    seconds = time.perf_counter() - started
    predicted: dict[str, Counter] = {}
    for m in mentions:
        if m["label"] in MAP:
            predicted.setdefault(m["article_id"], Counter())[(MAP[m["label"]], m["text"])] += 1
    stats = {t: [0, 0, 0] for t in TYPES}  # tp, predicted, gold
    for doc in docs:
        gold = Counter((e["type"], e["text"]) for e in doc["entities"] if e["type"] in TYPES)
        guess = predicted.get(str(doc["doc"]), Counter())
        for (kind, text), n in guess.items():
            stats[kind][0] += min(n, gold.get((kind, text), 0))
            stats[kind][1] += n
        for (kind, _), n in gold.items():
            stats[kind][2] += n
    print(f"CoNLL-2003 eng.{args.split}: {len(docs)} documents, {'bare en_core_web_sm' if bare else 'wirehouse entities'}, "
          f"{seconds:.1f} s")
    total = [sum(s[i] for s in stats.values()) for i in range(3)]
    for name, (tp, npred, ngold) in [*stats.items(), ("PER/ORG/LOC", total)]:
        p, r = tp / max(1, npred), tp / max(1, ngold)
        print(f"  {name:12s} precision {p:.4f} recall {r:.4f} F1 {2 * p * r / max(1e-9, p + r):.4f}")


if __name__ == "__main__":
    main()
