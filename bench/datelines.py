"""Dateline accuracy: city and date against gold, on Reuters-21578 and on CoNLL-2003's documents.

    .venv/bin/python bench/datelines.py            # Reuters-21578 (gold: meta.jsonl)
    .venv/bin/python bench/datelines.py --conll    # CoNLL-2003 train + testa documents (1996 Reuters)

CoNLL documents open with a headline (often a topic slug, a dash and a caps headline:
`RUGBY UNION - CUTTITTA BACK FOR ITALY AFTER A YEAR.`), sometimes a byline, then the dateline
on a line of its own (`ROME 1996-12-06`); that line is the gold, and the headline must become
the title, not a dateline.

Runs the real ingest + clean stages on every story (1987 is the corpus year, given as the
reference date, as a user would configure it). Gold city = the text before the first comma
or the date; gold date = the gold dateline's month and day in 1987.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _corpora import DATA, unpacked  # noqa: E402

from tasks.clean import clean_records  # noqa: E402
from tasks.io.readers import parse_file  # noqa: E402

MONTH = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


class _Swapped:
    def __init__(self, match):
        self.match = match

    def start(self):
        return self.match.start()

    def group(self, n):
        return self.match.group(2 if n == 1 else 1)


def gold_of(dateline: str) -> tuple[str | None, dt.date | None]:
    found = re.search(r"\b([A-Za-z]{3})[A-Za-z.]*\s*(\d{1,2})\b", dateline) or \
        re.search(r"\b(\d{1,2})\s+([A-Za-z]{3})", dateline)
    if found and found.group(1).isdigit():  # "2 March"
        found = _Swapped(found)
    city_part = dateline[: found.start()] if found and found.group(1).lower() in MONTH else dateline
    city = city_part.split(",")[0].strip(" -") or None
    date = None
    if found and found.group(1).lower() in MONTH:
        try:
            date = dt.date(1987, MONTH[found.group(1).lower()], int(found.group(2)))
        except ValueError:
            pass
    return city, date


_CONLL_DATELINE = re.compile(r"^(?P<city>[A-Z][^\d\n]*?)\s+(?P<date>(?:19|20)\d\d-\d\d-\d\d)\s*$")


def conll() -> None:
    docs = [json.loads(line) for line in (DATA / "conll2003" / "docs-train-testa.jsonl").open()]
    city_ok = date_ok = with_gold = false_datelines = no_gold = titled = 0
    misses = []
    started = time.perf_counter()
    for doc in docs:
        lines = doc["text"].split("\n")
        gold = next((m for m in map(_CONLL_DATELINE.match, lines[:4]) if m), None)
        name = f"{doc['split']}-{doc['doc']}.txt"
        parsed = parse_file(name, doc["text"].encode(), 10_000_000)
        raws = [dict(r, source_path=name, file_id=parsed.file_id) for r in parsed.records]
        articles, _ = clean_records(raws, None)
        article = articles[0] if articles else {}
        got_city, got_date = article.get("dateline_city"), article.get("dateline_date")
        if gold is None:
            no_gold += 1
            false_datelines += got_city is not None
            if got_city is not None and len(misses) < 25:
                misses.append((name, lines[:2], got_city, got_date))
            continue
        with_gold += 1
        titled += bool(article.get("title"))
        c_ok = (got_city or "").casefold() == gold["city"].split(",")[0].strip().casefold()
        d_ok = got_date == dt.date.fromisoformat(gold["date"])
        city_ok += c_ok
        date_ok += d_ok
        if not (c_ok and d_ok) and len(misses) < 25:
            misses.append((name, lines[:3], got_city, got_date))
    seconds = time.perf_counter() - started
    print(f"CoNLL-2003 documents: {len(docs)} ({with_gold} with a dateline line) in {seconds:.1f} s")
    report(city_ok, date_ok, with_gold, misses, f"with a title: {titled / with_gold:.4f}\n"
           f"datelines found where there is no dateline line: {false_datelines} of {no_gold}")


def report(city_ok: int, date_ok: int, with_gold: int, misses: list, more: str) -> None:
    print(f"city accuracy: {city_ok / with_gold:.4f}")
    print(f"date accuracy: {date_ok / with_gold:.4f}")
    print(more)
    if "-v" in sys.argv:
        for miss in misses:
            print("  miss", miss)


def main() -> None:
    if "--conll" in sys.argv:
        return conll()
    folder = unpacked("reuters21578/articles-txt.tar.gz")
    meta = [json.loads(line) for line in (DATA / "reuters21578" / "meta.jsonl").open()]
    files = {p.stem.lstrip("0"): p for p in folder.rglob("*.txt")}
    city_ok = date_ok = with_gold = false_datelines = no_gold = 0
    misses = []
    started = time.perf_counter()
    for row in meta:
        path = files[row["newid"]]
        parsed = parse_file(path.name, path.read_bytes(), 10_000_000)
        raws = [dict(r, source_path=path.name, file_id=parsed.file_id) for r in parsed.records]
        articles, _ = clean_records(raws, dt.date(1987, 12, 31))
        article = articles[0] if articles else {}
        got_city, got_date = article.get("dateline_city"), article.get("dateline_date")
        if not row["dateline"]:
            no_gold += 1
            false_datelines += got_city is not None
            continue
        with_gold += 1
        gold_city, gold_date = gold_of(row["dateline"])
        c_ok = (got_city or "").casefold() == (gold_city or "").casefold()
        d_ok = got_date == gold_date
        city_ok += c_ok
        date_ok += d_ok
        if not (c_ok and d_ok) and len(misses) < 25:
            misses.append((row["newid"], row["dateline"], got_city, got_date))
    seconds = time.perf_counter() - started
    print(f"stories: {len(meta)} ({with_gold} with a gold dateline) in {seconds:.1f} s "
          f"({len(meta) / seconds:.0f} stories/s, ingest+clean)")
    report(city_ok, date_ok, with_gold, misses, f"datelines found where gold has none: {false_datelines} of {no_gold}")


if __name__ == "__main__":
    main()
