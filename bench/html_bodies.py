"""Body extraction from real pages: token F1 against hand-checked texts.

    .venv/bin/python bench/html_bodies.py HTML_DIR TXT_DIR

Pairs `HTML_DIR/<name>.html` with `TXT_DIR/<name>.txt` (newspaper4k's tests/data/html and
tests/data/txt have this shape) and prints the mean token F1 of the body wirehouse keeps
(`tasks.io.readers.html_record`: precision with tables, then trafilatura's default settings
where precision finds under 50 words) beside trafilatura's precision mode alone (what wirehouse did before). Not a test.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.clean import words_of  # noqa: E402
from tasks.io.readers import Reject, decode_html, html_record  # noqa: E402


def f1(found: str, gold: str) -> float:
    a, b = Counter(words_of(found.casefold())), Counter(words_of(gold.casefold()))
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def precision_only(data: bytes) -> str:
    import trafilatura

    document = trafilatura.bare_extraction(decode_html(data)[0], with_metadata=True, include_comments=False,
                                           include_tables=False, favor_precision=True)
    return (getattr(document, "text", None) or "") if document is not None else ""


def main() -> int:
    html_dir, txt_dir = Path(sys.argv[1]), Path(sys.argv[2])
    rows = []
    for page in sorted(html_dir.glob("*.html")):
        gold = txt_dir / f"{page.stem}.txt"
        if not gold.exists():
            continue
        data, expected = page.read_bytes(), gold.read_text(encoding="utf-8", errors="replace")
        try:
            ours = html_record(data)[0]["text"]
        except Reject:
            ours = ""
        rows.append((page.stem, f1(ours, expected), f1(precision_only(data), expected)))
    for name, ours, before in rows:
        print(f"{name:40} wirehouse {ours:.3f}   precision only {before:.3f}")
    n = len(rows)
    print(f"\n{n} pages: mean token F1 wirehouse {sum(r[1] for r in rows) / n:.3f}, "
          f"precision only {sum(r[2] for r in rows) / n:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
