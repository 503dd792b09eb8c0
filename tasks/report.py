"""The run report: one self-contained HTML page (no network) over the catalog.

`report_data` takes a query function (SQL -> (columns, rows)); `render_report` is pure: data
in, HTML out. Charts are Vega-Lite specs (altair) rendered to inline SVG by vl-convert, so the
page needs no JavaScript; every value from the data is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Callable

QUERIES = {
    "runs": """select run_id, status, started_at, finished_at, files_seen, files_new, files_quarantined,
                      articles_new, duplicates, quarantined, stories_new, stage_seconds, message
               from runs order by started_at desc limit 30""",
    "totals": """select (select count(*) from articles) as articles,
                        (select count(*) from duplicates) as duplicates,
                        (select count(*) from duplicates where kind = 'exact') as exact,
                        (select count(*) from duplicates where kind = 'near') as near,
                        (select count(*) from stories where merged_into is null) as stories,
                        (select count(*) from quarantine) as quarantined,
                        (select count(*) from files) as files""",
    "stories": """select story_id, title, article_count, outlet_count, first_date, last_date
                  from stories where merged_into is null
                  order by article_count desc, outlet_count desc, story_id limit 15""",
    # names, places and speakers are counted in canonical articles only: ten reprints of one story
    # are one story's worth of mentions, not ten
    # a lone surname counts for the person the warehouse knows by it (the person_names view)
    "people": """select p.person as name, count(*) as mentions from entities e join person_names p on p.name = e.canonical_name
                 where e.label = 'PERSON' and e.article_id not in (select article_id from duplicates)
                 group by 1 order by 2 desc, 1 limit 15""",
    "organisations": """select canonical_name as name, count(*) as mentions from entities where label = 'ORG'
                        and article_id not in (select article_id from duplicates)
                        group by 1 order by 2 desc, 1 limit 15""",
    "places": """select canonical_name as name, any_value(country_code) as country, count(*) as mentions
                 from entities where label in ('GPE', 'LOC') and article_id not in (select article_id from duplicates)
                 group by 1 order by 3 desc, 1 limit 15""",
    "speakers": """select speaker, count(*) as quotes, count(distinct article_id) as articles, any_value(text) as example
                   from quotes where speaker is not null and article_id not in (select article_id from duplicates)
                   group by 1 order by 2 desc, 1 limit 15""",
    "quarantine": """select reason, stage, count(*) as rows, any_value(path) as example
                     from quarantine group by 1, 2 order by 3 desc, 1""",
    "languages": """select language, extraction, count(*) as articles from articles
                    where article_id not in (select article_id from duplicates)
                    group by 1, 2 order by 3 desc, 1""",
}


def report_data(query: Callable[[str], tuple[list[str], list[tuple]]]) -> dict[str, list[dict]]:
    data = {}
    for name, sql in QUERIES.items():
        columns, rows = query(sql)
        data[name] = [dict(zip(columns, row)) for row in rows]
    return data


def _svg(chart) -> str:
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_json())


def charts(data: dict) -> dict[str, str]:
    """Inline SVG for each chart that has data."""
    import altair as alt
    import pandas as pd

    count_axis = alt.Axis(format="d", tickMinStep=1)  # counts have no halves

    out = {}
    runs = [r for r in reversed(data["runs"]) if r["status"] == "succeeded"]
    if runs:
        volumes = pd.DataFrame([{"run": r["run_id"][:15], "kind": kind, "rows": r[column]} for r in runs
                                for kind, column in (("new articles", "articles_new"), ("duplicates", "duplicates"),
                                                     ("quarantined", "quarantined"))])
        out["volumes"] = _svg(alt.Chart(volumes, title="Rows per run").mark_bar().encode(
            x=alt.X("run:N", sort=None, title="run"), y=alt.Y("rows:Q", title="rows", axis=count_axis),
            color=alt.Color("kind:N", title=None), xOffset="kind:N").properties(width=520, height=220))
        # the last run that did work: after a rerun with nothing new, validating its ledger row is all
        worked = [r for r in runs if (r.get("files_new") or 0) > 0] or runs
        last = worked[-1]
        if last.get("stage_seconds"):
            stages = pd.DataFrame([{"stage": k, "seconds": v} for k, v in json.loads(last["stage_seconds"]).items()])
            out["stages"] = _svg(alt.Chart(stages, title=f"Seconds per stage, run {last['run_id']}").mark_bar().encode(
                x=alt.X("seconds:Q"), y=alt.Y("stage:N", sort=None)).properties(width=420, height=200))
    dated = [s for s in data["stories"] if s["first_date"] and s["last_date"]]
    if dated:
        # a bar spans first to last day inclusive, so a one-day story is one day wide
        frame = pd.DataFrame([{"story": (s["title"] or s["story_id"])[:60], "first": str(s["first_date"]),
                               "last": str(s["last_date"] + dt.timedelta(days=1)), "articles": s["article_count"]}
                              for s in dated])
        base = alt.Chart(frame, title="Story timeline").encode(
            y=alt.Y("story:N", sort="-x", title=None), color=alt.Color("articles:Q", title="articles"))
        # a point on each story's first day, so a one-day story on a long axis is still seen
        out["timeline"] = _svg(alt.layer(
            base.mark_bar(height=10, cornerRadius=2).encode(x=alt.X("first:T", title="date"), x2="last:T"),
            base.mark_point(filled=True, size=60).encode(x="first:T"),
        ).properties(width=520, height=max(80, 24 * len(frame))))
    for key, label in (("people", "People"), ("organisations", "Organisations"), ("places", "Places")):
        if data[key]:
            frame = pd.DataFrame(data[key])
            out[key] = _svg(alt.Chart(frame, title=f"Top {label.lower()}").mark_bar().encode(
                x=alt.X("mentions:Q", axis=count_axis), y=alt.Y("name:N", sort="-x", title=None)
            ).properties(width=260, height=220))
    return out


def _table(rows: list[dict], columns: list[str] | None = None) -> str:
    if not rows:
        return "<p class='empty'>none</p>"
    columns = columns or list(rows[0])
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c, row.get(c))}</td>" for c in columns) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(column: str, value) -> str:
    """A cell's HTML: escaped text; a `page` column is a link to that (relative) page."""
    if column == "page" and value:
        return f"<a href='{html.escape(str(value), quote=True)}'>GX page</a>"
    return html.escape(_text(value))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}"
    text = str(value)
    return text if len(text) <= 140 else text[:137] + "…"


STYLE = """body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2433}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.3rem}
.meta{color:#667}.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{background:#f4f6fb;border-radius:8px;padding:.8rem 1.1rem;min-width:120px}
.card b{display:block;font-size:1.5rem}.grid{display:flex;gap:1.5rem;flex-wrap:wrap;align-items:flex-start}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0;width:100%}
th,td{border-bottom:1px solid #e4e7ef;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f4f6fb;overflow-wrap:normal;white-space:nowrap}.empty{color:#889}.status-succeeded{color:#17803d}.status-failed,.status-validation_failed{color:#b42318}"""


def extraction_note(languages: list[dict]) -> str:
    """Why names and quotes cover only part of the articles: those in a language with no model
    here add none (no English model is run on German), so an empty or thin section says so."""
    without = [row for row in languages if row["extraction"] in ("language_unsupported", "language_unknown")]
    if not without:
        return ""
    total = sum(row["articles"] for row in languages)
    missing = sum(row["articles"] for row in without)
    named = ", ".join(f"{row['language'] or 'unknown'} {row['articles']}" for row in without[:6])
    more = f", {len(without) - 6} more" if len(without) > 6 else ""
    return (f"<p class='meta'>{missing} of {total} articles add no names or quotes: their language has no model "
            f"here, or none was told ({html.escape(named + more)}).</p>")


def render_report(data: dict, svgs: dict[str, str], warehouse: str, generated_at: str) -> str:
    totals = data["totals"][0] if data["totals"] else {}
    rate = (totals.get("duplicates", 0) / totals["articles"]) if totals.get("articles") else 0.0
    cards = "".join(f"<div class='card'><b>{html.escape(_text(value))}</b>{html.escape(label)}</div>" for label, value in (
        ("articles", totals.get("articles")), ("stories", totals.get("stories")),
        ("duplicate rate", f"{rate:.1%}"), ("exact / near copies", f"{totals.get('exact', 0)} / {totals.get('near', 0)}"),
        ("files", totals.get("files")), ("quarantined", totals.get("quarantined"))))
    runs = [{**r, "status": r["status"]} for r in data["runs"]]
    run_columns = ["run_id", "status", "started_at", "files_seen", "files_new", "files_quarantined", "articles_new",
                   "duplicates", "quarantined", "stories_new", "message"]
    charts_for = lambda *keys: "".join(f"<div>{svgs[k]}</div>" for k in keys if k in svgs)  # noqa: E731
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>wirehouse report</title><style>{STYLE}</style></head>
<body>
<h1>wirehouse report</h1>
<p class="meta">warehouse {html.escape(warehouse)} · generated {html.escape(generated_at)}</p>
<div class="cards">{cards}</div>
<h2>Runs</h2>
<div class="grid">{charts_for("volumes", "stages")}</div>
{_table(runs, run_columns)}
<h2>Stories</h2>
<div class="grid">{charts_for("timeline")}</div>
{_table(data["stories"])}
<h2>Who and where</h2>
{extraction_note(data.get("languages", []))}
<div class="grid">{charts_for("people", "organisations", "places")}</div>
<h2>Quotes by speaker</h2>
{_table(data["speakers"])}
<h2>Quarantine</h2>
{_table(data["quarantine"])}
<h2>Validation</h2>
<p class="meta">The newest Great Expectations results (GX's own pages need a network for their styles).</p>
{_table(data.get("validation", []))}
</body></html>
"""
