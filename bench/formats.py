"""What wirehouse makes of any folder of mixed files: per format and per language.

    .venv/bin/python bench/formats.py FOLDER [--warehouse DIR] [--keep]

Runs `wirehouse run FOLDER` as a user would (a new process, Prefect's temporary server), then
prints, per input format: files and their fates, articles, quarantine rows by reason; per
article language: articles, what was extracted (`articles.extraction`), entities and quotes per
article. Not a test: point it at real files (other projects' test pages and outputs), kept
outside the repository.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tasks.io.catalog import query  # noqa: E402

BY_FORMAT = """
with f as (select coalesce(format, '(unread)') as format, file_id, path, status from files),
a as (select file_id, count(*) as articles from articles group by 1),
q as (select path, reason from quarantine)
select f.format, count(*) as files,
       count(*) filter (where status = 'ingested') as ingested,
       count(*) filter (where status = 'duplicate') as duplicate,
       count(*) filter (where status = 'quarantined') as quarantined,
       coalesce(sum(a.articles), 0) as articles,
       (select string_agg(reason || ' ' || n, ', ' order by n desc, reason) from
          (select q.reason, count(*) as n from q join f g on g.path = q.path where g.format = f.format group by 1))
         as quarantine_reasons
from f left join a using (file_id) group by 1 order by files desc, 1"""

BY_LANGUAGE = """
select coalesce(a.language, '(none)') as language, any_value(a.extraction) as extraction, count(*) as articles,
       round(avg(a.word_count)) as words,
       round(coalesce(sum(e.n), 0) / count(*), 1) as entities_per_article,
       round(coalesce(sum(q.n), 0) / count(*), 2) as quotes_per_article
from articles a
left join (select article_id, count(*) as n from entities group by 1) e using (article_id)
left join (select article_id, count(*) as n from quotes group by 1) q using (article_id)
group by 1 order by articles desc, 1"""


def table(columns: list[str], rows: list[tuple]) -> str:
    cells = [[str(c) for c in columns]] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(value.ljust(width) for value, width in zip(row, widths)) for row in cells]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--warehouse", type=Path, help="default: a temporary folder")
    args = parser.parse_args()
    warehouse = args.warehouse or Path(tempfile.mkdtemp(prefix="wirehouse-formats-")) / "warehouse"
    started = time.perf_counter()
    run = subprocess.run([str(REPO / ".venv" / "bin" / "wirehouse"), "run", str(args.folder), "--warehouse",
                          str(warehouse)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if run.returncode not in (0,):
        print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
        print(f"wirehouse run exited {run.returncode}")
        return 1
    (seen, articles, quarantined), = query(warehouse, "select files_seen, articles_new, quarantined from runs "
                                                      "order by ledger_version desc limit 1")[1]
    print(f"{args.folder}: {seen} files -> {articles} articles, {quarantined} quarantine rows in {seconds:.1f} s "
          f"(warehouse {warehouse})\n")
    print("per format\n" + table(*query(warehouse, BY_FORMAT)) + "\n")
    print("per language\n" + table(*query(warehouse, BY_LANGUAGE)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
