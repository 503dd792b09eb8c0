"""The validation results Great Expectations keeps in `<warehouse>/data_docs/results/`, read back
for the report: GX's own pages load their styles and scripts from CDNs and show only headings
without a network, so the report lists the results itself and links each page."""

from __future__ import annotations

import json
from pathlib import Path


def latest_results(docs_dir: Path, limit: int = 40) -> list[dict]:
    """The newest validation results, newest first: table, run, success, expectations evaluated
    and failed, what failed, and the GX page (path relative to docs_dir) when there is one."""
    files = sorted((docs_dir / "results").rglob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    rows = []
    for path in files[:limit]:
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        suite = result.get("suite_name") or path.parent.parent.parent.name
        table, _, run = suite.partition("-contract-")
        failed = [r for r in result.get("results", []) if not r.get("success")]
        page = Path("validations") / path.relative_to(docs_dir / "results").with_suffix(".html")
        stats = result.get("statistics", {})
        rows.append({
            "table": table, "run": run or suite, "success": bool(result.get("success")),
            "evaluated": stats.get("evaluated_expectations"), "failed": stats.get("unsuccessful_expectations"),
            "what failed": "; ".join(
                f"{r['expectation_config']['type']}({r['expectation_config'].get('kwargs', {}).get('column', '')})"
                f" on {r.get('result', {}).get('unexpected_count', '?')} rows" for r in failed[:5]),
            "page": str(page) if (docs_dir / page).exists() else None,
        })
    return rows
