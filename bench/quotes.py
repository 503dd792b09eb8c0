"""Direct quotations on PolNeAR dev: precision, recall, F1 and speaker accuracy.

    .venv/bin/python bench/quotes.py [-v] [--no-parser] [--train [START]]

--train scores 84 train texts instead (from the START-th, 0 unless given): a check on text the
attribution rules were not tuned on (they were tuned while reading dev errors, and errors of
train texts 300-419).

Gold: every double-quoted segment (`“…”`, `"…"`, `''…''`) that lies inside a gold attribution's
Content span, with that attribution's Source as its speaker; one annotator per text (the
first .ann in name order). A predicted quote matches a gold one when their spans overlap by
half of the longer (IoU >= 0.5). The speaker is right when our speaker mention overlaps the
gold Source span, or our resolved speaker shares a word with the gold Source text. Two
annotation slips are read as meant: a Source that is only the cue word (`said`) with the name
labelled Cue (`…,” said David Plouffe`) takes the Cue span, and a matched quotation whose
attribution has no Source is counted apart, not scored for its speaker.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _corpora import unpacked  # noqa: E402

from tasks.entities import extract_entities, load_nlp  # noqa: E402
from tasks.quotes import CUES, extract_quotes, load_parser  # noqa: E402

# double quotes, curly or straight, or two single marks typed for one (`''…''`: NYT archive copy)
SEGMENT = re.compile(r"“([^”“]+)”|\"([^\"]+)\"|(?:''|``)(.+?)''")


def spans(field: str) -> list[tuple[int, int]]:
    return [tuple(map(int, part.split())) for part in field.split(";")]


def gold_of(text: str, ann: str) -> list[dict]:
    items, relations = {}, []
    for line in ann.splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 3:
            kind, _, where = parts[1].partition(" ")
            items[parts[0]] = (kind, spans(where))
        elif line.startswith("E") and len(parts) >= 2:
            relations.append(dict(arg.split(":", 1) for arg in parts[1].split() if ":" in arg))
    gold = []
    for relation in relations:
        contents = [items[v][1] for k, v in relation.items() if k.startswith("Content") and v in items]
        sources = [items[v][1] for k, v in relation.items() if k.startswith("Source") and v in items]
        source_spans = [s for group in sources for s in group]
        if source_spans and " ".join(text[a:b] for a, b in source_spans).strip().casefold() in CUES:
            # `…,” said David Plouffe, …` annotated Source `said`, Cue `David Plouffe, …`: the
            # annotator swapped the two labels; the speaker is the Cue span
            cues = [items[v][1] for k, v in relation.items() if k.startswith("Cue") and v in items]
            source_spans = [s for group in cues for s in group] or source_spans
        for group in contents:
            for start, end in group:
                for match in SEGMENT.finditer(text, start, end):
                    s, e = next(match.span(g) for g in (1, 2, 3) if match.group(g))
                    gold.append({"start": s, "end": e, "sources": source_spans,
                                 "source_text": " ".join(text[a:b] for a, b in source_spans)})
    unique = {(g["start"], g["end"]): g for g in gold}
    return list(unique.values())


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    overlap = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return overlap / max(a[1] - a[0], b[1] - b[0], 1)


def main() -> None:
    split = "train" if "--train" in sys.argv else "dev"
    root = unpacked("polnear/polnear-train-dev.tar.gz") / "data" / split
    annotations = {}
    for ann in sorted((root / "attributions").glob("*.ann")):
        annotations.setdefault(ann.stem.rsplit("_", 1)[0], ann)
    if split == "train":
        after = sys.argv[sys.argv.index("--train") + 1:]
        first = int(after[0]) if after and after[0].isdigit() else 0
        annotations = dict(sorted(annotations.items())[first:first + 84])
    nlp = load_nlp("en_core_web_sm")
    parser = None if "--no-parser" in sys.argv else load_parser("en_core_web_sm")
    tp = fp = fn = speaker_ok = sourceless = 0
    misses = []
    started = time.perf_counter()
    for name, ann in sorted(annotations.items()):
        text = (root / "text" / f"{name}.txt").read_text(encoding="utf-8")
        gold = gold_of(text, ann.read_text(encoding="utf-8"))
        article = {"article_id": name, "body": text}
        predicted = extract_quotes([article], extract_entities([article], nlp), parser)
        used = set()
        for p in predicted:
            best = max(range(len(gold)), key=lambda i: iou((p["start_char"], p["end_char"]), (gold[i]["start"], gold[i]["end"])),
                       default=None)
            if best is None or best in used or iou((p["start_char"], p["end_char"]), (gold[best]["start"], gold[best]["end"])) < 0.5:
                fp += 1
                if len(misses) < 400:
                    misses.append(("FP", p["text"][:70], p["speaker"]))
                continue
            used.add(best)
            tp += 1
            g = gold[best]
            if not g["sources"]:
                sourceless += 1  # an attribution with no annotated source: nothing to score the speaker on
                continue
            mention = (p["speaker_start_char"], p["speaker_end_char"]) if p["speaker_start_char"] is not None else None
            by_span = mention and any(iou(mention, s) > 0 or (s[0] <= mention[0] < s[1]) for s in g["sources"])
            by_name = p["speaker"] and set(p["speaker"].casefold().split()) & set(g["source_text"].casefold().split())
            if by_span or by_name:
                speaker_ok += 1
            elif len(misses) < 400:
                misses.append(("SPEAKER", p["text"][:50], p["speaker"], g["source_text"]))
        fn += len(gold) - len(used)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    print(f"PolNeAR {split}: {len(annotations)} texts, {tp + fn} gold direct quotations, {time.perf_counter() - started:.1f} s")
    print(f"direct quotations: precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}")
    print(f"speaker accuracy on matched quotations: {speaker_ok / max(1, tp - sourceless):.3f} "
          f"({speaker_ok}/{tp - sourceless}; {sourceless} more matched have no annotated source)")
    if "-v" in sys.argv:
        for miss in misses:
            print("  ", miss)


if __name__ == "__main__":
    main()
