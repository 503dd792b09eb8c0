"""Scale: does a run cost what its new work costs, whatever the warehouse already holds?

    .venv/bin/python bench/scale.py build --articles N --warehouse DIR
    .venv/bin/python bench/scale.py [--sizes 0,100000,1000000] [--add 1000] [--cache /tmp/wirehouse-scale]

`build` writes a synthetic warehouse of N articles without NER, through the project's own
`Lake.commit` and ledger (one ledger row per 20,000 articles), so `wirehouse run` extends it
like any other. Per article, sized like Reuters-21578 as the pipeline publishes it:
- `articles`: a body of words drawn (Zipf-weighted) from the Reuters vocabulary, 40-400
  words in paragraphs (Reuters: median ~90), a title, dateline fields, one published date; the
  articles are spread over the days before 26 Feb 1987 (where the Reuters files added next
  begin) at 2,000 a day, so a story window of 7 days holds 14,000 of them;
- `files` and `_file_stats`: one `.txt` file per article (as Reuters comes);
- `duplicates`: 3% exact copies and 2% near copies (a few words changed) of an article of the
  same day; the copies share the original's story, as the pipeline makes them;
- `stories`: consecutive articles of a day in stories of 1-4 (mean ~1.6); `_story_terms`: the
  real `article_evidence` and headline evidence (by its chunk's word frequencies) of each canonical
  article; `_term_df`: the real frequencies;
- `entities` 16, `quotes` 0.5, `amounts` 1.5, `date_mentions` 2 per article, at real offsets
  in the body, names drawn from a pool of 50,000;
- `_minhash` and `_lsh_bands`: the real shingles, signatures (vectorised, equal to
  datasketch's) and band keys of each canonical article.

The measurements (default): a `wirehouse run` adding the first `--add` Reuters files to a
copy of a warehouse of each size (seconds per stage from the ledger, peak RSS of the flow's
process and of the whole process tree); the memory of one run of 20,000 against one of
200,000 articles (`--memory`, NER on; see `--memory-sizes` and `--stream-files`); and warm
scheduled runs of 30 new files under `wirehouse serve` (`--serve RUNS`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from _corpora import unpacked  # noqa: E402
from _runs import measured_run  # noqa: E402

LAST_DAY = dt.date(1987, 2, 25)
PER_DAY = 2000
CHUNK = 20_000
LABELS = ["PERSON"] * 5 + ["ORG"] * 5 + ["GPE"] * 4 + ["NORP", "DATE"]


def _vocabulary() -> tuple[list[str], np.ndarray]:
    """Words of the Reuters bodies and Zipf weights by rank."""
    from collections import Counter

    folder = unpacked("reuters21578/articles-txt.tar.gz")
    counts = Counter()
    for path in sorted(folder.rglob("*.txt"))[:5000]:
        counts.update(path.read_text(encoding="utf-8", errors="replace").split())
    words = [w for w, _ in counts.most_common(40_000)]
    weights = 1.0 / np.arange(1, len(words) + 1) ** 1.05
    return words, weights / weights.sum()


_WORDS: list[str] = []
_WEIGHTS = None


def _init(words, weights):
    global _WORDS, _WEIGHTS
    _WORDS, _WEIGHTS = words, weights


def _article_id(i: int) -> str:
    return hashlib.sha256(f"synthetic article {i}".encode()).hexdigest()[:20]


def _signatures(shingle_lists: list[list[int]]) -> np.ndarray:
    """datasketch's MinHash (seed 1, hashfunc=int, its default scheme) for many shingle sets,
    without a MinHash object each (the same arithmetic, checked equal in `build`)."""
    from datasketch import MinHash
    from datasketch.minhash import _SCHEME_WIDTHS, _fmix

    template = MinHash(num_perm=128, seed=1, hashfunc=int)
    a, b = template.permutations
    out = np.empty((len(shingle_lists), 128), np.uint64)
    for row, shingles in enumerate(shingle_lists):
        if not shingles:
            out[row] = template.hashvalues
            continue
        hv = _fmix(template._hash_input_array(shingles).reshape(-1, 1), _SCHEME_WIDTHS[template.scheme])
        out[row] = np.minimum(template.hashvalues, (hv * a + b).min(axis=0))
    return out


def make_chunk(start: int, stop: int, run_id: str) -> dict[str, list[dict]]:
    """The rows of articles start..stop-1 (see the module docstring)."""
    from tasks.clean import body_hash
    from tasks.dedup import shingles_of
    from tasks.stories import DocumentFrequencies, article_evidence, evidence_rows, headline_actors, updated_df

    rng = np.random.default_rng(start)
    rows = {name: [] for name in ("files", "_file_stats", "articles", "duplicates", "entities", "quotes", "amounts",
                                  "date_mentions", "_minhash", "_story_terms")}
    story_of, canonical, originals = {}, [], {}
    story, left = None, 0
    for i in range(start, stop):
        aid = _article_id(i)
        day = LAST_DAY - dt.timedelta(days=(stop_total - 1 - i) // PER_DAY)
        copy_of = None
        roll = rng.random()
        if originals.get(day) and roll < 0.05:
            copy_of = originals[day][int(rng.integers(len(originals[day])))]
        if copy_of is None:
            n = int(np.clip(rng.lognormal(4.6, 0.6), 40, 400))
            words = rng.choice(len(_WORDS), size=n, p=_WEIGHTS)
            paragraphs = np.array_split(words, max(1, n // 45))
            body = "\n\n".join(" ".join(_WORDS[w] for w in p) + "." for p in paragraphs)
            if left == 0:
                story, left = f"st-{aid[:16]}", int(rng.integers(1, 5))
            left -= 1
            story_of[aid] = story
        else:
            body = copy_of["body"]
            if roll >= 0.03:  # a near copy: a few words changed
                parts = body.split(" ")
                for k in rng.integers(0, len(parts), size=3):
                    parts[k] = _WORDS[int(rng.integers(len(_WORDS)))]
                body = " ".join(parts)
            story_of[aid] = copy_of["story_id"]
        path = f"synthetic/{i:07d}.txt"
        fid = hashlib.sha256(path.encode()).hexdigest()
        size = len(body.encode()) + 120
        rows["files"].append({"file_id": fid, "path": path, "size_bytes": size, "format": "txt", "encoding": "utf-8",
                              "status": "ingested", "records": 1, "run_id": run_id})
        rows["_file_stats"].append({"path": path, "size_bytes": size, "modified_ns": 0, "file_id": fid})
        article = {"article_id": aid, "file_id": fid, "source_path": path, "record_index": 0, "locator": None,
                   "title": " ".join(body.split()[:8]).upper(), "body": body, "language": "en", "extraction": "full",
                   "agency": "Reuters", "dateline_city": "New York", "dateline_country": "US", "dateline_date": day,
                   "published_date": day, "published_date_source": "dateline", "word_count": len(body.split()),
                   "body_hash": body_hash(body), "story_id": story_of[aid], "run_id": run_id}
        rows["articles"].append(article)
        if copy_of is not None:
            exact = article["body_hash"] == copy_of["body_hash"]
            rows["duplicates"].append({"article_id": aid, "duplicate_of": copy_of["article_id"],
                                       "kind": "exact" if exact else "near", "similarity": 1.0 if exact else 0.93,
                                       "run_id": run_id})
        else:
            canonical.append(article)
            originals.setdefault(day, []).append(article)
        cuts = np.sort(rng.choice(max(2, len(body) - 12), size=21, replace=False))
        for k, at in enumerate(cuts[:16].tolist()):
            name = f"Name{int(rng.zipf(1.3)) % 50_000}"
            rows["entities"].append({"article_id": aid, "start_char": at, "end_char": at + 8, "text": body[at:at + 8],
                                     "label": LABELS[k % len(LABELS)], "canonical_name": name, "run_id": run_id})
        for k, at in enumerate(cuts[16:].tolist()):
            table = ("amounts", "amounts", "date_mentions", "date_mentions", "quotes")[k]
            if table == "quotes" and rng.random() < 0.5:
                continue
            row = {"article_id": aid, "start_char": at, "end_char": at + 10, "text": body[at:at + 10], "run_id": run_id}
            if table == "amounts":
                row |= {"value": float(rng.integers(1, 10_000)), "currency": "USD"}
            elif table == "date_mentions":
                row |= {"resolved_date": day, "granularity": "day"}
            else:
                row |= {"speaker": "the company", "cue": "said"}
            rows[table].append(row)
    shingles = [shingles_of(a["body"]) for a in canonical]
    signatures = _signatures(shingles)
    rows["_minhash"] = [{"article_id": a["article_id"], "signature": s.tolist(), "shingles": sh}
                        for a, s, sh in zip(canonical, signatures, shingles)]
    ids = {a["article_id"] for a in canonical}
    mentions = [e for e in rows["entities"] if e["article_id"] in ids]
    counts, name_counts, when = article_evidence(canonical, mentions)
    # headline actors by the word frequencies of this chunk: chunks are built apart
    headline = headline_actors(canonical, mentions, updated_df(DocumentFrequencies(), counts, name_counts))
    rows["_story_terms"] = evidence_rows(canonical, counts, name_counts, headline, when, story_of)
    return rows


stop_total = 0


def _chunk_job(args):
    global stop_total
    start, stop, total, run_id = args
    stop_total = total
    return make_chunk(start, stop, run_id)


def build(n: int, warehouse: Path) -> None:
    """Write the synthetic warehouse of n articles (see the module docstring)."""
    from scipy.sparse import csr_matrix

    from tasks.dedup import band_table, lsh_scheme
    from tasks.io.lake import Lake
    from tasks.spec import MERGE_KEYS, to_table
    from tasks.stories import N_FEATURES, DocumentFrequencies, summarise_stories, updated_df

    from tasks.dedup import sketch

    probe = "one two three four five six seven eight nine ten eleven twelve"
    assert _signatures([sketch(probe)[1]])[0].tolist() == sketch(probe)[0], "datasketch changed its MinHash"
    lake = Lake(warehouse)
    lake.ensure_tables()
    if lake.ledger().num_rows:
        raise SystemExit(f"{warehouse} already holds a warehouse")
    words, weights = _vocabulary()
    df = DocumentFrequencies()
    bands, rows_per_band = lsh_scheme(0.5)
    began = time.perf_counter()
    jobs = [(s, min(s + CHUNK, n), n, f"synthetic-{s // CHUNK:05d}") for s in range(0, n, CHUNK)]
    with Pool(2, initializer=_init, initargs=(words, weights)) as pool:
        for (start, stop, _, run_id), rows in zip(jobs, pool.imap(_chunk_job, jobs)):
            def present(column: str):  # which terms each canonical article holds, for the frequencies
                lists = [r[column] for r in rows["_story_terms"]]
                offsets = np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(np.int64)
                return csr_matrix((np.ones(offsets[-1]), np.concatenate([np.asarray(x, np.int64) for x in lists]),
                                   offsets), shape=(len(lists), N_FEATURES))

            before, df = df, updated_df(df, present("text_index"), present("name_index"))
            story_of = {a["article_id"]: a["story_id"] for a in rows["articles"]}
            known = {s["story_id"]: s for s in lake.scan("stories", "*", "story_id IN (SELECT k FROM wanted)",
                                                           {"wanted": sorted(set(story_of.values()))}).to_pylist()}
            stories = [{**s, "run_id": run_id} for s in summarise_stories(rows["articles"], story_of, known)]
            signatures = np.array([r["signature"] for r in rows["_minhash"]], dtype=np.uint64)
            tables = {name: to_table(name, table_rows) for name, table_rows in rows.items()}
            tables |= {"stories": to_table("stories", stories), "_term_df": to_table("_term_df", df.changed_rows(before)),
                       "_lsh_bands": band_table([r["article_id"] for r in rows["_minhash"]], signatures, bands,
                                                rows_per_band)}
            versions = lake.commit(tables, MERGE_KEYS)
            now = dt.datetime.now(dt.timezone.utc)
            lake.append_ledger({
                "run_id": run_id, "started_at": now, "finished_at": now, "status": "succeeded",
                "source": "bench/scale.py build", "files_seen": stop - start, "files_new": stop - start,
                "files_skipped": 0, "files_ingested": stop - start, "files_duplicate": 0, "files_quarantined": 0,
                "articles_new": stop - start, "duplicates": len(rows["duplicates"]), "quarantined": 0,
                "stories_new": len(stories), "entities_new": len(rows["entities"]), "quotes_new": len(rows["quotes"]),
                "amounts_new": len(rows["amounts"]), "date_mentions_new": len(rows["date_mentions"]),
                "table_versions": json.dumps(versions), "message": "synthetic"})
            print(f"  {stop:>9,} articles written ({time.perf_counter() - began:.0f} s)", flush=True)


def run_cli(source: Path, warehouse: Path, home: Path) -> dict:
    """One measured `wirehouse run` (`_runs.measured_run`) and the stage seconds of its ledger row."""
    seconds, flow_mib, tree_mib = measured_run(source, warehouse, home)
    from tasks.io.lake import Lake

    ledger = Lake(warehouse).ledger().sort_by([("ledger_version", "descending")]).slice(0, 1).to_pylist()[0]
    return {"seconds": seconds, "flow_mib": flow_mib, "tree_mib": tree_mib,
            "stages": json.loads(ledger["stage_seconds"] or "{}"), "articles": ledger["articles_new"]}


def reuters_files(count: int, into: Path, offset: int = 0) -> Path:
    folder = unpacked("reuters21578/articles-txt.tar.gz")
    into.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.rglob("*.txt"))[offset:offset + count]:
        shutil.copy2(path, into / path.name)
    return into


def measure(sizes: list[int], add: int, cache: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="wirehouse-scale-"))
    source = reuters_files(add, work / "new")
    results = {}
    for n in sizes:
        built = cache / f"warehouse-{n}"
        if n and not (built / ".built").exists():
            shutil.rmtree(built, ignore_errors=True)
            print(f"building a warehouse of {n:,} synthetic articles in {built}", flush=True)
            build(n, built)
            (built / ".built").touch()
        target = work / f"run-{n}"
        if n:
            shutil.copytree(built, target)
        results[n] = run_cli(source, target, work / "home")
        shutil.rmtree(target)
        r = results[n]
        print(f"N = {n:>9,}: {r['articles']} articles in {r['seconds']:.1f} s wall; flow process peak "
              f"{r['flow_mib']:.0f} MiB, process tree {r['tree_mib']:.0f} MiB; stages {r['stages']}", flush=True)
    base = results.get(0)
    if base:
        for n, r in results.items():
            if n:
                flow = sum(r["stages"].values()) / sum(base["stages"].values())
                print(f"N = {n:>9,}: flow time {flow:.2f}x the empty warehouse's (target <= 1.25x), flow process "
                      f"{r['flow_mib'] / 1024:.2f} GiB (target <= 2 GiB): "
                      f"{'met' if flow <= 1.25 and r['flow_mib'] <= 2048 else 'NOT met'}")
    shutil.rmtree(work, ignore_errors=True)


def memory(sizes: list[int]) -> None:
    """Peak memory of the whole process tree of one run of each size, into an empty warehouse
    (Reuters files, repeated with a numbered line so that every file is a new article). NER is
    on; `--stream-files` makes the batches smaller so that the same ratio of run size to batch
    size fits in less time (20,000 and 200,000 files take hours here)."""
    work = Path(tempfile.mkdtemp(prefix="wirehouse-memory-"))
    folder = unpacked("reuters21578/articles-txt.tar.gz")
    originals = sorted(folder.rglob("*.txt"))
    peaks = {}
    for n in sizes:
        source = work / f"in-{n}"
        source.mkdir()
        for i in range(n):
            text = originals[i % len(originals)].read_text(encoding="utf-8", errors="replace")
            (source / f"{i:07d}.txt").write_text(text if i < len(originals) else f"{text}\n\nRepeat {i}.\n")
        r = run_cli(source, work / f"wh-{n}", work / "home")
        peaks[n] = r["tree_mib"]
        print(f"{n:>8,} articles: {r['seconds']:.0f} s, process tree peak {r['tree_mib']:.0f} MiB, flow process "
              f"{r['flow_mib']:.0f} MiB", flush=True)
        shutil.rmtree(source)
        shutil.rmtree(work / f"wh-{n}")
    small, large = min(peaks), max(peaks)
    growth = peaks[large] / peaks[small] - 1
    print(f"memory growth from {small:,} to {large:,} articles: {growth:+.1%} (target <= +10%): "
          f"{'met' if growth <= 0.10 else 'NOT met'}")
    shutil.rmtree(work, ignore_errors=True)


def serve_runs(add: int, runs: int) -> None:
    """`wirehouse serve` with a warm process: a first run on 1,000 Reuters files, then `runs`
    more, each finding `add` new files dropped in just before it; flow time from the ledger."""
    work = Path(tempfile.mkdtemp(prefix="wirehouse-serve-"))
    source, warehouse = reuters_files(1000, work / "in"), work / "wh"
    env = {**os.environ, "PREFECT_HOME": str(work / "home"), "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    interval = 60  # the first run (1,000 files, cold) ends before the second begins
    process = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", str(source), "--warehouse", str(warehouse),
                                "--interval", str(interval), "--runs", str(runs + 1), "--name", "bench"],
                               env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("run ") and sum(1 for x in lines if x.startswith("run ")) <= runs:
            done = sum(1 for x in lines if x.startswith("run "))
            reuters_files(add, source, offset=1000 + (done - 1) * add)  # lands before the next run
    process.wait()
    from tasks.io.lake import Lake

    ledger = Lake(warehouse).ledger().sort_by("ledger_version").to_pylist()
    for row in ledger:
        stages = json.loads(row["stage_seconds"] or "{}")
        print(f"serve run: {row['articles_new']:>5} new articles, flow time {sum(stages.values()):5.1f} s {stages}")
    warm = [sum(json.loads(r["stage_seconds"]).values()) for r in ledger[1:]]
    if warm:
        print(f"warm runs with {add} new files: flow time {min(warm):.1f}-{max(warm):.1f} s (target <= 5 s): "
              f"{'met' if max(warm) <= 5 else 'NOT met'}")
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    make = sub.add_parser("build", help="write a synthetic warehouse")
    make.add_argument("--articles", type=int, required=True)
    make.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--sizes", default="0,100000,1000000", help="warehouse sizes; empty: skip")
    parser.add_argument("--add", type=int, default=1000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/wirehouse-scale"))
    parser.add_argument("--memory", action="store_true", help="also compare the memory of two run sizes")
    parser.add_argument("--serve", type=int, default=0, metavar="RUNS",
                        help="also time RUNS warm `wirehouse serve` runs of 30 new files each")
    parser.add_argument("--memory-sizes", default="20000,200000")
    parser.add_argument("--stream-files", type=int, default=None,
                        help="files per staged batch in the memory runs (default: the setting's 5,000)")
    args = parser.parse_args()
    if args.command == "build":
        began = time.perf_counter()
        build(args.articles, args.warehouse)
        print(f"built {args.articles:,} articles in {time.perf_counter() - began:.0f} s")
        return
    if args.sizes:
        measure([int(s) for s in args.sizes.split(",")], args.add, args.cache)
    if args.stream_files:
        os.environ["WIREHOUSE_STREAM_FILES"] = str(args.stream_files)
    if args.memory:
        memory([int(s) for s in args.memory_sizes.split(",")])
    if args.serve:
        serve_runs(30, args.serve)


if __name__ == "__main__":
    main()
